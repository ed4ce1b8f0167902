"""``pcnhub entitlements``: a network's payments for a financial year.

    pcnhub entitlements --year 2023/24 --registered N [--weighted N] [--adjusted N] [--care-home-beds N] [--json]

prints ``{"year", "payments": [{"name", "basis", "rate", "amount", "source", ...}], "total", ...}``.
Weighted and adjusted default to the registered list.  ``--pcn CODE`` and ``--icb CODE``
use the stored register instead (handled by :mod:`pcnhub.finance.cli`).  Exit codes: 0, or 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
from typing import Final, TextIO

from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.entitlements import Entitlement, Population, entitlement
from pcnhub.domain.money.years import FinancialYear

EXIT_OK: Final = 0
EXIT_BAD_INPUT: Final = 2


def _count(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative; list sizes and beds cannot be")
    return value


def _year(text: str) -> FinancialYear:
    try:
        return FinancialYear.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_entitlements_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", type=_year, required=True, metavar="YYYY/YY", help="financial year, e.g. 2023/24")
    parser.add_argument("--registered", type=_count, metavar="N", help="registered list at 1 January")
    parser.add_argument("--weighted", type=_count, metavar="N", help="weighted list (default: registered)")
    parser.add_argument("--adjusted", type=_count, metavar="N", help="PCN adjusted population (default: registered)")
    parser.add_argument("--care-home-beds", type=_count, default=0, metavar="N",
                        help="CQC-registered beds in aligned care homes (default 0)")
    parser.add_argument("--pcn", metavar="CODE", help="a PCN of the stored register instead of the list sizes")
    parser.add_argument("--icb", metavar="CODE", help="every PCN of an ICB (or other area) of the stored register")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run_entitlements(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """The list-size mode; the caller sends ``--pcn``/``--icb`` to the register."""
    from pcnhub.reference.rates import year_rates

    if args.registered is None:
        stderr.write("pcnhub entitlements: give --registered N, or --pcn CODE / --icb CODE\n")
        return EXIT_BAD_INPUT
    try:
        rates = year_rates(args.year)
    except ValueError as err:
        stderr.write(f"pcnhub entitlements: {err}\n")
        return EXIT_BAD_INPUT
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
        upto = " up to" if line.payment.maximum else ""
        out.write(f"  {line.payment.name:<55}{upto:>6} {amount}{flag}\n")
    out.write(f"  {'Total':<55}{'':>6} GBP {result.total:>14,.2f}\n")
