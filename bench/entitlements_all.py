"""Benchmark: every PCN in England, every year of the rates catalogue, from a fresh SQLite register.

    .venv/bin/python bench/entitlements_all.py

Builds the national register as bench/import_national.py does (epraccur_2019, the practice-to-PCN
map of January 2022 and the list sizes of January 2021 from shared/data/nhs-open-data) in a
temporary SQLite database, then computes every PCN's entitlement for 2019/20 to 2025/26 with
``pcnhub.finance.services.england_entitlements`` (populations from the register, in bulk).  As a
baseline it times the pure domain calculation, ``entitlement()`` for 1,250 synthetic PCNs of five
practices each for the same seven years.  Prints JSON: seconds, PCN counts, totals, peak memory
(tracemalloc) and the ratio of the register path to the pure path.  Exit status 1 if a year's
England total differs from the sum of its ICBs' or the register path exceeds the target.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = SHARED / "data" / "nhs-open-data"
FILES = (  # (file, skip codes that are not GP practices)
    (DATA / "epraccur_2019.csv", False),
    (DATA / "gp-reg-pat-prac-map_2022-01.csv", False),
    (DATA / "gp-reg-pat-prac-all_2021-01.csv", True),
)
#: The January 2022 configuration is made to stand for every year from the start of the DES, so that
#: all seven catalogue years have every PCN to compute (a benchmark of the calculation, not a history).
DES_START = "2019-07-01"
SYNTHETIC_PCNS = 1_250
PRACTICES_PER_PCN = 5
TARGET_SECONDS = 30.0


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="pcnhub-bench-") as home:
        os.environ["PCNHUB_HOME"] = home
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(home) / 'bench.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcnhub.webapp.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0, interactive=False)
        report = {"database": connections["default"].vendor, **run_benchmark()}
        connections.close_all()
    print(json.dumps(report, indent=2))
    return 0 if report["totals_add_up"] and report["within_target"] else 1


def build_register() -> float:
    from pcnhub.register.loaders import import_file

    started = time.perf_counter()
    import datetime as dt

    from pcnhub.register.models import Membership, Organisation, OrgKind, Parentage

    for path, skip_unknown in FILES:
        import_file(path, progress=False, user="bench", skip_unknown=skip_unknown)
    start, first_map_day = dt.date.fromisoformat(DES_START), dt.date(2022, 1, 1)
    Membership.objects.filter(start=first_map_day).update(start=start)
    Parentage.objects.filter(start=first_map_day).update(start=start)
    Organisation.objects.filter(kind=OrgKind.PCN, open_date=first_map_day).update(open_date=start)
    return time.perf_counter() - started


def register_path() -> tuple[float, list[dict[str, Any]], bool]:
    """Every PCN in England for every catalogue year, from the register."""
    from pcnhub.domain.money.years import catalogue_years
    from pcnhub.finance.services import england_entitlements

    years, adds_up = [], True
    started = time.perf_counter()
    for year in catalogue_years():
        t = time.perf_counter()
        england = england_entitlements(year)
        seconds = time.perf_counter() - t
        adds_up &= england.total == sum((g.total for g in england.groups), 0) == sum((r.total for r in england.rows), 0)
        years.append({
            "year": year.label, "pcns": len(england.rows), "icbs": len(england.areas),
            "registered": england.registered, "total_gbp": float(england.total), "seconds": round(seconds, 3),
        })
    return time.perf_counter() - started, years, adds_up


def synthetic_networks() -> list[list]:
    """1,250 PCNs of five practices, list sizes spread like England's (about 6,000 to 14,000 a practice)."""
    from pcnhub.domain.money.entitlements import Member, Population

    networks = []
    for n in range(SYNTHETIC_PCNS):
        members = []
        for p in range(PRACTICES_PER_PCN):
            registered = 6_000 + (n * 7_919 + p * 104_729) % 8_000
            members.append(Member(f"P{n:04d}{p}", f"Practice {n}-{p}",
                                  Population(registered, weighted=registered * 21 // 20, adjusted=registered)))
        networks.append(members)
    return networks


def pure_path(networks: list[list]) -> tuple[float, int]:
    """``entitlement()`` for every synthetic PCN and catalogue year (no database)."""
    from pcnhub.domain.money.entitlements import entitlement
    from pcnhub.reference.rates import all_years

    catalogues = all_years()  # read once, as the register path's cache does
    started = time.perf_counter()
    count = 0
    for rates in catalogues:
        for members in networks:
            entitlement(rates, members=members)
            count += 1
    return time.perf_counter() - started, count


def peak_mb(run) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return round(tracemalloc.get_traced_memory()[1] / 1_048_576, 1)
    finally:
        tracemalloc.stop()


def run_benchmark() -> dict[str, Any]:
    from pcnhub.register.models import ListSize, Membership, Organisation, OrgKind

    import_seconds = build_register()
    networks = synthetic_networks()
    pure_path(networks)  # warm the catalogue cache and the interpreter
    register_seconds, years, adds_up = register_path()
    pure_seconds, computed = pure_path(networks)
    return {
        "register": {
            "import_seconds": round(import_seconds, 2),
            "pcns": Organisation.objects.filter(kind=OrgKind.PCN).count(),
            "memberships": Membership.objects.count(),
            "list_sizes": ListSize.objects.count(),
        },
        "register_path": {
            "seconds": round(register_seconds, 2),
            "pcn_years": sum(y["pcns"] for y in years),
            "years": years,
            "peak_memory_mb": peak_mb(register_path),
        },
        "pure_path": {
            "seconds": round(pure_seconds, 2),
            "pcn_years": computed,
            "peak_memory_mb": peak_mb(lambda: pure_path(networks)),
        },
        "register_to_pure_ratio": round(register_seconds / pure_seconds, 2) if pure_seconds else None,
        "register_to_pure_ratio_per_pcn_year": (
            round((register_seconds / max(1, sum(y["pcns"] for y in years))) / (pure_seconds / computed), 2)
            if pure_seconds else None
        ),
        "target_seconds": TARGET_SECONDS,
        "within_target": register_seconds < TARGET_SECONDS,
        "totals_add_up": adds_up,
    }


if __name__ == "__main__":
    sys.exit(main())
