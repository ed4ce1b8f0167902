"""Benchmark: every measure for every practice and PCN (``pcnhub measures run``) against pandas, Polars and Spark.

    .venv/bin/python bench/measures.py [--sizes 1000000 4000000 10000000] [--engines pcnhub pandas polars spark]
        [--keep DIR] [--seed S] [--months 24] [--spark-memory 6g]

For each size, a synthetic England-like population (the generator, ``pcnhub phm synth``, over every practice
in England from shared/data/nhs-open-data/gp-reg-pat-prac-all_2021-01.csv, scaled to the size; PCNs from the
January 2022 practice map), then in separate Python processes (so that each peak memory is its own,
``bench/memory.py``: VmHWM, native memory included):

* ``pcnhub``: :func:`pcnhub.analytics.measures.run.run_measures` on DuckDB (its memory limit, spilling to
  disk): every measure, every level, funnel limits, percentiles, deciles and change, written to Parquet, as
  ``pcnhub measures run`` does; then, not timed (as pandas and Polars are timed before they write their
  sums), a second run writing the practice and PCN sums before disclosure control for the check;
* ``pandas`` and ``polars``: the same measures written by hand (``bench/frames/``), practice and PCN sums
  only (less work than pcnhub does);
* ``spark`` (not run unless asked): ``run_measures`` with ``engine="spark"``, Spark in local mode on 2 cores
  with ``--spark-memory`` of driver memory (local mode: the driver does the work), the same outputs as
  pcnhub's; its peak memory is the Python process's plus the JVM's (each process's peak RSS, VmHWM read
  from /proc before the JVM stops: a bound on the two at once).  No speed goal.

Prints JSON: per size and engine the seconds, peak RSS, rows in and out; the ratios of each engine's time to
pcnhub's; seconds per million patients (linear growth); and whether pandas, Polars and Spark give pcnhub's
numerators and denominators for every measure, practice, PCN and month.  The measure needing the
pipeline's features (QRISK3) is left out and named.  A child process that fails (e.g. out of memory: the
pandas and Polars children are capped at ``--memory-cap-gb`` so that each fails alone rather than waking
the OOM killer) is reported with its error, and the run goes on.  Exit status 1 if the results differ or
pcnhub misses the issue's goal (5 times faster than pandas, no slower than Polars) at any size all three
finished.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from bench.memory import descendants, peak_mb, process_peak_mb  # noqa: E402
OPEN_DATA = REPO.parent / "shared" / "data" / "nhs-open-data"
LIST_SIZES = OPEN_DATA / "gp-reg-pat-prac-all_2021-01.csv"
PRACTICE_MAP = OPEN_DATA / "gp-reg-pat-prac-map_2022-01.csv"
AS_OF = dt.date(2024, 4, 1)
SIZES = (1_000_000, 4_000_000, 10_000_000)
ENGINES = ("pcnhub", "pandas", "polars", "spark")
#: Run unless --engines says otherwise (Spark only when asked: minutes at a million patients).
DEFAULT_ENGINES = ("pcnhub", "pandas", "polars")
#: Spark's driver memory in local mode, on a 24 GB machine shared with other work.
SPARK_MEMORY = "6g"
#: The issue's goal: pcnhub at least this many times faster than pandas, and no slower than Polars.
GOAL_OVER_PANDAS, GOAL_OVER_POLARS = 5.0, 1.0
#: Relative: summed costs and weighted denominators (ASTRO-PUs, expected numbers) are float sums in another order.
TOLERANCE = 1e-6


def _rows(data: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    return {p.stem: pq.ParquetFile(p).metadata.num_rows for p in sorted(data.glob("*.parquet"))}


def generate(patients: int, seed: int, folder: Path) -> dict:
    from pcnhub.analytics import synth
    from pcnhub.analytics.practices import read_practices

    started = time.perf_counter()
    result = synth.generate(read_practices(LIST_SIZES), folder, patients=patients, seed=seed, as_of=AS_OF)
    return {"patients": patients, "seconds": round(time.perf_counter() - started, 2), "rows": result.rows,
            "peak_rss_mb": peak_mb()}


def _measured() -> tuple[list[str], dict[str, str]]:
    sys.path.insert(0, str(REPO / "bench"))
    from frames import HAND_WRITTEN

    from pcnhub.reference import measures as definitions

    chosen, left_out = [], {}
    for measure in definitions.measures():
        if measure.features():
            left_out[measure.id] = "needs the population health pipeline's features (run separately)"
        elif measure.id not in HAND_WRITTEN:
            left_out[measure.id] = "not written by hand in pandas and Polars yet"
        else:
            chosen.append(measure.id)
    return chosen, left_out


def _pcnhub_counts(out: Path, engine: str) -> Path:
    """The practice and PCN rows of ``run_measures``'s counts file, as ``<engine>.parquet`` for :func:`compare`."""
    import duckdb

    counts = out / f"{engine}.parquet"
    duckdb.sql(f"COPY (SELECT * FROM '{out / f'{engine}-all-levels.parquet'}' WHERE level IN ('practice', 'pcn'))"
               f" TO '{counts}' (FORMAT parquet)")
    return counts


