"""Read a proposed PCN configuration from a CSV file (one row per practice).

Required columns: ``pcn``, ``practice_code``, ``practice_name``, ``list_size``.
Optional per-network columns: ``clinical_director``, ``nominated_payee``,
``network_agreement`` (yes/no, true/false, signed/unsigned or blank) and
``exception_reason`` (a recorded exception to the list-size band).  A network
takes the non-blank value its rows give; an optional column that is absent
leaves the field :data:`~pcnhub.domain.rules.UNKNOWN`.  Header names are
case-insensitive and other columns are ignored.

A blank ``pcn`` means the practice is in no network: such practices are
returned in a network with a blank name, which the rules treat as uncovered.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

from pcnhub.domain.csv_text import read_csv_text, text_records
from pcnhub.domain.errors import Problems
from pcnhub.domain.rules import LIST_SIZE_BAND, UNKNOWN, Network, PracticeEntry, Unknown

PCN: Final = "pcn"
PRACTICE_CODE: Final = "practice_code"
PRACTICE_NAME: Final = "practice_name"
LIST_SIZE: Final = "list_size"
CLINICAL_DIRECTOR: Final = "clinical_director"
NOMINATED_PAYEE: Final = "nominated_payee"
NETWORK_AGREEMENT: Final = "network_agreement"
EXCEPTION_REASON: Final = "exception_reason"

REQUIRED_COLUMNS: Final = (PCN, PRACTICE_CODE, PRACTICE_NAME, LIST_SIZE)
NETWORK_COLUMNS: Final = (CLINICAL_DIRECTOR, NOMINATED_PAYEE, NETWORK_AGREEMENT, EXCEPTION_REASON)

# Reading stops after this many problems; they are all reported together.

ODS_PRACTICE_CODE: Final = re.compile(r"[A-Z][0-9A-Z]{5}")
_WHOLE_NUMBER: Final = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)")
_AGREEMENT_ANSWERS: Final = {
    "yes": True,
    "true": True,
    "signed": True,
    "no": False,
    "false": False,
    "unsigned": False,
}


def read_configuration_csv(path: str | os.PathLike[str]) -> tuple[list[Network], list[str]]:
    """Read networks and the area's practice codes from a configuration CSV.

    Returns the networks in order of first appearance and every practice code
    in the file, once each, in file order.  Raises :class:`InputError` listing
    every problem found (up to :data:`pcnhub.domain.errors.MAX_PROBLEMS`).
    """
    source = Path(path)
    problems = Problems(source.name)
    parser = _Parser(problems)
    rows = parser.parse(read_csv_text(source))
    networks = [
        _network(pcn, members, parser.network_columns, problems)
        for pcn, members in _group_by_pcn(rows).items()
    ]
    problems.raise_if_any()
    return networks, list(dict.fromkeys(row.practice.code for row in rows))


_T = TypeVar("_T", str, bool)


@dataclass(frozen=True)
class _Row:
    """A valid practice row; optional network values are None when blank or absent."""

    line: int
    pcn: str
    practice: PracticeEntry
    clinical_director: str | None
    nominated_payee: str | None
    network_agreement: bool | None
    exception_reason: str | None


class _Parser:
    """Turns CSV text into validated rows, reporting problems to a collection."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.network_columns: frozenset[str] = frozenset()  # optional columns the file has

    def parse(self, text: str) -> list[_Row]:
        """Return the file's valid rows, or raise InputError if any problem was found."""
        rows: list[_Row] = []
        try:
            records = text_records(text)
            header = next(records, None)
            if header is None:
                self.problems.add(None, None, "the file is empty")
            else:
                rows = self._rows(*header, records)
        except csv.Error as err:
            self.problems.add(None, None, f"the file is not valid CSV ({err})")
        self.problems.raise_if_any()
        return rows

    def _rows(
        self, header_line: int, header: list[str], records: Iterator[tuple[int, list[str]]]
    ) -> list[_Row]:
        columns = self._columns(header_line, header)
        self.network_columns = frozenset(columns).intersection(NETWORK_COLUMNS)
        rows: list[_Row] = []
        if self.problems.found:
            return rows
        first_seen: dict[str, _Row] = {}
        for line, record in records:
            row = self._row(line, record, header, columns)
            if row is not None and self._consistent(row, first_seen):
                rows.append(row)
        if not rows and not self.problems.found:
            self.problems.add(None, None, "the file has a header but no practice rows")
        return rows

    def _columns(self, line: int, header: Sequence[str]) -> dict[str, int]:
        columns: dict[str, int] = {}
        for index, title in enumerate(header):
            name = title.strip().casefold()
            if name in columns and name in (*REQUIRED_COLUMNS, *NETWORK_COLUMNS):
                self.problems.add(line, name, "column appears more than once")
            columns.setdefault(name, index)
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        found = ", ".join(title.strip() for title in header if title.strip())
        for name in missing:
            self.problems.add(line, name, f"required column is missing (columns found: {found})")
        return columns

    def _row(
        self, line: int, record: Sequence[str], header: Sequence[str], columns: Mapping[str, int]
    ) -> _Row | None:
        if len(record) > len(header):
            self.problems.add(
                line,
                None,
                f"the row has {len(record)} values but the header has {len(header)} columns "
                "(does a value containing a comma need quotes?)",
            )
            return None

        def cell(name: str) -> str:
            """The stripped value in a column; blank if the column or value is missing."""
            index = columns.get(name, len(record))
            return record[index].strip() if index < len(record) else ""

        code = self._practice_code(line, cell(PRACTICE_CODE))
        list_size = self._list_size(line, cell(LIST_SIZE))
        agreement = cell(NETWORK_AGREEMENT)
        signed = _AGREEMENT_ANSWERS.get(agreement.casefold())
        if agreement and signed is None:
            allowed = ", ".join(_AGREEMENT_ANSWERS)
            self.problems.add(line, NETWORK_AGREEMENT, f"{agreement!r} is not one of {allowed} (or blank)")
            return None
        if code is None or list_size is None:
            return None
        return _Row(
            line,
            pcn=cell(PCN),
            practice=PracticeEntry(code, cell(PRACTICE_NAME), list_size),
            clinical_director=cell(CLINICAL_DIRECTOR) or None,
            nominated_payee=cell(NOMINATED_PAYEE) or None,
            network_agreement=signed,
            exception_reason=cell(EXCEPTION_REASON) or None,
        )

    def _practice_code(self, line: int, raw: str) -> str | None:
        code = raw.upper()
        if not code:
            self.problems.add(line, PRACTICE_CODE, "practice code is blank")
            return None
        if not ODS_PRACTICE_CODE.fullmatch(code):
            self.problems.add(
                line,
                PRACTICE_CODE,
                f"{raw!r} is not an ODS practice code (a letter then five letters or digits, e.g. F81001)",
            )
            return None
        return code

    def _list_size(self, line: int, raw: str) -> int | None:
        if not raw:
            self.problems.add(line, LIST_SIZE, "list size is blank")
            return None
        if not _WHOLE_NUMBER.fullmatch(raw):
            self.problems.add(line, LIST_SIZE, f"{raw!r} is not a whole number")
            return None
        list_size = int(raw.replace(",", ""))
        if list_size < 0:
            self.problems.add(line, LIST_SIZE, f"{raw!r} is negative; a list size cannot be below zero")
            return None
        return list_size

    def _consistent(self, row: _Row, first_seen: dict[str, _Row]) -> bool:
        """Check a practice listed again has the same list size as before."""
        earlier = first_seen.setdefault(row.practice.code, row)
        if earlier.practice.list_size == row.practice.list_size:
            return True
        self.problems.add(
            row.line,
            LIST_SIZE,
            f"{row.practice.code} is listed on row {earlier.line} with list size "
            f"{earlier.practice.list_size:,} but here with {row.practice.list_size:,}",
        )
        return False


