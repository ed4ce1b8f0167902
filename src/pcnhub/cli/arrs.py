"""``pcnhub arrs``: project a PCN's ARRS workforce plan for a financial year.

    pcnhub arrs plan FILE.csv --year 2021/22 --weighted N [--registered N] [--sum GBP] [--json]

FILE.csv has columns role, fte, start, end, annual_cost (optional employment,
label); see :func:`pcnhub.ingest.arrs_plan.read_plan_csv`.  The ARRS sum is
``--sum`` when given, otherwise the PCN's share of the national pot for the
weighted list (:func:`pcnhub.domain.money.entitlements.arrs_sum` of the year's rates).
``--registered`` is the registered list, used for the caps on numbers that
depend on it (2019/20).

``--json`` prints :meth:`Projection.to_dict` plus ``weighted``, ``sum_from``
("given", "entitlements" or null) and ``typical_plan`` (the plan's average WTE
per role against the typical 50k plan of seed 003 scaled by weighted / 50,000,
or null for a year the typical plan does not cover).

Exit codes: 0 when the plan was projected, whatever its warnings (an overspend
or an exceeded cap is a finding about the plan, reported in ``warnings``, not a
failure of the command); 2 on bad input (file, option or year).
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final, TextIO

from pcnhub.cli.commands import EXIT_OK, bad_input
from pcnhub.cli.values import count_argument, financial_year
from pcnhub.domain.errors import InputError
from pcnhub.domain.money.arrs import (
    PlanComparison,
    Projection,
    compare_with_typical,
    money,
    project,
)
from pcnhub.ingest.arrs_plan import read_plan_csv

PROG: Final = "pcnhub arrs plan"
SUM_GIVEN: Final = "given"
SUM_ENTITLEMENTS: Final = "entitlements"


_count = count_argument(1, "{text} is not a list size; it must be more than 0")
#: More than the national ARRS pot of any year: the bound of ``--sum``.
MAX_SUM: Final = Decimal(10_000_000_000)


def _pounds(text: str) -> Decimal:
    cleaned = text.strip().removeprefix("£").replace(",", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount in pounds") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount of 0 or more")
    if value > MAX_SUM:
        raise argparse.ArgumentTypeError(f"{text!r} is more than £{MAX_SUM:,}")
    return value


def add_arrs_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``arrs`` sub-commands (``plan``) to ``parser``."""
    sub = parser.add_subparsers(dest="arrs_command", required=True, metavar="COMMAND")
    plan = sub.add_parser(
        "plan",
        help="project a workforce plan's ARRS claims for a financial year",
        description="Project a workforce plan's ARRS claims, month by month, against the PCN's ARRS sum.",
    )
    plan.add_argument(
        "file", type=Path, metavar="FILE.csv", help="plan CSV: role, fte, start, end, annual_cost [, employment, label]"
    )
    plan.add_argument("--year", type=financial_year, required=True, metavar="YYYY/YY", help="financial year, e.g. 2021/22")
    plan.add_argument(
        "--weighted", type=_count, required=True, metavar="N", help="the PCN's weighted (contractor weighted) list"
    )
    plan.add_argument(
        "--registered", type=_count, metavar="N", help="registered list, for caps that depend on it (2019/20)"
    )
    plan.add_argument(
        "--sum", type=_pounds, metavar="GBP", help="the PCN's ARRS sum (default: the national pot share)"
    )
    plan.add_argument("--json", action="store_true", help="print the projection as JSON")


def run_arrs(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run the ``arrs`` sub-command in ``args``; return the exit code."""
    if args.arrs_command == "plan":
        return run_plan(args, stdout, stderr)
    raise AssertionError(args.arrs_command)


def run_plan(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """``pcnhub arrs plan``: read the plan, project it and report."""
    from pcnhub.reference.arrs_roles import load_catalogue, load_typical_plan

    catalogue = load_catalogue()
    try:
        posts = read_plan_csv(args.file, catalogue)
    except InputError as err:
        return bad_input(stderr, PROG, err)
    arrs_sum, sum_from = _arrs_sum(args)
    projection = project(args.year, posts, arrs_sum, catalogue, args.registered)
    plan = load_typical_plan()
    comparison = (
        compare_with_typical(posts, [args.year], args.weighted, plan, catalogue)
        if args.year.label in plan.years()
        else None
    )
    if args.json:
        data = projection.to_dict()
        data["weighted"] = args.weighted
        data["sum_from"] = sum_from
        data["typical_plan"] = (
            None
            if comparison is None
            else {
                "list_size": plan.list_size,
                "scale": float(Decimal(args.weighted) / plan.list_size),
                "source": plan.source,
                "roles": [row.to_dict() for row in comparison],
            }
        )
        stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        stdout.write(format_report(projection, args.weighted, sum_from, comparison))
    return EXIT_OK


def _arrs_sum(args: argparse.Namespace) -> tuple[Decimal | None, str | None]:
    if args.sum is not None:
        return args.sum, SUM_GIVEN
    from pcnhub.domain.money.entitlements import arrs_sum
    from pcnhub.reference.rates import year_rates

    found = arrs_sum(year_rates(args.year), args.weighted)
    return (found, SUM_ENTITLEMENTS) if found is not None else (None, None)


def format_report(
    projection: Projection, weighted: int, sum_from: str | None, comparison: list[PlanComparison] | None
) -> str:
    """A short plain-text summary: totals, posts, warnings, notes and the typical-plan comparison."""
    lines = [f"ARRS workforce plan {projection.year} (weighted list {weighted:,})", ""]
    if projection.arrs_sum is None:
        lines.append("  ARRS sum   not known (give --sum GBP)")
    else:
        how = "given" if sum_from == SUM_GIVEN else "national pot share"
        lines.append(f"  ARRS sum   {money(projection.arrs_sum):>15}  ({how})")
    lines.append(f"  Claims     {money(projection.claims):>15}")
    if projection.headroom is not None:
        word = "Headroom" if projection.headroom >= 0 else "Overspend"
        lines.append(f"  {word:<9}  {money(abs(projection.headroom)):>15}")
    lines += ["", "Posts:"]
    for result in projection.posts:
        post = result.post
        name = result.role.name if result.role else post.role
        what = post.label or f"{name} {post.fte.normalize():f} WTE"
        lines.append(
            f"  {what:<40} {post.start.isoformat()}  {result.claimable_months:>5} months  {money(result.claims):>12}"
        )
    lines += ["", "Findings:" if projection.warnings else "Findings: none"]
    lines += [f"  {finding.severity:<7}  {finding.rule}: {finding.message}" for finding in projection.warnings]
    if projection.notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in projection.notes]
    if comparison:
        lines += ["", "Average WTE against the typical 50k plan (seed 003) scaled to the weighted list:"]
        lines += [
            f"  {row.role:<32} typical {row.typical_fte:>6}  planned {row.planned_fte:>6}" for row in comparison
        ]
    return "\n".join(lines) + "\n"

