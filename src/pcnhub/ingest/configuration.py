"""A PCN configuration from a CSV file (one row per practice): for the rules check, and for import.

Required columns: ``pcn``, ``practice_code``, ``practice_name``, ``list_size``.
Optional per-network columns: ``clinical_director``, ``nominated_payee``,
``network_agreement`` (yes/no, true/false, signed/unsigned or blank) and
``exception_reason`` (a recorded exception to the list-size band).  A network
takes the non-blank value its rows give; an optional column that is absent
leaves the field :data:`~pcnhub.domain.rules.UNKNOWN`.  Header names are
case-insensitive and other columns are ignored.

A blank ``pcn`` means the practice is in no network: such practices are
returned in a network with a blank name, which the rules treat as uncovered.

Locations (optional; read only by :func:`read_configuration_with_locations`,
for the contiguity check): ``lat`` and ``lon`` (also ``latitude``,
``longitude``, ``long``, ``lng``) in WGS84 degrees, and/or ``postcode`` (also
``post code``), geocoded offline with OS Code-Point Open
(:mod:`pcnhub.geo.postcodes`).  On a row, lat and lon win when both are given;
otherwise the postcode is used; a row with neither leaves the practice without
a location (the contiguity check names it).  A malformed coordinate or
postcode, or a postcode that cannot be placed at all, is a problem at its row
and field.  A postcode missing from Code-Point Open but placed at the mean of
its sector or district is accepted and recorded as approximate.  The same
column aliases are accepted by ``pcnhub design`` (see :mod:`pcnhub.ingest.locations`).

An import into the register (:func:`read_configuration`) reads the same file, checked the same way,
and adds each practice's row number, the optional ``area`` column (a place, such as "Southend" or
"Castle Point and Rochford", that the PCN belongs to), and the optional ``weighted_list`` (contractor
weighted) and ``adjusted_population`` (PCN adjusted) columns.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

from pcnhub.domain.errors import Problems
from pcnhub.domain.rules import LIST_SIZE_BAND, MAX_LIST_SIZE, UNKNOWN, Network, PracticeEntry, Unknown
from pcnhub.ingest.locations import approximate_description, geocode_postcodes, parse_coordinate, postcode_location
from pcnhub.ingest.tabular import (
    Cells,
    Column,
    Header,
    csv_records,
    read_csv_text,
    text_cells,
    text_columns,
    text_records,
)

if TYPE_CHECKING:
    from pcnhub.geo.postcodes import Location

PCN: Final = "pcn"
PRACTICE_CODE: Final = "practice_code"
PRACTICE_NAME: Final = "practice_name"
LIST_SIZE: Final = "list_size"
CLINICAL_DIRECTOR: Final = "clinical_director"
NOMINATED_PAYEE: Final = "nominated_payee"
NETWORK_AGREEMENT: Final = "network_agreement"
EXCEPTION_REASON: Final = "exception_reason"

LAT: Final = "lat"
LON: Final = "lon"
POSTCODE: Final = "postcode"

REQUIRED_COLUMNS: Final = (PCN, PRACTICE_CODE, PRACTICE_NAME, LIST_SIZE)
NETWORK_COLUMNS: Final = (CLINICAL_DIRECTOR, NOMINATED_PAYEE, NETWORK_AGREEMENT, EXCEPTION_REASON)
#: Location columns and the header titles each may have (compared without case or extra spaces).
LOCATION_TITLES: Final = {
    LAT: ("lat", "latitude"),
    LON: ("lon", "longitude", "long", "lng"),
    POSTCODE: ("postcode", "post code"),
}

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
    Location columns are ignored (see :func:`read_configuration_with_locations`).
    """
    networks, area, _ = _read(Path(path), with_locations=False)
    return networks, area


@dataclass(frozen=True)
class Locations:
    """The practices' locations a configuration CSV gives.

    ``coordinates`` maps a practice code to (lat, lon) in degrees;
    ``approximate`` maps the code of a practice placed at its postcode
    sector's or district's mean to a description ("CA9 3QX, sector mean");
    ``unlocated`` lists the practices whose rows give no location, in file order.
    """

    coordinates: dict[str, tuple[float, float]] = field(default_factory=dict)
    approximate: dict[str, str] = field(default_factory=dict)
    unlocated: list[str] = field(default_factory=list)


def read_configuration_with_locations(
    path: str | os.PathLike[str],
) -> tuple[list[Network], list[str], Locations | None]:
    """As :func:`read_configuration_csv`, with the practices' locations.

    The third value is ``None`` when the file has no location columns (no
    lat/lon pair and no postcode).  Postcodes are geocoded with one call to
    :func:`pcnhub.geo.postcodes.locate`.
    """
    return _read(Path(path), with_locations=True)


