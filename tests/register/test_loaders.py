"""import_file: files into the register, all or nothing, idempotent, with dated history."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pcnhub.domain.errors import InputError
from pcnhub.ingest import Kind
from pcnhub.register import loading
from pcnhub.register.loaders import import_file, local_code
from pcnhub.register.models import (
    ImportRun,
    ListSize,
    ListSizeBand,
    Membership,
    Organisation,
    OrgKind,
    Parentage,
)
from tests.ingest.helpers import (
    ALL_HEADER,
    MAP_HEADER,
    QUIN_HEADER,
    SINGLE_HEADER,
    all_row,
    epcn_member,
    epcn_network,
    epraccur_row,
    map_row,
    write_csv,
    write_epcn,
)
from tests.paths import SHARED_DATA

pytestmark = pytest.mark.django_db

D = dt.date
NHS = SHARED_DATA / "nhs-open-data"
SOUTHEND = SHARED_DATA / "seed-tables" / "southend-castle-point-rochford-pcns_2019-01.csv"
CONFIGURATION_HEADER = ["pcn", "practice_code", "practice_name", "list_size"]


def database() -> dict[str, list[dict[str, Any]]]:
    """Every row of the register's tables (not the import log), to compare before and after."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Organisation, Parentage, Membership, ListSize, ListSizeBand)
    }


def members_on(date: dt.date, practices: list[str] | None = None) -> dict[str, str]:
    """practice code -> PCN code of the memberships valid on ``date``."""
    rows = Membership.objects.on(date).select_related("practice", "pcn")
    if practices is not None:
        rows = rows.filter(practice__code__in=practices)
    return {row.practice.code: row.pcn.code for row in rows}


def parent(code: str, kind: str, date: dt.date) -> str | None:
    link = Parentage.objects.on(date).filter(child__code=code, parent__kind=kind).select_related("parent").first()
    return link.parent.code if link else None


def history(practice: str) -> list[tuple[dt.date | None, dt.date | None, str]]:
    rows = Membership.objects.filter(practice__code=practice).order_by("start").select_related("pcn")
    return [(row.start, row.end, row.pcn.code) for row in rows]


@pytest.fixture
def epraccur(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "epraccur.csv",
        [
            epraccur_row("A81001", "THE DENSHAM SURGERY"),
            epraccur_row("A81002", "QUEENS PARK MEDICAL CENTRE"),
            epraccur_row("A81003", "VICTORIA MEDICAL PRACTICE", closed="20171031", status="C", left="20171031"),
            epraccur_row("A81004", "BLUEBELL MEDICAL CENTRE", commissioner="00M", joined=""),
            epraccur_row("A81005", "SPRINGWOOD SURGERY", commissioner="00M"),
            epraccur_row("Y02509", "LCD WAKEFIELD WIC", setting="1"),
        ],
    )


def practice_map(tmp_path: Path, name: str, *rows: list[str]) -> Path:
    return write_csv(tmp_path / name, rows, MAP_HEADER)


@pytest.fixture
def map_2022(tmp_path: Path) -> Path:
    return practice_map(
        tmp_path,
        "map_2022.csv",
        map_row("A81001", "U89141"),
        map_row("A81002", "U07032", pcn_name="NORTH STOCKTON PCN"),
        map_row("A81004", "U02671", pcn_name="GREATER MIDDLESBROUGH PCN", practice_name="ACKLAM MEDICAL CENTRE"),
        map_row("A81005", "U", pcn_name="Unallocated"),
        map_row(
            "A81006",
            "U02671",
            pcn_name="GREATER MIDDLESBROUGH PCN",
            practice_name="LINTHORPE SURGERY",
            ccg="00M",
            ccg_name="NHS South Tees CCG",
        ),
    )


def import_quietly(path: Path, kind: str | None = None, **options: Any) -> ImportRun:
    return import_file(path, kind, progress=False, **options)


def input_error(call: Callable[[], Any]) -> InputError:
    with pytest.raises(InputError) as caught:
        call()
    return caught.value