def _group_by_pcn(rows: Sequence[_Row]) -> dict[str, list[_Row]]:
    by_pcn: dict[str, list[_Row]] = {}
    for row in rows:
        by_pcn.setdefault(row.pcn, []).append(row)
    return by_pcn


def _network(pcn: str, members: Sequence[_Row], present: frozenset[str], problems: Problems) -> Network:
    practices = [row.practice for row in members]
    if not pcn:
        return Network("", practices)

    def value(column: str, values: Sequence[_T | None]) -> _T | Unknown | None:
        if column not in present:
            return UNKNOWN
        return _one_value(pcn, column, [row.line for row in members], values, problems)

    reason = value(EXCEPTION_REASON, [row.exception_reason for row in members])
    return Network(
        pcn,
        practices,
        clinical_director=value(CLINICAL_DIRECTOR, [row.clinical_director for row in members]),
        nominated_payee=value(NOMINATED_PAYEE, [row.nominated_payee for row in members]),
        network_agreement_signed=value(NETWORK_AGREEMENT, [row.network_agreement for row in members]),
        exceptions={LIST_SIZE_BAND: reason} if isinstance(reason, str) else {},
    )


def _one_value(
    pcn: str, column: str, lines: Sequence[int], values: Sequence[_T | None], problems: Problems
) -> _T | None:
    """The network's value for a column: the first non-blank one (None if all blank).

    Rows giving a different non-blank value are a problem.
    """
    given = [(line, value) for line, value in zip(lines, values, strict=True) if value is not None]
    if not given:
        return None
    first_line, first = given[0]
    conflict = next(((line, value) for line, value in given if value != first), None)
    if conflict is not None:
        line, value = conflict
        problems.add(
            line,
            column,
            f"{pcn} has {_show(first)} on row {first_line} but {_show(value)} here; "
            "a network can have only one value",
        )
    return first


def _show(value: str | bool) -> str:
    if isinstance(value, bool):
        return "signed" if value else "unsigned"
    return repr(value)
