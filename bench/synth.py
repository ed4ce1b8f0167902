"""Benchmark: the synthetic population generator (``pcnhub phm synth``), 100,000 and (with --large) 1,000,000 patients.

    .venv/bin/python bench/synth.py [--large] [--seed S]

Practices and list sizes come from shared/data/nhs-open-data/gp-reg-pat-prac-all_2021-01.csv when it is
there (every practice in England, scaled down), else 1,250 made-up practices.  Each size runs in a
fresh Python process so that its peak memory (``bench/memory.py``: VmHWM) is its own.  Prints
JSON: per run the patients, seconds, rows per table, rows a second, peak RSS and the Parquet size on
disk.  Exit status 1 if 1,000,000 patients take longer than the 180-second target.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from bench.memory import peak_mb  # noqa: E402
LIST_SIZES = REPO.parent / "shared" / "data" / "nhs-open-data" / "gp-reg-pat-prac-all_2021-01.csv"
TARGET_SECONDS_1M = 180.0


def practices():
    from pcnhub.analytics import synth

    if LIST_SIZES.exists():
        from pcnhub.analytics.practices import read_practices

        return read_practices(LIST_SIZES), LIST_SIZES.name
    return [synth.PracticeSize(f"Z{i:05d}", 5_000 + (i * 7_919) % 15_000) for i in range(1_250)], "made-up practices"


def one(patients: int, seed: int) -> dict:
    from pcnhub.analytics import synth

    listed, source = practices()
    with tempfile.TemporaryDirectory(prefix="pcnhub-synth-bench-") as folder:
        started = time.perf_counter()
        result = synth.generate(listed, folder, patients=patients, seed=seed)
        seconds = time.perf_counter() - started
        size = sum(path.stat().st_size for path in Path(folder).glob("*.parquet"))
    rows = sum(result.rows.values())
    return {
        "patients": patients,
        "practices": result.practices,
        "practices_source": source,
        "seconds": round(seconds, 2),
        "rows": result.rows,
        "rows_total": rows,
        "rows_per_second": round(rows / seconds),
        "patients_per_second": round(patients / seconds),
        "peak_rss_mb": peak_mb(),
        "parquet_mb": round(size / 2**20, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also run 1,000,000 patients")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.seed)))
        return 0
    sizes = [100_000] + ([1_000_000] if args.large else [])
    runs = []
    for size in sizes:
        done = subprocess.run([sys.executable, __file__, "--one", str(size), "--seed", str(args.seed)],
                              capture_output=True, text=True, check=True, cwd=REPO)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    slow = [r for r in runs if r["patients"] == 1_000_000 and r["seconds"] > TARGET_SECONDS_1M]
    print(json.dumps({"benchmark": "synthetic population (pcnhub phm synth)", "runs": runs,
                      "target_seconds_1m": TARGET_SECONDS_1M, "ok": not slow}, indent=2))
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
