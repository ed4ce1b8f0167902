"""The one layer every file reader stands on: files opened, text decoded, CSV records numbered, headers
matched and cells typed, each problem reported by file, row and field.

One encoding policy for every CSV, NHS or user (:func:`decoded_lines`): UTF-8 (a byte-order mark
dropped); UTF-16 or UTF-32 when the file starts with its byte-order mark (Excel's "Unicode" files);
otherwise, line by line, Windows-1252 (Excel's plain "CSV" on Windows, and older ODS downloads).  A NUL
byte means the file is not text at all (a spreadsheet, or UTF-16 without its mark): one message, naming
the line, everywhere.  :func:`csv_records` streams a file; :func:`read_csv_text` reads a small one whole
for :func:`text_records`.  Both number records by the line they start on (the header is line 1) and
skip blank ones (:func:`numbered_records`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from pcnhub.domain.errors import InputError, Problems
from pcnhub.domain.rules import MAX_LIST_SIZE

#: An ODS GP practice code: a letter then five letters or digits (A81001, Y02707).
PRACTICE_CODE: Final = re.compile(r"[A-Z][0-9A-Z]{5}")
#: Any ODS organisation code (PCN U12345, CCG 16C, ICB QHM, region Y63, sub-ICB W2U3Z).
ORG_CODE: Final = re.compile(r"[A-Z0-9]{3,8}")

_MONTHS: Final = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}
_TIME: Final = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"  # a midnight time some exports add
_DATE_FORMATS: Final = (
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})" + _TIME), "ymd"),  # 2026-04-01, 2020-04-01 00:00:00
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), "ymd"),  # 20190401
    (re.compile(r"(\d{1,2})([A-Za-z]{3})(\d{4})"), "dby"),  # 01JAN2021, 01Jan2022
    (re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{2}|\d{4})"), "dby"),  # 01-Apr-20, 01-Apr-2020
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME), "dmy"),  # 01/04/2020, 01/04/2020 00:00
)
#: Day 0 of Excel's serial dates (1900 system, counting its phantom 29 February 1900), and the last serial.
EXCEL_EPOCH: Final = dt.date(1899, 12, 30)
MAX_EXCEL_SERIAL: Final = 2_958_465  # 9999-12-31


def normalise_title(title: object) -> str:
    """A column title compared without case, and with any run of whitespace (line breaks too) as one space."""
    return " ".join(str(title or "").split()).casefold()


@dataclass(frozen=True)
class Column:
    """A column a parser reads: ``name`` in problems, found under any of ``titles`` in the header."""

    name: str
    titles: tuple[str, ...]
    required: bool = True

    @classmethod
    def of(cls, *titles: str, required: bool = True) -> Column:
        return cls(titles[0], titles, required)


class Header:
    """Where each :class:`Column` is in a file's header row."""

    def __init__(self, titles: Sequence[object], columns: Iterable[Column], problems: Problems, row: int) -> None:
        found = {normalise_title(title): index for index, title in reversed(list(enumerate(titles)))}
        self.index: dict[str, int] = {}
        self.titles: dict[str, str] = {}
        for column in columns:
            for title in column.titles:
                if normalise_title(title) in found:
                    self.index[column.name] = found[normalise_title(title)]
                    self.titles[column.name] = " ".join(str(titles[self.index[column.name]]).split())
                    break
            else:
                self.titles[column.name] = column.name
                if column.required:
                    listed = ", ".join(" ".join(str(t).split()) for t in titles if str(t or "").strip())
                    problems.add(row, column.name, f"required column is missing (columns found: {listed or 'none'})")


