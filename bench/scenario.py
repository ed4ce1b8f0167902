"""Benchmark: a scenario's comparison on the demo, one practice moving in NHS Essex ICB (D7T5G) on 1 May 2026.

    .venv/bin/python bench/scenario.py                       # loads the whole demo into a temporary PCNHUB_HOME
    .venv/bin/python bench/scenario.py --home /tmp/pcnhub-demo   # a PCNHUB_HOME the demo is loaded in (kept)

Loads the demo (``pcnhub demo``: the national files of shared/data/nhs-open-data, the seed tables, every app's
demo data, the population health pipeline's output) unless ``--home`` already has it, then measures
:func:`pcnhub.scenarios.compare.compare` on the area, each time moving one practice of a network to the next
network of the area:

* cold: the first comparison of a fresh process with the site's cache emptied (the landscape, the IIF, the
  population health counts all computed);
* warm: the median of 10 more, each moving a different practice (the landscape cached, as on the site).

Seconds are timed in one process; peak memory (tracemalloc, Python allocations) in a second one doing the same,
since tracing slows Python down.  Prints JSON: the area's practices and patients, the cold and warm seconds and
peak megabytes, each warm comparison's practice and seconds, the load's seconds, and whether warm is under the
1-second goal (exit status 1 if not).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from bench.memory import peak_mb  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
AREA = "D7T5G"
DATE = dt.date(2026, 5, 1)
WARM = 10
GOAL_SECONDS = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a PCNHUB_HOME to load the demo into, or that has it (kept)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the measuring child
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _setup(args.home)
        print(json.dumps(measure(trace=args.trace)))
        return 0
    with tempfile.TemporaryDirectory(prefix="pcnhub-bench-") as temporary:
        home = (args.home or Path(temporary)).resolve()
        loaded = load(home)
        timed = _child(home, trace=False)
        traced = _child(home, trace=True)
    report = {
        "area": timed["area"], "date": DATE.isoformat(), "practices": timed["practices"],
        "patients": timed["patients"], "networks": timed["networks"],
        "cold_seconds": timed["cold"]["seconds"], "warm_median_seconds": timed["warm_median_seconds"],
        "warm_max_seconds": max(w["seconds"] for w in timed["warm"]),
        "cold_peak_mb": traced["cold"]["peak_mb"], "warm_peak_mb": max(w["peak_mb"] for w in traced["warm"]),
        "cold_rss_mb": timed["rss_mb"],
        "cold": timed["cold"], "warm": timed["warm"],
        "goal_seconds": GOAL_SECONDS, "warm_within_goal": timed["warm_median_seconds"] < GOAL_SECONDS,
        "demo_load_seconds": loaded,
    }
    print(json.dumps(report, indent=2))
    return 0 if report["warm_within_goal"] else 1


def _environment(home: Path) -> dict[str, str]:
    env = dict(os.environ, PCNHUB_HOME=str(home), DJANGO_SETTINGS_MODULE="pcnhub.webapp.settings",
               PCNHUB_SHARED_DATA=os.environ.get("PCNHUB_SHARED_DATA", str(SHARED)))
    env.pop("DATABASE_URL", None)  # SQLite under PCNHUB_HOME
    env.pop("PCNHUB_PHM_DIR", None)
    return env


def _setup(home: Path) -> None:
    os.environ.update(_environment(home))
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("PCNHUB_PHM_DIR", None)
    from pcnhub.cli.django import setup_database

    setup_database()


def load(home: Path) -> float | None:
    """Load the demo into ``home`` in a child process (seconds taken; None when it was there already)."""
    marker = home / "bench-scenario-demo-loaded"
    if marker.exists():
        return None
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pcnhub.cli.main", "demo", "--quiet"], env=_environment(home), check=True,
                   stdout=subprocess.DEVNULL)
    marker.write_text("loaded\n")
    return round(time.perf_counter() - started, 1)


def _child(home: Path, *, trace: bool) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--measure", "--home", str(home), *(["--trace"] if trace else [])]
    done = subprocess.run(argv, env=_environment(home), check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _moves(area) -> list[tuple[str, str]]:
    """Practice, network: each of the area's first networks (by code) has its first practice move to the next
    network.  Database queries only, so that nothing the comparison computes is warmed before the cold one."""
    from pcnhub.register import services as register
    from pcnhub.register.models import Membership

    pcns, _ = register.area_members(area, DATE)
    members: dict[str, list[str]] = {}
    for practice, pcn in Membership.objects.on(DATE).filter(pcn__in=pcns).values_list("practice__code", "pcn__code"):
        members.setdefault(pcn, []).append(practice)
    codes = sorted(members)
    moves = [(sorted(members[code])[0], codes[(i + 1) % len(codes)]) for i, code in enumerate(codes)]
    return moves[: WARM + 1]


def measure(*, trace: bool) -> dict[str, Any]:
    import tracemalloc

    from django.core.cache import cache

    from pcnhub.designer import services as designer
    from pcnhub.domain import scenario as d
    from pcnhub.register import services as register
    from pcnhub.register.models import Organisation
    from pcnhub.scenarios.compare import compare

    area = Organisation.objects.get(code=AREA)
    moves = _moves(area)

    def one(practice: str, pcn: str) -> dict[str, Any]:
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        found = compare(area, DATE, [d.Change(d.MOVE, practice=practice, to_pcn=pcn)])
        seconds = time.perf_counter() - started
        result = {"practice": practice, "to": pcn, "seconds": round(seconds, 3), "rows": len(found.rows)}
        if trace:
            result["peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
        return result

    cache.clear()
    cold = one(*moves[0])
    rss = peak_mb()
    warm = [one(*move) for move in moves[1:]]
    view = register.cached_landscape(area, DATE)
    practices = designer.practice_views(view.practices, view.locations, DATE)
    return {
        "area": {"code": area.code, "name": area.name},
        "practices": len(practices),
        "patients": sum(p.list_size for p in practices),
        "networks": len(view.networks),
        "cold": cold,
        "warm": warm,
        "warm_median_seconds": round(statistics.median(w["seconds"] for w in warm), 3),
        "rss_mb": rss,
    }


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", line_buffering=True)
    sys.exit(main())
