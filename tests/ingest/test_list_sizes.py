"""read_list_sizes: registered patients per practice (all), by quinary band, by single year of age."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pcnhub.ingest import PatientCount, read_list_sizes
from tests.ingest.helpers import ALL_HEADER, QUIN_HEADER, SINGLE_HEADER, all_row, raises_input_error, write_csv
from tests.paths import SHARED_DATA

ALL_2021 = SHARED_DATA / "nhs-open-data" / "gp-reg-pat-prac-all_2021-01.csv"


def quin_row(org_type: str, code: str, sex: str, band: str, patients: int) -> list[object]:
    return ["GP_PRAC_PAT_LIST", "2026-04-01", org_type, code, "E00000000", "TS18 1HU", sex, band, patients]


def single_row(code: str, sex: str, age: str, patients: int) -> list[object]:
    return ["GP_PRAC_PAT_LIST", "01JAN2021", "GP", "00K", "E38000130", code, "TS18 1HU", sex, age, patients]


def test_reads_registered_lists(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "all.csv", [all_row("A81001", 5903), all_row("A81002", 0)], ALL_HEADER)
    assert list(read_list_sizes(path)) == [
        PatientCount(dt.date(2021, 1, 1), "GP", "A81001", "A", "ALL", None, 5903, "00K", "TS18 1HU"),
        PatientCount(dt.date(2021, 1, 1), "GP", "A81002", "A", "ALL", None, 0, "00K", "TS18 1HU"),
    ]


def test_reads_the_newer_sub_icb_column_and_iso_dates(tmp_path: Path) -> None:
    header = [title.replace("CCG_CODE", "SUB_ICB_LOCATION_CODE") for title in ALL_HEADER]
    [count] = read_list_sizes(write_csv(tmp_path / "all.csv", [all_row(date="2026-04-01", ccg="16C")], header))
    assert (count.extract_date, count.sub_icb_code, count.code_field) == (dt.date(2026, 4, 1), "16C", "CODE")


def test_reads_quinary_bands_of_practices_and_pcns_only(tmp_path: Path) -> None:
    rows = [
        quin_row("GP", "A81001", "ALL", "ALL", 100),
        quin_row("GP", "A81001", "FEMALE", "0_4", 7),
        quin_row("GP", "A81001", "MALE", "95+", 1),
        quin_row("PCN", "U89141", "ALL", "90_94", 30),
        quin_row("SUB_ICB_LOCATION", "16C", "ALL", "ALL", 5000),
        quin_row("COMM_REGION", "Y63", "ALL", "ALL", 90000),
    ]
    counts = list(read_list_sizes(write_csv(tmp_path / "quin.csv", rows, QUIN_HEADER), "quinary"))
    assert [(c.org_type, c.code, c.sex, c.age_band, c.age_from, c.patients) for c in counts] == [
        ("GP", "A81001", "A", "ALL", None, 100),
        ("GP", "A81001", "F", "0_4", 0, 7),
        ("GP", "A81001", "M", "95+", 95, 1),
        ("PCN", "U89141", "A", "90_94", 90, 30),
    ]
    assert counts[0].code_field == "ORG_CODE"


def test_the_practices_in_no_network_are_not_a_pcn(tmp_path: Path) -> None:
    """The files for PCNs and larger areas count the practices in no network under ORG_TYPE PCN, ORG_CODE U (as the
    practice map's PCN_CODE U, "Unallocated"), as gp-reg-pat-prac-sing-age-regions.csv of August 2026 does."""
    rows = [
        quin_row("PCN", "U", "ALL", "ALL", 52000),
        quin_row("PCN", "u", "FEMALE", "0_4", 210),
        quin_row("PCN", "U89141", "ALL", "ALL", 3747),
    ]
    counts = list(read_list_sizes(write_csv(tmp_path / "quin.csv", rows, QUIN_HEADER), "quinary"))
    assert [(c.org_type, c.code, c.patients) for c in counts] == [("PCN", "U89141", 3747)]


def test_reads_single_years_of_age(tmp_path: Path) -> None:
    rows = [single_row("A81001", "MALE", age, n) for age, n in (("0", 5), ("37", 12), ("95+", 2), ("ALL", 19))]
    counts = list(read_list_sizes(write_csv(tmp_path / "male.csv", rows, SINGLE_HEADER), "single"))
    assert [(c.sex, c.age_band, c.age_from, c.patients) for c in counts] == [
        ("M", "0", 0, 5),
        ("M", "37", 37, 12),
        ("M", "95+", 95, 2),
        ("M", "ALL", None, 19),
    ]


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (all_row(patients=-3), "NUMBER_OF_PATIENTS", "negative"),
        (all_row(patients="12.5"), "NUMBER_OF_PATIENTS", "not a whole number"),
        (all_row(patients=""), "NUMBER_OF_PATIENTS", "blank"),
        (all_row(code="A8100"), "CODE", "not an ODS practice code"),
        (all_row(date="01XYZ2021"), "EXTRACT_DATE", "not a date"),
        (all_row(date="01FEB2021"), "EXTRACT_DATE", "differs from 2021-01-01 on row 2"),
        (all_row(patients=6000), "NUMBER_OF_PATIENTS", "5903 on row 2 but 6000 here"),
        (all_row()[:7] + ["MALE", "ALL", 5], "SEX", "not ALL"),
        (all_row()[:7] + ["ALL", "37", 5], "AGE", "not an age band"),
    ],
)
def test_a_bad_row_is_reported_with_its_row_and_field(
    tmp_path: Path, row: list[object], field: str, message: str
) -> None:
    path = write_csv(tmp_path / "all.csv", [all_row(), row], ALL_HEADER)
    error = raises_input_error(lambda: read_list_sizes(path))
    assert (error.file, error.row, error.field) == ("all.csv", 3, field), str(error)
    assert message in error.message


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (quin_row("GP", "A81001", "BOTH", "0_4", 1), "SEX"),
        (quin_row("GP", "A81001", "ALL", "0-4", 1), "AGE_GROUP_5"),
        (quin_row("PCN", "U 1", "ALL", "0_4", 1), "ORG_CODE"),
    ],
)
def test_bad_bands_are_reported_under_the_files_own_column_names(tmp_path: Path, row: list[object], field: str) -> None:
    path = write_csv(tmp_path / "quin.csv", [row], QUIN_HEADER)
    error = raises_input_error(lambda: read_list_sizes(path, "quinary"))
    assert (error.row, error.field) == (2, field)


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    header = [title for title in ALL_HEADER if title != "NUMBER_OF_PATIENTS"]
    error = raises_input_error(lambda: read_list_sizes(write_csv(tmp_path / "all.csv", [], header)))
    assert (error.row, error.field) == (1, "NUMBER_OF_PATIENTS")


def test_a_file_with_only_a_header_is_an_error(tmp_path: Path) -> None:
    error = raises_input_error(lambda: read_list_sizes(write_csv(tmp_path / "all.csv", [], ALL_HEADER)))
    assert "no practice rows" in error.message


def test_the_real_january_2021_file() -> None:
    counts = list(read_list_sizes(ALL_2021))
    assert len(counts) == 6658
    assert sum(c.patients for c in counts) == 60_606_345
    assert {(c.extract_date, c.org_type, c.sex, c.age_band) for c in counts} == {
        (dt.date(2021, 1, 1), "GP", "A", "ALL")
    }


def test_a_count_beyond_any_practice_is_named_not_a_crash(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "all.csv", [all_row("A81001", 5903), all_row("A81002", "99999999999999999999999")],
                     ALL_HEADER)
    error = raises_input_error(lambda: read_list_sizes(path))
    assert (error.row, error.field) == (3, "NUMBER_OF_PATIENTS")
    assert "is more than 10,000,000" in error.message