class Cells:
    """One record's cells, read by column name; each bad value is reported as a problem at its row and field."""

    __slots__ = ("header", "ok", "problems", "row", "values")

    def __init__(self, header: Header, values: Sequence[object], row: int, problems: Problems) -> None:
        self.header = header
        self.values = values
        self.row = row
        self.problems = problems
        self.ok = True

    def problem(self, name: str, message: str) -> None:
        self.ok = False
        self.problems.add(self.row, self.header.titles[name], message)

    def raw(self, name: str) -> object:
        index = self.header.index.get(name)
        return self.values[index] if index is not None and index < len(self.values) else None

    def text(self, name: str, *, required: bool = False) -> str:
        """The cell as text with whitespace runs collapsed; blank for a missing column or cell."""
        value = self.raw(name)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = " ".join(str(value).split()) if value is not None else ""
        if required and not text:
            self.problem(name, "is blank")
        return text

    def code(
        self, name: str, pattern: re.Pattern[str] = ORG_CODE, *, what: str = "an ODS code", required: bool = True
    ) -> str:
        """An upper-cased ODS code matching ``pattern``; blank if the cell is blank (a problem if required)."""
        text = self.text(name, required=required)
        code = text.upper()
        if text and not pattern.fullmatch(code):
            self.problem(name, f"{text!r} is not {what}")
            return ""
        return code

    def date(self, name: str, *, required: bool = False) -> dt.date | None:
        value = self.raw(name)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value <= MAX_EXCEL_SERIAL:
            return excel_date(value)  # a date cell without a date format: Excel's serial number
        text = self.text(name, required=required)
        if not text:
            return None
        try:
            return parse_date(text)
        except ValueError as err:
            self.problem(name, str(err))
            return None

    def count(self, name: str) -> int:
        """A whole number of 0 or more (0 after reporting a problem: check :attr:`ok`)."""
        text = self.text(name, required=True)
        if text and not text.isdecimal():
            what = "negative" if text.startswith("-") and text[1:].isdecimal() else "not a whole number"
            self.problem(name, f"{text!r} is {what}; a count must be a whole number of 0 or more")
            return 0
        value = int(text) if text else 0
        if value > MAX_LIST_SIZE:
            self.problem(name, f"{text!r} is more than {MAX_LIST_SIZE:,}; no practice has so many patients")
            return 0
        return value

    def population(self, name: str) -> float | None:
        """An optional population of 0 or more, which may have decimals (weighted lists do); None if blank."""
        text = self.text(name).replace(",", "")
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not value >= 0 or value == float("inf"):
            self.problem(name, f"{text!r} is not a population; it must be a number of 0 or more")
            return None
        return value


def excel_date(serial: float) -> dt.date:
    """The date of an Excel serial number (1900 date system; a time of day, the fraction, is dropped)."""
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


@functools.lru_cache(maxsize=4096)
def parse_date(text: str) -> dt.date:
    """Parse the dates of NHS files: 2026-04-01, 20190401, 01JAN2021, 01Jan2022, 01-Apr-20, 01/04/2020 (a
    midnight time after an ISO or day/month/year date, as some exports write, is allowed)."""
    for pattern, order in _DATE_FORMATS:
        match = pattern.fullmatch(text.strip())
        if not match:
            continue
        a, b, c = match.groups()
        try:
            if order == "ymd":
                return dt.date(int(a), int(b), int(c))
            if order == "dmy":
                return dt.date(int(c), int(b), int(a))
            month = _MONTHS.get(b.upper())
            if month is None:
                break
            year = int(c) + (2000 if len(c) == 2 else 0)
            return dt.date(year, month, int(a))
        except ValueError:
            break
    raise ValueError(f"{text!r} is not a date (expected e.g. 2026-04-01, 20190401 or 01JAN2021)")


def open_input(path: Path, what: str = "a file") -> BinaryIO:
    """Open an input file for binary reading; a missing or unreadable file becomes an :class:`InputError`."""
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputError.single(path.name, "the file does not exist") from None
    except IsADirectoryError:
        raise InputError.single(path.name, f"this is a folder, not {what}") from None
    except OSError as err:
        raise InputError.single(path.name, f"the file cannot be read ({err.strerror or err})") from None


class CsvSyntaxError(csv.Error):
    """A record the csv module cannot read, with the line it starts on."""

    def __init__(self, line: int, error: csv.Error) -> None:
        super().__init__(str(error))
        self.line = line


