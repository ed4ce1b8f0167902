"""``pcnhub entitlements --pcn CODE | --icb CODE``: entitlements from the stored register.

    pcnhub entitlements --year 2023/24 --pcn U00001 [--json]
    pcnhub entitlements --year 2023/24 --icb QH8 [--json]

``--pcn`` prints the same JSON as the list-size mode (``pcnhub entitlements --registered N``) plus
``"pcn": {code, name}``, ``"icb"``, ``"as_of"`` (date of the list sizes used) and ``"notes"``.
``--icb`` (any area code) prints ``{"year", "area": {code, name}, "pcns": [{code, name, total, ...}],
"total", ...}``. Exit codes: 0, or 2 for an unknown code, an empty register or bad input.
"""

from __future__ import annotations

import argparse
import json
from typing import Final, TextIO

EXIT_OK: Final = 0
EXIT_BAD_INPUT: Final = 2


def _fail(stderr: TextIO, message: str) -> int:
    stderr.write(f"pcnhub entitlements: {message}\n")
    return EXIT_BAD_INPUT


def run_register_entitlements(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Entitlements of a PCN (``args.pcn``) or of every PCN of an area (``args.icb``) in ``args.year``."""
    from pcnhub.cli import setup_django

    if args.pcn and args.icb:
        return _fail(stderr, "give --pcn CODE or --icb CODE, not both")
    setup_django()
    from django.db.utils import DatabaseError

    from pcnhub.domain.money.entitlements_cli import write_text
    from pcnhub.finance import services
    from pcnhub.finance.api import area_row, area_totals
    from pcnhub.register.models import Organisation, OrgKind
    from pcnhub.register.services import AREA_KINDS

    try:
        year = services.parse_year(args.year.label if hasattr(args.year, "label") else args.year)
    except ValueError as exc:
        return _fail(stderr, str(exc))
    code = (args.pcn or args.icb or "").strip().upper()
    kinds = [OrgKind.PCN] if args.pcn else list(AREA_KINDS)
    what = "PCN" if args.pcn else "ICB or area"
    try:
        if not Organisation.objects.exists():
            return _fail(stderr, "the register is empty; load it with 'pcnhub demo' or 'pcnhub import' first")
        org = Organisation.objects.filter(code=code, kind__in=kinds).first()
    except DatabaseError as exc:
        return _fail(stderr, f"the register database is not ready ({exc}); run 'pcnhub demo' first")
    if org is None:
        return _fail(stderr, f"no {what} with code {code!r} in the register")

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
            stdout.write(f"  {r.pcn.name + ' (' + r.pcn.code + ')':<60} GBP {r.total:>15,.2f}  {per_head}\n")
        stdout.write(f"  {'Total':<60} GBP {money.total:>15,.2f}\n")
    return EXIT_OK
