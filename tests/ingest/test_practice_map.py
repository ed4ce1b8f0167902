"""read_practice_map: practice -> PCN -> sub-ICB -> ICB -> region, old and new column names."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from pcnhub.ingest import PracticeMapping, read_practice_map
from tests.ingest.helpers import MAP_HEADER, MAP_HEADER_NEW, map_row, raises_input_error, write_csv
from tests.paths import SHARED_DATA

MAP_2022 = SHARED_DATA / "nhs-open-data" / "gp-reg-pat-prac-map_2022-01.csv"

DENSHAM = PracticeMapping(
    extract_date=dt.date(2022, 1, 1),
    practice_code="A81001",
    practice_name="THE DENSHAM SURGERY",
    practice_postcode="TS18 1HU",
    pcn_code="U89141",
    pcn_name="STOCKTON PCN",
    sub_icb_code="16C",
    sub_icb_name="NHS Tees Valley CCG",
    sub_icb_ons_code="E38000247",
    icb_code="QHM",
    icb_name="Cumbria and North East",
    icb_ons_code="E54000050",
    region_code="Y63",
    region_name="North East and Yorkshire",
    region_ons_code="E40000009",
)


NEW_TITLES = {
    "CCG_CODE": "SUB_ICB_LOCATION_CODE",
    "CCG_NAME": "SUB_ICB_LOCATION_NAME",
    "ONS_CCG_CODE": "ONS_SUB_ICB_LOCATION_CODE",
    "STP_CODE": "ICB_CODE",
    "STP_NAME": "ICB_NAME",
    "ONS_STP_CODE": "ONS_ICB_CODE",
}


def write(tmp_path: Path, *rows: list[str], header: list[str] = MAP_HEADER) -> Path:
    return write_csv(tmp_path / "map.csv", rows, header)


def test_reads_a_practice_and_its_geography(tmp_path: Path) -> None:
    [mapping] = read_practice_map(write(tmp_path, map_row()))
    assert mapping == DENSHAM
    assert mapping.row == 2


def test_reads_the_newer_sub_icb_and_icb_column_names(tmp_path: Path) -> None:
    old = dict(zip(MAP_HEADER, map_row(date="2026-04-01")))
    new = {NEW_TITLES.get(title, title): value for title, value in old.items()}
    [mapping] = read_practice_map(write(tmp_path, [new[title] for title in MAP_HEADER_NEW], header=MAP_HEADER_NEW))
    assert mapping == replace(DENSHAM, extract_date=dt.date(2026, 4, 1))


@pytest.mark.parametrize("code", ["U", "", "u"])
def test_an_unallocated_practice_has_no_pcn(tmp_path: Path, code: str) -> None:
    [mapping] = read_practice_map(write(tmp_path, map_row(pcn=code, pcn_name="Unallocated")))
    assert (mapping.pcn_code, mapping.pcn_name) == (None, "")


def test_missing_columns_are_named(tmp_path: Path) -> None:
    header = [title for title in MAP_HEADER if title not in ("PCN_CODE", "STP_NAME")]
    error = raises_input_error(lambda: read_practice_map(write(tmp_path, header=header)))
    assert [(p.row, p.field) for p in error.problems] == [(1, "PCN_CODE"), (1, "STP_NAME")]
    assert "required column is missing" in error.message


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (map_row(practice="A8100"), "PRACTICE_CODE", "not an ODS practice code"),
        (map_row(pcn="U-1"), "PCN_CODE", "not a PCN code"),
        (map_row(pcn_name=""), "PCN_NAME", "blank"),
        (map_row(date="31FEB2022"), "EXTRACT_DATE", "not a date"),
        (map_row(ccg=""), "CCG_CODE", "blank"),
        (map_row(date="01Feb2022"), "EXTRACT_DATE", "differs from 2022-01-01 on row 2"),
        (map_row(pcn="U89141", pcn_name="STOCKTON NORTH PCN"), "PCN_NAME", "'STOCKTON PCN' on row 2"),
        (map_row(stp="QXX"), "STP_CODE", "CCG_CODE 16C has 'QHM' on row 2"),
        (map_row(region_name="North"), "COMM_REGION_NAME", "on row 2"),
        (map_row(practice="A81001", practice_name="OTHER"), "PRACTICE_CODE", "also on row 2"),
    ],
)
def test_a_bad_row_is_reported_with_its_row_and_field(tmp_path: Path, row: list[str], field: str, message: str) -> None:
    error = raises_input_error(lambda: read_practice_map(write(tmp_path, map_row(), row)))
    assert (error.file, error.row, error.field) == ("map.csv", 3, field), str(error)
    assert message in error.message


def test_a_practice_repeated_identically_is_read_once(tmp_path: Path) -> None:
    assert len(list(read_practice_map(write(tmp_path, map_row(), map_row())))) == 1


def test_a_file_with_only_a_header_is_an_error(tmp_path: Path) -> None:
    error = raises_input_error(lambda: read_practice_map(write(tmp_path)))
    assert "no practice rows" in error.message


def test_an_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    path.write_text("")
    assert "empty" in raises_input_error(lambda: read_practice_map(path)).message


def test_the_real_january_2022_file() -> None:
    mappings = list(read_practice_map(MAP_2022))
    assert len(mappings) == 6527
    assert {m.extract_date for m in mappings} == {dt.date(2022, 1, 1)}
    assert sum(m.pcn_code is None for m in mappings) == 68  # PCN_CODE "U", "Unallocated"
    assert len({m.pcn_code for m in mappings if m.pcn_code}) == 1254
    assert len({m.sub_icb_code for m in mappings}) == 106
    assert len({m.icb_code for m in mappings}) == 42
    assert len({m.region_code for m in mappings}) == 7