def run_spark(data: Path, out: Path, months: int, memory: str) -> dict:
    """``run_measures`` on Spark (local mode, 2 cores, ``memory`` of driver memory): seconds (the session's
    start included, and also given apart), peak memory of the Python process and of the JVM."""
    import pyarrow.parquet as pq

    from pcnhub.analytics import engines
    from pcnhub.analytics.measures.run import run_measures
    from pcnhub.analytics.practices import read_geography

    geography = read_geography(PRACTICE_MAP)
    chosen, _ = _measured()
    started = time.perf_counter()
    # the session run_measures finds active (engines.connect): the engine's defaults, more driver memory
    session = engines.spark_session(app_name="pcnhub-bench", config={
        "spark.driver.memory": memory, "spark.local.dir": str(out / "spark-local")})
    session_seconds = time.perf_counter() - started
    started = time.perf_counter()
    summary = run_measures(data, out / "spark-out", engine="spark", geography=geography, months=months,
                           as_of=AS_OF, only=chosen, counts_file=out / "spark-all-levels.parquet")
    seconds = session_seconds + time.perf_counter() - started
    jvm = {pid: process_peak_mb(pid) for pid in descendants(os.getpid())}
    session.stop()
    _pcnhub_counts(out, "spark")
    python_mb, jvm_mb = peak_mb(), round(sum(jvm.values()), 1)
    return {"engine": "spark", "seconds": round(seconds, 2), "session_start_seconds": round(session_seconds, 2),
            "peak_rss_mb": round(python_mb + jvm_mb, 1), "python_peak_rss_mb": python_mb, "jvm_peak_rss_mb": jvm_mb,
            "driver_memory": memory, "measures": len(chosen), "steps": summary["steps"],
            "output_rows": pq.ParquetFile(out / "spark-out" / "measure_values.parquet").metadata.num_rows}


def run_engine(engine: str, data: Path, out: Path, months: int) -> dict:
    from pcnhub.analytics.measures.compile import months as month_list
    from pcnhub.analytics.practices import read_geography

    geography = read_geography(PRACTICE_MAP)
    chosen, _ = _measured()
    counts = out / f"{engine}.parquet"
    started = time.perf_counter()
    if engine == "pcnhub":
        from pcnhub.analytics.measures.run import run_measures

        summary = run_measures(data, out / "pcnhub-out", engine="duckdb", geography=geography, months=months,
                               as_of=AS_OF, only=chosen)
        seconds = time.perf_counter() - started
        # the sums before disclosure control for the check, from a second run, not timed (pandas and Polars
        # are timed before they write theirs; pcnhub's own outputs are written in the timed run)
        run_measures(data, out / "pcnhub-check", engine="duckdb", geography=geography, months=months, as_of=AS_OF,
                     only=chosen, counts_file=out / "pcnhub-all-levels.parquet")
        _pcnhub_counts(out, "pcnhub")
        import pyarrow.parquet as pq

        extra = {"steps": summary["steps"],
                 "output_rows": pq.ParquetFile(out / "pcnhub-out" / "measure_values.parquet").metadata.num_rows}
    else:
        from frames import ENGINES as FRAMES

        periods = month_list(AS_OF, months)
        result = FRAMES[engine](data, periods, geography)
        seconds = time.perf_counter() - started
        if engine == "pandas":
            result.to_parquet(counts)
        else:
            result.write_parquet(counts)
        extra = {"output_rows": len(result)}
    return {"engine": engine, "seconds": round(seconds, 2), "peak_rss_mb": peak_mb(), "measures": len(chosen),
            **extra}


def compare(folder: Path) -> dict:
    """Whether pandas, Polars and Spark give pcnhub's (DuckDB's) numerators and denominators (practice and PCN,
    every month)."""
    import duckdb

    files = {engine: folder / f"{engine}.parquet" for engine in ENGINES if (folder / f"{engine}.parquet").exists()}
    if "pcnhub" not in files:
        return {}
    found = {}
    for engine in sorted(set(files) - {"pcnhub"}):
        duckdb.sql(f"""
            CREATE OR REPLACE TEMP TABLE compared AS
            SELECT coalesce(a.measure, b.measure) AS measure,
                   a.measure IS NULL OR b.measure IS NULL AS missing,
                   abs(coalesce(a.denominator, 0) - coalesce(b.denominator, 0))
                       > {TOLERANCE} * greatest(1, abs(a.denominator)) AS denominator_differs,
                   abs(coalesce(a.numerator, 0) - coalesce(b.numerator, 0))
                       > {TOLERANCE} * greatest(1, abs(a.numerator)) AS numerator_differs
            FROM '{files['pcnhub']}' a FULL JOIN '{files[engine]}' b
              ON a.measure = b.measure AND a.level = b.level AND a.org_code = b.org_code AND a.month = b.month""")
        rows, missing, denominators, numerators = duckdb.sql(
            "SELECT count(*), count(*) FILTER (missing), count(*) FILTER (denominator_differs),"
            " count(*) FILTER (numerator_differs) FROM compared").fetchall()[0]
        measures = [m for (m,) in duckdb.sql(
            "SELECT DISTINCT measure FROM compared WHERE missing OR denominator_differs OR numerator_differs"
            " ORDER BY measure").fetchall()]
        found[engine] = {"rows": rows, "missing_either_side": missing, "denominators_differ": denominators,
                         "numerators_differ": numerators, "measures_differ": measures,
                         "identical": missing == denominators == numerators == 0}
    return found


