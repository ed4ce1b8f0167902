"""ePCN.xlsx: the ODS register of PCNs and of their core partners (member practices).

Two sheets are read: "PCNDetails" (one row per PCN) and "PCN Core Partner Details" (one row per
practice-to-PCN relationship, with its start and end dates).  Header cells contain line breaks
("Partner\\nOrganisation\\nCode"), so titles are matched with whitespace normalised; older CCG-era
titles are accepted too.  Checked against four published versions (December 2019, April 2022, January 2023,
January 2025; tests/register/test_loaders_epcn_layouts.py writes their layouts): the CCG-era "Current Clinical
Commissioning Group Code" / "Clinical Commissioning Group Name" and December 2019's "Open Date (YYYYMMDD)";
dates as numbers (20191001) in 2019 and as text ("20191001") since; an empty Close Date an empty string or no
cell; the partners' PCN Name a formula in 2019 (its cached value is read) and the match column a formula or a
boolean (not read).  Sheet names are matched without case, spaces or underscores ("PCNDetails" and the older
"PCN Details"); the header is the first row (of the first ten) holding the sheet's first column, so a title row
above it is skipped.  Dates may be Excel dates, Excel serial numbers, or text (2020-04-01, 20200401, 01/04/2020,
01-Apr-2020).  A version's nominated payee columns ("Nominated Payee Code" / "Name"), where it has them, are
read into :attr:`EpcnNetwork.payee_code`; other extra columns are ignored.  Row numbers in problems are the
sheet's row numbers, and each problem names the sheet.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import zipfile
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TypeVar

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from pcnhub.domain.errors import InputError
from pcnhub.ingest.tabular import ORG_CODE, PRACTICE_CODE, Cells, Column, Header, Problems, normalise_title

#: ODS's ePCN.xlsx unpacks to a few MB (about 1,300 PCNs and 7,000 partner rows): a workbook whose parts unpack
#: to more, or a sheet with more rows, is refused before (or as soon as) it is read, not after the memory is gone.
MAX_UNPACKED_BYTES: Final = 100_000_000
MAX_ROWS: Final = 100_000

DETAILS_SHEET: Final = "PCNDetails"
PARTNERS_SHEET: Final = "PCN Core Partner Details"
#: Every name each sheet has had, compared by :func:`sheet_key`.
SHEET_NAMES: Final = {
    DETAILS_SHEET: (DETAILS_SHEET, "PCN Details"),
    PARTNERS_SHEET: (PARTNERS_SHEET, "PCN Core Partners", "Core Partner Details"),
}
#: How many non-blank rows at the top of a sheet may come before its header (titles, notes).
HEADER_SEARCH_ROWS: Final = 10
#: Address lines of a PCN: five in every published version (the 2019 specification's fields 7 to 11).
ADDRESS_LINES: Final = 5

DETAILS_COLUMNS: Final = (
    Column.of("PCN Code"),
    Column.of("PCN Name"),
    Column.of(
        "Current Sub ICB Loc Code",
        "Current Sub ICB Location Code",
        "Current CCG Code",
        "Current Clinical Commissioning Group Code",
    ),
    Column.of(
        "Sub ICB Location",
        "Sub ICB Location Name",
        "Current Sub ICB Loc Name",
        "CCG Name",
        "Current CCG Name",
        "Clinical Commissioning Group Name",  # December 2019 and April 2022
        "Clinical Commissioning Group",
        required=False,
    ),
    Column.of("Open Date", "Open Date (YYYYMMDD)"),  # the second: December 2019
    Column.of("Close Date", required=False),
    *(Column.of(f"Address Line {i}", required=False) for i in range(1, ADDRESS_LINES + 1)),
    Column.of("Postcode", required=False),
    Column.of("Nominated Payee Code", "Nominated Payee ODS Code", "Nominated Payee Organisation Code", required=False),
    Column.of("Nominated Payee Name", "Nominated Payee", required=False),
)

PARTNERS_COLUMNS: Final = (
    Column.of("Partner Organisation Code"),
    Column.of("Partner Name"),
    Column.of(
        "Practice Parent Sub ICB Loc Code",
        "Practice Parent Sub ICB Location Code",
        "Practice Parent CCG Code",
        required=False,
    ),
    Column.of(
        "Practice Parent Sub ICB Loc Name",
        "Practice Parent Sub ICB Location Name",
        "Practice Parent CCG Name",
        required=False,
    ),
    Column.of("PCN Code"),
    Column.of("PCN Name"),
    Column.of("PCN Parent Sub ICB Loc Code", "PCN Parent Sub ICB Location Code", "PCN Parent CCG Code", required=False),
    Column.of("PCN Parent Sub ICB Loc Name", "PCN Parent Sub ICB Location Name", "PCN Parent CCG Name", required=False),
    Column.of("Practice to PCN Relationship Start Date"),
    Column.of("Practice to PCN Relationship End Date", required=False),
)


@dataclass(frozen=True, slots=True)
class EpcnNetwork:
    """A PCN: its code, name, current sub-ICB location, open and close dates and address."""

    code: str
    name: str
    sub_icb_code: str
    sub_icb_name: str
    open_date: dt.date | None
    close_date: dt.date | None
    address: str
    postcode: str
    payee_code: str = ""
    payee_name: str = ""
    row: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class EpcnMember:
    """A practice's membership of a PCN from ``start`` to ``end`` (inclusive; None: still a member)."""

    practice_code: str
    practice_name: str
    practice_sub_icb_code: str
    practice_sub_icb_name: str
    pcn_code: str
    pcn_name: str
    pcn_sub_icb_code: str
    pcn_sub_icb_name: str
    start: dt.date
    end: dt.date | None
    row: int = field(default=0, compare=False)


