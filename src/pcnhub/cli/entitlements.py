"""``pcnhub entitlements``: a network's payments for a financial year.

    pcnhub entitlements --year 2023/24 --registered N [--weighted N] [--adjusted N] [--care-home-beds N] [--json]

prints ``{"year", "payments": [{"name", "basis", "rate", "amount", "counted", "source", ...}], "total",
"not_counted", ...}``.  Weighted and adjusted default to the registered list.  The Investment and Impact
Fund is paid on achievement: here (no measures) its maximum is shown apart, ``"counted": false``, and not
in the total.

    pcnhub entitlements --year 2023/24 --pcn U00001 [--json]
    pcnhub entitlements --year 2023/24 --icb QH8 [--json]

use the stored register instead. ``--pcn`` prints the same JSON as the list-size mode plus
``"pcn": {code, name}``, ``"icb"``, ``"as_of"`` (date of the list sizes used) and ``"notes"``.
``--icb`` (any area code) prints ``{"year", "area": {code, name}, "pcns": [{code, name, total, iif, ...}],
"total", ...}``.  With the stored register, a PCN's total counts the IIF computed from its indicators in the
measures output (``PCNHUB_PHM_DIR/measures``), "computed from n indicators, as of <date>", where there is
one for the PCN and year; otherwise the maximum is shown apart, not counted.  Exit codes: 0, or 2 for an unknown code, an empty register or bad input.
"""

from __future__ import annotations

import argparse
import json
from typing import Final, TextIO

from pcnhub.cli.commands import EXIT_OK, fail
from pcnhub.cli.django import setup_database
from pcnhub.cli.values import count_argument, financial_year
from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.entitlements import Entitlement, Population, entitlement

PROG: Final = "pcnhub entitlements"


_count = count_argument(0, "{text} is negative; list sizes and beds cannot be")


def add_entitlements_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", type=financial_year, required=True, metavar="YYYY/YY", help="financial year, e.g. 2023/24")
    parser.add_argument("--registered", type=_count, metavar="N", help="registered list at 1 January")
    parser.add_argument("--weighted", type=_count, metavar="N", help="weighted list (default: registered)")
    parser.add_argument("--adjusted", type=_count, metavar="N", help="PCN adjusted population (default: registered)")
    parser.add_argument("--care-home-beds", type=_count, default=0, metavar="N",
                        help="CQC-registered beds in aligned care homes (default 0)")
    parser.add_argument("--pcn", metavar="CODE", help="a PCN of the stored register instead of the list sizes")
    parser.add_argument("--icb", metavar="CODE", help="every PCN of an ICB (or other area) of the stored register")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run_entitlements(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """The list-size mode, or the stored register's with ``--pcn``/``--icb``."""
    if args.pcn or args.icb:
        return run_register_entitlements(args, stdout, stderr)
    from pcnhub.reference.rates import year_rates

    if args.registered is None:
        return fail(stderr, PROG, "give --registered N, or --pcn CODE / --icb CODE")
    try:
        rates = year_rates(args.year)
    except ValueError as err:
        return fail(stderr, PROG, str(err))
    result = entitlement(rates, Population(args.registered, args.weighted, args.adjusted, args.care_home_beds))
    if args.json:
        json.dump(result.to_dict(), stdout, indent=2)
        stdout.write("\n")
    else:
        write_text(result, stdout)
    return EXIT_OK


def write_text(result: Entitlement, out: TextIO, title: str = "") -> None:
    pop = result.population
    out.write(f"{title or 'Network'} in {result.year}: {pop.registered:,} registered, {pop.of(c.WEIGHTED):,} weighted, "
              f"{pop.of(c.ADJUSTED):,} adjusted, {pop.care_home_beds:,} care home beds\n")
    for line in result.lines:
        amount = "not known" if line.amount is None else f"GBP {line.amount:>14,.2f}"
        flag = "" if line.status == c.VERIFIED else f" ({line.status})"
        upto = " up to" if line.maximum else ""
        if line.known and not line.counted:
            flag += "  maximum, not counted in the total"
        elif line.earned is not None:
            flag += f"  {line.earned.describe()}"
        out.write(f"  {line.payment.name:<55}{upto:>6} {amount}{flag}\n")
    out.write(f"  {'Total':<55}{'':>6} GBP {result.total:>14,.2f}\n")


# --- The stored register -----------------------------------------------------------------------


def run_register_entitlements(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Entitlements of a PCN (``args.pcn``) or of every PCN of an area (``args.icb``) in ``args.year``."""
    if args.pcn and args.icb:
        return fail(stderr, PROG, "give --pcn CODE or --icb CODE, not both")
    setup_database()
    from django.db.utils import DatabaseError

    from pcnhub.finance import services
    from pcnhub.finance.api import area_row, area_totals
    from pcnhub.register.models import Organisation, OrgKind
    from pcnhub.register.services import AREA_KINDS

    try:
        year = services.catalogue_year(args.year)
    except ValueError as exc:
        return fail(stderr, PROG, str(exc))
    code = (args.pcn or args.icb or "").strip().upper()
    kinds = [OrgKind.PCN] if args.pcn else list(AREA_KINDS)
    what = "PCN" if args.pcn else "ICB or area"
    try:
        if not Organisation.objects.exists():
            return fail(stderr, PROG, "the register is empty; load it with 'pcnhub demo' or 'pcnhub import' first")
        org = Organisation.objects.filter(code=code, kind__in=kinds).first()
    except DatabaseError as exc:
        return fail(stderr, PROG, f"the register database is not ready ({exc}); run 'pcnhub demo' first")
    if org is None:
        return fail(stderr, PROG, f"no {what} with code {code!r} in the register")

    if args.pcn:
        money = services.pcn_entitlement(org, year)
        if args.json:
            report = money.entitlement.to_dict()
            report.update({
                "pcn": {"code": org.code, "name": org.name},
                "icb": {"code": money.icb.code, "name": money.icb.name} if money.icb else None,
                "as_of": money.as_of.isoformat() if money.as_of else None,
                "notes": money.notes,
            })
            json.dump(report, stdout, indent=2)
            stdout.write("\n")
        else:
            write_text(money.entitlement, stdout, title=f"{org.name} ({org.code})")
            stdout.writelines(f"  note: {note}\n" for note in money.notes)
            stdout.writelines(f"  {key}: {override.describe()}\n" for key, override in money.overrides.items())
        return EXIT_OK

    money = services.area_entitlements(org, year)
    if args.json:
        totals = area_totals(money)
        report = {
            "year": year.label,
            "area": {"code": org.code, "name": org.name, "kind": org.kind},
            "pcns": [{**area_row(r), "as_of": r.as_of.isoformat() if r.as_of else None} for r in money.rows],
            **{k: v for k, v in totals.items() if k != "pcns"},
        }
        json.dump(report, stdout, indent=2)
        stdout.write("\n")
    else:
        stdout.write(f"{org.name} ({org.code}) in {year}: {len(money.rows)} PCNs, {money.registered:,} registered\n")
        for r in money.rows:
            per_head = "not known" if r.per_head is None else f"GBP {r.per_head:,.2f} a head"
            iif = f"; IIF {r.iif_text}" if r.iif_text else ""
            stdout.write(f"  {r.pcn.name + ' (' + r.pcn.code + ')':<60} GBP {r.total:>15,.2f}  {per_head}{iif}\n")
        stdout.write(f"  {'Total':<60} GBP {money.total:>15,.2f}\n")
    return EXIT_OK