# --- epraccur ------------------------------------------------------------------------------------


def test_epraccur_creates_practices_and_their_commissioners(epraccur: Path) -> None:
    run = import_quietly(epraccur)
    practice = Organisation.objects.get(code="A81003")
    assert (practice.kind, practice.name, practice.status, practice.close_date) == (
        OrgKind.PRACTICE,
        "VICTORIA MEDICAL PRACTICE",
        "closed",
        D(2017, 10, 31),
    )
    assert practice.address == "THE HEALTH CENTRE, LAWSON STREET, STOCKTON-ON-TEES, CLEVELAND"
    assert not Organisation.objects.filter(code="Y02509").exists()  # a walk-in centre, not a GP practice
    stub = Organisation.objects.get(code="00K")
    assert (stub.kind, stub.name) == (OrgKind.SUB_ICB, "00K")
    # From the date the practice joined its commissioner (its open date when ODS gives none) ...
    assert list(Parentage.objects.filter(child__code="A81001").values_list("parent__code", "start", "end")) == [
        ("00K", D(2013, 4, 1), None)
    ]
    assert parent("A81004", OrgKind.SUB_ICB, D(1974, 4, 1)) == "00M"
    # ... to the date it left.
    assert list(Parentage.objects.filter(child__code="A81003").values_list("start", "end")) == [
        (D(2013, 4, 1), D(2017, 10, 31))
    ]
    assert (run.kind, run.rows, run.created, run.updated, run.unchanged) == ("epraccur", 5, 12, 0, 0)
    assert run.sha256 and run.file_name == "epraccur.csv" and run.extract_date is None


# --- the practice map ----------------------------------------------------------------------------


def test_the_practice_map_builds_the_geography(epraccur: Path, map_2022: Path) -> None:
    import_quietly(epraccur)
    run = import_quietly(map_2022)
    assert run.extract_date == D(2022, 1, 1) and run.kind == Kind.PRACTICE_MAP
    ccg = Organisation.objects.get(code="16C")
    assert (ccg.kind, ccg.name, ccg.ons_code) == (OrgKind.SUB_ICB, "NHS Tees Valley CCG", "E38000247")
    assert Organisation.objects.get(code="QHM").kind == OrgKind.ICB
    assert Organisation.objects.get(code="Y63").ons_code == "E40000009"
    assert Organisation.objects.get(code="A81004").name == "ACKLAM MEDICAL CENTRE"  # renamed since 2019
    assert Organisation.objects.get(code="A81006").kind == OrgKind.PRACTICE  # new since 2019
    day = D(2022, 1, 1)
    assert parent("16C", OrgKind.ICB, day) == "QHM" and parent("QHM", OrgKind.REGION, day) == "Y63"
    assert parent("A81001", OrgKind.SUB_ICB, day) == "16C"
    assert parent("A81001", OrgKind.SUB_ICB, D(2021, 12, 31)) == "00K"  # epraccur's, ended the day before
    # A PCN's sub-ICB is the most common one of its practices (a tie goes to the lower code).
    assert parent("U02671", OrgKind.SUB_ICB, day) == "00M"
    assert members_on(day) == {"A81001": "U89141", "A81002": "U07032", "A81004": "U02671", "A81006": "U02671"}
    assert not Organisation.objects.filter(code="U").exists()


def test_importing_the_same_files_again_changes_nothing(epraccur: Path, map_2022: Path, tmp_path: Path) -> None:
    sizes = write_csv(tmp_path / "all.csv", [all_row("A81001", 5903), all_row("A81002", 0)], ALL_HEADER)
    for path in (epraccur, map_2022, sizes):
        import_quietly(path)
        before = database()
        again = import_quietly(path)
        assert database() == before, path.name
        assert (again.created, again.updated) == (0, 0) and again.unchanged, path.name
    assert ImportRun.objects.count() == 6


