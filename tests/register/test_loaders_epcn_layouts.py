"""ePCN workbooks laid out as four published versions (December 2019, April 2022, January 2023, January 2025),
imported whole through import_file.

The layouts (sheet names, column headings with their line breaks and trailing spaces, and how each version writes
its cells: dates as numbers or as text, an empty close date as '' or no value, a 0 in an address line) are as the
ODS specification of ePCN.xlsx and published copies held in public repositories show them; those copies were read
to check the importer, and are not held here.  Every code, name and date below is made up."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pcnhub.ingest import Kind, detect_kind, read_epcn
from pcnhub.register.loaders import import_file
from pcnhub.register.models import Membership, Organisation, OrgKind, Parentage
from tests.ingest.helpers import write_epcn

pytestmark = pytest.mark.django_db

SUB_ICB_DETAILS = ["PCN Code", "PCN Name", "Current Sub ICB Loc Code", "Sub ICB Location", "Open Date", "Close Date",
                   *(f"Address Line {i}" for i in range(1, 6)), "Postcode"]
SUB_ICB_PARTNERS = ["Partner\nOrganisation\nCode", "Partner\nName", "Practice\nParent\nSub ICB Loc Code",
                    "Practice\nParent\nSub ICB Loc Name", "PCN Code", "PCN Name", "PCN Parent\nSub ICB Loc Code",
                    "PCN Parent\nSub ICB Loc Name", "Practice to PCN\nRelationship\nStart Date",
                    "Practice to PCN\nRelationship\nEnd Date", "Practice Sub ICB Loc and PCN Sub ICB Loc Match "]


@dataclass(frozen=True)
class Layout:
    name: str
    sheets: tuple[str, str]
    details: list[str]
    partners: list[str]
    saved: dt.datetime
    date: Any  # how a date is written: a function of a dt.date
    no_date: Any  # what an empty close date (details) and end date (partners) cell holds
    sub_icb: str  # the sub-ICB (or CCG) code of every PCN and practice in this version


def _number(day: dt.date) -> int:
    return int(day.strftime("%Y%m%d"))


def _text(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


DECEMBER_2019 = Layout(
    "December 2019", ("PCN Details", "PCN Core Partner Details"),
    ["PCN Code", "PCN Name", "Current Clinical Commissioning Group Code", "Clinical Commissioning Group Name",
     "Open Date (YYYYMMDD)", "Close Date", *(f"Address Line {i}" for i in range(1, 6)), "Postcode"],
    ["Partner Organisation Code", "Partner Name", "Practice Parent CCG Code", "Practice Parent CCG Name", "PCN Code",
     "PCN Name", "PCN Parent CCG Code", "PCN Parent CCG Name", "Practice to PCN Relationship Start Date",
     "Practice to PCN Relationship End Date", "Practice CCG and PCN CCG match?"],
    dt.datetime(2019, 12, 4, 15, 51), _number, None, "99X")
APRIL_2022 = Layout(
    "April 2022", ("PCNDetails", "PCN Core Partner Details"),
    ["PCN Code", "PCN Name", "Current Clinical \nCommissioning \nGroup Code", "Clinical\nCommissioning\nGroup Name",
     "Open Date", "Close Date", *(f"Address Line {i}" for i in range(1, 6)), "Postcode"],
    ["Partner\nOrganisation\nCode", "Partner\nName", "Practice\nParent\nCCG Code", "Practice\nParent\nCCG Name",
     "PCN Code", "PCN Name", "PCN Parent\nCCG Code", "PCN Parent\nCCG Name",
     "Practice to PCN\nRelationship\nStart Date", "Practice to PCN\nRelationship\nEnd Date",
     "Practice CCG and PCN\nCCG Match "],
    dt.datetime(2022, 4, 27, 16, 0), _text, "", "X9X9X")
JANUARY_2023 = Layout("January 2023", ("PCNDetails", "PCN Core Partner Details"), SUB_ICB_DETAILS, SUB_ICB_PARTNERS,
                      dt.datetime(2023, 1, 26, 13, 40), _text, None, "X9X9X")
JANUARY_2025 = Layout("January 2025", ("PCNDetails", "PCN Core Partner Details"), SUB_ICB_DETAILS, SUB_ICB_PARTNERS,
                      dt.datetime(2025, 1, 20, 13, 37), _text, None, "X9X9X")
LAYOUTS = (DECEMBER_2019, APRIL_2022, JANUARY_2023, JANUARY_2025)

OPENED, CLOSED = dt.date(2019, 7, 1), dt.date(2020, 3, 31)
#: PCN code: name, close date, address lines (the last PCN's fifth line a 0, as one published file has it)
PCNS = {
    "U99901": ("RIVERSIDE PCN", None, ("1 HIGH STREET", "", "RIVERTOWN", "", "RIVERSHIRE")),
    "U99902": ("HILLSIDE PCN", CLOSED, ("HILL SURGERY", "2 HILL ROAD", "", "HILLTOWN", "")),
    "U99903": ("VALLEY PCN", None, ("VALLEY HEALTH CENTRE", "", "", "", 0)),
}
#: practice, PCN, start, end
MEMBERS = [
    ("Y99001", "U99901", OPENED, None),
    ("Y99002", "U99901", OPENED, None),
    ("Y99003", "U99902", OPENED, CLOSED),
    ("Y99003", "U99903", CLOSED + dt.timedelta(days=1), None),
    ("Y99004", "U99903", OPENED, None),
]


def _write(layout: Layout, path: Path, *, pcns: dict = PCNS) -> Path:
    sub_icb, sub_icb_name = layout.sub_icb, f"NHS MADE-UP AREA ({layout.sub_icb})"
    details = [[code, name, sub_icb, sub_icb_name, layout.date(OPENED),
                layout.date(closed) if closed else layout.no_date, *address, "ZZ99 9ZZ"]
               for code, (name, closed, address) in pcns.items()]
    partners = [[practice, f"SURGERY {practice}", sub_icb, sub_icb_name, pcn, PCNS[pcn][0], sub_icb, sub_icb_name,
                 layout.date(start), layout.date(end) if end else layout.no_date, True]
                for practice, pcn, start, end in MEMBERS if pcn in pcns]
    write_epcn(path, details, partners, details_header=layout.details, partners_header=layout.partners,
               sheets=layout.sheets)
    return _saved(path, layout.saved)


def _saved(path: Path, when: dt.datetime) -> Path:
    """The workbook's "last saved" document property set to ``when`` (openpyxl writes the time it saves)."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    core = parts["docProps/core.xml"].decode("utf-8")
    parts["docProps/core.xml"] = re.sub(r"(<dcterms:modified[^>]*>)[^<]*", rf"\g<1>{stamp}", core).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def _parents(code: str) -> list[tuple[dt.date | None, dt.date | None, str]]:
    rows = Parentage.objects.filter(child__code=code, parent__kind=OrgKind.SUB_ICB).order_by("start")
    return list(rows.values_list("start", "end", "parent__code"))


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
def test_a_published_layout_imports_its_pcns_partners_dates_and_sub_icb_locations(layout, tmp_path) -> None:
    path = _write(layout, tmp_path / "ePCN.xlsx")
    assert detect_kind(path) is Kind.EPCN
    run = import_file(path, progress=False)
    assert (run.kind, run.rows) == ("epcn", len(PCNS) + len(MEMBERS)) and not run.warnings
    pcns = Organisation.objects.filter(kind=OrgKind.PCN)
    assert {p.code: (p.name, p.open_date, p.close_date, p.address, p.postcode) for p in pcns} == {
        code: (name, OPENED, closed, ", ".join(str(line) for line in address if line), "ZZ99 9ZZ")
        for code, (name, closed, address) in PCNS.items()
    }
    assert {code: _parents(code) for code in PCNS} == {
        code: [(OPENED, closed, layout.sub_icb)] for code, (_, closed, _) in PCNS.items()
    }
    assert Organisation.objects.get(code=layout.sub_icb).name == f"NHS MADE-UP AREA ({layout.sub_icb})"
    # each PCN's own sub-ICB (CCG) name, from its details row (the partners' rows name it too)
    assert {n.sub_icb_name for n in read_epcn(path).networks} == {f"NHS MADE-UP AREA ({layout.sub_icb})"}
    assert set(Membership.objects.values_list("practice__code", "pcn__code", "start", "end")) == set(MEMBERS)
    again = import_file(path, progress=False)
    assert (again.created, again.updated) == (0, 0)


