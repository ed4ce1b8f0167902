"""Property tests of the parsers: what is written is read back, and a corrupted value is pinned down.

For each CSV format, hypothesis generates valid records, writes them as the NHS publishes them and
checks that parsing gives the records back; then it corrupts one field of one row and checks the
InputError names exactly that row and field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pcnhub.ingest import (
    EpraccurPractice,
    PatientCount,
    PracticeMapping,
    read_epraccur,
    read_list_sizes,
    read_practice_map,
)
from pcnhub.ingest.epraccur import STATUSES
from tests.ingest.helpers import ALL_HEADER, MAP_HEADER, raises_input_error, write_csv

practice_codes = st.from_regex(r"[A-Z][0-9A-Z]{5}", fullmatch=True)
#: Practices in England: ODS codes beginning with W are Welsh, which epraccur's reader leaves out.
english_practice_codes = st.from_regex(r"[A-VX-Z][0-9A-Z]{5}", fullmatch=True)
org_codes = st.from_regex(r"[A-Z0-9]{3,5}", fullmatch=True)
names = st.lists(
    st.text(st.characters(categories=["Lu", "Ll", "Nd"]) | st.sampled_from("&'-()."), min_size=1, max_size=8),
    min_size=1,
    max_size=4,
).map(" ".join)
dates = st.dates(dt.date(1948, 7, 5), dt.date(2099, 12, 31))
postcodes = st.from_regex(r"[A-Z]{1,2}[0-9]{1,2} [0-9][A-Z]{2}", fullmatch=True)


@dataclass(frozen=True)
class Corruption:
    field: str
    column: int
    value: str


# --- epraccur ------------------------------------------------------------------------------------


@st.composite
def epraccur_practices(draw: st.DrawFn) -> tuple[EpraccurPractice, list[str]]:
    """A practice with its status as written (A, ACTIVE, ...), and the address lines it is read from."""
    lines = draw(st.lists(names, max_size=5))
    status = draw(st.sampled_from(sorted(STATUSES)))
    return EpraccurPractice(
        code=draw(english_practice_codes),
        name=draw(names),
        address=", ".join(lines),
        postcode=draw(postcodes),
        open_date=draw(st.none() | dates),
        close_date=draw(st.none() | dates),
        status=status,
        commissioner=draw(st.just("") | org_codes),
        joined_commissioner=draw(st.none() | dates),
        left_commissioner=draw(st.none() | dates),
        national_grouping=draw(st.just("") | st.from_regex(r"Y[0-9]{2}", fullmatch=True)),
        high_level_health_geography=draw(st.just("") | st.from_regex(r"Q[0-9]{2}", fullmatch=True)),
    ), lines


def epraccur_line(practice: EpraccurPractice, lines: list[str]) -> list[str]:
    def day(date: dt.date | None) -> str:
        return date.strftime("%Y%m%d") if date else ""

    address = (lines + [""] * 5)[:5]
    return [
        practice.code,
        practice.name,
        practice.national_grouping,
        practice.high_level_health_geography,
        *address,
        practice.postcode,
        day(practice.open_date),
        day(practice.close_date),
        practice.status,
        "B",
        practice.commissioner,
        day(practice.joined_commissioner),
        day(practice.left_commissioner),
        "",
        "",
        "",
        "",
        "0",
        "",
        practice.commissioner,
        "",
        "4",
        "",
    ]


epraccur_files = st.lists(epraccur_practices(), min_size=1, max_size=8, unique_by=lambda p: p[0].code)
EPRACCUR_CORRUPTIONS = [
    Corruption("code", 0, "A8100"),
    Corruption("code", 0, "A8100!"),
    Corruption("name", 1, ""),
    Corruption("open_date", 10, "2019-02-30"),
    Corruption("close_date", 11, "01/13/2020"),
    Corruption("status", 12, "OPEN"),
    Corruption("commissioner", 14, "0 K"),
]


@given(epraccur_files)
def test_epraccur_reads_back_what_was_written(
    tmp_path: Path, practices: list[tuple[EpraccurPractice, list[str]]]
) -> None:
    path = write_csv(tmp_path / "epraccur.csv", [epraccur_line(p, lines) for p, lines in practices])
    expected = [replace(p, status=STATUSES[p.status]) for p, _ in practices]
    assert list(read_epraccur(path)) == expected


@given(epraccur_files, st.data())
def test_a_corrupted_epraccur_value_is_reported_at_its_row_and_field(
    tmp_path: Path, practices: list[tuple[EpraccurPractice, list[str]]], data: st.DataObject
) -> None:
    rows = [epraccur_line(p, lines) for p, lines in practices]
    index = data.draw(st.integers(0, len(rows) - 1))
    corruption = data.draw(st.sampled_from(EPRACCUR_CORRUPTIONS))
    rows[index][corruption.column] = corruption.value
    error = raises_input_error(lambda: read_epraccur(write_csv(tmp_path / "epraccur.csv", rows)))
    assert [(p.row, p.field) for p in error.problems] == [(index + 1, corruption.field)]


# --- gp-reg-pat-prac-map -------------------------------------------------------------------------


@st.composite
def practice_maps(draw: st.DrawFn) -> list[PracticeMapping]:
    """A consistent map: each PCN, sub-ICB, ICB and region with one name (and parent) throughout."""
    extract = draw(dates)
    regions = draw(st.dictionaries(org_codes, st.tuples(names, postcodes), min_size=1, max_size=2))
    icbs = draw(st.dictionaries(org_codes, st.tuples(names, st.sampled_from(sorted(regions))), min_size=1, max_size=3))
    sub_icbs = draw(st.dictionaries(org_codes, st.tuples(names, st.sampled_from(sorted(icbs))), min_size=1, max_size=3))
    pcns = draw(st.dictionaries(st.from_regex(r"U[0-9]{5}", fullmatch=True), names, max_size=3))
    practices = draw(st.lists(practice_codes, min_size=1, max_size=8, unique=True))
    mappings = []
    for code in practices:
        pcn = draw(st.none() | st.sampled_from(sorted(pcns))) if pcns else None
        sub_icb = draw(st.sampled_from(sorted(sub_icbs)))
        icb = sub_icbs[sub_icb][1]
        region = icbs[icb][1]
        mappings.append(
            PracticeMapping(
                extract_date=extract,
                practice_code=code,
                practice_name=draw(names),
                practice_postcode=draw(postcodes),
                pcn_code=pcn,
                pcn_name=pcns[pcn] if pcn else "",
                sub_icb_code=sub_icb,
                sub_icb_name=sub_icbs[sub_icb][0],
                sub_icb_ons_code="E38000247",
                icb_code=icb,
                icb_name=icbs[icb][0],
                icb_ons_code="E54000050",
                region_code=region,
                region_name=regions[region][0],
                region_ons_code="E40000009",
            )
        )
    return mappings


def map_line(m: PracticeMapping, date_format: str) -> list[str]:
    return [
        "GP_PRAC_PAT_LIST",
        m.extract_date.strftime(date_format),
        m.practice_code,
        m.practice_name,
        m.practice_postcode,
        m.pcn_code or "U",
        m.pcn_name or "Unallocated",
        m.sub_icb_ons_code,
        m.sub_icb_code,
        m.sub_icb_name,
        m.icb_ons_code,
        m.icb_code,
        m.icb_name,
        m.region_ons_code,
        m.region_code,
        m.region_name,
    ]


date_formats = st.sampled_from(["%d%b%Y", "%Y-%m-%d", "%Y%m%d"])
MAP_CORRUPTIONS = [
    Corruption("EXTRACT_DATE", 1, "32Jan2022"),
    Corruption("PRACTICE_CODE", 2, "123456"),
    Corruption("PRACTICE_NAME", 3, ""),
    Corruption("PCN_CODE", 5, "U-123"),
    Corruption("CCG_CODE", 8, ""),
    Corruption("COMM_REGION_CODE", 14, "Y 63"),
]


@given(practice_maps(), date_formats)
def test_the_practice_map_reads_back_what_was_written(
    tmp_path: Path, mappings: list[PracticeMapping], date_format: str
) -> None:
    path = write_csv(tmp_path / "map.csv", [map_line(m, date_format) for m in mappings], MAP_HEADER)
    assert list(read_practice_map(path)) == mappings


@given(practice_maps(), st.data())
def test_a_corrupted_map_value_is_reported_at_its_row_and_field(
    tmp_path: Path, mappings: list[PracticeMapping], data: st.DataObject
) -> None:
    rows = [map_line(m, "%d%b%Y") for m in mappings]
    index = data.draw(st.integers(0, len(rows) - 1))
    corruption = data.draw(st.sampled_from(MAP_CORRUPTIONS))
    rows[index][corruption.column] = corruption.value
    error = raises_input_error(lambda: read_practice_map(write_csv(tmp_path / "map.csv", rows, MAP_HEADER)))
    assert [(p.row, p.field) for p in error.problems] == [(index + 2, corruption.field)]


# --- gp-reg-pat-prac-all -------------------------------------------------------------------------


@st.composite
def list_size_files(draw: st.DrawFn) -> list[PatientCount]:
    extract = draw(dates)
    codes = draw(st.lists(practice_codes, min_size=1, max_size=10, unique=True))
    return [
        PatientCount(
            extract, "GP", code, "A", "ALL", None, draw(st.integers(0, 150_000)), draw(org_codes), draw(postcodes)
        )
        for code in codes
    ]


def list_line(count: PatientCount, date_format: str) -> list[Any]:
    return [
        "GP_PRAC_PAT_LIST",
        count.extract_date.strftime(date_format).upper(),
        "GP",
        count.sub_icb_code,
        "E38000130",
        count.code,
        count.postcode,
        "ALL",
        "ALL",
        count.patients,
    ]


LIST_CORRUPTIONS = [
    Corruption("EXTRACT_DATE", 1, "2021-1-1"),
    Corruption("CODE", 5, "Q"),
    Corruption("SEX", 7, "FEMALE"),
    Corruption("SEX", 7, "X"),
    Corruption("AGE", 8, "0_4"),
    Corruption("NUMBER_OF_PATIENTS", 9, "-1"),
    Corruption("NUMBER_OF_PATIENTS", 9, "1e3"),
    Corruption("NUMBER_OF_PATIENTS", 9, ""),
]


@given(list_size_files(), date_formats)
def test_list_sizes_read_back_what_was_written(tmp_path: Path, counts: list[PatientCount], date_format: str) -> None:
    path = write_csv(tmp_path / "all.csv", [list_line(c, date_format) for c in counts], ALL_HEADER)
    assert list(read_list_sizes(path)) == counts


@given(list_size_files(), st.data())
def test_a_corrupted_list_size_is_reported_at_its_row_and_field(
    tmp_path: Path, counts: list[PatientCount], data: st.DataObject
) -> None:
    rows = [list_line(c, "%d%b%Y") for c in counts]
    index = data.draw(st.integers(0, len(rows) - 1))
    corruption = data.draw(st.sampled_from(LIST_CORRUPTIONS))
    rows[index][corruption.column] = corruption.value
    error = raises_input_error(lambda: read_list_sizes(write_csv(tmp_path / "all.csv", rows, ALL_HEADER)))
    assert [(p.row, p.field) for p in error.problems] == [(index + 2, corruption.field)]