def test_a_practice_that_moves_pcn_keeps_its_history(epraccur: Path, map_2022: Path, tmp_path: Path) -> None:
    map_2021 = practice_map(
        tmp_path, "map_2021.csv", map_row("A81001", "U07032", date="01JAN2021", pcn_name="NORTH STOCKTON PCN")
    )
    import_quietly(epraccur)
    import_quietly(map_2021)
    import_quietly(map_2022)
    assert history("A81001") == [(D(2021, 1, 1), D(2021, 12, 31), "U07032"), (D(2022, 1, 1), None, "U89141")]
    assert members_on(D(2021, 6, 1), ["A81001"]) == {"A81001": "U07032"}
    assert members_on(D(2022, 6, 1), ["A81001"]) == {"A81001": "U89141"}


def test_an_older_map_imported_after_a_newer_one_fills_in_the_past(
    epraccur: Path, map_2022: Path, tmp_path: Path
) -> None:
    map_2021 = practice_map(
        tmp_path, "map_2021.csv", map_row("A81001", "U07032", date="01JAN2021", pcn_name="NORTH STOCKTON PCN")
    )
    import_quietly(epraccur)
    import_quietly(map_2022)
    import_quietly(map_2021)
    assert history("A81001") == [(D(2021, 1, 1), D(2021, 12, 31), "U07032"), (D(2022, 1, 1), None, "U89141")]


def test_unallocated_and_left_out_practices_leave_their_pcn(epraccur: Path, tmp_path: Path) -> None:
    import_quietly(epraccur)
    import_quietly(
        practice_map(
            tmp_path,
            "2021.csv",
            *(
                map_row(code, "U89141", date="01JAN2021", ccg=ccg)
                for code, ccg in [("A81001", "16C"), ("A81005", "16C"), ("A81004", "00M")]
            ),
        )
    )
    import_quietly(practice_map(tmp_path, "2022.csv", map_row("A81001", "U89141"), map_row("A81005", "U")))
    assert history("A81005") == [(D(2021, 1, 1), D(2021, 12, 31), "U89141")]  # listed as unallocated
    assert history("A81004") == [(D(2021, 1, 1), None, "U89141")]  # its sub-ICB is not in the 2022 file
    assert history("A81001") == [(D(2021, 1, 1), None, "U89141")]


def test_a_date_that_disagrees_with_the_extract_date_is_refused(map_2022: Path) -> None:
    error = input_error(lambda: import_quietly(map_2022, date=D(2022, 2, 1)))
    assert "extract date is 2022-01-01" in error.message
    assert not Organisation.objects.exists()


# --- all or nothing ------------------------------------------------------------------------------


def test_a_bad_row_in_the_middle_of_a_map_leaves_the_database_as_it_was(
    epraccur: Path, map_2022: Path, tmp_path: Path
) -> None:
    import_quietly(epraccur)
    import_quietly(map_2022)
    before = database()
    rows = [map_row(f"A8{n:04d}", "U89141", date="01Feb2022") for n in range(100, 200)]
    rows[50][5] = "U-BAD"
    error = input_error(lambda: import_quietly(practice_map(tmp_path, "bad.csv", *rows)))
    assert (error.file, error.row, error.field) == ("bad.csv", 52, "PCN_CODE")
    assert database() == before
    assert ImportRun.objects.count() == 2


def test_a_bad_row_after_writes_have_begun_still_leaves_nothing(
    epraccur: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loading, "FLUSH_EVERY", 2)  # write list sizes while the file is still being read
    import_quietly(epraccur)
    before = database()
    rows = [all_row(code) for code in ("A81001", "A81002", "A81004", "A81005")]
    rows[3][-1] = "-5"
    error = input_error(lambda: import_quietly(write_csv(tmp_path / "all.csv", rows, ALL_HEADER)))
    assert (error.row, error.field) == (5, "NUMBER_OF_PATIENTS")
    assert database() == before


def test_an_unknown_code_in_a_list_size_file_is_an_error(epraccur: Path, tmp_path: Path) -> None:
    import_quietly(epraccur)
    path = write_csv(tmp_path / "all.csv", [all_row("A81001"), all_row("Y06659"), all_row("A81002")], ALL_HEADER)
    error = input_error(lambda: import_quietly(path))
    assert (error.file, error.row, error.field) == ("all.csv", 3, "CODE")
    assert error.message.startswith("Y06659 is not in the register as a GP practice")
    assert not ListSize.objects.exists()