R = TypeVar("R", EpcnNetwork, EpcnMember)


@dataclass(frozen=True)
class Epcn:
    """The two sheets of an ePCN workbook."""

    networks: list[EpcnNetwork]
    members: list[EpcnMember]
    #: The day the workbook was last saved (its document properties), when it says: the day its "Current" codes
    #: were current.
    saved: dt.date | None = None


def read_epcn(path: str | os.PathLike[str]) -> Epcn:
    """Read and check both sheets of an ePCN workbook.

    Raises :class:`~pcnhub.domain.errors.InputError` naming the row and column of each problem (the
    message says which sheet).
    """
    source = Path(path)
    problems = Problems(source.name)
    workbook = open_workbook(source)
    modified = workbook.properties.modified
    saved = modified.date() if isinstance(modified, dt.datetime) else None
    try:
        found = {sheet: find_sheet(workbook.sheetnames, sheet) for sheet in (DETAILS_SHEET, PARTNERS_SHEET)}
        if None in found.values():
            sheets = ", ".join(workbook.sheetnames)
            for sheet, name in found.items():
                if name is None:
                    problems.add(None, None, f"the workbook has no sheet {sheet!r} (sheets: {sheets})")
            problems.raise_if_any()
        details, partners = found[DETAILS_SHEET] or DETAILS_SHEET, found[PARTNERS_SHEET] or PARTNERS_SHEET
        problems.context = f"sheet {details}: "
        networks = _unique(
            _networks(_rows(workbook[details].iter_rows(values_only=True), problems), problems),
            lambda n: n.code,
            "PCN Code",
            problems,
        )
        problems.context = f"sheet {partners}: "
        members = _unique(
            _members(_rows(workbook[partners].iter_rows(values_only=True), problems), problems),
            lambda m: (m.practice_code, m.pcn_code, m.start),
            "Partner Organisation Code",
            problems,
        )
    finally:
        workbook.close()
    problems.raise_if_any()
    return Epcn(networks, members, saved)


def sheet_key(name: str) -> str:
    """A sheet name compared without case, spaces or underscores ("PCN Details" is "PCNDetails")."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def find_sheet(sheetnames: Sequence[str], sheet: str) -> str | None:
    """The workbook's name for ``sheet`` (any of its :data:`SHEET_NAMES`), or None."""
    keys = {sheet_key(name) for name in SHEET_NAMES.get(sheet, (sheet,))}
    return next((name for name in sheetnames if sheet_key(name) in keys), None)


