"""Property tests of the parsing paths the published layouts need: dates in any accepted form, epraccur with or
without a header and with old or new codes, ePCN workbooks with text, serial and Excel dates."""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pcnhub.domain.errors import Problems
from pcnhub.ingest import Kind, detect_kind, read_epcn, read_epraccur, read_list_sizes, read_practice_map
from pcnhub.ingest import EpraccurPractice
from pcnhub.ingest.archives import extracted_csvs
from pcnhub.ingest.epraccur import STATUSES
from pcnhub.ingest.tabular import EXCEL_EPOCH, Cells, Column, Header, parse_date
from tests.ingest.helpers import EPCN_DETAILS_HEADER, EPCN_PARTNERS_HEADER, epcn_member, epcn_network, write_csv
from tests.ingest.helpers import raises_input_error
from tests.ingest.helpers import write_epcn
from tests.ingest.test_ingest_properties import epraccur_files, epraccur_line

dates = st.dates(dt.date(1948, 7, 5), dt.date(2099, 12, 31))
FIXTURES = Path(__file__).parent / "fixtures"
READERS = {
    Kind.LIST_SIZES: read_list_sizes,
    Kind.QUINARY_AGE: lambda path: read_list_sizes(path, "quinary"),
    Kind.SINGLE_AGE: lambda path: read_list_sizes(path, "single"),
    Kind.PRACTICE_MAP: read_practice_map,
}

#: Every text form of a date the NHS files use (and some exports of them write).
TEXT_FORMS = {
    "iso": lambda d: d.isoformat(),
    "iso with midnight": lambda d: f"{d.isoformat()} 00:00:00",
    "iso T midnight": lambda d: f"{d.isoformat()}T00:00",
    "compact": lambda d: d.strftime("%Y%m%d"),
    "day MON year": lambda d: d.strftime("%d%b%Y").upper(),
    "day Mon year": lambda d: d.strftime("%d%b%Y"),
    "day-Mon-year": lambda d: d.strftime("%d-%b-%Y"),
    "day/month/year": lambda d: d.strftime("%d/%m/%Y"),
    "d/m/year": lambda d: f"{d.day}/{d.month}/{d.year}",
    "day/month/year midnight": lambda d: d.strftime("%d/%m/%Y 00:00"),
}


def serial(date: dt.date) -> int:
    return (date - EXCEL_EPOCH).days


#: A workbook cell holding a date: Excel's own date, its serial number (a cell without a date format), or text.
CELL_FORMS = {
    **TEXT_FORMS,
    "datetime": lambda d: dt.datetime(d.year, d.month, d.day),
    "date": lambda d: d,
    "serial": serial,
    "serial with a time": lambda d: serial(d) + 0.25,
}


@given(dates, st.sampled_from(sorted(TEXT_FORMS)))
def test_a_date_written_in_any_accepted_text_form_reads_back(date: dt.date, form: str) -> None:
    assert parse_date(TEXT_FORMS[form](date)) == date


@given(dates, st.sampled_from(sorted(CELL_FORMS)))
def test_a_date_cell_in_any_accepted_form_reads_back(date: dt.date, form: str) -> None:
    problems = Problems("ePCN.xlsx")
    header = Header(["Open Date"], [Column.of("Open Date")], problems, 1)
    cells = Cells(header, [CELL_FORMS[form](date)], 2, problems)
    assert cells.date("Open Date") == date and cells.ok and not problems.found


@given(dates)
def test_two_digit_years_are_this_century(date: dt.date) -> None:
    date = date.replace(year=2000 + date.year % 100)
    assert parse_date(date.strftime("%d-%b-%y")) == date


NEW_STATUS = {"A": "ACTIVE", "C": "INACTIVE", "D": "DORMANT", "P": "PROPOSED"}
HEADER = ["Organisation Code", "Name", "National Grouping", "High Level Health Geography",
          *(f"Address Line {i}" for i in range(1, 6)), "Postcode", "Open Date", "Close Date", "Status Code",
          "Organisation Sub-Type Code", "Commissioner", "Join Provider/Purchaser Date",
          "Left Provider/Purchaser Date", "Contact Telephone Number", "Null", "Null", "Null",
          "Amended Record Indicator", "Null", "Provider/Purchaser", "Null", "Prescribing Setting", "Null"]


