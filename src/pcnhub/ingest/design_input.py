"""The practices a configuration is designed for, from CSV (``pcnhub design FILE.csv``).

Columns practice_code, list_size, a location, and optionally pinned (practices with the same pin stay
together), area (networks never cross an area) and pcn (the current configuration, to compare).  The
location is lat and lon (WGS84 degrees) or postcode, or both: on each row lat and lon win when both
are given, and the postcode is used otherwise.  Postcodes are geocoded offline from OS Code-Point
Open (:mod:`pcnhub.ingest.locations`, one lookup for the whole file).  Column titles are matched
without case; aliases: latitude; longitude, long, lng; post code.

A malformed postcode, one that cannot be placed at all, or a row with no location is bad input,
every problem named by file, row and field; a postcode missing from Code-Point Open but placed at
the mean of its sector or district is accepted and recorded as approximate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from pcnhub.domain.design.model import Unit
from pcnhub.domain.errors import Problems
from pcnhub.domain.geography import Point
from pcnhub.geo.postcodes import GeocodingUnavailable
from pcnhub.ingest.locations import (
    approximate_description,
    geocode_postcodes,
    parse_coordinate,
    postcode_location,
)
from pcnhub.ingest.tabular import PRACTICE_CODE, Cells, Column, csv_table

if TYPE_CHECKING:
    from pcnhub.geo.postcodes import Location

CODE = Column.of("practice_code", "practice code", "code")
LIST_SIZE = Column.of("list_size", "list size", "registered patients")
LAT = Column.of("lat", "latitude", required=False)
LON = Column.of("lon", "longitude", "long", "lng", required=False)
POSTCODE = Column.of("postcode", "post code", required=False)
PINNED = Column.of("pinned", "pin", required=False)
AREA = Column.of("area", required=False)
CURRENT = Column.of("pcn", "current pcn", "current_pcn", required=False)
COLUMNS: Final = (CODE, LIST_SIZE, LAT, LON, POSTCODE, PINNED, AREA, CURRENT)


@dataclass(frozen=True)
class DesignInput:
    """The practices of a design CSV: points, units, and those placed only approximately."""

    points: list[Point]
    units: list[Unit]
    #: code -> how it was placed, e.g. "CA9 3QX, sector mean" (postcode not in OS Code-Point Open)
    approximate: dict[str, str] = field(default_factory=dict)
    #: code -> the PCN it is in now (the optional pcn column; blank: in no PCN)
    current: dict[str, str] = field(default_factory=dict)


def read_design_input(path: Path) -> DesignInput:
    """Read the practices, geocoding postcodes (one lookup for the file); problems raise :class:`InputError`.

    A row's location is its lat and lon when both are given, otherwise its postcode
    (when the file has that column).  A malformed coordinate or postcode, a postcode
    that cannot be placed at all, or a row with no location is a problem at its row
    and field.
    """
    problems = Problems(path.name)
    header, records = csv_table(path, COLUMNS, problems)
    has_lat, has_lon = "lat" in header.index, "lon" in header.index
    has_postcode = "postcode" in header.index
    has_coordinates = has_lat and has_lon
    if not has_coordinates and (has_lat or has_lon or not has_postcode):
        missing = " and ".join(name for name, ok in (("lat", has_lat), ("lon", has_lon)) if not ok)
        problems.fail(None, missing, "required column is missing: give lat and lon (or postcode)")
    pending = list(records)
    found: dict[str, Location] = {}
    if has_postcode:
        postcodes = []
        for row, values in pending:
            cells = Cells(header, values, row, problems)
            if not (has_coordinates and (cells.text("lat") or cells.text("lon"))):
                postcodes.append(cells.text("postcode"))
        try:
            found = geocode_postcodes(postcodes)
        except GeocodingUnavailable as err:
            problems.fail(None, header.titles["postcode"], str(err))
    rows: list[tuple[str, int, float, float, str | None, str | None]] = []
    approximate: dict[str, str] = {}
    current: dict[str, str] = {}
    seen: dict[str, int] = {}
    for row, values in pending:
        cells = Cells(header, values, row, problems)
        code = cells.code("practice_code", PRACTICE_CODE, what="a practice code")
        size = cells.count("list_size")
        pinned = cells.text("pinned") or None
        area = cells.text("area") or None
        how: str | None = None
        if has_coordinates and (not has_postcode or cells.text("lat") or cells.text("lon")):
            lat = _coordinate(cells, "lat", 90.0)
            lon = _coordinate(cells, "lon", 180.0)
        else:
            lat, lon, how = _postcode(cells, found, has_coordinates)
        if code:
            if code in seen:
                cells.problem("practice_code", f"{code} is repeated (first on row {seen[code]})")
            else:
                seen[code] = row
        if cells.ok:
            rows.append((code, size, lat, lon, pinned, area))
            if how:
                approximate[code] = how
            if "pcn" in header.index:
                current[code] = cells.text("pcn")
    if not rows and not problems.found:
        problems.add(None, None, "the file has no practices")
    problems.raise_if_any()
    return DesignInput(
        [Point(code, lat, lon) for code, _, lat, lon, _, _ in rows],
        [Unit(code, size, 0.0, 0.0, pinned, area) for code, size, _, _, pinned, area in rows],
        approximate,
        current,
    )


def _coordinate(cells: Cells, name: str, limit: float) -> float:
    text = cells.text(name, required=True)
    if not text:
        return 0.0
    value, problem = parse_coordinate(text, limit)
    if value is None:
        cells.problem(name, problem or "is not a coordinate")
        return 0.0
    return value


def _postcode(cells: Cells, found: Mapping[str, Location], has_coordinates: bool) -> tuple[float, float, str | None]:
    """(lat, lon, approximate description or None) of a row's postcode; a problem if it cannot be placed."""
    text = cells.text("postcode")
    if not text:
        cells.problem("postcode", "is blank; give a postcode" + (", or lat and lon" if has_coordinates else ""))
        return 0.0, 0.0, None
    location, problem = postcode_location(text, found)
    if location is None:
        cells.problem("postcode", problem or "cannot be placed")
        return 0.0, 0.0, None
    return location.lat, location.lon, approximate_description(location)
