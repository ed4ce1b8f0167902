"""Benchmark: the population health pipeline (``pcnhub phm run``) on synthetic data.

    .venv/bin/python bench/phm_pipeline.py [--large] [--seed S] [--no-spark] [--keep DIR]

Generates synthetic datasets of 100,000 and 1,000,000 patients (and 5,000,000 with ``--large``) from
shared/data/nhs-open-data/gp-reg-pat-prac-all_2021-01.csv (every practice in England, scaled down), with
the January 2022 practice map for PCNs and ICBs, and measures, each run in a fresh Python process so
that its peak memory (``bench/memory.py``: VmHWM, which includes DuckDB's native memory) is its own:

* the whole pipeline on DuckDB (memory limit 2 GB, spilling to disk; every result streamed to Parquet):
  seconds per step and in all, patients and input rows a second, peak RSS;
* the issue's baseline on 100k and 1M: the eFI step (registered population, 35 coded deficits,
  polypharmacy, score and category, from the Parquet files to a Parquet file) in plain pandas and on
  DuckDB in the same process, with the ratio DuckDB / pandas (and a check that they agree);
* the whole pipeline on Spark in local mode (2 cores) on 100k.

Prints JSON.  Exit status 1 if 1,000,000 patients take longer than the 60-second target on DuckDB.

    .venv/bin/python bench/phm_pipeline.py --baseline-src DIR [--sizes 1000000] [--rounds 2] [--keep DIR]

compares this checkout's pipeline with an older ``src`` folder (e.g. ``git worktree add ../base main``, then
``../base/src``) instead: at each size the runs alternate, this checkout then the baseline, ``--rounds`` times,
each in a fresh process (the baseline's with ``PYTHONPATH=DIR``), and report wall seconds, CPU seconds (user and
system of the process, DuckDB's threads included), peak RSS and step seconds; and, on the smallest size, how
many times each run reads ``events`` and ``medications``: the references to the two tables in the compiled SQL
of every query the pipeline runs (a reference is a scan).  Prints JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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
from bench.memory import peak_mb  # noqa: E402
OPEN_DATA = REPO.parent / "shared" / "data" / "nhs-open-data"
LIST_SIZES = OPEN_DATA / "gp-reg-pat-prac-all_2021-01.csv"
PRACTICE_MAP = OPEN_DATA / "gp-reg-pat-prac-map_2022-01.csv"
AS_OF = dt.date(2024, 4, 1)
TARGET_SECONDS_1M = 60.0


def _input_rows(data: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(path).metadata.num_rows for path in data.glob("*.parquet"))


def generate(patients: int, seed: int, folder: Path) -> dict:
    from pcnhub.analytics import synth
    from pcnhub.analytics.practices import read_practices

    started = time.perf_counter()
    result = synth.generate(read_practices(LIST_SIZES), folder, patients=patients, seed=seed, as_of=AS_OF)
    return {"patients": patients, "seconds": round(time.perf_counter() - started, 2), "rows": result.rows}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pipeline(data: Path, engine: str) -> dict:
    from pcnhub.analytics.run import run_pipeline
    from pcnhub.analytics.practices import read_map

    practice_map = read_map(PRACTICE_MAP) if PRACTICE_MAP.exists() else None
    out = Path(tempfile.mkdtemp(prefix=f"pcnhub-phm-{engine}-"))
    try:
        started, cpu = time.perf_counter(), _cpu_seconds()
        summary = run_pipeline(data, out, engine=engine, practice_map=practice_map, as_of=AS_OF)
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu
        sizes = {p.name: round(p.stat().st_size / 2**20, 1) for p in out.glob("*.parquet")}
    finally:
        shutil.rmtree(out, ignore_errors=True)
    rows = _input_rows(data)
    return {
        "engine": engine,
        "patients_registered": summary["patients"],
        "input_rows": rows,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "steps": summary["steps"],
        "patients_per_second": round(summary["patients"] / seconds),
        "input_rows_per_second": round(rows / seconds),
        "peak_rss_mb": peak_mb(),
        "output_mb": sizes,
    }


# --- the baseline: the eFI step in plain pandas -------------------------------------------------------


def efi_pandas(data: Path, out: Path) -> int:
    """The eFI of registered people aged 65+, as :mod:`pcnhub.analytics.pipeline.frailty` defines it."""
    import pandas as pd

    from pcnhub.analytics.pipeline.codes import months_before
    from pcnhub.reference import codelists as cl

    as_of = pd.Timestamp(AS_OF)
    patients = pd.read_parquet(data / "patients.parquet",
                               columns=["patient_id", "birth_month", "registered_from", "registered_to"])
    birth = pd.to_datetime(patients.birth_month)
    registered = (
        (pd.to_datetime(patients.registered_from) <= as_of)
        & (patients.registered_to.isna() | (pd.to_datetime(patients.registered_to) > as_of))
        & (birth <= as_of)
    )
    months = (AS_OF.year * 12 + AS_OF.month) - (birth.dt.year * 12 + birth.dt.month)
    older = patients.loc[registered & (months // 12 >= 65), ["patient_id"]]
    groups = pd.DataFrame([(code, c.key) for c in cl.efi_deficits() for code in c.codes], columns=["code", "key"])
    events = pd.read_parquet(data / "events.parquet", columns=["patient_id", "code", "date"])
    events = events[pd.to_datetime(events.date) <= as_of]
    coded = events.merge(groups, on="code").merge(older, on="patient_id")
    deficits = coded.groupby("patient_id").key.nunique().rename("coded")
    meds = pd.read_parquet(data / "medications.parquet", columns=["patient_id", "bnf_code", "date"])
    dates = pd.to_datetime(meds.date)
    meds = meds[(dates > pd.Timestamp(months_before(AS_OF, 12))) & (dates <= as_of)].merge(older, on="patient_id")
    classes = meds.assign(chemical=meds.bnf_code.str[:9]).groupby("patient_id").chemical.nunique().rename("classes")
    result = older.set_index("patient_id").join(deficits).join(classes).fillna(0)
    result["efi_deficits"] = (result.coded + (result.classes >= 5)).astype("int32")
    result["efi_score"] = result.efi_deficits / 36
    result["efi_category"] = pd.cut(result.efi_score, [-1, 0.12, 0.24, 0.36, 2], right=False,
                                    labels=["fit", "mild", "moderate", "severe"]).astype(str)
    result[["efi_deficits", "efi_score", "efi_category"]].reset_index().to_parquet(out)
    return len(result)


def efi_duckdb(data: Path, out: Path) -> int:
    from pcnhub.analytics import engines
    from pcnhub.analytics.pipeline.frailty import efi
    from pcnhub.analytics.pipeline.population import registered

    con = engines.connect("duckdb", temp_directory=out.parent / "spill")
    try:
        tables = engines.load_tables(con, data)
        population = registered(tables["patients"], as_of=AS_OF)
        expr = efi(population, tables["events"], tables["medications"], as_of=AS_OF)
        con.to_parquet(expr.select("patient_id", "efi_deficits", "efi_score", "efi_category"), str(out))
    finally:
        engines.close(con)
    import pyarrow.parquet as pq

    return pq.ParquetFile(out).metadata.num_rows


def baseline(data: Path) -> dict:
    import pandas as pd

    folder = Path(tempfile.mkdtemp(prefix="pcnhub-efi-"))
    try:
        timings = {}
        for name, step in (("pandas", efi_pandas), ("duckdb", efi_duckdb)):
            started = time.perf_counter()
            step(data, folder / f"{name}.parquet")
            timings[name] = time.perf_counter() - started
        left = pd.read_parquet(folder / "pandas.parquet").sort_values("patient_id").reset_index(drop=True)
        right = pd.read_parquet(folder / "duckdb.parquet").sort_values("patient_id").reset_index(drop=True)
        agree = (len(left) == len(right) and (left.efi_deficits.to_numpy() == right.efi_deficits.to_numpy()).all()
                 and (left.efi_category.to_numpy() == right.efi_category.to_numpy()).all())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "people_65_plus": len(left),
        "pandas_seconds": round(timings["pandas"], 3),
        "duckdb_seconds": round(timings["duckdb"], 3),
        "ratio_duckdb_to_pandas": round(timings["duckdb"] / timings["pandas"], 3),
        "results_agree": bool(agree),
        "peak_rss_mb": peak_mb(),
    }


# --- scans of the big tables, and a baseline src --------------------------------------------------------------


def scans(data: Path) -> dict:
    """How many times one DuckDB run of the pipeline reads ``events`` and ``medications``: every query it runs
    is compiled and the references to the two tables' names counted (works on older pipelines too)."""
    import re

    from pcnhub.analytics import engines
    from pcnhub.analytics.practices import read_map
    from pcnhub.analytics.run import run_pipeline

    names: dict[str, str] = {}
    queries: list[str] = []
    read, runners = engines.read_parquet, {n: getattr(engines, n) for n in ("materialise", "write_parquet",
                                                                            "to_arrow")}

    def reading(con, path):
        table = read(con, path)
        names[Path(path).name] = table.get_name()
        return table

    def compiled(runner):
        def run_it(con, expr, *args, **kwargs):
            queries.append(str(con.compile(expr)))
            return runner(con, expr, *args, **kwargs)
        return run_it

    engines.read_parquet = reading
    for name, runner in runners.items():
        setattr(engines, name, compiled(runner))
    out = Path(tempfile.mkdtemp(prefix="pcnhub-phm-scans-"))
    try:
        practice_map = read_map(PRACTICE_MAP) if PRACTICE_MAP.exists() else None
        run_pipeline(data, out, engine="duckdb", practice_map=practice_map, as_of=AS_OF)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    found = {"queries": len(queries)}
    for table in ("events", "medications"):
        name = names[f"{table}.parquet"]
        found[table] = sum(len(re.findall(rf"\b{re.escape(name)}\b", query)) for query in queries)
    return found


