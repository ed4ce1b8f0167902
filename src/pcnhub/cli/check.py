"""``pcnhub check``: check a PCN configuration (a CSV file, or the stored register) against the DES rules.

``pcnhub check FILE.csv [--lower N] [--upper N] [--max-edge-km KM] [--json]``
checks a file, ``pcnhub check --pcn-date YYYY-MM-DD --icb CODE`` the stored register's
configuration of an area; both exit 0 when no rule is broken, 1 when one is, and 2 on bad input.

Contiguity
    When the file has location columns (``lat`` and ``lon``, and/or
    ``postcode``; see :mod:`pcnhub.ingest.configuration`), the located
    practices are joined in a neighbour graph
    (:func:`pcnhub.domain.geography.build_graph`, edges over ``--max-edge-km``
    pruned unless needed to connect) and each network is checked with
    :func:`pcnhub.domain.contiguity.check_contiguity`: rule ``contiguity``,
    severity ``warning`` for a network in several pieces, naming the stray
    practices (the DES asks for an area that is "normally" contiguous, so it is
    for the commissioner to judge: see :mod:`pcnhub.domain.contiguity`), and
    ``info`` naming a network's practices with no location.
    A practice placed only at its postcode sector's or district's mean gives an
    ``info`` finding (rule ``contiguity``) on its network.  All contiguity
    findings belong to a network (none is configuration-wide).

    The JSON report gains a ``contiguity`` object (the other keys are
    unchanged): ``{"checked", "note", "max_edge_km", "located", "approximate",
    "unlocated"}``; ``checked`` is false, with the reason in ``note``, when the
    file has no location columns.  :func:`pcnhub.domain.contiguity.with_contiguity` is shared with the
    register check (:func:`pcnhub.register.services.landscape`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Final, TextIO

from pcnhub.cli.commands import EXIT_BROKEN, EXIT_OK, bad_input, fail
from pcnhub.cli.django import setup_database
from pcnhub.cli.values import iso_date
from pcnhub.domain.contiguity import (
    DEFAULT_MAX_EDGE_KM,
    ContiguityStatus,
    checked_status,
    with_contiguity,
)
from pcnhub.domain.rules import (
    DEFAULT_BAND,
    ERROR,
    EXCEPTION,
    WARNING,
    Band,
    CheckResult,
    NetworkResult,
    check_configuration,
)
from pcnhub.ingest.configuration import Locations, read_configuration_with_locations

PROG: Final = "pcnhub check"


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``check`` command's arguments (file mode and stored-register mode)."""
    parser.add_argument(
        "file",
        nargs="?",
        type=Path,
        metavar="FILE.csv",
        help="configuration CSV with columns pcn, practice_code, practice_name, list_size, and optionally "
        "lat and lon or postcode (for the contiguity check)",
    )
    parser.add_argument(
        "--lower",
        type=int,
        help=f"smallest allowed network list size (default {DEFAULT_BAND.lower}, or the area's band policy for "
        "the stored register)",
    )
    parser.add_argument(
        "--upper",
        type=int,
        help=f"largest network list size (default {DEFAULT_BAND.upper}, the DES's suggested upper level, or the "
        "area's band policy for the stored register); above it is a warning unless --upper-binds",
    )
    parser.add_argument(
        "--upper-binds",
        action="store_true",
        default=None,
        help="a network above the upper limit breaks the rule (an error, not a warning)",
    )
    parser.add_argument(
        "--max-edge-km",
        type=float,
        default=DEFAULT_MAX_EDGE_KM,
        metavar="KM",
        help="contiguity: practices further apart than this are not neighbours, unless no nearer link "
        f"joins them (default {DEFAULT_MAX_EDGE_KM:g}); contiguity is checked when the file has lat and lon "
        "or postcode columns, and always for the stored register",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--pcn-date",
        metavar="YYYY-MM-DD",
        help="check the stored register as it stood on this date (instead of FILE)",
    )
    parser.add_argument("--icb", metavar="CODE", help="check only this ICB of the stored register")


def run_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """``pcnhub check``: the file's configuration when one is given, else the stored register's."""
    if args.file is not None:
        return run_file_check(args, stdout, stderr)
    return run_register_check(args, stdout, stderr)


def run_file_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Check ``args.file`` and report to stdout; return the exit code."""
    if args.file is None:
        raise ValueError("run_file_check needs args.file; the stored-register mode is handled elsewhere")
    if args.pcn_date is not None or args.icb is not None:
        return fail(stderr, PROG, "--pcn-date and --icb check the stored register; they cannot be used with FILE")
    try:
        band = Band.of(args.lower, args.upper, bool(args.upper_binds))
        if not args.max_edge_km > 0:
            raise ValueError("--max-edge-km must be more than 0")
        networks, area_practices, locations = read_configuration_with_locations(args.file)
    except ValueError as err:  # InputError is a ValueError
        return bad_input(stderr, PROG, err)
    result = check_configuration(networks, area_practices, band)
    result, status = file_contiguity(result, locations, args.max_edge_km)
    if args.json:
        report = result.to_dict()
        report["contiguity"] = status.to_dict()
        stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        stdout.write(format_report(result, status))
    return EXIT_BROKEN if result.broken else EXIT_OK


# --- Contiguity --------------------------------------------------------------------------------


def file_contiguity(
    result: CheckResult, locations: Locations | None, max_edge_km: float = DEFAULT_MAX_EDGE_KM
) -> tuple[CheckResult, ContiguityStatus]:
    """Add the contiguity findings of a configuration file's locations (none without location columns)."""
    if locations is None:
        return result, ContiguityStatus(
            False, "not checked: the file has no lat and lon or postcode columns"
        )
    from pcnhub.domain.geography import Point

    points = [Point(code, lat, lon) for code, (lat, lon) in locations.coordinates.items()]
    unlocated = {code: "no lat and lon or postcode given" for code in locations.unlocated}
    checked = with_contiguity(result, points, approximate=locations.approximate, max_edge_km=max_edge_km)
    return checked, checked_status(len(points), max_edge_km, locations.approximate, unlocated)


