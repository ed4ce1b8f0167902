"""``pcnhub scenario``: compare a scenario's changes with the stored register, and apply approved scenarios.

    pcnhub scenario --changes FILE.csv --date YYYY-MM-DD [--area CODE] [--json]

reads the changes (columns ``action, practice_code, from_pcn, to_pcn, list_change`` and optionally ``name,
practice_name, role, wte, annual_cost, minutes``: :mod:`pcnhub.ingest.scenario_changes`) and compares the area's
configuration on the date before and after them, for every network they touch (:func:`pcnhub.scenarios.compare
.compare`): a table per network, or with ``--json`` :func:`pcnhub.scenarios.serialise.comparison_dict`.  The area
is an ICB or sub-ICB location by ODS code; without ``--area``, the ICB of the first practice or network the
changes name that the register holds.  Nothing is saved.

    pcnhub scenario apply-due [--date YYYY-MM-DD] [--json]

applies to the register every approved scenario whose effective date has come by the date (default today), as
the site does after an approval (:func:`pcnhub.scenarios.services.apply_due`), and says which.

Exit codes: 0, or 2 for bad input (the file's problems by row and field, a change that cannot apply to the
register, naming its row, an unknown area, a date not written YYYY-MM-DD).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any, Final, TextIO

from pcnhub.cli.commands import EXIT_OK, bad_input, fail
from pcnhub.cli.django import setup_database
from pcnhub.cli.values import iso_date

PROG: Final = "pcnhub scenario"
APPLY_DUE: Final = "apply-due"


def add_scenario_arguments(parser: argparse.ArgumentParser, argv: list[str]) -> None:
    """``argv``: the words after ``scenario``; ``apply-due`` first takes its own arguments."""
    parser.description = ("Compare a scenario's changes with the register (before and after, for every network "
                          f"they touch), or '{APPLY_DUE}': apply approved scenarios whose date has come.")
    if argv[:1] == [APPLY_DUE]:
        parser.add_argument("action", choices=[APPLY_DUE], help="apply approved scenarios whose date has come")
        parser.add_argument("--date", metavar="YYYY-MM-DD", help="apply those effective by this date (default today)")
        parser.add_argument("--json", action="store_true", help="print the scenarios applied as JSON")
        return
    parser.add_argument("--changes", type=Path, required=True, metavar="FILE.csv",
                        help="the changes: action, practice_code, from_pcn, to_pcn, list_change[, name, "
                             "practice_name, role, wte, annual_cost, minutes]")
    parser.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the date the changes take effect")
    parser.add_argument("--area", metavar="CODE",
                        help="the ICB or sub-ICB location (default: the ICB of the first practice or network named)")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    parser.set_defaults(action=None)


def run_scenario(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.action == APPLY_DUE:
        return run_apply_due(args, stdout, stderr)
    from pcnhub.domain.scenario import ScenarioError
    from pcnhub.ingest.scenario_changes import read_changes

    try:
        date = iso_date("--date", args.date, "2026-05-01")
        changes = read_changes(args.changes)
    except (ValueError, OSError) as err:  # InputError is a ValueError
        return bad_input(stderr, PROG, err)
    setup_database()
    from django.db.utils import DatabaseError

    from pcnhub.scenarios.compare import compare
    from pcnhub.scenarios.serialise import comparison_dict
    from pcnhub.scenarios.services import check_date

    try:
        check_date(date)
        area = _area(args.area, changes, date)
    except ValueError as err:
        return fail(stderr, PROG, str(err))
    except DatabaseError as err:
        return fail(stderr, PROG, f"the register database is not ready ({err}); run 'pcnhub demo' first")
    try:
        found = compare(area, date, changes)
    except ScenarioError as err:
        return fail(stderr, PROG, f"{args.changes.name}: {err}")
    report = comparison_dict(found)
    if args.json:
        json.dump(report, stdout, indent=2)
        stdout.write("\n")
    else:
        stdout.write(format_comparison(report))
    return EXIT_OK


def _area(code: str | None, changes, date: dt.date):
    """The area ``--area`` names (an ICB or sub-ICB location), or the ICB of the first practice or network the
    changes name that the register holds; ValueError if there is none."""
    from pcnhub.register import services as register
    from pcnhub.register.models import Organisation, OrgKind
    from pcnhub.scenarios.services import AREA_KINDS

    if not Organisation.objects.exists():
        raise ValueError("the register is empty; load it with 'pcnhub demo' or 'pcnhub import' first")
    if code:
        area = Organisation.objects.filter(code=code.strip().upper(), kind__in=AREA_KINDS).first()
        if area is None:
            raise ValueError(f"no ICB or sub-ICB location with code {code!r} in the register")
        return area
    for change in changes:
        for practice in filter(None, [change.practice.strip().upper()]):
            org = Organisation.objects.filter(code=practice, kind=OrgKind.PRACTICE).first()
            if org is not None:
                icb = register.icbs_of({org.pk: [org.pk]}, date).get(org.pk)
                if icb is not None:
                    return icb
        for named in filter(None, [" ".join(change.from_pcn.split()), " ".join(change.to_pcn.split())]):
            pcn = (Organisation.objects.filter(code=named.upper(), kind=OrgKind.PCN).first()
                   or Organisation.objects.filter(name__iexact=named, kind=OrgKind.PCN).order_by("code").first())
            if pcn is not None:
                icb = register.icb_of(pcn, date)
                if icb is not None:
                    return icb
    raise ValueError("none of the practices or networks the changes name is in the register's geography: "
                     "give the area with --area CODE")


# --- The table --------------------------------------------------------------------------------------


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _gbp(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _signed(value: float | int | None, pounds: bool = False) -> str:
    if value is None:
        return ""
    return f"{value:+,.2f}" if pounds else f"{value:+,}"


def format_comparison(report: dict[str, Any]) -> str:
    """The comparison as plain text: the changes, then a before/after table per network touched, then the area's
    findings and the notes."""
    area = report["area"]
    date = dt.date.fromisoformat(report["date"])
    lines = [f"{area['name']} ({area['code']}) on {date:%-d %B %Y}: {len(report['rows'])} networks touched "
             f"({report['year']} rates, {report['seconds']:.2f} s)", "", "Changes:"]
    lines += [f"  {i}. {text}" for i, text in enumerate(report["changes"], 1)]
    for row in report["rows"]:
        lines += ["", *_row_table(row)]
    before, after = report["area_findings"]["before"], report["area_findings"]["after"]
    if before or after:
        lines += ["", "The area:"]
        lines += [f"  before [{f['severity']}] {f['message']}" for f in before]
        lines += [f"  after  [{f['severity']}] {f['message']}" for f in after]
    if report["notes"]:
        lines += ["", "Notes:"] + [f"  {note}" for note in report["notes"]]
    if report.get("travel_basis"):
        lines += ["", f"Drives are estimated from the straight lines with {report['travel_basis']}."]
    return "\n".join(lines) + "\n"


def _row_table(row: dict[str, Any]) -> list[str]:
    before, after, diff = row["before"], row["after"], row["difference"]
    named = after or before
    title = f"{named['name']} ({named['code'] or 'new'}): {row['fate']}"

    def pick(side, *path):
        value = side
        for key in path:
            if value is None:
                return None
            value = value[key]
        return value

    table: list[tuple[str, str, str, str]] = [
        ("Practices", _count(None if before is None else len(before["practices"])),
         _count(None if after is None else len(after["practices"])), ""),
        ("Patients", _count(pick(before, "list_size")), _count(pick(after, "list_size")), _signed(diff["list_size"])),
        ("Placing", pick(before, "placing") or "-", pick(after, "placing") or "-", ""),
        ("Rule errors", _count(pick(before, "errors")), _count(pick(after, "errors")), _signed(diff["errors"])),
        ("Money (GBP)", _gbp(pick(before, "money", "total")), _gbp(pick(after, "money", "total")),
         _signed(diff["total"], pounds=True)),
        ("ARRS sum (GBP)", _gbp(pick(before, "arrs", "sum")), _gbp(pick(after, "arrs", "sum")), ""),
        ("ARRS claims (GBP)", _gbp(pick(before, "arrs", "claims")), _gbp(pick(after, "arrs", "claims")), ""),
        ("ARRS headroom (GBP)", _gbp(pick(before, "arrs", "headroom")), _gbp(pick(after, "arrs", "headroom")),
         _signed(diff["arrs_headroom"], pounds=True)),
        ("Access minutes required", _count(pick(before, "access", "required")),
         _count(pick(after, "access", "required")), ""),
        ("Access minutes planned", _count(pick(before, "access", "planned")),
         _count(pick(after, "access", "planned")), ""),
        ("Access shortfall", _count(pick(before, "access", "shortfall")), _count(pick(after, "access", "shortfall")),
         _signed(diff["access_shortfall"])),
        ("Weighted list", _count(pick(before, "people", "weighted")), _count(pick(after, "people", "weighted")), ""),
        ("Farthest apart (km)", _km(pick(before, "spread", "farthest_km")), _km(pick(after, "spread", "farthest_km")),
         ""),
        ("Longest drive (min, estimate)", _count(pick(before, "spread", "farthest_drive_minutes")),
         _count(pick(after, "spread", "farthest_drive_minutes")), ""),
        ("Mean drive (min, estimate)", _count(pick(before, "spread", "mean_between_drive_minutes")),
         _count(pick(after, "spread", "mean_between_drive_minutes")), ""),
    ]
    width = max(len(label) for label, *_ in table)
    cells = max(12, *(len(v) for _, b, a, _d in table for v in (b, a)))
    out = [title, f"  {'':<{width}}  {'Before':>{cells}}  {'After':>{cells}}  Change"]
    out += [f"  {label:<{width}}  {b:>{cells}}  {a:>{cells}}  {d}".rstrip() for label, b, a, d in table]
    if after is not None:
        outside = after["arrs"]["outside"] if after["arrs"] else []
        if outside:
            out.append(f"  Posts outside the ARRS sum after: {', '.join(outside)}")
        carried = after["development"]["carried_from"]
        if carried:
            out.append(f"  Development carried from: {', '.join(carried)}")
        out += [f"  after [{f['severity']}] {f['message']}" for f in after["findings"]]
    return out


def _km(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


# --- apply-due --------------------------------------------------------------------------------------


def run_apply_due(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:
        today = iso_date("--date", args.date, "2026-05-01") if args.date else dt.date.today()
    except ValueError as err:
        return fail(stderr, PROG, str(err))
    setup_database()
    from pcnhub.scenarios import services

    applied = services.apply_due(today)
    if args.json:
        json.dump([{"id": s.pk, "name": s.name, "area": {"code": s.area.code, "name": s.area.name},
                    "effective_date": s.effective_date.isoformat()} for s in applied], stdout, indent=2)
        stdout.write("\n")
        return EXIT_OK
    if not applied:
        stdout.write(f"No approved scenario is due by {today:%-d %B %Y}.\n")
        return EXIT_OK
    stdout.write(f"Applied {len(applied)} scenario{'s' if len(applied) != 1 else ''} to the register:\n")
    for s in applied:
        stdout.write(f"  {s.pk}: {s.name} ({s.area.name}), from {s.effective_date:%-d %B %Y}\n")
    return EXIT_OK