def open_workbook(source: Path) -> Workbook:
    """Open a workbook read-only, turning a missing, broken or oversized file into an :class:`InputError`."""
    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(part.file_size for part in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise InputError.single(source.name, f"the workbook unpacks to {unpacked:,} bytes; pcnhub reads "
                                    f"workbooks of at most {MAX_UNPACKED_BYTES:,} bytes unpacked")
        return load_workbook(source, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError.single(source.name, "the file does not exist") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as err:
        raise InputError.single(source.name, f"the file is not an Excel workbook ({err})") from None


def _rows(rows: Iterable[Sequence[object]], problems: Problems) -> Iterator[tuple[int, Sequence[object]]]:
    """Number a sheet's rows from 1 and drop blank ones; stop at the first row past :data:`MAX_ROWS`."""
    for number, values in enumerate(rows, 1):
        if number > MAX_ROWS:
            problems.fail(None, None, f"the sheet has more than {MAX_ROWS:,} rows; an ePCN workbook has far fewer")
        if any(value is not None and str(value).strip() for value in values):
            yield number, values


def _sheet_cells(
    rows: Iterator[tuple[int, Sequence[object]]], columns: Sequence[Column], problems: Problems
) -> Iterator[Cells]:
    first = next(rows, None)
    if first is None:
        problems.add(None, None, "the sheet is empty")
        return
    wanted = {normalise_title(title) for title in columns[0].titles}
    top = [first, *itertools.islice(rows, HEADER_SEARCH_ROWS - 1)]
    at = next((i for i, (_, values) in enumerate(top) if wanted & {normalise_title(v) for v in values}), 0)
    first = top[at]
    rows = itertools.chain(top[at + 1 :], rows)
    header = Header(first[1], columns, problems, first[0])
    if problems.found:
        return
    empty = True
    for number, values in rows:
        empty = False
        yield Cells(header, values, number, problems)
    if empty:
        problems.add(None, None, "the sheet has a header but no rows")


def _networks(rows: Iterator[tuple[int, Sequence[object]]], problems: Problems) -> Iterator[EpcnNetwork]:
    for cells in _sheet_cells(rows, DETAILS_COLUMNS, problems):
        network = EpcnNetwork(
            code=cells.code("PCN Code", what="a PCN code"),
            name=cells.text("PCN Name", required=True),
            sub_icb_code=cells.code("Current Sub ICB Loc Code"),
            sub_icb_name=cells.text("Sub ICB Location"),
            open_date=cells.date("Open Date", required=True),
            close_date=cells.date("Close Date"),
            address=", ".join(filter(None, (_address_line(cells, i) for i in range(1, ADDRESS_LINES + 1)))),
            postcode=cells.text("Postcode").upper(),
            payee_code=cells.code("Nominated Payee Code", required=False),
            payee_name=cells.text("Nominated Payee Name"),
            row=cells.row,
        )
        if cells.ok:
            yield network


def _address_line(cells: Cells, line: int) -> str:
    """An address line's text; the number 0 is a blank (December 2019 has 0 as two PCNs' Address Line 5, where
    a spreadsheet formula copied an empty cell), and no address line of any published version is a number."""
    value = cells.raw(f"Address Line {line}")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
        return ""
    return cells.text(f"Address Line {line}")


def _members(rows: Iterator[tuple[int, Sequence[object]]], problems: Problems) -> Iterator[EpcnMember]:
    for cells in _sheet_cells(rows, PARTNERS_COLUMNS, problems):
        start = cells.date("Practice to PCN Relationship Start Date", required=True)
        end = cells.date("Practice to PCN Relationship End Date")
        if start is not None and end is not None and end < start:
            cells.problem("Practice to PCN Relationship End Date", f"{end} is before the start date {start}")
        member = EpcnMember(
            practice_code=cells.code("Partner Organisation Code", PRACTICE_CODE, what="an ODS practice code"),
            practice_name=cells.text("Partner Name", required=True),
            practice_sub_icb_code=cells.code("Practice Parent Sub ICB Loc Code", required=False),
            practice_sub_icb_name=cells.text("Practice Parent Sub ICB Loc Name"),
            pcn_code=cells.code("PCN Code", ORG_CODE, what="a PCN code"),
            pcn_name=cells.text("PCN Name", required=True),
            pcn_sub_icb_code=cells.code("PCN Parent Sub ICB Loc Code", required=False),
            pcn_sub_icb_name=cells.text("PCN Parent Sub ICB Loc Name"),
            start=start or dt.date.min,
            end=end,
            row=cells.row,
        )
        if cells.ok:
            yield member


def _unique(records: Iterable[R], key: Callable[[R], Hashable], field_name: str, problems: Problems) -> list[R]:
    """The records, once each; the same key again with other details is a problem."""
    seen: dict[Hashable, R] = {}
    for record in records:
        earlier = seen.setdefault(key(record), record)
        if earlier is not record and earlier != record:
            problems.add(record.row, field_name, f"also on row {earlier.row} with different details")
    return list(seen.values())