def test_unknown_codes_can_be_skipped(epraccur: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import_quietly(epraccur)
    path = write_csv(tmp_path / "all.csv", [all_row("A81001"), all_row("Y06659")], ALL_HEADER)
    with caplog.at_level(logging.WARNING):
        run = import_quietly(path, skip_unknown=True)
    assert (run.rows, run.created) == (2, 1)
    assert "skipped 1 codes not in the register: Y06659" in caplog.text


def test_a_code_of_another_kind_is_an_error(tmp_path: Path, map_2022: Path) -> None:
    import_quietly(map_2022)
    path = practice_map(tmp_path, "odd.csv", map_row("A81001", "U89141", ccg="QHM", date="01Feb2022"))
    error = input_error(lambda: import_quietly(path))
    assert (error.row, error.field) == (2, "CCG_CODE")
    assert error.message == (
        "QHM is already in the register as another kind of organisation (Integrated care board (ICS)), "
        "not Sub-ICB location (former CCG)"
    )
    assert Organisation.objects.get(code="A81001").name == "THE DENSHAM SURGERY"


# --- list sizes ----------------------------------------------------------------------------------


def test_list_sizes_are_recorded_on_the_extract_date_and_updated(epraccur: Path, tmp_path: Path) -> None:
    import_quietly(epraccur)
    import_quietly(write_csv(tmp_path / "a.csv", [all_row("A81001", 5903), all_row("A81002", 100)], ALL_HEADER))
    run = import_quietly(write_csv(tmp_path / "b.csv", [all_row("A81001", 5903), all_row("A81002", 120)], ALL_HEADER))
    assert (run.created, run.updated, run.unchanged) == (0, 1, 1)
    assert dict(ListSize.objects.values_list("organisation__code", "registered")) == {"A81001": 5903, "A81002": 120}
    assert set(ListSize.objects.values_list("date", flat=True)) == {D(2021, 1, 1)}


def test_age_bands_of_practices_and_pcns(epraccur: Path, map_2022: Path, tmp_path: Path) -> None:
    import_quietly(epraccur)
    import_quietly(map_2022)
    quinary = write_csv(
        tmp_path / "quin.csv",
        [
            ["GP_PRAC_PAT_LIST", "01JAN2022", "GP", "A81001", "", "", "ALL", "ALL", 100],
            ["GP_PRAC_PAT_LIST", "01JAN2022", "GP", "A81001", "", "", "FEMALE", "0_4", 7],
            ["GP_PRAC_PAT_LIST", "01JAN2022", "GP", "A81001", "", "", "FEMALE", "ALL", 51],
            ["GP_PRAC_PAT_LIST", "01JAN2022", "PCN", "U89141", "", "", "ALL", "ALL", 100],
            ["GP_PRAC_PAT_LIST", "01JAN2022", "PCN", "U89141", "", "", "MALE", "95+", 1],
            ["GP_PRAC_PAT_LIST", "01JAN2022", "SUB_ICB_LOCATION", "16C", "", "", "ALL", "ALL", 9000],
        ],
        QUIN_HEADER,
    )
    male = write_csv(
        tmp_path / "male.csv",
        [
            ["GP_PRAC_PAT_LIST", "01JAN2022", "GP", "16C", "", "A81001", "", "MALE", age, n]
            for age, n in (("0", 3), ("37", 1), ("ALL", 49))
        ],
        SINGLE_HEADER,
    )
    import_quietly(quinary)
    import_quietly(male)
    assert dict(ListSize.objects.values_list("organisation__code", "registered")) == {"A81001": 100, "U89141": 100}
    bands = ListSizeBand.objects.values_list("organisation__code", "scheme", "sex", "age_band", "age_from", "patients")
    assert sorted(bands) == [
        ("A81001", "quinary", "F", "0_4", 0, 7),
        ("A81001", "single", "M", "0", 0, 3),
        ("A81001", "single", "M", "37", 37, 1),
        ("U89141", "quinary", "M", "95+", 95, 1),
    ]
    before = database()
    import_quietly(quinary)
    assert database() == before


# --- ePCN ----------------------------------------------------------------------------------------


def test_epcn_pcns_and_dated_memberships(epraccur: Path, tmp_path: Path) -> None:
    import_quietly(epraccur)
    networks = [epcn_network(), epcn_network("U07032", "NORTH STOCKTON PCN", closed=dt.datetime(2023, 3, 31))]
    members = [
        epcn_member("A81001", "U89141"),
        epcn_member("A81002", "U89141", end=dt.datetime(2020, 3, 31), name="QUEENS PARK MEDICAL CENTRE"),
        epcn_member(
            "A81002", "U07032", start="2020-04-01", name="QUEENS PARK MEDICAL CENTRE", pcn_name="NORTH STOCKTON PCN"
        ),
        epcn_member("Y06659", "U07032", start="2021-06-01", name="A NEW PRACTICE", pcn_name="NORTH STOCKTON PCN"),
    ]
    run = import_quietly(write_epcn(tmp_path / "ePCN.xlsx", networks, members), date=D(2022, 8, 25))
    assert (run.kind, run.extract_date, run.rows) == ("epcn", D(2022, 8, 25), 6)
    pcn = Organisation.objects.get(code="U07032")
    assert (pcn.kind, pcn.open_date, pcn.close_date, pcn.postcode) == (
        OrgKind.PCN,
        D(2019, 7, 1),
        D(2023, 3, 31),
        "TS18 1HU",
    )
    assert list(Parentage.objects.filter(child=pcn).values_list("parent__code", "start", "end")) == [
        ("16C", D(2019, 7, 1), D(2023, 3, 31))
    ]
    assert history("A81002") == [(D(2019, 7, 1), D(2020, 3, 31), "U89141"), (D(2020, 4, 1), None, "U07032")]
    assert Organisation.objects.get(code="Y06659").name == "A NEW PRACTICE"  # the file names its practices
    assert Organisation.objects.get(code="16C").name == "NHS TEES VALLEY CCG"

    members[2] = epcn_member(
        "A81002",
        "U07032",
        start="2020-04-01",
        end="2023-03-31",
        name="QUEENS PARK MEDICAL CENTRE",
        pcn_name="NORTH STOCKTON PCN",
    )
    run = import_quietly(write_epcn(tmp_path / "ePCN-2.xlsx", networks, members))
    assert history("A81002")[-1] == (D(2020, 4, 1), D(2023, 3, 31), "U07032")
    assert (run.created, run.updated) == (0, 1)


# --- configurations ------------------------------------------------------------------------------


def test_the_southend_configuration_of_2019_and_the_national_map_of_2022_side_by_side(tmp_path: Path) -> None:
    southend = [
        line
        for line in (NHS / "epraccur_2019.csv").read_text().splitlines()
        if line[1:3] == "F8" or line.startswith('"Y02')
    ]
    epraccur = tmp_path / "epraccur_southend.csv"
    epraccur.write_text("\n".join(southend) + "\n")
    import_quietly(epraccur)
    configuration = import_quietly(SOUTHEND, date=D(2019, 1, 1))
    assert (configuration.kind, configuration.extract_date, configuration.rows) == ("configuration", D(2019, 1, 1), 50)
    national = import_quietly(NHS / "gp-reg-pat-prac-map_2022-01.csv")
    assert national.rows == 6527

    practices = [row.split(",")[2] for row in SOUTHEND.read_text().splitlines()[1:]]
    in_2019 = members_on(D(2019, 1, 1), practices)
    assert len(in_2019) == 50
    pcns_2019 = Organisation.objects.filter(code__in=set(in_2019.values()))
    assert sorted(pcns_2019.values_list("name", flat=True)) == [
        "Benfleet",
        "Canvey",
        "North Road Plus",
        "Rayleigh & District",
        "Rochford",
        "Southend Central",
        "Southend East",
        "West Central",
        "West Leigh",
    ]
    assert in_2019["F81001"] == local_code(OrgKind.PCN, "Benfleet", "Castle Point and Rochford")

    in_2022 = members_on(D(2022, 1, 1), practices)
    assert in_2022["F81001"] == "U27924"  # BENFLEET PCN
    assert in_2022["F81003"] == in_2022["F81081"] == "U17794"  # North Road Plus and Southend Central merged
    assert {"F81700", "F81688", "F81200"}.isdisjoint(in_2022)  # unallocated, and not in the 2022 file
    assert len(in_2022) == 47
    assert members_on(D(2021, 12, 31), practices) == in_2019

    benfleet = Organisation.objects.get(code=in_2019["F81001"])
    assert parent(benfleet.code, OrgKind.PLACE, D(2019, 1, 1)) == local_code(OrgKind.PLACE, "Castle Point and Rochford")
    assert Organisation.objects.filter(kind=OrgKind.PLACE).count() == 2
    assert ListSize.objects.get(organisation__code="F81001", date=D(2019, 1, 1)).registered == 12980


def test_a_2019_configuration_loaded_after_the_2022_map_is_placed_in_the_icb_and_ended_by_the_map_again(
    tmp_path: Path,
) -> None:
    """The demo's order: the 2019 CCGs have no ICB, so a place is put in the ICB its practices joined later."""
    southend = [line for line in (NHS / "epraccur_2019.csv").read_text().splitlines() if line[1:3] == "F8"]
    epraccur = tmp_path / "epraccur_southend.csv"
    epraccur.write_text("\n".join(southend) + "\n")
    national = NHS / "gp-reg-pat-prac-map_2022-01.csv"
    import_quietly(epraccur)
    import_quietly(national)
    import_quietly(SOUTHEND, date=D(2019, 1, 1))
    for place in ("Southend", "Castle Point and Rochford"):
        assert parent(local_code(OrgKind.PLACE, place), OrgKind.ICB, D(2019, 1, 1)) == "QH8"
    practices = [row.split(",")[2] for row in SOUTHEND.read_text().splitlines()[1:]]
    # the map, imported first, already left them out of their sub-ICB locations: they end where it begins
    assert {"F81688", "F81200"}.isdisjoint(members_on(D(2022, 1, 1), practices))
    assert {"F81688", "F81200"} <= set(members_on(D(2021, 12, 31), practices))
    import_quietly(national)
    in_2022 = members_on(D(2022, 1, 1), practices)
    assert {"F81700", "F81688", "F81200"}.isdisjoint(in_2022) and len(in_2022) == 47
    assert len(members_on(D(2019, 1, 1), practices)) == 50


def test_a_place_sits_in_the_icb_of_its_practices_when_the_register_knows_it(map_2022: Path, tmp_path: Path) -> None:
    import_quietly(map_2022)
    path = write_csv(
        tmp_path / "stockton.csv",
        [
            ["Stockton North", "A81001", "Densham", "5903"],
            ["Stockton North", "A81002", "Queens Park", "9000"],
            ["", "A81004", "Acklam", "100"],
        ],
        CONFIGURATION_HEADER,
    )
    import_quietly(path, date=D(2022, 6, 1), area="Stockton")
    place = local_code(OrgKind.PLACE, "Stockton")
    pcn = local_code(OrgKind.PCN, "Stockton North", "Stockton")
    assert Organisation.objects.get(code=place).name == "Stockton"
    assert parent(pcn, OrgKind.PLACE, D(2022, 6, 1)) == place
    assert parent(place, OrgKind.ICB, D(2022, 6, 1)) == "QHM"
    assert members_on(D(2022, 6, 1)) == {"A81001": pcn, "A81002": pcn, "A81006": "U02671"}  # A81004: in no PCN
    assert members_on(D(2022, 5, 31))["A81004"] == "U02671"


def test_a_configuration_records_weighted_and_adjusted_populations(map_2022: Path, tmp_path: Path) -> None:
    import_quietly(map_2022)
    path = write_csv(
        tmp_path / "weighted.csv",
        [["Stockton North", "A81001", "Densham", "5903", "6120.4", "5990"], ["Stockton North", "A81002", "Queens Park", "9000", "", ""]],
        [*CONFIGURATION_HEADER, "weighted_list", "adjusted_population"],
    )
    import_quietly(path, date=D(2022, 6, 1), area="Stockton")
    import_quietly(path, date=D(2022, 6, 1), area="Stockton")
    sizes = {s.organisation.code: s for s in ListSize.objects.filter(date=D(2022, 6, 1)).select_related("organisation")}
    assert (sizes["A81001"].registered, sizes["A81001"].weighted, sizes["A81001"].adjusted) == (5903, 6120.4, 5990)
    assert (sizes["A81002"].weighted, sizes["A81002"].adjusted) == (None, None)
    assert ListSize.objects.filter(date=D(2022, 6, 1)).count() == 2


def test_a_configuration_without_an_area_puts_its_pcns_in_their_practices_sub_icb(
    map_2022: Path, tmp_path: Path
) -> None:
    import_quietly(map_2022)
    path = write_csv(tmp_path / "c.csv", [["Tees", "A81001", "Densham", "5903"]], CONFIGURATION_HEADER)
    import_quietly(path, date=D(2022, 6, 1))
    assert parent(local_code(OrgKind.PCN, "Tees", ""), OrgKind.SUB_ICB, D(2022, 6, 1)) == "16C"
    assert not Organisation.objects.filter(kind=OrgKind.PLACE).exists()


def test_a_configuration_needs_a_date_and_known_practices(epraccur: Path, tmp_path: Path) -> None:
    import_quietly(epraccur)
    path = write_csv(
        tmp_path / "c.csv",
        [["Tees", "A81001", "Densham", "5903"], ["Tees", "B99999", "Nowhere", "1"]],
        CONFIGURATION_HEADER,
    )
    assert "--date" in input_error(lambda: import_quietly(path)).message
    error = input_error(lambda: import_quietly(path, date=D(2019, 1, 1)))
    assert (error.file, error.row, error.field) == ("c.csv", 3, "practice_code")
    assert not Membership.objects.exists()


def test_local_codes_are_short_stable_and_distinct() -> None:
    code = local_code(OrgKind.PCN, "Rayleigh & District", "Castle Point and Rochford")
    assert code.startswith("L-RAYLEIGH-") and len(code) == 16
    assert code == local_code("pcn", " rayleigh  &  district", "castle point and rochford")
    assert code != local_code(OrgKind.PCN, "Rayleigh & District", "Southend")
    assert local_code(OrgKind.PLACE, "Southend") != local_code(OrgKind.PCN, "Southend")


# --- dates from the future -----------------------------------------------------------------------


def test_an_extract_from_the_future_is_refused_and_writes_nothing(epraccur: Path, tmp_path: Path) -> None:
    import_quietly(epraccur)
    path = write_csv(tmp_path / "all.csv", [all_row("A81001", 5903, date="01JAN2099")], ALL_HEADER)
    error = input_error(lambda: import_quietly(path))
    assert (error.file, error.field) == ("all.csv", "EXTRACT_DATE")
    assert "2099-01-01 is after today" in error.message
    assert not ListSize.objects.exists()


def test_a_configuration_far_in_the_future_is_refused(epraccur: Path, tmp_path: Path) -> None:
    import_quietly(epraccur)
    path = write_csv(tmp_path / "c.csv", [["Tees", "A81001", "Densham", "5903"]], CONFIGURATION_HEADER)
    error = input_error(lambda: import_quietly(path, "configuration", date=D(2099, 4, 1)))
    assert "2099-04-01 is after" in error.message and "the end of the next financial year" in error.message
    assert not Membership.objects.exists()


def test_a_configuration_for_next_april_is_recorded_but_the_site_stays_on_today(epraccur: Path, tmp_path: Path) -> None:
    from pcnhub.domain.money.years import FinancialYear
    from pcnhub.register.services import latest_data_date

    import_quietly(epraccur)
    next_april = FinancialYear.containing(dt.date.today()).end + dt.timedelta(days=1)
    path = write_csv(tmp_path / "c.csv", [["Tees", "A81001", "Densham", "5903"]], CONFIGURATION_HEADER)
    import_quietly(path, "configuration", date=next_april)
    assert Membership.objects.filter(start=next_april).exists()
    assert latest_data_date() == dt.date.today()


@pytest.mark.parametrize(("values", "field", "limit"), [
    ({"name": "X" * 100_000}, "name", 200),
    ({"postcode": "TS18 1HU" * 5}, "postcode", 10),
])
def test_a_value_longer_than_the_register_keeps_is_named_not_cut(tmp_path: Path, values, field, limit) -> None:
    path = write_csv(tmp_path / "epraccur.csv", [epraccur_row("A81001"), epraccur_row("A81002", **values)])
    error = input_error(lambda: import_quietly(path))
    assert (error.file, error.row, error.field) == ("epraccur.csv", 2, field)
    assert f"the register keeps at most {limit}" in error.message
    assert not Organisation.objects.exists()


def test_a_published_membership_takes_over_the_maps_membership_of_the_same_pcn(
        epraccur: Path, map_2022: Path, tmp_path: Path) -> None:
    """The practice map's snapshots start a membership on its extract date; the ePCN publishes when it began.
    They are one membership with the published dates, not two overlapping ones."""
    import_quietly(epraccur)
    import_quietly(map_2022)
    assert history("A81001") == [(D(2022, 1, 1), None, "U89141")]
    networks = [epcn_network(), epcn_network("U07032", "NORTH STOCKTON PCN")]
    members = [epcn_member("A81001", "U89141"),  # from 1 July 2019
               epcn_member("A81002", "U07032", start="2021-04-01", name="QUEENS PARK MEDICAL CENTRE",
                           pcn_name="NORTH STOCKTON PCN")]
    import_quietly(write_epcn(tmp_path / "ePCN.xlsx", networks, members), date=D(2022, 8, 25))
    assert history("A81001") == [(D(2019, 7, 1), None, "U89141")]
    assert history("A81002") == [(D(2021, 4, 1), None, "U07032")]
    # published again with an end: the one membership ends
    members[0] = epcn_member("A81001", "U89141", end="2024-03-31")
    run = import_quietly(write_epcn(tmp_path / "ePCN-2.xlsx", networks, members))
    assert history("A81001") == [(D(2019, 7, 1), D(2024, 3, 31), "U89141")]
    assert (run.created, run.updated) == (0, 1)


def test_overlapping_memberships_of_the_same_pcn_become_one_and_another_pcns_is_left(
        epraccur: Path, tmp_path: Path) -> None:
    import_quietly(epraccur)
    networks = [epcn_network(), epcn_network("U07032", "NORTH STOCKTON PCN")]
    first = [epcn_member("A81001", "U89141", start="2022-01-01"),
             epcn_member("A81001", "U07032", start="2019-07-01", end="2020-03-31", pcn_name="NORTH STOCKTON PCN")]
    import_quietly(write_epcn(tmp_path / "ePCN.xlsx", networks, first), date=D(2022, 8, 25))
    # a second, overlapping row of the same PCN, as imports before this one could leave
    held = Membership.objects.get(practice__code="A81001", pcn__code="U89141")
    Membership.objects.create(practice=held.practice, pcn=held.pcn, start=D(2023, 1, 1), source="older import")
    assert len(history("A81001")) == 3
    import_quietly(write_epcn(tmp_path / "ePCN-2.xlsx", networks, [epcn_member("A81001", "U89141", start="2020-04-01"),
                                                                   first[1]]))
    assert history("A81001") == [(D(2019, 7, 1), D(2020, 3, 31), "U07032"), (D(2020, 4, 1), None, "U89141")]