def test_a_later_files_current_sub_icb_starts_on_the_day_it_was_saved_and_the_earlier_code_keeps_its_days(
        tmp_path) -> None:
    """A PCN in CCG 99X in December 2019's file (saved 4 December 2019) and in X9X9X in April 2022's (saved 27 April
    2022; "Current" on that day: the files do not say when it changed).  Before, the later code was recorded from
    the PCN's open date and 99X was lost."""
    for layout in LAYOUTS:
        import_file(_write(layout, tmp_path / f"{layout.name}.xlsx"), progress=False)
    assert _parents("U99901") == [(OPENED, dt.date(2022, 4, 26), "99X"), (dt.date(2022, 4, 27), None, "X9X9X")]
    assert _parents("U99902") == [(OPENED, CLOSED, "99X")]  # closed before the later files: their code not its own
    assert set(Membership.objects.values_list("practice__code", "pcn__code", "start", "end")) == set(MEMBERS)


def test_the_date_given_for_a_file_is_the_day_its_current_codes_are_recorded_from(tmp_path) -> None:
    import_file(_write(DECEMBER_2019, tmp_path / "2019.xlsx"), progress=False)
    import_file(_write(JANUARY_2023, tmp_path / "2023.xlsx"), date=dt.date(2022, 12, 1), progress=False)
    assert _parents("U99901") == [(OPENED, dt.date(2022, 11, 30), "99X"), (dt.date(2022, 12, 1), None, "X9X9X")]