def numbered_records(lines: Iterable[str]) -> Generator[tuple[int, list[str]], None, None]:
    """Yield (line number where the record starts, cells) for each non-blank CSV record of ``lines``.

    A record the csv module cannot read raises :class:`CsvSyntaxError` (a :class:`csv.Error`) naming its line.
    """
    reader = csv.reader(lines)
    previous_end = 0
    try:
        for record in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if any(cell.strip() for cell in record):
                yield line, record
    except csv.Error as err:
        raise CsvSyntaxError(previous_end + 1, err) from None


#: Said of a file with a NUL byte, whichever reader meets it.
NOT_TEXT: Final = "this line holds a NUL byte, so the file is not text (a spreadsheet? save it as 'CSV UTF-8')"


def decoded_lines(handle: BinaryIO, file: str) -> Iterator[str]:
    """The lines of an open file as text, by the one encoding policy of this module (line endings kept)."""
    start = handle.peek(4)[:4] if hasattr(handle, "peek") else b""
    if start.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        lines: Iterable[str] = io.TextIOWrapper(handle, encoding="utf-32", errors="replace", newline="")
    elif start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        lines = io.TextIOWrapper(handle, encoding="utf-16", errors="replace", newline="")
    else:
        lines = _utf8_or_windows_1252(handle)
    for number, line in enumerate(lines, 1):
        if "\x00" in line:
            raise InputError.single(file, NOT_TEXT, row=number)
        yield line.removeprefix("\ufeff") if number == 1 else line


def csv_records(path: Path) -> Generator[tuple[int, list[str]], None, None]:
    """Yield (line number where the record starts, cells) for each non-blank CSV record, streamed."""
    handle = open_input(path)
    with handle:
        try:
            yield from numbered_records(decoded_lines(handle, path.name))
        except CsvSyntaxError as err:
            raise InputError.single(path.name, f"the file is not valid CSV ({err})", row=err.line) from None


def read_csv_text(source: Path) -> str:
    """A small CSV file whole, as text (see :func:`decoded_lines`)."""
    with open_input(source, "a CSV file") as handle:
        return "".join(decoded_lines(handle, source.name))


def text_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number where the record starts, cells) for each non-blank CSV record of ``text``."""
    return numbered_records(io.StringIO(text, newline=""))


def text_columns(
    line: int, header: Sequence[str], known: Iterable[str], required: Iterable[str], problems: Problems
) -> dict[str, int]:
    """Where each column of a user CSV's header is, by its title without case or surrounding spaces.

    The first of two columns with the same title wins; a ``known`` column given twice, or a ``required``
    one missing, is a problem at the header's ``line``.
    """
    known = frozenset(known)
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        name = title.strip().casefold()
        if name in columns and name in known:
            problems.add(line, name, "column appears more than once")
        columns.setdefault(name, index)
    found = ", ".join(title.strip() for title in header if title.strip())
    for name in required:
        if name not in columns:
            problems.add(line, name, f"required column is missing (columns found: {found or 'none'})")
    return columns


def text_cells(
    line: int, record: Sequence[str], header: Sequence[str], columns: Mapping[str, int], problems: Problems
) -> Callable[[str], str] | None:
    """The stripped value of each named column of a record (blank if the column or value is missing).

    None, after reporting the problem, when the record has more values than the header has columns.
    """
    if len(record) > len(header):
        problems.add(
            line,
            None,
            f"the row has {len(record)} values but the header has {len(header)} columns "
            "(does a value containing a comma need quotes?)",
        )
        return None

    def cell(name: str) -> str:
        index = columns.get(name, len(record))
        return record[index].strip() if index < len(record) else ""

    return cell


def csv_table(
    path: Path, columns: Iterable[Column], problems: Problems
) -> tuple[Header, Iterator[tuple[int, list[str]]]]:
    """The header of a CSV file with a header row, and an iterator over its data records.

    An empty file or a missing required column raises the collected problems at once.
    """
    records = csv_records(path)
    first = next(records, None)
    if first is None:
        problems.fail(None, None, "the file is empty")
    header = Header(first[1], columns, problems, first[0])
    problems.raise_if_any()
    return header, records


def _utf8_or_windows_1252(lines: Iterable[bytes]) -> Iterator[str]:
    for line in lines:
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            yield line.decode("cp1252", errors="replace")
