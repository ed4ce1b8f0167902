"""Benchmark: import the national NHS open data files into a fresh SQLite register.

    .venv/bin/python bench/import_national.py
    .venv/bin/python bench/import_national.py --postgres postgres://postgres@127.0.0.1:5432

Imports epraccur_2019, gp-reg-pat-prac-map_2022-01 and gp-reg-pat-prac-all_2021-01 from
shared/data/nhs-open-data (beside the repository) in that order, then the map again to time an
idempotent re-run and check it changed no row counts.  Prints JSON: rows and seconds per file, total
seconds, peak memory, the register's counts, and the ratio of import time to a baseline of merely
parsing the three files with the pure parsers (so the ratio is the cost of writing).  Exit status 1
if the re-run changed a count or the total exceeds the 30-second target.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from bench.memory import peak_mb  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = SHARED / "data" / "nhs-open-data"
EPRACCUR = DATA / "epraccur_2019.csv"
PRACTICE_MAP = DATA / "gp-reg-pat-prac-map_2022-01.csv"
LIST_SIZES = DATA / "gp-reg-pat-prac-all_2021-01.csv"
TARGET_SECONDS = 30.0


def main() -> int:
    """SQLite by default; ``--postgres URL`` (a server URL such as postgres://postgres@127.0.0.1:5432)
    runs the same import into a fresh, temporary PostgreSQL database that is dropped afterwards."""
    postgres = sys.argv[sys.argv.index("--postgres") + 1].rstrip("/") if "--postgres" in sys.argv else None
    with tempfile.TemporaryDirectory(prefix="pcnhub-bench-") as home:
        os.environ["PCNHUB_HOME"] = home
        if postgres:
            name = f"pcnhub_bench_{os.getpid()}"
            _postgres_admin(postgres, f"CREATE DATABASE {name}")
            os.environ["DATABASE_URL"] = f"{postgres}/{name}"
        else:
            os.environ["DATABASE_URL"] = f"sqlite:///{Path(home) / 'bench.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcnhub.webapp.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        try:
            call_command("migrate", verbosity=0, interactive=False)
            report = {"database": connections["default"].vendor, **run_benchmark()}
        finally:
            if postgres:
                connections.close_all()
                _postgres_admin(postgres, f"DROP DATABASE IF EXISTS {name}")
    print(json.dumps(report, indent=2))
    return 0 if report["rerun_counts_unchanged"] and report["within_target"] else 1


def _postgres_admin(server: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def run_benchmark() -> dict[str, Any]:
    from pcnhub.ingest import read_epraccur, read_list_sizes, read_practice_map
    from pcnhub.register.loaders import import_file
    from pcnhub.register.models import ListSize, Membership, Organisation

    started = time.perf_counter()
    parsed = {
        EPRACCUR.name: sum(1 for _ in read_epraccur(EPRACCUR)),
        PRACTICE_MAP.name: sum(1 for _ in read_practice_map(PRACTICE_MAP)),
        LIST_SIZES.name: sum(1 for _ in read_list_sizes(LIST_SIZES)),
    }
    baseline = time.perf_counter() - started

    files = []
    # The 2021 list has two codes that are not GP practices in epraccur 2019 nor in the 2022 map.
    for path, skip_unknown in ((EPRACCUR, False), (PRACTICE_MAP, False), (LIST_SIZES, True)):
        started = time.perf_counter()
        run = import_file(path, progress=False, user="bench", skip_unknown=skip_unknown)
        files.append(_describe(run, time.perf_counter() - started))
    total = sum(file["seconds"] for file in files)

    def counts() -> dict[str, int]:
        return {
            "organisations": Organisation.objects.count(),
            "memberships": Membership.objects.count(),
            "list_sizes": ListSize.objects.count(),
        }

    before = counts()
    started = time.perf_counter()
    rerun = import_file(PRACTICE_MAP, progress=False, user="bench")
    rerun_seconds = time.perf_counter() - started
    listed = {count.code for count in read_list_sizes(LIST_SIZES)}
    known = set(Organisation.objects.filter(code__in=listed).values_list("code", flat=True))

    return {
        "files": files,
        "total_seconds": round(total, 2),
        "target_seconds": TARGET_SECONDS,
        "within_target": total < TARGET_SECONDS,
        "parse_only_seconds": round(baseline, 2),
        "parsed_rows": parsed,
        "import_to_parse_ratio": round(total / baseline, 1),
        "rerun": _describe(rerun, rerun_seconds),
        "rerun_counts_unchanged": counts() == before,
        "peak_memory_mb": peak_mb(),
        **before,
        "list_size_codes_not_in_register": sorted(listed - known),
    }


def _describe(run: Any, seconds: float) -> dict[str, Any]:
    return {
        "file": run.file_name,
        "kind": run.kind,
        "rows": run.rows,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "seconds": round(seconds, 2),
    }


if __name__ == "__main__":
    sys.exit(main())
