"""``pcnhub access``: the weekly access minutes a PCN must offer, and a check of a session plan.

``pcnhub access --date YYYY-MM-DD --registered N [--adjusted N] [--plan FILE.csv] [--json]``
prints the scheme in force on the date (Extended Hours Access to 30 Sep 2022, Enhanced Access from
1 Oct 2022; Network Contract DES, via ../shared/reference/network-contract-facts.md) and the minutes
a week required.  With ``--plan`` it also checks the plan's sessions (see
:mod:`pcnhub.domain.access`, read by :mod:`pcnhub.ingest.access_plan`).  Without a plan, ``planned_minutes_per_week`` is null and there are no
findings.

Exit codes: 0 when there is no error finding, 1 when the plan has one (for example a shortfall),
2 on bad input (a bad date or number, or a bad CSV file, named by file, row and field on stderr).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from pathlib import Path
from typing import Final, TextIO

from pcnhub.cli.commands import EXIT_BROKEN, EXIT_OK, bad_input
from pcnhub.cli.values import iso_date
from pcnhub.domain.access import (
    ERROR,
    AccessResult,
    access_requirement,
    check_plan,
    format_minutes,
)
from pcnhub.ingest.access_plan import read_plan_csv

PROG: Final = "pcnhub access"
_WHOLE_NUMBER: Final = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)")


def add_access_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``access`` command's arguments (values are checked by :func:`run_access`)."""
    parser.add_argument(
        "--date", required=True, metavar="YYYY-MM-DD", help="the date the requirement applies on"
    )
    parser.add_argument(
        "--registered",
        required=True,
        metavar="N",
        help="registered patients of the PCN (e.g. 50000 or 50,000)",
    )
    parser.add_argument(
        "--adjusted",
        metavar="N",
        help="PCN adjusted population, used by Enhanced Access from 1 Oct 2022 (default: --registered)",
    )
    parser.add_argument(
        "--plan",
        type=Path,
        metavar="FILE.csv",
        help="weekly session plan with columns day, start, end, site, staff_type and optional agreed",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run_access(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Work out the requirement (and check ``args.plan`` if given), report it, and return the exit code."""
    try:
        date = _date(args.date)
        registered = _population("--registered", args.registered)
        adjusted = None if args.adjusted is None else _population("--adjusted", args.adjusted)
        if args.plan is None:
            result = access_requirement(date, registered, adjusted)
        else:
            result = check_plan(date, registered, adjusted, read_plan_csv(args.plan))
    except ValueError as err:  # InputError is a ValueError
        return bad_input(stderr, PROG, err)
    if args.json:
        stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        stdout.write(format_summary(result))
    return EXIT_BROKEN if result.broken else EXIT_OK


def _date(value: str | dt.date) -> dt.date:
    return iso_date("--date", value, "2023-04-01")


def _population(flag: str, value: str | int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip()
        if not _WHOLE_NUMBER.fullmatch(text):
            raise ValueError(f"{flag}: {value!r} is not a whole number")
        number = int(text.replace(",", ""))
    if number < 0:
        raise ValueError(f"{flag}: {value!r} is negative; a population cannot be below zero")
    return number


def format_summary(result: AccessResult) -> str:
    """A short plain-text summary: scheme, required and planned time, findings and the verdict."""
    lines = [
        f"{result.scheme.label} on {result.date.isoformat()} (Network Contract DES)",
        f"Required: {result.required_minutes_per_week:,} minutes a week "
        f"({format_minutes(result.required_minutes_per_week)}) for {result.population_text}",
    ]
    planned = result.planned_minutes_per_week
    if planned is None:
        lines.append("Planned:  no plan given (use --plan FILE.csv to check one)")
        return "\n".join(lines) + "\n"
    sessions = len(result.sessions)
    lines.append(
        f"Planned:  {planned:,} minutes a week ({format_minutes(planned)}) that count, "
        f"from {sessions} {'session' if sessions == 1 else 'sessions'}"
    )
    lines += ["", "Findings:" if result.findings else "Findings: none"]
    lines += [f"  {finding.severity:<7}  {finding.rule}: {finding.message}" for finding in result.findings]
    errors = sum(finding.severity == ERROR for finding in result.findings)
    counted = f"{errors} {'error' if errors == 1 else 'errors'}"
    if result.shortfall_minutes:
        verdict = f"requirement NOT met: {result.shortfall_minutes:,} minutes a week short ({counted})"
    elif errors:
        verdict = f"requirement met, but the plan has {counted}"
    else:
        verdict = "requirement met"
    lines += ["", f"Result: {verdict}"]
    return "\n".join(lines) + "\n"
