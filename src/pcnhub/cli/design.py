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
(one lookup for the whole file; the file is read by
:mod:`pcnhub.ingest.design_input`).  Column titles are matched without case;
aliases: latitude; longitude, long, lng; post code.

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
from pathlib import Path
from typing import Any, Final, TextIO

from pcnhub.cli.commands import EXIT_OK, bad_input
from pcnhub.domain.design.metrics import compare_current
from pcnhub.domain.design.propose import DEFAULT_SECONDS, EXACT_LIMIT, Design, design
from pcnhub.domain.rules import DEFAULT_BAND, Band
from pcnhub.ingest.design_input import read_design_input

PROG: Final = "pcnhub design"


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
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, metavar="T",
                        help=f"the proposer's time limit (default {DEFAULT_SECONDS:g}: England in under 30 s in all)")
    parser.add_argument("--exact-limit", type=int, default=EXACT_LIMIT, metavar="N",
                        help=f"solve areas of up to N practices exactly (default {EXACT_LIMIT}; larger areas, or "
                             "areas with too many candidate networks, use the heuristic)")
    parser.add_argument("--json", action="store_true", help="print the proposal as JSON")


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
        if args.networks is not None and args.networks < 1:
            raise ValueError("--networks must be 1 or more")
        if not args.seconds > 0:
            raise ValueError("--seconds must be more than 0")
        read = read_design_input(args.file)
    except ValueError as err:  # InputError is a ValueError
        return bad_input(stderr, PROG, err)
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
