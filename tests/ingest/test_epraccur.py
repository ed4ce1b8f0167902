"""read_epraccur: ODS GP practices, England only, checked row by row."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from pcnhub.ingest import MAX_PROBLEMS, EpraccurPractice, read_epraccur
from tests.ingest.helpers import epraccur_row, raises_input_error, write_csv
from tests.paths import SHARED_DATA

EPRACCUR_2019 = SHARED_DATA / "nhs-open-data" / "epraccur_2019.csv"


def write(tmp_path: Path, *rows: list[str]) -> Path:
    return write_csv(tmp_path / "epraccur.csv", rows)


def test_reads_a_practice(tmp_path: Path) -> None:
    [practice] = read_epraccur(write(tmp_path, epraccur_row()))
    assert practice == EpraccurPractice(
        code="A81001",
        name="THE DENSHAM SURGERY",
        address="THE HEALTH CENTRE, LAWSON STREET, STOCKTON-ON-TEES, CLEVELAND",
        postcode="TS18 1HU",
        open_date=dt.date(1974, 4, 1),
        close_date=None,
        status="active",
        commissioner="00K",
        joined_commissioner=dt.date(2013, 4, 1),
        left_commissioner=None,
        national_grouping="Y63",
        high_level_health_geography="Q74",
    )
    assert practice.row == 1  # no header: the first line is row 1


def test_keeps_gp_practices_in_england_only(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        epraccur_row("A81001"),
        epraccur_row("Y02509", "LCD WAKEFIELD WIC", setting="1"),
        epraccur_row("W91001", "A WELSH PRACTICE", grouping="W00"),
        epraccur_row("B82001", "NEWER FILE PRACTICE", setting="RO76"),
    )
    assert [p.code for p in read_epraccur(path)] == ["A81001", "B82001"]


@pytest.mark.parametrize(
    ("given", "status"),
    [
        ("A", "active"),
        ("C", "closed"),
        ("D", "dormant"),
        ("P", "proposed"),
        ("ACTIVE", "active"),
        ("INACTIVE", "closed"),
        ("DORMANT", "dormant"),
    ],
)
def test_reads_old_and_new_status_codes(tmp_path: Path, given: str, status: str) -> None:
    [practice] = read_epraccur(write(tmp_path, epraccur_row(status=given)))
    assert practice.status == status


def test_reads_closed_practices_and_the_dates_they_left_their_commissioner(tmp_path: Path) -> None:
    row = epraccur_row(closed="20171031", status="C", left="20171031")
    [practice] = read_epraccur(write(tmp_path, row))
    assert (practice.close_date, practice.left_commissioner) == (dt.date(2017, 10, 31), dt.date(2017, 10, 31))


def test_lower_case_codes_are_upper_cased(tmp_path: Path) -> None:
    [practice] = read_epraccur(write(tmp_path, epraccur_row("a81001", commissioner="00k")))
    assert (practice.code, practice.commissioner) == ("A81001", "00K")


def test_a_practice_repeated_identically_is_read_once(tmp_path: Path) -> None:
    assert len(list(read_epraccur(write(tmp_path, epraccur_row(), epraccur_row())))) == 1


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (epraccur_row("A8100"), "code", "not an ODS practice code"),
        (epraccur_row("A81-01"), "code", "not an ODS practice code"),
        (epraccur_row(""), "code", "blank"),
        (epraccur_row(name=""), "name", "blank"),
        (epraccur_row(opened="19743101"), "open_date", "not a date"),
        (epraccur_row(closed="yesterday"), "close_date", "not a date"),
        (epraccur_row(joined="2013-02-30"), "join_commissioner_date", "not a date"),
        (epraccur_row(status="X"), "status", "not a status"),
        (epraccur_row(commissioner="0-K"), "commissioner", "not an ODS code"),
    ],
)
def test_a_bad_value_is_reported_with_its_row_and_field(
    tmp_path: Path, row: list[str], field: str, message: str
) -> None:
    error = raises_input_error(lambda: read_epraccur(write(tmp_path, epraccur_row("A81002"), row)))
    assert (error.file, error.row, error.field) == ("epraccur.csv", 2, field)
    assert message in error.message


def test_a_row_with_the_wrong_number_of_columns_is_reported(tmp_path: Path) -> None:
    error = raises_input_error(lambda: read_epraccur(write(tmp_path, epraccur_row(), epraccur_row("A81002")[:20])))
    assert (error.row, error.field) == (2, None)
    assert "20 values" in error.message


def test_a_practice_repeated_with_other_details_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, epraccur_row(), epraccur_row("A81002"), epraccur_row(postcode="TS1 1AA"))
    error = raises_input_error(lambda: read_epraccur(path))
    assert (error.row, error.field) == (3, "code")
    assert "row 1" in error.message


def test_every_problem_is_reported_up_to_the_limit(tmp_path: Path) -> None:
    rows = [epraccur_row(f"A8{n:04d}", opened="never") for n in range(MAX_PROBLEMS + 5)]
    error = raises_input_error(lambda: read_epraccur(write(tmp_path, *rows)))
    assert len(error.problems) == MAX_PROBLEMS and error.truncated
    assert [p.row for p in error.problems] == list(range(1, MAX_PROBLEMS + 1))


@pytest.mark.parametrize(
    ("rows", "message"),
    [((), "no rows"), ((epraccur_row(setting="1"),), "no GP practices")],
)
def test_a_file_without_practices_is_an_error(tmp_path: Path, rows: tuple[list[str], ...], message: str) -> None:
    error = raises_input_error(lambda: read_epraccur(write(tmp_path, *rows)))
    assert error.row is None and message in error.message


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    error = raises_input_error(lambda: read_epraccur(tmp_path / "nowhere.csv"))
    assert "does not exist" in error.message


def test_windows_1252_text_is_read(tmp_path: Path) -> None:
    path = tmp_path / "epraccur.csv"
    write_csv(path, [epraccur_row(name="ST ANN’S SURGERY")])
    path.write_bytes(path.read_bytes().replace("’".encode(), "’".encode("cp1252")))
    [practice] = read_epraccur(path)
    assert practice.name == "ST ANN’S SURGERY"


def test_the_real_2019_file() -> None:
    practices = list(read_epraccur(EPRACCUR_2019))
    assert len(practices) == 8204  # of 14,357 rows: prescribing setting 4, none of them in Wales
    assert Counter(p.status for p in practices) == {"active": 6830, "closed": 1073, "dormant": 301}
    assert len({p.commissioner for p in practices}) == 216
    assert practices[0].code == "A81001" and practices[0].row == 1
