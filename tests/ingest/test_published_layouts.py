"""The register files as NHS England Digital / NHS Digital publish them, today and in earlier versions.

CSV excerpts are in ``fixtures/`` (see its README for which rows were cut from the real files and which
layouts were hand-written); ePCN workbooks and zips are built here from rows of the layouts we hold.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from pcnhub.ingest import Kind, detect_kind, read_epcn, read_epraccur, read_list_sizes, read_practice_map
from pcnhub.ingest.archives import extracted_csvs
from tests.ingest.helpers import EPCN_PARTNERS_HEADER, raises_input_error

FIXTURES = Path(__file__).parent / "fixtures"
D = dt.date

# --- epraccur ------------------------------------------------------------------------------------

EPRACCUR_STATUSES = {
    "A81001": "active",
    "A81002": "active",
    "A81003": "closed",
    "A81004": "active",
    "A81005": "active",
    "A81632": "dormant",
}


@pytest.mark.parametrize("name", ["epraccur_2019-excerpt.csv", "epraccur_headed.csv"])
def test_epraccur_with_or_without_a_header(name: str) -> None:
    path = FIXTURES / name
    assert detect_kind(path) is Kind.EPRACCUR
    practices = list(read_epraccur(path))
    assert {p.code: p.status for p in practices} == EPRACCUR_STATUSES  # not A83642 (setting 8) nor W00001
    first = practices[0]
    assert (first.name, first.commissioner, first.open_date) == ("THE DENSHAM SURGERY", "00K", D(1974, 4, 1))
    assert first.row == (2 if name == "epraccur_headed.csv" else 1)
    assert practices[2].close_date == practices[2].left_commissioner == D(2017, 10, 31)


def rows_of(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def test_epraccur_of_2026_with_status_names_and_role_codes() -> None:
    """ODS's newer epraccur: ACTIVE / INACTIVE / DORMANT, prescribing setting as a role (RO76 a GP practice; RO255,
    RO247, RO80, RO72 other settings), and Welsh rows with no national grouping (their codes begin with W)."""
    path = FIXTURES / "epraccur_2026-excerpt.csv"
    assert detect_kind(path) is Kind.EPRACCUR
    practices = list(read_epraccur(path))
    assert {p.code: p.status for p in practices} == {
        "A81001": "active",
        "A81002": "active",
        "A81003": "closed",
        "A81004": "active",
        "A81005": "active",
        "A81065": "dormant",
        "A81630": "closed",
        "A81632": "closed",
        "Y02002": "active",
        "Y02117": "active",
    }
    welsh_gps = [row[0] for row in rows_of(path) if row[0].startswith("W") and row[25] == "RO76"]
    assert welsh_gps == ["W00005", "W00007"]  # GP practices in Wales, national grouping blank: left out
    by_code = {p.code: p for p in practices}
    assert [p.row for p in practices] == [1, 2, 3, 4, 5, 6, 7, 8, 16, 18]
    foundations = by_code["A81630"]  # its provider (column 24) is 112, its commissioner 16C
    assert (foundations.commissioner, foundations.close_date, foundations.left_commissioner) == (
        "16C", D(2024, 10, 31), D(2024, 10, 31))
    assert (by_code["Y02117"].national_grouping, by_code["Y02117"].commissioner) == ("Y56", "93C")


def test_a_bad_row_under_an_epraccur_header_is_reported_at_its_line(tmp_path: Path) -> None:
    lines = (FIXTURES / "epraccur_headed.csv").read_text().splitlines()
    lines[3] = lines[3].replace('"19740401"', '"1974-13-01"', 1)
    path = tmp_path / "epraccur.csv"
    path.write_text("\n".join(lines) + "\n")
    error = raises_input_error(lambda: read_epraccur(path))
    assert (error.file, error.row, error.field) == ("epraccur.csv", 4, "open_date"), str(error)


def test_an_epraccur_header_is_skipped_only_as_the_first_row(tmp_path: Path) -> None:
    lines = (FIXTURES / "epraccur_headed.csv").read_text().splitlines()
    path = tmp_path / "epraccur.csv"
    path.write_text("\n".join([lines[1], lines[0], *lines[2:]]) + "\n")
    error = raises_input_error(lambda: read_epraccur(path))
    assert (error.row, error.field) == (2, None) and "header row" in error.message, str(error)


# --- gp-reg-pat-prac files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "date", "sub_icb"),
    [
        ("gp-reg-pat-prac-all_2021-01-excerpt.csv", D(2021, 1, 1), "16C"),
        ("gp-reg-pat-prac-all_2026-04-excerpt.csv", D(2026, 4, 1), "16C"),
    ],
)
def test_registered_lists_of_every_year(name: str, date: dt.date, sub_icb: str) -> None:
    path = FIXTURES / name
    assert detect_kind(path) is Kind.LIST_SIZES
    counts = list(read_list_sizes(path))
    assert [c.code for c in counts] == ["A81001", "A81002", "A81004", "A81005"]
    assert {(c.extract_date, c.sub_icb_code, c.sex, c.age_band) for c in counts} == {(date, sub_icb, "A", "ALL")}


def test_quinary_ages_keep_practices_and_pcns_only() -> None:
    path = FIXTURES / "gp-reg-pat-prac-quin-age_hand.csv"
    assert detect_kind(path) is Kind.QUINARY_AGE
    counts = list(read_list_sizes(path, "quinary"))
    assert {(c.org_type, c.code) for c in counts} == {("PCN", "U89141"), ("GP", "A81001")}
    assert [(c.sex, c.age_band, c.age_from, c.patients) for c in counts if c.org_type == "GP"] == [
        ("A", "ALL", None, 3747),
        ("F", "0_4", 0, 80),
        ("M", "95+", 95, 2),
        ("M", "ALL", None, 1850),
    ]


def test_quinary_ages_of_october_2017() -> None:
    """Four practices' rows of NHS Digital's October 2017 quinary file (GP rows, blank ONS_CODE, 01OCT2017)."""
    path = FIXTURES / "gp-reg-pat-prac-quin-age_2017-10-excerpt.csv"
    assert detect_kind(path) is Kind.QUINARY_AGE
    header, *rows = rows_of(path)
    assert header[2:4] == ["ORG_TYPE", "ORG_CODE"]
    counts = list(read_list_sizes(path, "quinary"))
    assert [(c.org_type, c.code, c.postcode, c.sex, c.age_band, c.patients) for c in counts] == [
        (row[2], row[3], row[5], row[6][0], row[7], int(row[8])) for row in rows
    ]
    assert {c.extract_date for c in counts} == {D(2017, 10, 1)}
    assert [c.age_from for c in counts if c.code == "B85010" and c.sex == "F"] == [*range(0, 100, 5), None]
    for sex in ("F", "M"):  # a sex's bands add up to its ALL row, the two sexes to the practice's list
        bands = [c.patients for c in counts if c.code == "B85010" and c.sex == sex]
        assert sum(bands[:-1]) == bands[-1]
    totals = {c.sex: c.patients for c in counts if c.code == "B85010" and c.age_band == "ALL"}
    assert totals["F"] + totals["M"] == totals["A"]


@pytest.mark.parametrize(
    ("name", "date", "sex", "ages"),
    [
        ("gp-reg-pat-prac-sing-age-male_ccg-era_hand.csv", D(2021, 1, 1), "M", ["0", "37", "95+", "ALL"]),
        ("gp-reg-pat-prac-sing-age-female_sub-icb-era_hand.csv", D(2026, 4, 1), "F", ["0", "94", "95+", "ALL"]),
    ],
)
def test_single_years_of_age_with_old_and_new_columns(name: str, date: dt.date, sex: str, ages: list[str]) -> None:
    path = FIXTURES / name
    assert detect_kind(path) is Kind.SINGLE_AGE
    counts = list(read_list_sizes(path, "single"))
    assert [c.age_band for c in counts] == ages
    assert {(c.extract_date, c.code, c.sex, c.sub_icb_code) for c in counts} == {(date, "A81001", sex, "16C")}


@pytest.mark.parametrize(
    ("name", "date", "sub_icb_name", "icb_name"),
    [
        ("gp-reg-pat-prac-map_2022-01-excerpt.csv", D(2022, 1, 1), "NHS Tees Valley CCG", "Cumbria and North East"),
        (
            "gp-reg-pat-prac-map_2026-02-excerpt.csv",
            D(2026, 2, 1),
            "NHS North East and North Cumbria ICB - 16C",
            "NHS North East and North Cumbria Integrated Care Board",
        ),
    ],
)
def test_practice_maps_with_ccg_and_sub_icb_columns(name: str, date: dt.date, sub_icb_name: str, icb_name: str) -> None:
    path = FIXTURES / name
    assert detect_kind(path) is Kind.PRACTICE_MAP
    mappings = list(read_practice_map(path))
    assert [(m.practice_code, m.pcn_code) for m in mappings] == [
        ("A81001", "U89141"),
        ("A81002", "U07032"),
        ("A81004", "U02671"),
        ("A81005", "U07842"),
    ]
    assert {(m.extract_date, m.sub_icb_code, m.sub_icb_name, m.icb_code, m.icb_name) for m in mappings} == {
        (date, "16C", sub_icb_name, "QHM", icb_name)
    }


# --- zips ----------------------------------------------------------------------------------------


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_the_csv_files_of_a_zip_are_unpacked_under_their_own_names(tmp_path: Path) -> None:
    male = (FIXTURES / "gp-reg-pat-prac-sing-age-male_ccg-era_hand.csv").read_bytes()
    female = (FIXTURES / "gp-reg-pat-prac-sing-age-female_sub-icb-era_hand.csv").read_bytes()
    path = make_zip(
        tmp_path / "gp-reg-pat-prac-sing-age-regions.zip",
        {"gp-reg-pat-prac-sing-age-male.csv": male, "data/gp-reg-pat-prac-sing-age-female.csv": female,
         "readme.txt": b"notes", "__MACOSX/._gp-reg-pat-prac-sing-age-male.csv": b"\x00"},
    )
    with extracted_csvs(path) as members:
        assert [m.name for m in members] == ["gp-reg-pat-prac-sing-age-female.csv", "gp-reg-pat-prac-sing-age-male.csv"]
        assert [m.read_bytes() for m in members] == [female, male]
        assert [detect_kind(m) for m in members] == [Kind.SINGLE_AGE, Kind.SINGLE_AGE]
        folder = members[0].parent
    assert not folder.exists()


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"readme.txt": b"notes"}, "the archive holds no CSV file (it holds readme.txt)"),
        ({"a/x.csv": b"A", "b/x.csv": b"B"}, "the archive holds two files named x.csv"),
    ],
)
def test_a_zip_without_one_csv_per_name_is_an_error(tmp_path: Path, members: dict[str, bytes], message: str) -> None:
    path = make_zip(tmp_path / "files.zip", members)
    error = raises_input_error(lambda: extracted_csvs(path).__enter__())
    assert (error.file, error.message) == ("files.zip", message)


def test_a_broken_zip_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "files.zip"
    path.write_bytes(b"PK\x03\x04 not really")
    error = raises_input_error(lambda: extracted_csvs(path).__enter__())
    assert error.file == "files.zip" and "not a zip archive" in error.message


# --- ePCN ----------------------------------------------------------------------------------------

#: The CCG-era headings of the PCN details sheet (before July 2022), with the line breaks Excel keeps as \r\n.
CCG_DETAILS_HEADER = ["PCN Code", "PCN Name", "Current CCG\r\nCode", "CCG Name", "Open Date", "Close Date",
                      "Address Line 1", "Address Line 2", "Address Line 3", "Address Line 4", "Postcode"]
CCG_PARTNERS_HEADER = ["Partner\r\nOrganisation\r\nCode", "Partner\r\nName", "Practice\r\nParent\r\nCCG Code",
                       "Practice\r\nParent\r\nCCG Name", "PCN Code", "PCN Name", "PCN Parent\r\nCCG Code",
                       "PCN Parent\r\nCCG Name", "Practice to PCN\r\nRelationship\r\nStart Date",
                       "Practice to PCN\r\nRelationship\r\nEnd Date"]


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = Workbook()
    book.active.title = "Notes"
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def network(opened: Any, closed: Any = None, code: str = "U89141") -> list[Any]:
    return [code, "STOCKTON PCN", "00K", "NHS HARTLEPOOL AND STOCKTON-ON-TEES CCG", opened, closed,
            "THE HEALTH CENTRE", "LAWSON STREET", "STOCKTON-ON-TEES", None, "TS18 1HU"]


def member(start: Any, end: Any = None, practice: str = "A81001") -> list[Any]:
    return [practice, "THE DENSHAM SURGERY", "00K", "NHS HARTLEPOOL AND STOCKTON-ON-TEES CCG", "U89141",
            "STOCKTON PCN", "00K", "NHS HARTLEPOOL AND STOCKTON-ON-TEES CCG", start, end]


def test_a_ccg_era_workbook_with_text_and_serial_dates_and_a_title_row(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "ePCN.xlsx",
        {
            "PCN Details": [["Primary Care Networks"], [], CCG_DETAILS_HEADER,
                            network("01/07/2019", "2023-03-31"), network(43647, code="U07032")],
            "PCN Core Partner Details": [CCG_PARTNERS_HEADER, member("20190701", "31/03/2020"),
                                         member(dt.datetime(2020, 4, 1), practice="A81002"),
                                         member("2019-07-01 00:00:00", 43921.0, practice="A81004")],
        },
    )
    assert detect_kind(path) is Kind.EPCN
    epcn = read_epcn(path)
    assert [(n.code, n.sub_icb_code, n.open_date, n.close_date, n.row) for n in epcn.networks] == [
        ("U89141", "00K", D(2019, 7, 1), D(2023, 3, 31), 4),
        ("U07032", "00K", D(2019, 7, 1), None, 5),
    ]
    assert epcn.networks[0].sub_icb_name == "NHS HARTLEPOOL AND STOCKTON-ON-TEES CCG"
    assert [(m.practice_code, m.practice_sub_icb_code, m.start, m.end) for m in epcn.members] == [
        ("A81001", "00K", D(2019, 7, 1), D(2020, 3, 31)),
        ("A81002", "00K", D(2020, 4, 1), None),
        ("A81004", "00K", D(2019, 7, 1), D(2020, 3, 31)),
    ]


def test_nominated_payee_columns_are_read_where_a_version_has_them(tmp_path: Path) -> None:
    header = [*CCG_DETAILS_HEADER, "Nominated\r\nPayee\r\nCode", "Nominated\r\nPayee\r\nName"]
    path = workbook(
        tmp_path / "ePCN.xlsx",
        {
            "PCNDetails": [header, [*network("2019-07-01"), "a81001", "THE DENSHAM SURGERY"],
                           [*network("2019-07-01", code="U07032"), None, None]],
            "PCN Core Partner Details": [EPCN_PARTNERS_HEADER, member("2019-07-01")],
        },
    )
    payees = [(n.code, n.payee_code, n.payee_name) for n in read_epcn(path).networks]
    assert payees == [("U89141", "A81001", "THE DENSHAM SURGERY"), ("U07032", "", "")]


@pytest.mark.parametrize(
    ("details", "partners", "sheet", "row", "field", "message"),
    [
        ([network("31/02/2020")], [member("2019-07-01")], "PCN Details", 3, "Open Date", "'31/02/2020' is not a date"),
        ([network("2019-07-01")], [member("2019-07-01", "1st April")], "PCN Core Partner Details", 2,
         "Practice to PCN Relationship End Date", "'1st April' is not a date"),
        ([network("2019-07-01")], [member(True)], "PCN Core Partner Details", 2,
         "Practice to PCN Relationship Start Date", "'True' is not a date"),
    ],
)
def test_every_epcn_error_names_the_file_sheet_row_and_column(
    tmp_path: Path, details: list[list[Any]], partners: list[list[Any]], sheet: str, row: int, field: str, message: str
) -> None:
    path = workbook(tmp_path / "ePCN.xlsx", {"PCN Details": [["ePCN"], CCG_DETAILS_HEADER, *details],
                                             "PCN Core Partner Details": [CCG_PARTNERS_HEADER, *partners]})
    error = raises_input_error(lambda: read_epcn(path))
    assert (error.file, error.row, error.field) == ("ePCN.xlsx", row, field.replace("\r\n", " ")), str(error)
    assert error.message.startswith(f"sheet {sheet}: ") and message in error.message, error.message


def test_a_header_missing_its_first_column_is_reported_at_the_first_row(tmp_path: Path) -> None:
    header = ["Code", *CCG_DETAILS_HEADER[1:]]
    path = workbook(tmp_path / "ePCN.xlsx", {"PCNDetails": [header, network("2019-07-01")],
                                             "PCN Core Partner Details": [CCG_PARTNERS_HEADER, member("2019-07-01")]})
    error = raises_input_error(lambda: read_epcn(path))
    assert (error.row, error.field) == (1, "PCN Code") and "required column is missing" in error.message


def test_a_zip_is_not_a_file_of_one_kind(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "files.zip", {"gp-reg-pat-prac-all.csv": b""})
    error = raises_input_error(lambda: detect_kind(path))
    assert error.file == "files.zip" and "pcnhub import unpacks it" in error.message


def test_a_single_age_file_whose_first_rows_are_all_ages_is_told_from_its_later_rows() -> None:
    path = FIXTURES / "gp-reg-pat-prac-sing-age-regions_hand.csv"
    assert detect_kind(path) is Kind.SINGLE_AGE
    counts = list(read_list_sizes(path, "single"))  # not the rows of PCN U, the practices in no network
    assert [(c.org_type, c.code, c.sex, c.age_band) for c in counts] == [
        ("PCN", "U89141", "A", "ALL"), ("PCN", "U89141", "F", "0"), ("PCN", "U89141", "M", "95+")]


def test_a_quinary_file_with_an_age_column_is_recognised(tmp_path: Path) -> None:
    text = (FIXTURES / "gp-reg-pat-prac-quin-age_hand.csv").read_text().replace("AGE_GROUP_5", "AGE")
    path = tmp_path / "gp-reg-pat-prac-quin-age.csv"
    path.write_text(text)
    assert detect_kind(path) is Kind.QUINARY_AGE
    assert len(list(read_list_sizes(path, "quinary"))) == 6
