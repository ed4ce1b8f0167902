"""File mode of ``pcnhub check``: check a PCN configuration CSV against the DES rules.

``pcnhub check FILE.csv [--lower N] [--upper N] [--json]`` exits 0 when no rule
is broken, 1 when one is, and 2 on bad input.  The stored-register mode
(``--pcn-date``, ``--icb``) is handled by :mod:`pcnhub.cli`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Final, TextIO

from pcnhub.domain.configuration_csv import read_configuration_csv
from pcnhub.domain.errors import InputError
from pcnhub.domain.rules import (
    DEFAULT_BAND,
    ERROR,
    EXCEPTION,
    Band,
    CheckResult,
    NetworkResult,
    check_configuration,
)

EXIT_OK: Final = 0
EXIT_BROKEN: Final = 1
EXIT_BAD_INPUT: Final = 2


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``check`` command's arguments (file mode and stored-register mode)."""
    parser.add_argument(
        "file",
        nargs="?",
        type=Path,
        metavar="FILE.csv",
        help="configuration CSV with columns pcn, practice_code, practice_name, list_size",
    )
    parser.add_argument(
        "--lower",
        type=int,
        default=DEFAULT_BAND.lower,
        help=f"smallest allowed network list size (default {DEFAULT_BAND.lower})",
    )
    parser.add_argument(
        "--upper",
        type=int,
        default=DEFAULT_BAND.upper,
        help=f"largest allowed network list size (default {DEFAULT_BAND.upper})",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--pcn-date",
        metavar="YYYY-MM-DD",
        help="check the stored register as it stood on this date (instead of FILE)",
    )
    parser.add_argument("--icb", metavar="CODE", help="check only this ICB of the stored register")


def run_file_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Check ``args.file`` and report to stdout; return the exit code."""
    if args.file is None:
        raise ValueError("run_file_check needs args.file; the stored-register mode is handled elsewhere")
    if args.pcn_date is not None or args.icb is not None:
        stderr.write(
            "pcnhub check: --pcn-date and --icb check the stored register; they cannot be used with FILE\n"
        )
        return EXIT_BAD_INPUT
    try:
        band = Band(args.lower, args.upper)
    except ValueError as err:
        stderr.write(f"pcnhub check: {err}\n")
        return EXIT_BAD_INPUT
    try:
        networks, area_practices = read_configuration_csv(args.file)
    except InputError as err:
        stderr.write(f"{err}\n")
        return EXIT_BAD_INPUT
    result = check_configuration(networks, area_practices, band)
    if args.json:
        stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        stdout.write(format_report(result))
    return EXIT_BROKEN if result.broken else EXIT_OK


def format_report(result: CheckResult) -> str:
    """A plain-text report: one line per network, then the findings, then the verdict."""
    checked = f"{len(result.networks)} {'network' if len(result.networks) == 1 else 'networks'} checked"
    lines = [f"{checked} against the {result.band} registered patients band", ""]
    width = max((len(_network_label(network)) for network in result.networks), default=0)
    for network in result.networks:
        lines.append(f"  {_network_label(network):<{width}}  {network.list_size:>9,}  {_status(network)}")
    lines += ["", "Findings:" if result.findings else "Findings: none"]
    lines += [f"  {finding.severity:<9}  {finding.rule}: {finding.message}" for finding in result.findings]
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
    return "ok"