@settings(max_examples=40)
@given(epraccur_files, st.booleans(), st.booleans())
def test_epraccur_reads_the_same_with_or_without_a_header_and_with_old_or_new_codes(
    tmp_path: Path, practices: list[tuple[EpraccurPractice, list[str]]], headed: bool, new_codes: bool
) -> None:
    rows = [epraccur_line(p, lines) for p, lines in practices]
    if new_codes:
        for row in rows:
            row[12], row[25] = NEW_STATUS.get(row[12], row[12]), "RO76"
    path = write_csv(tmp_path / "epraccur.csv", rows, HEADER if headed else None)
    read = list(read_epraccur(path))
    assert read == [replace(p, status=STATUSES[p.status]) for p, _ in practices]
    assert [p.row for p in read] == list(range(1 + headed, len(rows) + 1 + headed))


@settings(max_examples=25)
@given(
    st.lists(st.tuples(dates, st.none() | dates), min_size=1, max_size=4),
    st.lists(st.sampled_from(sorted(CELL_FORMS)), min_size=8, max_size=8),
    st.sampled_from(["PCNDetails", "PCN Details", "pcn details"]),
)
def test_epcn_dates_in_any_accepted_form_and_either_sheet_name_read_back(
    tmp_path: Path, spans: list[tuple[dt.date, dt.date | None]], forms: list[str], details_sheet: str
) -> None:
    spans = [(start, end if end is None or end >= start else start) for start, end in spans]

    def cell(date: dt.date | None, i: int) -> Any:
        return None if date is None else CELL_FORMS[forms[i % len(forms)]](date)

    networks = [epcn_network(f"U{i:05d}", f"PCN {i}", opened=cell(s, i), closed=cell(e, i + 1))
                for i, (s, e) in enumerate(spans)]
    members = [epcn_member(f"A{i:05d}", f"U{i:05d}", start=cell(s, i + 2), end=cell(e, i + 3), pcn_name=f"PCN {i}")
               for i, (s, e) in enumerate(spans)]
    path = write_epcn(tmp_path / "ePCN.xlsx", networks, members, details_header=EPCN_DETAILS_HEADER,
                      partners_header=EPCN_PARTNERS_HEADER, sheets=(details_sheet, "PCN Core Partner Details"))
    epcn = read_epcn(path)
    assert [(n.open_date, n.close_date) for n in epcn.networks] == spans
    assert [(m.start, m.end) for m in epcn.members] == spans


@settings(max_examples=30)
@given(st.lists(st.sampled_from(sorted(p.name for p in FIXTURES.glob("gp-reg-pat-prac-*.csv"))), min_size=1,
                max_size=4, unique=True), st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]), st.booleans())
def test_the_files_of_a_zip_read_as_the_files_themselves(
    tmp_path: Path, names: list[str], compression: int, in_folder: bool
) -> None:
    path = tmp_path / "published.zip"
    path.unlink(missing_ok=True)
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name in names:
            archive.write(FIXTURES / name, f"data/{name}" if in_folder else name)
    with extracted_csvs(path) as members:
        assert [m.name for m in members] == sorted(names)
        for member in members:
            original = FIXTURES / member.name
            kind = detect_kind(member)
            assert kind is detect_kind(original)
            assert list(READERS[kind](member)) == list(READERS[kind](original))


@settings(max_examples=20)
@given(st.integers(1, 4), st.data())
def test_a_bad_epcn_date_is_reported_with_its_sheet_row_and_column(tmp_path: Path, count: int, data: Any) -> None:
    networks = [epcn_network(f"U{i:05d}", f"PCN {i}", opened="2019-07-01") for i in range(count)]
    members = [epcn_member(f"A{i:05d}", f"U{i:05d}", start="01/07/2019", pcn_name=f"PCN {i}") for i in range(count)]
    sheet = data.draw(st.sampled_from(["PCN Details", "PCN Core Partner Details"]))
    rows, column, field = ((networks, 4, "Open Date") if sheet == "PCN Details"
                           else (members, 8, "Practice to PCN Relationship Start Date"))
    index = data.draw(st.integers(0, count - 1))
    rows[index][column] = data.draw(st.sampled_from(["2019-02-30", "1 July 2019", "31/13/2019", "0", "-5"]))
    path = write_epcn(tmp_path / "ePCN.xlsx", networks, members, sheets=("PCN Details", "PCN Core Partner Details"))
    error = raises_input_error(lambda: read_epcn(path))
    assert [(p.row, p.field) for p in error.problems] == [(index + 2, field)], str(error)
    assert error.file == "ePCN.xlsx" and error.message.startswith(f"sheet {sheet}: ")