def _child(what: str, data: Path, out: Path, months: int, cap_gb: float | None, spark_memory: str) -> dict:
    command = [sys.executable, __file__, "--child", what, str(data), str(out), "--months", str(months),
               "--spark-memory", spark_memory]
    if cap_gb:
        command += ["--memory-cap-gb", str(cap_gb)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env)
    if done.returncode:
        return {"engine": what, "failed": done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(DEFAULT_ENGINES))
    parser.add_argument("--spark-memory", default=SPARK_MEMORY, help="Spark's driver memory (local mode)")
    parser.add_argument("--memory-cap-gb", type=float, default=14.0,
                        help="address space cap of the pandas and Polars processes (0: none)")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the synthetic datasets in this folder")
    parser.add_argument("--child", nargs=3, metavar=("WHAT", "DATA", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, data, out = args.child[0], Path(args.child[1]), Path(args.child[2])
        if args.memory_cap_gb and what in ("pandas", "polars"):
            cap = int(args.memory_cap_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
        if what.startswith("generate-"):
            result = generate(int(what.split("-")[1]), args.seed, data)
        elif what == "spark":
            result = run_spark(data, out, args.months, args.spark_memory)
        else:
            result = run_engine(what, data, out, args.months)
        print(json.dumps(result))
        return 0
    chosen, left_out = _measured()
    root = args.keep or Path(tempfile.mkdtemp(prefix="pcnhub-measures-bench-"))
    report: dict = {"benchmark": "measures for every practice and PCN: pcnhub (DuckDB) against pandas, Polars and Spark",
                    "as_of": AS_OF.isoformat(), "months": args.months, "machine_cores": os.cpu_count(),
                    "measures": chosen, "left_out": left_out, "runs": []}
    try:
        for size in sorted(args.sizes):
            data = root / f"synthetic-{size}"
            run: dict = {"patients": size}
            if not (data / "patients.parquet").exists():
                run["generated"] = _child(f"generate-{size}", data, data, args.months, None, args.spark_memory)
            run["input_rows"] = _rows(data)
            out = Path(tempfile.mkdtemp(prefix=f"pcnhub-measures-{size}-", dir=root))
            try:
                for engine in args.engines:
                    run[engine] = _child(engine, data, out, args.months, args.memory_cap_gb, args.spark_memory)
                run["compare"] = compare(out)
            finally:
                shutil.rmtree(out, ignore_errors=True)
            ok = {e: run[e]["seconds"] for e in args.engines if "seconds" in run.get(e, {})}
            if "pcnhub" in ok:
                for other in set(ok) - {"pcnhub"}:
                    run[f"{other}_over_pcnhub"] = round(ok[other] / ok["pcnhub"], 2)
            run["seconds_per_million"] = {e: round(s / (size / 1e6), 2) for e, s in ok.items()}
            report["runs"].append(run)
            print(json.dumps(run), file=sys.stderr, flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    runs = report["runs"]
    if len(runs) > 1:
        first, last = runs[0], runs[-1]
        factor = last["patients"] / first["patients"]
        report["growth"] = {
            "patients_factor": factor,
            **{e: round(last[e]["seconds"] / first[e]["seconds"], 2) for e in args.engines
               if "seconds" in last.get(e, {}) and "seconds" in first.get(e, {})},
            **{f"{e}_peak_rss_factor": round(last[e]["peak_rss_mb"] / first[e]["peak_rss_mb"], 2)
               for e in args.engines if "peak_rss_mb" in last.get(e, {}) and "peak_rss_mb" in first.get(e, {})},
        }
    differ = any(not c["identical"] for run in runs for c in run.get("compare", {}).values())
    slow = any(run.get("pandas_over_pcnhub", GOAL_OVER_PANDAS) < GOAL_OVER_PANDAS
               or run.get("polars_over_pcnhub", GOAL_OVER_POLARS) < GOAL_OVER_POLARS for run in runs)
    report["goal"] = {"pandas_over_pcnhub_at_least": GOAL_OVER_PANDAS,
                      "polars_over_pcnhub_at_least": GOAL_OVER_POLARS, "met": not slow}
    report["identical"] = not differ
    print(json.dumps(report, indent=2))
    return 1 if differ or slow else 0


if __name__ == "__main__":
    sys.exit(main())
