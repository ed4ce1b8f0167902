"""``pcnhub design FILE.csv``: propose contiguous, in-band, compact networks for practices.

``FILE.csv`` has columns practice_code, list_size, a location, and optionally
pinned (practices with the same pin stay together), area (networks never
cross an area) and pcn (the current configuration: then the output also has
``current`` (its networks, metrics and band and contiguity findings) and
``change`` (how many practices and patients would change PCN, and which
current PCN each proposed network continues; see
:func:`pcnhub.domain.design.metrics.change`)).  The location is lat and lon (WGS84 degrees) or postcode, or
both: on each row lat and lon win when both are given, and the postcode is
used otherwise.  Postcodes are geocoded offline from OS Code-Point Open
(:mod:`pcnhub.geo.postcodes`, one lookup for the whole file).  Column titles
are matched without case; aliases: latitude; longitude, long, lng; post code.

* A malformed postcode, one that cannot be placed at all, or a row with no
  location is bad input: exit 2, every problem named by file, row and field.
* A postcode missing from Code-Point Open (newer than the data, or terminated)
  is placed at the mean of its sector or district: the design goes ahead and
  an ``info`` finding (rule ``contiguity``) names those practices in each
  network.
* Practices sharing a postcode share a point; the neighbour graph treats them
  as one location, linked to each other.

Exits 0 when a proposal is made and 2 on bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

from pcnhub.ingest.locations import (
    approximate_description,
    geocode_postcodes,
    parse_coordinate,
    postcode_location,
)
from pcnhub.domain.design.metrics import compare_current
from pcnhub.domain.design.model import Unit
from pcnhub.domain.design.propose import EXACT_LIMIT, Design, design
from pcnhub.domain.errors import InputError, Problems
from pcnhub.domain.geography import Point
from pcnhub.domain.rules import DEFAULT_BAND, Band
from pcnhub.geo.postcodes import GeocodingUnavailable
from pcnhub.ingest.tabular import PRACTICE_CODE, Cells, Column, csv_table

if TYPE_CHECKING:
    from pcnhub.geo.postcodes import Location

EXIT_OK: Final = 0
EXIT_BAD_INPUT: Final = 2

CODE = Column.of("practice_code", "practice code", "code")
LIST_SIZE = Column.of("list_size", "list size", "registered patients")
LAT = Column.of("lat", "latitude", required=False)
LON = Column.of("lon", "longitude", "long", "lng", required=False)
POSTCODE = Column.of("postcode", "post code", required=False)
PINNED = Column.of("pinned", "pin", required=False)
AREA = Column.of("area", required=False)
CURRENT = Column.of("pcn", "current pcn", "current_pcn", required=False)
COLUMNS: Final = (CODE, LIST_SIZE, LAT, LON, POSTCODE, PINNED, AREA, CURRENT)


def add_design_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        type=Path,
        metavar="FILE.csv",
        help="practices CSV: practice_code, list_size, lat and lon or postcode (geocoded offline; lat and lon "
             "win on a row giving both), optional pinned, area, pcn (the current configuration, to compare)",
    )
    parser.add_argument("--lower", type=int, default=DEFAULT_BAND.lower,
                        help=f"smallest network list size (default {DEFAULT_BAND.lower})")
    parser.add_argument("--upper", type=int, default=DEFAULT_BAND.upper,
                        help=f"largest network list size (default {DEFAULT_BAND.upper})")
    parser.add_argument("--networks", type=int, metavar="K", help="number of networks (default: chosen by size)")
    parser.add_argument("--seconds", type=float, default=30.0, metavar="T", help="time limit (default 30)")
    parser.add_argument("--exact-limit", type=int, default=EXACT_LIMIT, metavar="N",
                        help=f"solve areas of up to N practices exactly (default {EXACT_LIMIT}; larger areas, or "
                             "areas with too many candidate networks, use the heuristic)")
    parser.add_argument("--json", action="store_true", help="print the proposal as JSON")


@dataclass(frozen=True)
class DesignInput:
    """The practices of a design CSV: points, units, and those placed only approximately."""

    points: list[Point]
    units: list[Unit]
    #: code -> how it was placed, e.g. "CA9 3QX, sector mean" (postcode not in OS Code-Point Open)
    approximate: dict[str, str] = field(default_factory=dict)
    #: code -> the PCN it is in now (the optional pcn column; blank: in no PCN)
    current: dict[str, str] = field(default_factory=dict)


def read_design_csv(path: Path) -> list[tuple[Point, Unit]]:
    """Read the practices; every problem is collected and raised as one :class:`InputError`."""
    read = read_design_input(path)
    return list(zip(read.points, read.units, strict=True))


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


@contextlib.contextmanager
def native_stdout_to_stderr() -> Iterator[None]:
    """Send what native code (HiGHS, inside scipy's milp) writes to file descriptor 1 to stderr.

    HiGHS can print solver diagnostics straight to the process's stdout, which would corrupt the
    JSON that ``--json`` prints; Python's own ``sys.stdout`` is not affected.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no file descriptor 1 (embedded use): nothing to protect
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def run_design(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:
        band = Band(args.lower, args.upper)
    except ValueError as err:
        stderr.write(f"pcnhub design: {err}\n")
        return EXIT_BAD_INPUT
    if args.networks is not None and args.networks < 1:
        stderr.write("pcnhub design: --networks must be 1 or more\n")
        return EXIT_BAD_INPUT
    if not args.seconds > 0:
        stderr.write("pcnhub design: --seconds must be more than 0\n")
        return EXIT_BAD_INPUT
    try:
        read = read_design_input(args.file)
    except InputError as err:
        stderr.write(f"{err}\n")
        return EXIT_BAD_INPUT
    with native_stdout_to_stderr():
        result, graph = design(read.points, read.units, band, networks=args.networks, seconds=args.seconds,
                               exact_limit=args.exact_limit, approximate=read.approximate)
    comparison = None
    if read.current:
        proposed = {name: codes for name, codes, _ in result.networks}
        comparison = compare_current(read.units, read.current, proposed, graph, band)
    if args.json:
        stdout.write(json.dumps({**result.to_dict(), **(comparison or {})}, indent=2) + "\n")
    else:
        stdout.write(format_design(result, band, comparison))
    return EXIT_OK


def format_design(result: Design, band: Band, comparison: Mapping[str, Any] | None = None) -> str:
    p = result.proposal
    lines = [f"{len(result.networks)} networks proposed, band {band} ({p.method}"
             f"{', optimal' if p.optimal else ''}, {p.seconds:.1f} s)", ""]
    width = max((len(name) for name, _, _ in result.networks), default=0)
    for name, codes, size in result.networks:
        flag = "" if band.lower <= size <= band.upper else "  out of band"
        lines.append(f"  {name:<{width}}  {size:>9,}  {len(codes):>3} practices  {', '.join(codes)}{flag}")
    m = result.metrics
    lines += ["", f"In band {m.in_band}/{m.networks}; mean distance {m.mean_distance_km:.2f} km; "
                  f"cut edges {m.cut_edges}; compactness {m.compactness:.2f}", ""]
    lines += ["Findings:" if result.findings else "Findings: none"]
    lines += [f"  {f.severity:<9}  {f.rule}: {f.message}" for f in result.findings]
    if comparison:
        now, moved = comparison["current"]["metrics"], comparison["change"]
        lines += ["", f"Current configuration: in band {now['in_band']}/{now['networks']}; mean distance "
                      f"{now['mean_distance_km']:.2f} km; cut edges {now['cut_edges']}; "
                      f"compactness {now['compactness']:.2f}",
                  f"Change: {moved['practices_moved']:,} practices ({moved['patients_moved']:,} patients) "
                  "would change PCN"]
    return "\n".join(lines) + "\n"
