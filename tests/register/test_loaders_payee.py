"""An ePCN workbook's nominated payee columns (where its version has them) go into each network's governance, from
the file's publication date (``--date``; else the day of the import)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pcnhub.register.loaders import import_file
from pcnhub.register.models import DeliveryModel, Governance, Organisation, OrgKind, PartnerType
from tests.ingest.helpers import EPCN_DETAILS_HEADER, epcn_member, epcn_network, epraccur_row, write_csv, write_epcn

pytestmark = pytest.mark.django_db

D = dt.date
PAYEE_HEADER = [*EPCN_DETAILS_HEADER, "Nominated\nPayee\nCode", "Nominated\nPayee\nName"]
MEMBERS = [epcn_member("A81001", "U89141"), epcn_member("A81002", "U07032", name="QUEENS PARK MEDICAL CENTRE",
                                                        pcn_name="NORTH STOCKTON PCN")]


@pytest.fixture(autouse=True)
def practices(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "epraccur.csv", [epraccur_row("A81001", "THE DENSHAM SURGERY"),
                                                 epraccur_row("A81002", "QUEENS PARK MEDICAL CENTRE")])
    import_file(path, progress=False)


def epcn(tmp_path: Path, payees: dict[str, tuple[str, str]], name: str = "ePCN.xlsx") -> Path:
    networks = [[*epcn_network(code, pcn), *payees.get(code, (None, None))]
                for code, pcn in (("U89141", "STOCKTON PCN"), ("U07032", "NORTH STOCKTON PCN"))]
    return write_epcn(tmp_path / name, networks, MEMBERS, details_header=PAYEE_HEADER)


def governance(code: str) -> list[tuple]:
    return list(Governance.objects.filter(pcn__code=code).order_by("start").values_list(
        "start", "end", "nominated_payee__code", "delivery_model", "network_agreement", "network_agreement_date"))


def test_a_first_import_records_each_named_payee_from_the_files_date(tmp_path):
    run = import_file(epcn(tmp_path, {"U89141": ("A81001", "THE DENSHAM SURGERY")}), date=D(2022, 8, 25),
                      progress=False)
    assert governance("U89141") == [(D(2022, 8, 25), None, "A81001", "", "not_started", None)]
    assert governance("U07032") == []  # no payee in the file: nothing recorded
    assert run.created >= 1 and not run.warnings


def test_a_payee_the_register_does_not_know_is_added_as_a_partner_organisation(tmp_path):
    import_file(epcn(tmp_path, {"U07032": ("DQ1", "TEES GP FEDERATION")}), date=D(2022, 8, 25), progress=False)
    payee = Organisation.objects.get(code="DQ1")
    assert (payee.kind, payee.partner_type, payee.name) == (OrgKind.PARTNER, PartnerType.OTHER_PROVIDER,
                                                            "TEES GP FEDERATION")
    assert governance("U07032")[0][2] == "DQ1"


def test_a_new_payee_keeps_the_other_arrangements_and_ends_the_old_row_the_day_before(tmp_path):
    import_file(epcn(tmp_path, {"U89141": ("A81001", "THE DENSHAM SURGERY")}), date=D(2022, 8, 25), progress=False)
    Governance.objects.filter(pcn__code="U89141").update(delivery_model=DeliveryModel.LEAD_PRACTICE,
                                                         network_agreement="signed",
                                                         network_agreement_date=D(2019, 6, 30))
    again = import_file(epcn(tmp_path, {"U89141": ("A81001", "")}, "same.xlsx"), date=D(2023, 1, 10), progress=False)
    assert len(governance("U89141")) == 1  # the same payee: nothing new
    assert again.created == 0
    import_file(epcn(tmp_path, {"U89141": ("A81002", "QUEENS PARK")}, "moved.xlsx"), date=D(2023, 5, 2),
                progress=False)
    assert governance("U89141") == [
        (D(2022, 8, 25), D(2023, 5, 1), "A81001", "lead_practice", "signed", D(2019, 6, 30)),
        (D(2023, 5, 2), None, "A81002", "lead_practice", "signed", D(2019, 6, 30)),
    ]


def test_a_second_file_of_the_same_day_corrects_that_days_row(tmp_path):
    import_file(epcn(tmp_path, {"U89141": ("A81001", "")}), date=D(2022, 8, 25), progress=False)
    import_file(epcn(tmp_path, {"U89141": ("A81002", "")}, "corrected.xlsx"), date=D(2022, 8, 25), progress=False)
    assert governance("U89141") == [(D(2022, 8, 25), None, "A81002", "", "not_started", None)]


def test_governance_recorded_after_the_files_date_is_left_and_said_so(tmp_path):
    import_file(epcn(tmp_path, {"U89141": ("A81001", "")}), date=D(2023, 5, 2), progress=False)
    older = import_file(epcn(tmp_path, {"U89141": ("A81002", "")}, "older.xlsx"), date=D(2022, 8, 25),
                        progress=False)
    assert governance("U89141") == [(D(2023, 5, 2), None, "A81001", "", "not_started", None)]
    assert "U89141" in older.warnings and "after 2022-08-25" in older.warnings


def test_without_a_date_the_payee_is_recorded_from_the_day_of_the_import(tmp_path):
    import_file(epcn(tmp_path, {"U89141": ("A81001", "")}), progress=False)
    assert governance("U89141")[0][:3] == (dt.date.today(), None, "A81001")