def format_report(result: CheckResult, contiguity: ContiguityStatus | None = None) -> str:
    """A plain-text report: one line per network, then the findings, contiguity, and the verdict."""
    checked = f"{len(result.networks)} {'network' if len(result.networks) == 1 else 'networks'} checked"
    lines = [f"{checked} against the {result.band} registered patients band", ""]
    width = max((len(_network_label(network)) for network in result.networks), default=0)
    for network in result.networks:
        lines.append(f"  {_network_label(network):<{width}}  {network.list_size:>9,}  {_status(network)}")
    lines += ["", "Findings:" if result.findings else "Findings: none"]
    lines += [f"  {finding.severity:<9}  {finding.rule}: {finding.message}" for finding in result.findings]
    if contiguity is not None:
        lines += ["", f"Contiguity: {contiguity.note}"]
    errors = sum(finding.severity == ERROR for finding in result.findings)
    verdict = f"BROKEN ({errors} {'error' if errors == 1 else 'errors'})" if errors else "no rule broken"
    lines += ["", f"Result: {verdict}"]
    return "\n".join(lines) + "\n"


def _network_label(network: NetworkResult) -> str:
    return f"{network.name} ({network.code})" if network.code else network.name


def _status(network: NetworkResult) -> str:
    if network.broken:
        return "BROKEN"
    if any(finding.severity == EXCEPTION for finding in network.findings):
        return "exception"
    if any(finding.severity == WARNING for finding in network.findings):
        return "warning"
    return "ok"


# --- The stored register -----------------------------------------------------------------------


def run_register_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """``pcnhub check --pcn-date D --icb CODE``: the stored register's configuration of an area."""
    if not args.icb:
        return fail(stderr, PROG, "give a FILE.csv, or --icb CODE (with --pcn-date) to check the register")
    setup_database()
    from django.db.utils import DatabaseError

    from pcnhub.register import services
    from pcnhub.register.models import Organisation

    try:
        given = (args.pcn_date or "").strip()
        date = iso_date("--pcn-date", given, "2022-01-01") if given else services.latest_data_date()
        asked = (args.lower, args.upper, args.upper_binds) != (None, None, None)
        band = Band.of(args.lower, args.upper, bool(args.upper_binds)) if asked else None
        if not args.max_edge_km > 0:
            raise ValueError("--max-edge-km must be more than 0")
        area = Organisation.objects.filter(code=args.icb.strip().upper(), kind__in=services.AREA_KINDS).first()
    except ValueError as exc:
        return fail(stderr, PROG, str(exc))
    except DatabaseError as exc:
        return fail(stderr, PROG, f"the register database is not ready ({exc}); run 'pcnhub demo' first")
    if area is None:
        return fail(stderr, PROG, f"no ICB or area with code {args.icb!r} in the register")
    view = services.landscape(area, date, band, max_edge_km=args.max_edge_km)
    report = view.result.to_dict()
    report.update({"area": {"code": area.code, "name": area.name, "kind": area.kind}, "date": date.isoformat()})
    if band is None and view.policy is not None:
        report["policy"] = {"area": view.policy.area.code, "start": view.policy.start and view.policy.start.isoformat(),
                            **view.policy.band.to_dict(), "reason": view.policy.reason}
    if view.contiguity is not None:
        report["contiguity"] = view.contiguity.to_dict()
    if args.json:
        json.dump(report, stdout, indent=2)
        stdout.write("\n")
    else:
        stdout.write(f"{area.name} ({area.code}) on {date:%d %B %Y}, band {view.band}{_band_note(view, band)}\n")
        for network in view.networks:
            severities = {f.severity for f in network.findings}
            status = "BROKEN" if ERROR in severities else "warning" if WARNING in severities else "ok"
            stdout.write(f"  {network.pcn.name} ({network.pcn.code}): {len(network.members)} practices, "
                         f"{network.list_size:,} patients, {status}\n")
        for finding in view.result.findings:
            stdout.write(f"  [{finding.severity}] {finding.rule}: {finding.message}\n")
        if view.contiguity is not None:
            stdout.write(f"  Contiguity: {view.contiguity.note}\n")
    return EXIT_BROKEN if view.result.broken else EXIT_OK


def _band_note(view, asked: Band | None) -> str:
    """How the band was chosen: asked for, the band policy of an area, or the DES's."""
    binds = "the upper limit binds" if view.band.upper_binds else "above the upper limit is a warning"
    if asked is not None:
        return f" (as asked; {binds})"
    if view.policy is not None:
        start = f" from {view.policy.start:%d %B %Y}" if view.policy.start else ""
        return f" (band policy of {view.policy.area.name}{start}; {binds})"
    return f" (the DES band: no band policy recorded; {binds})"
