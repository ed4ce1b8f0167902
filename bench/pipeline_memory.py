"""Benchmark: the dataset check before a run, and the run's memory limit.

    .venv/bin/python bench/pipeline_memory.py --data DIR_1M [--large DIR_4M] [--before REV] [--repeat 3]
        [--runs 2] [--limits 2GB,default] [--skip-validation] [--skip-run]

Datasets: ``pcnhub phm synth --practices shared/data/nhs-open-data/gp-reg-pat-prac-all_2021-01.csv --patients N
--seed 1 --out DIR --as-of 2024-04-01`` (as ``bench/phm_pipeline.py`` makes them).  Prints JSON:

* ``validation``: seconds of ``validate_dataset`` on ``--data`` (and ``--large``), median of ``--repeat`` runs
  interleaved in one process: ``before``, the check as it was at ``--before`` (its ``schema.py`` loaded from git:
  every column of the five tables read with pyarrow, as ``pcnhub phm run`` asked for it, ``codes=False``) against
  ``all_tables`` (the check now, every table) and ``run_tables`` (the check now as ``pcnhub phm run`` asks for it:
  the rows of the four tables the pipeline reads); each variant's peak RSS (``VmHWM``) once more in a process of
  its own.
* ``run``: the pipeline (``run_pipeline``) on ``--large`` with each memory limit of ``--limits`` (``default``:
  :func:`pcnhub.analytics.limits.memory_limit`, half the machine's memory), each run in a fresh process, interleaved,
  ``--runs`` times each: wall seconds, the steps, peak RSS (the child's ``VmHWM``: DuckDB's native memory
  included) and the largest size the spill folder reached (polled every 0.2 s).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from bench.memory import peak_mb  # noqa: E402
PRACTICE_MAP = REPO.parent / "shared" / "data" / "nhs-open-data" / "gp-reg-pat-prac-map_2022-01.csv"
AS_OF = "2024-04-01"


def old_schema(rev: str):
    """``pcnhub.analytics.schema`` as it was at ``rev``, loaded as a module of its own."""
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:src/pcnhub/analytics/schema.py"],
                            capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp(prefix="pcnhub-bench-")) / "schema_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("schema_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _variants(rev: str) -> dict:
    from pcnhub.analytics import schema

    before = old_schema(rev)
    return {
        "before": lambda data: before.validate_dataset(data, codes=False),
        "all_tables": lambda data: schema.validate_dataset(data, codes=False),
        "run_tables": lambda data: schema.validate_dataset(data, codes=False, tables=schema.PIPELINE_TABLES),
    }


def _rows(data: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(path).metadata.num_rows for path in data.glob("*.parquet"))


def validation(data: Path, rev: str, repeat: int) -> dict:
    """Interleaved medians in this process, then each variant's peak memory in a process of its own."""
    variants = _variants(rev)
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    problems = {}
    for _ in range(repeat):
        for name, check in variants.items():
            started = time.perf_counter()
            found = check(data)
            seconds[name].append(time.perf_counter() - started)
            problems[name] = [p.describe() for p in found]
    peaks = {}
    for name in variants:
        done = subprocess.run([sys.executable, __file__, "--peak-of", name, "--before", rev, "--data", str(data)],
                              capture_output=True, text=True, check=True)
        peaks[name] = json.loads(done.stdout)["peak_mb"]
    medians = {name: round(statistics.median(values), 3) for name, values in seconds.items()}
    return {
        "data": str(data), "input_rows": _rows(data), "repeat": repeat,
        "seconds": medians, "all_seconds": {n: [round(v, 3) for v in vs] for n, vs in seconds.items()},
        "speedup_run_tables": round(medians["before"] / medians["run_tables"], 1),
        "speedup_all_tables": round(medians["before"] / medians["all_tables"], 1),
        "peak_mb": peaks, "problems": problems,
    }


def _peak_of(name: str, rev: str, data: Path) -> None:
    check = _variants(rev)[name]
    baseline = peak_mb()
    check(data)
    print(json.dumps({"peak_mb": peak_mb(), "before_check_mb": baseline}))


_CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[6])
from memory import peak_mb
from pcnhub.analytics import limits
from pcnhub.analytics.practices import read_map
from pcnhub.analytics.run import run_pipeline
import datetime as dt
data, out, limit, practice_map = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
limit = limits.memory_limit(None if limit == "default" else limit)
mapping = read_map(practice_map) if Path(practice_map).exists() else None
started = time.perf_counter()
summary = run_pipeline(Path(data), Path(out), practice_map=mapping, as_of=dt.date.fromisoformat(sys.argv[5]),
                       memory_limit=limit,
                       on_step=lambda name, s: print(json.dumps({"done": name}), file=sys.stderr, flush=True))
print(json.dumps({"memory_limit": limit, "seconds": round(time.perf_counter() - started, 2),
                  "steps": summary["steps"], "patients": summary["patients"],
                  "peak_rss_mb": peak_mb()}))
"""


def _folder_size(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:
            pass
    return total


def one_run(data: Path, limit: str) -> dict:
    out = Path(tempfile.mkdtemp(prefix="pcnhub-bench-run-"))
    spill_peak = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal spill_peak
        while not done.is_set():
            for spill in out.glob(".pcnhub-work-*/spill"):
                spill_peak = max(spill_peak, _folder_size(spill))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        child = subprocess.run([sys.executable, "-c", _CHILD, str(data), str(out), limit, str(PRACTICE_MAP), AS_OF,
                                str(Path(__file__).parent)], capture_output=True, text=True)
    finally:
        done.set()
        watcher.join()
        shutil.rmtree(out, ignore_errors=True)
    if child.returncode != 0:
        lines = child.stderr.strip().splitlines()
        done = [json.loads(line)["done"] for line in lines if line.startswith('{"done"')]
        error = next((line for line in reversed(lines) if "Error" in line and not line.startswith(" ")), "failed")
        return {"asked": limit, "error": error, "steps_done": done}
    return {"asked": limit, **json.loads(child.stdout.strip().splitlines()[-1]),
            "spill_peak_mb": round(spill_peak / 2**20, 1)}


def runs(data: Path, asked: list[str], times: int) -> dict:
    found: dict[str, list[dict]] = {limit: [] for limit in asked}
    for _ in range(times):
        for limit in asked:
            found[limit].append(one_run(data, limit))
            print(json.dumps(found[limit][-1]), file=sys.stderr)
    summary = {}
    for limit, results in found.items():
        good = [r for r in results if "error" not in r]
        summary[limit] = {
            "memory_limit": good[0]["memory_limit"] if good else None,
            "median_seconds": round(statistics.median(r["seconds"] for r in good), 2) if good else None,
            "peak_rss_mb": max((r["peak_rss_mb"] for r in good), default=None),
            "spill_peak_mb": max((r["spill_peak_mb"] for r in good), default=None),
            "runs": results,
        }
    return {"data": str(data), "input_rows": _rows(data), "limits": summary}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a dataset (1,000,000 patients) for the check")
    parser.add_argument("--large", type=Path, help="a dataset (4,000,000 patients) for the runs (and the check)")
    parser.add_argument("--before", default="main", help="the git revision whose check is 'before' (default main)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--limits", default="2GB,default")
    parser.add_argument("--skip-validation", action="store_true")
    parser.add_argument("--skip-run", action="store_true")
    parser.add_argument("--peak-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_of:
        _peak_of(args.peak_of, args.before, args.data)
        return 0
    from pcnhub.analytics import limits

    result: dict = {"machine": {"memory_gib": round((limits.machine_memory() or 0) / 2**30, 1),
                                "default_memory_limit": limits.memory_limit(), "cpus": __import__("os").cpu_count()},
                    "before": args.before}
    if not args.skip_validation:
        result["validation"] = [validation(data, args.before, args.repeat)
                                for data in (args.data, args.large) if data is not None]
    if not args.skip_run and args.large is not None:
        result["run"] = runs(args.large, [x for x in args.limits.split(",") if x], args.runs)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