def _read(source: Path, *, with_locations: bool) -> tuple[list[Network], list[str], Locations | None]:
    problems = Problems(source.name)
    parser = _Parser(problems, with_locations=with_locations)
    rows = parser.parse(read_csv_text(source))
    networks = [
        _network(pcn, members, parser.network_columns, problems)
        for pcn, members in _group_by_pcn(rows).items()
    ]
    problems.raise_if_any()
    area = list(dict.fromkeys(row.practice.code for row in rows))
    return networks, area, _locations(rows) if parser.location_columns else None


def _locations(rows: Sequence[_Row]) -> Locations:
    """Each practice's first given location; practices with none are unlocated."""
    found = Locations()
    for row in rows:
        code = row.practice.code
        if code in found.coordinates or row.location is None:
            continue
        found.coordinates[code] = row.location
        if row.approximate:
            found.approximate[code] = row.approximate
    found.unlocated.extend(code for code in dict.fromkeys(row.practice.code for row in rows)
                           if code not in found.coordinates)
    return found


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
    location: tuple[float, float] | None = None  # (lat, lon), read only when locations are asked for
    approximate: str | None = None  # e.g. "CA9 3QX, sector mean"


class _Parser:
    """Turns CSV text into validated rows, reporting problems to a collection."""

    def __init__(self, problems: Problems, *, with_locations: bool = False) -> None:
        self.problems = problems
        self.with_locations = with_locations
        self.network_columns: frozenset[str] = frozenset()  # optional columns the file has
        self.location_columns: dict[str, int] = {}  # LAT/LON/POSTCODE -> index, when read
        self.location_titles: dict[str, str] = {}  # LAT/LON/POSTCODE -> the file's title
        self.geocoded: dict[str, Location] = {}

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
        columns = text_columns(header_line, header, (*REQUIRED_COLUMNS, *NETWORK_COLUMNS), REQUIRED_COLUMNS,
                               self.problems)
        self.network_columns = frozenset(columns).intersection(NETWORK_COLUMNS)
        rows: list[_Row] = []
        if self.with_locations:
            self._location_columns(header_line, header)
        if self.problems.found:
            return rows
        if POSTCODE in self.location_columns:
            pending = list(records)
            self._geocode(pending)
            records = iter(pending)
        first_seen: dict[str, _Row] = {}
        for line, record in records:
            row = self._row(line, record, header, columns)
            if row is not None and self._consistent(row, first_seen):
                rows.append(row)
        if not rows and not self.problems.found:
            self.problems.add(None, None, "the file has a header but no practice rows")
        return rows

    def _location_columns(self, line: int, header: Sequence[str]) -> None:
        titles = {" ".join(title.split()).casefold(): index for index, title in reversed(list(enumerate(header)))}
        for name, aliases in LOCATION_TITLES.items():
            index = next((titles[alias] for alias in aliases if alias in titles), None)
            if index is not None:
                self.location_columns[name] = index
                self.location_titles[name] = " ".join(header[index].split())
        has_lat, has_lon = LAT in self.location_columns, LON in self.location_columns
        if has_lat != has_lon:
            given, missing = (LAT, LON) if has_lat else (LON, LAT)
            self.problems.add(line, missing, f"column is missing: {given} needs {missing} (or drop {given})")

    def _location_cell(self, record: Sequence[str], name: str) -> str:
        index = self.location_columns.get(name, len(record))
        return " ".join(record[index].split()) if index < len(record) else ""

    def _geocode(self, pending: Sequence[tuple[int, list[str]]]) -> None:
        """Geocode, in one call, the postcodes of rows that do not give both lat and lon."""
        from pcnhub.geo.postcodes import GeocodingUnavailable

        postcodes = [
            self._location_cell(record, POSTCODE)
            for _, record in pending
            if not (self._location_cell(record, LAT) and self._location_cell(record, LON))
        ]
        try:
            self.geocoded = geocode_postcodes(postcodes)
        except GeocodingUnavailable as err:
            self.problems.fail(None, self.location_titles[POSTCODE], str(err))

    def _location(self, line: int, record: Sequence[str]) -> tuple[bool, tuple[float, float] | None, str | None]:
        """(ok, (lat, lon) or None, approximate description) of a row; problems are reported."""
        lat_text, lon_text = self._location_cell(record, LAT), self._location_cell(record, LON)
        if lat_text or lon_text:
            ok, values = True, []
            for name, text, limit in ((LAT, lat_text, 90.0), (LON, lon_text, 180.0)):
                if not text:
                    other = LON if name == LAT else LAT
                    self.problems.add(line, self.location_titles.get(name, name),
                                      f"is blank but {other} is given; give both, or neither and a postcode")
                    ok = False
                    continue
                value, problem = parse_coordinate(text, limit)
                if problem:
                    self.problems.add(line, self.location_titles[name], problem)
                    ok = False
                values.append(value)
            return (True, (values[0], values[1]), None) if ok else (False, None, None)
        postcode = self._location_cell(record, POSTCODE)
        if not postcode:
            return True, None, None
        location, problem = postcode_location(postcode, self.geocoded)
        if location is None:
            self.problems.add(line, self.location_titles[POSTCODE], problem or "cannot be placed")
            return False, None, None
        return True, (location.lat, location.lon), approximate_description(location)

    def _row(
        self, line: int, record: Sequence[str], header: Sequence[str], columns: Mapping[str, int]
    ) -> _Row | None:
        cell = text_cells(line, record, header, columns, self.problems)
        if cell is None:
            return None
        code = self._practice_code(line, cell(PRACTICE_CODE))
        list_size = self._list_size(line, cell(LIST_SIZE))
        agreement = cell(NETWORK_AGREEMENT)
        signed = _AGREEMENT_ANSWERS.get(agreement.casefold())
        if agreement and signed is None:
            allowed = ", ".join(_AGREEMENT_ANSWERS)
            self.problems.add(line, NETWORK_AGREEMENT, f"{agreement!r} is not one of {allowed} (or blank)")
            return None
        located, location, approximate = (
            self._location(line, record) if self.location_columns else (True, None, None)
        )
        if code is None or list_size is None or not located:
            return None
        return _Row(
            line,
            pcn=cell(PCN),
            practice=PracticeEntry(code, cell(PRACTICE_NAME), list_size),
            clinical_director=cell(CLINICAL_DIRECTOR) or None,
            nominated_payee=cell(NOMINATED_PAYEE) or None,
            network_agreement=signed,
            exception_reason=cell(EXCEPTION_REASON) or None,
            location=location,
            approximate=approximate,
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
        if list_size > MAX_LIST_SIZE:
            self.problems.add(line, LIST_SIZE,
                              f"{raw!r} is more than {MAX_LIST_SIZE:,}; no practice has so many patients")
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


# --- Import into the register ------------------------------------------------------------------

AREA: Final = "area"
WEIGHTED: Final = "weighted_list"
ADJUSTED: Final = "adjusted_population"


@dataclass(frozen=True, slots=True)
class ConfigurationRow:
    """A practice in a configuration: its PCN (blank for none) and area (blank if the file has none)."""

    practice_code: str
    practice_name: str
    list_size: int
    pcn: str
    area: str
    row: int
    weighted: float | None = None
    adjusted: float | None = None


def read_configuration(path: str | os.PathLike[str]) -> list[ConfigurationRow]:
    """The practices of a configuration CSV, once each, in file order.

    Raises :class:`~pcnhub.domain.errors.InputError` for any problem
    :func:`read_configuration_csv` finds, and for a practice listed
    in two PCNs (the register holds one PCN per practice on a date).
    """
    source = Path(path)
    networks, _ = read_configuration_csv(source)
    entries = {practice.code: practice for network in networks for practice in network.practices}
    problems = Problems(source.name)
    records = csv_records(source)
    header_row, titles = next(records)  # read_configuration_csv has checked there is a header
    header = Header(
        titles,
        (
            Column.of(PRACTICE_CODE),
            Column.of(PCN),
            Column.of(AREA, required=False),
            Column.of(WEIGHTED, required=False),
            Column.of(ADJUSTED, required=False),
        ),
        problems,
        header_row,
    )
    rows: dict[str, ConfigurationRow] = {}
    for line, record in records:
        cells = Cells(header, record, line, problems)
        entry = entries[cells.text(PRACTICE_CODE).upper()]
        row = ConfigurationRow(
            entry.code, entry.name, entry.list_size, cells.text(PCN), cells.text(AREA), line,
            cells.population(WEIGHTED), cells.population(ADJUSTED),
        )
        earlier = rows.setdefault(entry.code, row)
        if (earlier.pcn, earlier.area) != (row.pcn, row.area):
            problems.add(
                line,
                PCN,
                f"{entry.code} is also listed on row {earlier.row} in {earlier.pcn or 'no PCN'!r}; "
                "a practice can be in one PCN only",
            )
    problems.raise_if_any()
    return list(rows.values())