def _child(*args: str, src: Path | None = None) -> dict:
    import os

    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, cwd=REPO,
                          env=env)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(values: list[float]) -> float:
    import statistics

    return round(statistics.median(values), 2)


def against_baseline(baseline: Path, sizes: list[int], rounds: int, seed: int, root: Path) -> dict:
    """This checkout's pipeline against the one in ``baseline`` (a src folder), interleaved."""
    report: dict = {"benchmark": "pcnhub phm run: this checkout against a baseline src", "baseline_src": str(baseline),
                    "as_of": AS_OF.isoformat(), "machine_cores": __import__("os").cpu_count(), "rounds": rounds,
                    "sizes": {}}
    for size in sizes:
        data = root / f"synthetic-{size}"
        if not (data / "patients.parquet").exists():
            report.setdefault("generated", []).append(generate(size, seed, data))
        runs: dict[str, list[dict]] = {"current": [], "baseline": []}
        for _ in range(rounds):
            runs["current"].append(_child("duckdb", str(data)))
            runs["baseline"].append(_child("duckdb", str(data), src=baseline))
        found = {}
        for which, done in runs.items():
            found[which] = {
                "seconds": _median([r["seconds"] for r in done]), "seconds_all": [r["seconds"] for r in done],
                "cpu_seconds": _median([r["cpu_seconds"] for r in done]),
                "cpu_seconds_all": [r["cpu_seconds"] for r in done],
                "peak_rss_mb": max(r["peak_rss_mb"] for r in done), "steps": done[-1]["steps"],
            }
        for measure in ("seconds", "cpu_seconds"):
            found[f"{measure}_current_over_baseline"] = round(found["current"][measure] / found["baseline"][measure], 3)
        report["sizes"][size] = found
    smallest = root / f"synthetic-{min(sizes)}"
    report["scans"] = {"patients": min(sizes), "current": _child("scans", str(smallest)),
                       "baseline": _child("scans", str(smallest), src=baseline)}
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also run 5,000,000 patients")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-spark", action="store_true", help="leave out the Spark run")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the synthetic datasets in this folder")
    parser.add_argument("--baseline-src", type=Path, help="compare with the pipeline of this src folder instead")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000], help="with --baseline-src")
    parser.add_argument("--rounds", type=int, default=2, help="with --baseline-src: runs of each, interleaved")
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, data = args.child[0], Path(args.child[1])
        if what == "baseline":
            result = baseline(data)
        elif what == "scans":
            result = scans(data)
        else:
            result = pipeline(data, what)
        print(json.dumps(result))
        return 0
    if args.baseline_src:
        root = args.keep or Path(tempfile.mkdtemp(prefix="pcnhub-phm-bench-"))
        try:
            report = against_baseline(args.baseline_src.resolve(), args.sizes, args.rounds, args.seed, root)
        finally:
            if args.keep is None:
                shutil.rmtree(root, ignore_errors=True)
        print(json.dumps(report, indent=2))
        return 0
    sizes = [100_000, 1_000_000] + ([5_000_000] if args.large else [])
    root = args.keep or Path(tempfile.mkdtemp(prefix="pcnhub-phm-bench-"))
    report: dict = {"benchmark": "population health pipeline (pcnhub phm run)", "as_of": AS_OF.isoformat(),
                    "machine_cores": __import__("os").cpu_count(), "duckdb": [], "efi_baseline": [], "spark": []}
    try:
        for size in sizes:
            data = root / f"synthetic-{size}"
            if not (data / "patients.parquet").exists():
                report.setdefault("generated", []).append(generate(size, args.seed, data))
            run = _child("duckdb", str(data))
            run["patients"] = size
            report["duckdb"].append(run)
            if size <= 1_000_000:
                report["efi_baseline"].append({"patients": size, **_child("baseline", str(data))})
            if size == 100_000 and not args.no_spark:
                report["spark"].append({"patients": size, **_child("spark", str(data))})
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    runs = {run["patients"]: run for run in report["duckdb"]}
    if 100_000 in runs and 1_000_000 in runs:
        report["growth_1m_over_100k"] = round(runs[1_000_000]["seconds"] / runs[100_000]["seconds"], 2)
    if 1_000_000 in runs and 5_000_000 in runs:
        report["growth_5m_over_1m"] = round(runs[5_000_000]["seconds"] / runs[1_000_000]["seconds"], 2)
    slow = 1_000_000 in runs and runs[1_000_000]["seconds"] > TARGET_SECONDS_1M
    report["target_seconds_1m"] = TARGET_SECONDS_1M
    report["ok"] = not slow
    print(json.dumps(report, indent=2))
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
