"""Benchmark: the population health pipeline against its floor and the tools an analyst would write by hand.

    .venv/bin/python bench/pipeline_floor.py --data-root DIR [--sizes 1000000 4000000 8000000 16000000]
        [--repeats 3] [--tools floor floor_all pcnhub pcnhub_steps duckdb_sql polars pandas]
        [--memory-limit 8GB] [--memory-cap-gb 14] [--spark [--spark-sizes 1000000 4000000] [--spark-repeats 1]]
        [--seed 1] [--keep-outputs]

Issue 18's measurement.  For each size (patients; default 1M, 4M, 8M and 16M) a synthetic England-like
dataset is made once in ``--data-root`` (``pcnhub phm synth`` over every practice in England's list sizes,
shared/data/nhs-open-data/gp-reg-pat-prac-all_2021-01.csv, seed ``--seed``, extract date 2024-04-01) and
reused by later runs; its rows and bytes per table are recorded.  Then, each tool in a fresh Python process
(its peak memory its own: the process's VmHWM, DuckDB's, Polars' and Arrow's native memory included; for
Spark the JVM's VmHWM is added), the tools one after the other and the whole round repeated
``--repeats`` times (A B C D ... A B C D ...), so that each tool's median is taken over runs interleaved with
the others' on the same files under the same load:

* ``floor``: one plain DuckDB statement reading every column the pipeline reads (:data:`FLOOR_COLUMNS`:
  patients but ``lsoa``; events; medications but ``cost``; hospital's ``patient_id, kind, start, diagnosis``;
  nothing of appointments) once, with ``count(*)`` and a ``min``, ``max``, ``sum`` or ``count_if`` of each
  column: the cost of just reading the data once.  ``floor_all``: the same over every column of all five
  tables (the issue's "one plain DuckDB pass over all five tables").
* ``floor_write``: the cost of just writing the pipeline's outputs: its three Parquet files of the first round
  (``pcnhub`` runs before it), loaded into DuckDB tables before the clock starts, then written (``COPY ... TO``)
  with the pipeline's compression (zstd) and with none; the faster counts.  Any tool making these outputs reads
  the data and writes them, so ``floor`` plus ``floor_write`` is a lower bound of what the pipeline can take:
  the goal of 2x the floor is reachable only where that bound is under 2x (``goals``: ``lower_bound_over_floor``).
* ``pcnhub``: the whole pipeline (``run_pipeline`` on DuckDB, every output written), its step seconds, its
  peak disk in the output folder (spill, work files and outputs; sampled every 0.2 s).
* the same per-patient outputs (``bench/same_outputs/``: eFI score and category of the 65+, distinct repeat
  medicines and the 10+ flag, the Cambridge Multimorbidity Score and condition count, and age, for every
  registered patient) by ``pcnhub_steps`` (pcnhub's own step functions for those outputs), ``duckdb_sql``
  (hand-written DuckDB SQL), ``polars`` (lazy, streaming engine) and ``pandas``, each written to Parquet.
  The codelists come from pcnhub's reference loaders.  Each tool's first run's outputs are compared with the
  whole pipeline's ``patient_features.parquet``, patient by patient (``mismatched_values`` must be 0).
  pandas is capped at ``--memory-cap-gb`` (address space, as Polars) and skipped at a size where its peak,
  projected in proportion from the largest size it ran, would pass the cap (the skip and its reason recorded).
* ``--spark``: the whole pipeline on Spark (local mode, 2 cores) at ``--spark-sizes``, after the DuckDB
  rounds of that size, and its three outputs compared row by row with DuckDB's (``patient_features``,
  ``aggregates``, ``variation``): ``identical`` (every value the same, floats to the bit) and
  ``equal_within_tolerance`` (floats to 1e-9 relative).

``--memory-limit``: DuckDB's memory limit for pcnhub, pcnhub_steps, the hand-written SQL and the floors;
without it each runs as shipped (pcnhub with its default, the plain DuckDB statements with DuckDB's 80% of
RAM). Prints JSON: per size and tool the median, minimum and maximum seconds, peak RSS and peak disk; the
ratios (pcnhub over the floors; pcnhub_steps, the pipeline's own steps for those outputs and pcnhub over the
hand-written SQL, Polars and pandas; each tool over the floor); seconds per million patients (Spark's too);
the comparisons; and a projection for England's 60 million patients (a least-squares line through the measured
sizes: seconds, peak memory, data and work disk; labelled a projection, not a run). The issue's goals are
checked at sizes of 1M and more: pcnhub within 2x the floor, pcnhub_steps faster than the hand-written SQL and
Polars, linear growth (seconds per patient no more than 1.2 times the next smaller size's), 16M without error.
Exit status 1 if an output differs (a hand-written tool's from the pipeline's, or Spark's from DuckDB's, to
the bit), a run of pcnhub, the floors or the hand-written SQL fails, or a goal is missed.

The lead's full run (hours on 2 cores; the 16M dataset is about 1.6 GB of Parquet):

    .venv/bin/python bench/pipeline_floor.py --data-root /work/floor-data --spark > bench-floor.json

A quick check that it works: ``--sizes 100000 1000000 --repeats 2``; ``tests/bench/test_pipeline_floor.py``
runs the comparisons on 2,000 patients.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from bench.memory import descendants, peak_mb, process_peak_mb  # noqa: E402

OPEN_DATA = REPO.parent / "shared" / "data" / "nhs-open-data"
LIST_SIZES = OPEN_DATA / "gp-reg-pat-prac-all_2021-01.csv"
PRACTICE_MAP = OPEN_DATA / "gp-reg-pat-prac-map_2022-01.csv"
AS_OF = dt.date(2024, 4, 1)
SIZES = (1_000_000, 4_000_000, 8_000_000, 16_000_000)
SPARK_SIZES = (1_000_000, 4_000_000)
ENGLAND = 60_000_000
TOOLS = ("floor", "floor_all", "pcnhub", "floor_write", "pcnhub_steps", "duckdb_sql", "polars", "pandas")
#: The tools writing the same per-patient outputs, compared with the pipeline's patient_features.parquet.
SAME_OUTPUTS = ("pcnhub_steps", "duckdb_sql", "polars", "pandas")
#: Capped in address space (--memory-cap-gb) so that each fails alone rather than waking the OOM killer.
CAPPED = ("polars", "pandas")
#: A failure of these is an error of the benchmark (exit 1); pandas and Polars may run out of memory.
MUST_RUN = ("floor", "floor_all", "pcnhub", "floor_write", "pcnhub_steps", "duckdb_sql")
#: The columns the pipeline reads, by table (from its steps: population, frailty, polypharmacy,
#: multimorbidity, qrisk3, segments, cohorts); tests/bench/test_pipeline_floor.py checks that emptying every
#: other column (and appointments) leaves the pipeline's outputs unchanged.
FLOOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "patients": ("patient_id", "birth_month", "sex", "ethnicity", "practice_code", "registered_from",
                 "registered_to", "imd_decile", "townsend", "care_home"),
    "events": ("patient_id", "code", "date", "value"),
    "medications": ("patient_id", "code", "bnf_code", "date", "repeat"),
    "hospital": ("patient_id", "kind", "start", "diagnosis"),
    "appointments": (),
}
#: The step seconds of the whole run that make the same outputs (when the pipeline has steps of these names).
SAME_OUTPUT_STEPS = ("population", "flags_events", "flags_medications", "frailty", "polypharmacy",
                     "multimorbidity")
#: Goals (issue 18), checked at this size and more.
GOAL_MIN_PATIENTS = 1_000_000
GOAL_OVER_FLOOR = 2.0
GOAL_GROWTH = 1.2
GOAL_NO_ERROR_AT = 16_000_000
SPARK_MEMORY = "6g"


# --- measuring a child process ------------------------------------------------------------------------------


class DiskPeak:
    """The most bytes under a folder while it runs (a thread looking every ``every`` seconds)."""

    def __init__(self, folder: Path, every: float = 0.2) -> None:
        self.folder, self.every, self.peak = Path(folder), every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def size(self) -> int:
        total = 0
        for root, _, files in os.walk(self.folder):
            for name in files:
                try:
                    total += os.stat(os.path.join(root, name)).st_size
                except OSError:  # removed meanwhile (a spill file)
                    pass
        return total

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.size())
            self._stop.wait(self.every)

    def __enter__(self) -> DiskPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.size())


def table_files(data: Path, name: str) -> list[Path]:
    path = Path(data) / f"{name}.parquet"
    return [path] if path.exists() else sorted((Path(data) / name).rglob("*.parquet"))


def inputs(data: Path) -> dict[str, dict[str, int]]:
    """Rows and bytes of each table of the dataset."""
    import pyarrow.parquet as pq

    from pcnhub.analytics.schema import TABLES

    found = {}
    for name in TABLES:
        files = table_files(data, name)
        found[name] = {"rows": sum(pq.ParquetFile(f).metadata.num_rows for f in files),
                       "bytes": sum(f.stat().st_size for f in files)}
    return found


# --- the floors -----------------------------------------------------------------------------------------------


def floor_sql(data: Path, columns: dict[str, Sequence[str]]) -> str:
    """One statement reading ``columns`` of each table once: ``count(*)`` and one aggregate a column (sum of a
    number, max of a date, min of a string, count_if of a flag)."""
    import pyarrow.parquet as pq

    from bench.same_outputs.duckdb_sql import table

    parts = []
    for name, wanted in columns.items():
        if not wanted:
            continue
        schema = pq.read_schema(table_files(data, name)[0])
        aggregates = [f"count(*) AS {name}_rows"]
        for column in wanted:
            kind, q = schema.field(column).type, f'"{column}"'
            if str(kind) == "bool":
                aggregates.append(f"count_if({q})")
            elif str(kind).startswith(("int", "double", "float")):
                aggregates.append(f"sum({q})")
            elif str(kind).startswith("date"):
                aggregates.append(f"max({q})")
            else:
                aggregates.append(f"min({q})")
        parts.append(f"(SELECT {', '.join(aggregates)} FROM {table(data, name)}) AS {name}")
    return "SELECT * FROM " + ", ".join(parts)


#: The pipeline's outputs written by ``floor_write``.
OUTPUT_FILES = ("patient_features.parquet", "aggregates.parquet", "variation.parquet")
#: ``floor_write`` writes them with the pipeline's compression and with none (faster to write), and counts the faster.
WRITE_COMPRESSIONS = ("zstd", "uncompressed")


def run_floor_write(source: Path, out: Path, memory_limit: str | None) -> dict:
    """Write the pipeline's outputs in ``source`` again to ``out/<compression>`` (:data:`WRITE_COMPRESSIONS`), from
    DuckDB tables loaded before the clock starts: the seconds of the faster writing (the lower bound), of each,
    and the rows written."""
    import duckdb

    missing = [name for name in OUTPUT_FILES if not (source / name).exists()]
    if missing:
        raise FileNotFoundError(f"{source}: no {', '.join(missing)} (floor_write writes pcnhub's outputs: run "
                                "pcnhub before it)")
    config = {"memory_limit": memory_limit} if memory_limit else {}
    con = duckdb.connect(config=config)
    try:
        for index, name in enumerate(OUTPUT_FILES):
            con.execute(f"CREATE TABLE t{index} AS SELECT * FROM read_parquet(?)", [str(source / name)])
        by_compression = {}
        for compression in WRITE_COMPRESSIONS:
            folder = out / compression
            folder.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            for index, name in enumerate(OUTPUT_FILES):
                target = str(folder / name).replace("'", "''")
                con.execute(f"COPY t{index} TO '{target}' (FORMAT parquet, COMPRESSION {compression})")
            by_compression[compression] = round(time.perf_counter() - started, 3)
        rows = {name: con.execute(f"SELECT count(*) FROM t{index}").fetchone()[0]
                for index, name in enumerate(OUTPUT_FILES)}
    finally:
        con.close()
    return {"seconds": min(by_compression.values()), "seconds_by_compression": by_compression, "rows_out": rows}


def run_floor(data: Path, out: Path, every_column: bool, memory_limit: str | None) -> dict:
    import duckdb

    from pcnhub.analytics.schema import TABLES

    columns = ({name: [c.name for c in t.columns] for name, t in TABLES.items()} if every_column
               else FLOOR_COLUMNS)
    config = {"memory_limit": memory_limit} if memory_limit else {}
    con = duckdb.connect(config=config)
    try:
        started = time.perf_counter()
        row = con.execute(floor_sql(data, columns)).fetchone()
        seconds = time.perf_counter() - started
        names = [d[0] for d in con.description]
    finally:
        con.close()
    rows = {n.removesuffix("_rows"): v for n, v in zip(names, row, strict=True) if n.endswith("_rows")}
    return {"seconds": seconds, "rows_read": rows, "columns_read": sum(len(c) for c in columns.values())}


# --- the tools, each in its own process -----------------------------------------------------------------------


def run_pcnhub(data: Path, out: Path, memory_limit: str | None) -> dict:
    from pcnhub.analytics.practices import read_map
    from pcnhub.analytics.run import run_pipeline

    practice_map = read_map(PRACTICE_MAP) if PRACTICE_MAP.exists() else None
    options = {"memory_limit": memory_limit} if memory_limit else {}
    started = time.perf_counter()
    summary = run_pipeline(data, out / "pipeline", engine="duckdb", practice_map=practice_map, as_of=AS_OF,
                           **options)
    seconds = time.perf_counter() - started
    steps = summary["steps"]
    same = (round(sum(steps[s] for s in SAME_OUTPUT_STEPS), 3) if all(s in steps for s in SAME_OUTPUT_STEPS)
            else None)
    return {"seconds": seconds, "patients_registered": summary["patients"], "steps": steps,
            "same_output_steps_seconds": same,
            "output_mb": {p.name: round(p.stat().st_size / 2**20, 1) for p in (out / "pipeline").glob("*.parquet")}}


#: Imported before a tool's clock starts (each tool is timed from reading to written, not loading its library).
LIBRARIES = {
    "pcnhub": ("ibis.backends.duckdb", "pcnhub.analytics.run"),
    "pcnhub_steps": ("ibis.backends.duckdb", "pcnhub.analytics.engines", "pcnhub.analytics.pipeline.flags",
                     "pcnhub.analytics.run",
                     "pcnhub.analytics.pipeline.frailty",
                     "pcnhub.analytics.pipeline.multimorbidity", "pcnhub.analytics.pipeline.polypharmacy",
                     "pcnhub.analytics.pipeline.population", "pyarrow.parquet"),
    "duckdb_sql": ("duckdb",),
    "polars": ("polars",),
    "pandas": ("pandas", "numpy", "pyarrow.parquet"),
    "spark": ("pyspark.sql", "ibis.backends.pyspark", "pcnhub.analytics.run"),
}


def run_same_outputs(tool: str, data: Path, out: Path, memory_limit: str | None) -> dict:
    from bench.same_outputs import TOOLS as SAME

    options = {"memory_limit": memory_limit, "temp_directory": out / "spill"} if tool in (
        "pcnhub_steps", "duckdb_sql") else {}
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows = SAME[tool](data, out / "outputs.parquet", AS_OF, **options)
    return {"seconds": time.perf_counter() - started, "rows_out": rows}


def run_spark(data: Path, out: Path, memory: str) -> dict:
    from pcnhub.analytics import engines
    from pcnhub.analytics.practices import read_map
    from pcnhub.analytics.run import run_pipeline

    practice_map = read_map(PRACTICE_MAP) if PRACTICE_MAP.exists() else None
    started = time.perf_counter()
    session = engines.spark_session(app_name="pcnhub-floor", config={
        "spark.driver.memory": memory, "spark.local.dir": str(out / "spark-local")})
    session_seconds = time.perf_counter() - started
    summary = run_pipeline(data, out / "pipeline", engine="spark", practice_map=practice_map, as_of=AS_OF)
    seconds = time.perf_counter() - started
    jvm_mb = round(sum(process_peak_mb(pid) for pid in descendants(os.getpid())), 1)
    session.stop()
    return {"seconds": seconds, "session_start_seconds": round(session_seconds, 2), "steps": summary["steps"],
            "patients_registered": summary["patients"], "jvm_peak_rss_mb": jvm_mb, "driver_memory": memory}


def child(tool: str, data: Path, out: Path, memory_limit: str | None, spark_memory: str) -> dict:
    import importlib

    for name in LIBRARIES.get(tool, ()):
        importlib.import_module(name)
    out.mkdir(parents=True, exist_ok=True)
    with DiskPeak(out) as disk:
        if tool in ("floor", "floor_all"):
            result = run_floor(data, out, tool == "floor_all", memory_limit)
        elif tool == "pcnhub":
            result = run_pcnhub(data, out, memory_limit)
        elif tool == "floor_write":
            result = run_floor_write(out.parent / "pcnhub-0" / "pipeline", out / "written", memory_limit)
        elif tool == "spark":
            result = run_spark(data, out, spark_memory)
        else:
            result = run_same_outputs(tool, data, out, memory_limit)
    python_mb = peak_mb()
    result["seconds"] = round(result["seconds"], 3)
    result["peak_rss_mb"] = round(python_mb + result.get("jvm_peak_rss_mb", 0.0), 1)
    result["peak_disk_mb"] = round(disk.peak / 2**20, 1)
    return result


def _spawn(tool: str, data: Path, out: Path, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--child", tool, str(data), str(out), "--spark-memory", args.spark_memory]
    if args.memory_limit:
        command += ["--memory-limit", args.memory_limit]
    if tool in CAPPED and args.memory_cap_gb:
        command += ["--memory-cap-gb", str(args.memory_cap_gb)]
    paths = [str(REPO), str(REPO / "src"), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env)
    wall = round(time.perf_counter() - started, 3)
    if done.returncode:
        lines = done.stderr.strip().splitlines()
        return {"failed": lines[-1] if lines else f"exit status {done.returncode}", "process_seconds": wall}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "process_seconds": wall}


# --- datasets -------------------------------------------------------------------------------------------------


def dataset(root: Path, size: int, seed: int) -> tuple[Path, dict | None]:
    """The dataset of ``size`` patients in ``root`` (made with ``pcnhub phm synth`` if not there yet)."""
    data = root / f"synthetic-{size}-seed{seed}"
    if (data / "patients.parquet").exists() and (data / ".complete").exists():
        return data, None
    if not LIST_SIZES.exists():
        raise FileNotFoundError(f"{LIST_SIZES}: the practice list sizes the datasets are made from")
    shutil.rmtree(data, ignore_errors=True)
    command = [str(Path(sys.executable).with_name("pcnhub")), "phm", "synth", "--practices", str(LIST_SIZES),
               "--patients", str(size), "--seed", str(seed), "--out", str(data), "--as-of", AS_OF.isoformat(),
               "--quiet", "--json"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if done.returncode:
        raise RuntimeError(f"pcnhub phm synth failed for {size} patients: {done.stderr.strip()[-2000:]}")
    (data / ".complete").write_text("made by bench/pipeline_floor.py\n")
    made = json.loads(done.stdout)
    return data, {"seconds": round(time.perf_counter() - started, 2), "practices": made.get("practices")}


# --- summaries, goals, projection -----------------------------------------------------------------------------


def summarise(runs: list[dict]) -> dict:
    """Median (and minimum, maximum) seconds, peak RSS and disk of a tool's runs at one size."""
    done = [r for r in runs if "seconds" in r]
    found: dict = {"runs": len(runs)}
    if len(done) < len(runs):
        found["failed"] = [r.get("failed") or r.get("skipped") for r in runs if "seconds" not in r]
    if not done:
        return found
    seconds = [r["seconds"] for r in done]
    found.update(
        seconds=round(statistics.median(seconds), 3), seconds_min=min(seconds), seconds_max=max(seconds),
        seconds_all=seconds,
        peak_rss_mb=round(statistics.median(r["peak_rss_mb"] for r in done), 1),
        peak_rss_mb_max=max(r["peak_rss_mb"] for r in done),
        peak_disk_mb=max(r["peak_disk_mb"] for r in done),
        process_seconds=round(statistics.median(r["process_seconds"] for r in done), 3),
    )
    for key in ("same_output_steps_seconds",):
        values = [r[key] for r in done if r.get(key) is not None]
        if values:
            found[key] = round(statistics.median(values), 3)
    if "seconds_by_compression" in done[0]:  # floor_write's
        found["seconds_by_compression"] = {codec: round(statistics.median(r["seconds_by_compression"][codec]
                                                                          for r in done), 3)
                                           for codec in done[0]["seconds_by_compression"]}
    for key in ("steps", "rows_read", "rows_out", "patients_registered", "output_mb", "session_start_seconds",
                "jvm_peak_rss_mb"):
        if key in done[0]:
            found[key] = done[0][key]
    return found


def ratios(tools: dict[str, dict]) -> dict[str, float]:
    """Each pair the issue asks about, median over median (a tool missing or failed: left out)."""
    seconds = {t: s["seconds"] for t, s in tools.items() if "seconds" in s}
    if "same_output_steps_seconds" in tools.get("pcnhub", {}):
        seconds["pcnhub_same_output_steps"] = tools["pcnhub"]["same_output_steps_seconds"]
    if "floor" in seconds and "floor_write" in seconds:
        seconds["floor_read_and_write"] = seconds["floor"] + seconds["floor_write"]
    pairs = [("pcnhub", "floor"), ("pcnhub", "floor_all"), ("floor_write", "floor"), ("floor_read_and_write", "floor"),
             ("pcnhub", "floor_read_and_write"), ("pcnhub_steps", "floor"),
             ("pcnhub_steps", "duckdb_sql"), ("pcnhub_steps", "polars"), ("pcnhub_steps", "pandas"),
             ("pcnhub_same_output_steps", "duckdb_sql"), ("pcnhub_same_output_steps", "polars"),
             ("pcnhub", "duckdb_sql"), ("pcnhub", "polars"), ("duckdb_sql", "floor"), ("polars", "floor"),
             ("pandas", "floor")]
    return {f"{a}_over_{b}": round(seconds[a] / seconds[b], 2) for a, b in pairs
            if a in seconds and b in seconds and seconds[b] > 0}


def line(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The least-squares line ``(intercept, slope)`` through ``(x, y)`` points (one point: through the origin)."""
    if len(points) == 1:
        x, y = points[0]
        return 0.0, y / x
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs)
    return my - slope * mx, slope


def project(points: Sequence[tuple[float, float]], at: float) -> float | None:
    if not points:
        return None
    intercept, slope = line(points)
    return intercept + slope * at


def projection(sizes: list[dict], patients: int = ENGLAND) -> dict:
    """England's ``patients`` from the measured sizes (those of 1M and more when there are two): a projection."""
    measured = [s for s in sizes if "seconds" in s["tools"].get("pcnhub", {})]
    large = [s for s in measured if s["patients"] >= GOAL_MIN_PATIENTS]
    used = large if len(large) >= 2 else measured
    if not used:
        return {"kind": "projection", "note": "no measured pcnhub run to project from"}

    def fit(value) -> float | None:
        points = [(s["patients"], value(s)) for s in used if value(s) is not None]
        found = project(points, patients)
        return None if found is None else round(found, 1)

    data_bytes = fit(lambda s: sum(t["bytes"] for t in s["inputs"].values()))
    work_mb = fit(lambda s: s["tools"]["pcnhub"]["peak_disk_mb"])
    found = {
        "kind": "projection",
        "note": (f"PROJECTION, not a run: a least-squares line through the measured sizes "
                 f"{[s['patients'] for s in used]} (pcnhub's median seconds, peak RSS and peak disk, the dataset's "
                 f"bytes), read at {patients:,} patients; the pipeline's peak RSS under a memory limit should stay "
                 "level, so its line is an upper bound"),
        "patients": patients,
        "from_sizes": [s["patients"] for s in used],
        "pcnhub_seconds": fit(lambda s: s["tools"]["pcnhub"]["seconds"]),
        "pcnhub_peak_rss_mb_if_linear": fit(lambda s: s["tools"]["pcnhub"]["peak_rss_mb"]),
        "pcnhub_peak_rss_mb_measured_max": max(s["tools"]["pcnhub"]["peak_rss_mb_max"] for s in used),
        "data_gb": None if data_bytes is None else round(data_bytes / 2**30, 1),
        "pcnhub_work_disk_gb": None if work_mb is None else round(work_mb / 1024, 1),
    }
    for tool in ("floor", "duckdb_sql", "polars"):
        if all("seconds" in s["tools"].get(tool, {}) for s in used):
            found[f"{tool}_seconds"] = fit(lambda s, tool=tool: s["tools"][tool]["seconds"])
    if found["data_gb"] is not None and found["pcnhub_work_disk_gb"] is not None:
        found["disk_needed_gb"] = round(found["data_gb"] + found["pcnhub_work_disk_gb"], 1)
    return found


def growth(sizes: list[dict]) -> dict:
    """Seconds per million patients of each tool (and the pipeline on Spark) at each size."""
    found: dict = {}
    for s in sizes:
        tools = dict(s["tools"], **({"spark": s["spark"]["pcnhub"]} if "spark" in s else {}))
        for tool, summary in tools.items():
            if "seconds" in summary:
                found.setdefault(tool, {})[str(s["patients"])] = round(summary["seconds"] / (s["patients"] / 1e6), 3)
    return found


def goals(sizes: list[dict]) -> dict:
    """The issue's goals at the measured sizes of 1M and more (None: not measured in this run)."""
    large = [s for s in sizes if s["patients"] >= GOAL_MIN_PATIENTS]
    over_floor = {s["patients"]: s["ratios"].get("pcnhub_over_floor") for s in large}
    bound = {s["patients"]: s["ratios"]["floor_read_and_write_over_floor"] for s in large
             if "floor_read_and_write_over_floor" in s["ratios"]}
    faster = {s["patients"]: (s["ratios"].get("pcnhub_steps_over_duckdb_sql"),
                              s["ratios"].get("pcnhub_steps_over_polars")) for s in large}
    per_patient = [(s["patients"], s["tools"]["pcnhub"]["seconds"] / s["patients"]) for s in large
                   if "seconds" in s["tools"].get("pcnhub", {})]
    steps = [round(b[1] / a[1], 2) for a, b in zip(per_patient, per_patient[1:])]
    largest = [s for s in sizes if s["patients"] >= GOAL_NO_ERROR_AT]
    found = {
        "within_2x_floor": {"pcnhub_over_floor": over_floor, "met": None if not large else all(
            v is not None and v <= GOAL_OVER_FLOOR for v in over_floor.values()),
            # reading the data once and writing the outputs, nothing computed: no tool can take less
            "lower_bound_over_floor": bound,
            "reachable": None if not bound else all(v <= GOAL_OVER_FLOOR for v in bound.values())},
        "faster_than_sql_and_polars": {"pcnhub_steps_over_duckdb_sql_and_polars": faster, "met": None if not large
                                       else all(a is not None and b is not None and a < 1 and b < 1
                                                for a, b in faster.values())},
        "linear_growth": {"seconds_per_patient_over_previous_size": steps,
                          "met": None if not steps else all(v <= GOAL_GROWTH for v in steps)},
        "16m_without_error": {"met": None if not largest else all(
            "failed" not in s["tools"]["pcnhub"] and "seconds" in s["tools"]["pcnhub"] for s in largest),
            "peak_rss_mb": [s["tools"]["pcnhub"].get("peak_rss_mb_max") for s in largest]},
    }
    found["met"] = all(g["met"] is not False for g in found.values())
    return found


# --- the run --------------------------------------------------------------------------------------------------


def _pandas_skip(size: int, earlier: list[dict], cap_gb: float) -> str | None:
    """Why pandas is left out at ``size`` (None: it runs): it failed at a smaller size, or its peak there,
    in proportion, passes the cap."""
    for s in sorted(earlier, key=lambda s: -s["patients"]):
        pandas = s["tools"].get("pandas", {})
        if "peak_rss_mb_max" in pandas:
            projected = pandas["peak_rss_mb_max"] * size / s["patients"] / 1024
            if cap_gb and projected > cap_gb:
                return (f"projected peak {projected:.1f} GB (its {pandas['peak_rss_mb_max'] / 1024:.1f} GB at "
                        f"{s['patients']:,} patients, in proportion) passes the {cap_gb:g} GB cap")
            return None
        if pandas.get("failed") or pandas.get("skipped"):
            return f"failed or skipped at {s['patients']:,} patients"
    return None


def one_size(size: int, args: argparse.Namespace, earlier: list[dict]) -> dict:
    from bench.same_outputs import compare_outputs, compare_tables

    data, generated = dataset(args.data_root, size, args.seed)
    found: dict = {"patients": size, "data": str(data), "inputs": inputs(data)}
    if generated:
        found["generated"] = generated
    found["input_rows"] = sum(t["rows"] for t in found["inputs"].values())
    outputs = args.data_root / f"outputs-{size}"
    shutil.rmtree(outputs, ignore_errors=True)
    tools = list(args.tools)
    skip = _pandas_skip(size, earlier, args.memory_cap_gb) if "pandas" in tools else None
    if skip:
        tools.remove("pandas")
    runs: dict[str, list[dict]] = {tool: [] for tool in tools}
    try:
        for repeat in range(args.repeats):
            for tool in tools:
                out = outputs / f"{tool}-{repeat}"
                result = _spawn(tool, data, out, args)
                runs[tool].append(result)
                print(json.dumps({"patients": size, "tool": tool, "repeat": repeat, **{
                    k: result[k] for k in ("seconds", "peak_rss_mb", "failed") if k in result}}),
                    file=sys.stderr, flush=True)
                if repeat:  # the first round's outputs are the ones compared
                    shutil.rmtree(out, ignore_errors=True)
        found["tools"] = {tool: summarise(r) for tool, r in runs.items()}
        if skip:
            found["tools"]["pandas"] = {"skipped": skip}
        reference = outputs / "pcnhub-0" / "pipeline" / "patient_features.parquet"
        found["compare"] = {}
        for tool in SAME_OUTPUTS:
            mine = outputs / f"{tool}-0" / "outputs.parquet"
            if reference.exists() and mine.exists():
                found["compare"][tool] = compare_outputs(reference, mine)
        if args.spark and size in args.spark_sizes and reference.exists():
            found["spark"] = spark(data, outputs, args, compare_tables)
    finally:
        if not args.keep_outputs:
            shutil.rmtree(outputs, ignore_errors=True)
    found["ratios"] = ratios(found["tools"])
    for tool in ("floor", "floor_all", "pcnhub"):
        summary = found["tools"].get(tool, {})
        if summary.get("seconds"):
            rows = sum(summary["rows_read"].values()) if "rows_read" in summary else found["input_rows"]
            found["tools"][tool]["input_rows_per_second"] = round(rows / summary["seconds"])
    return found


#: The pipeline's outputs and their keys, for Spark against DuckDB.
OUTPUT_KEYS = {"patient_features.parquet": ["patient_id"],
               "aggregates.parquet": ["level", "org_code", "measure", "breakdown"],
               "variation.parquet": ["measure", "practice_code"]}


def spark(data: Path, outputs: Path, args: argparse.Namespace, compare_tables) -> dict:
    runs = [_spawn("spark", data, outputs / f"spark-{i}", args) for i in range(args.spark_repeats)]
    found: dict = {"pcnhub": summarise(runs)}
    first = outputs / "spark-0" / "pipeline"
    if "seconds" in runs[0]:
        found["compare_with_duckdb"] = {
            name: compare_tables(outputs / "pcnhub-0" / "pipeline" / name, first / name, keys)
            for name, keys in OUTPUT_KEYS.items()}
        compared = found["compare_with_duckdb"].values()
        found["identical"] = all(c["identical"] for c in compared)
        found["equal_within_tolerance"] = all(
            c["only_reference"] == c["only_other"] == c["duplicate_keys"] == 0 and not c["floats_beyond_tolerance"]
            and set(c["mismatches"]) <= set(c["largest_float_difference"]) for c in compared)
    return found


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("duckdb", "ibis-framework", "polars", "pandas", "pyarrow", "pyspark"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, help="where the datasets are made once and reused (required)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=3, help="rounds of every tool (medians over them)")
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--memory-limit", help="DuckDB's memory limit for every DuckDB tool (default: as shipped)")
    parser.add_argument("--memory-cap-gb", type=float, default=14.0,
                        help="address space cap of the pandas and Polars processes (0: none)")
    parser.add_argument("--spark", action="store_true", help="also the pipeline on Spark at --spark-sizes")
    parser.add_argument("--spark-sizes", type=int, nargs="+", default=list(SPARK_SIZES))
    parser.add_argument("--spark-repeats", type=int, default=1)
    parser.add_argument("--spark-memory", default=SPARK_MEMORY, help="Spark's driver memory (local mode)")
    parser.add_argument("--keep-outputs", action="store_true", help="keep every tool's outputs in --data-root")
    parser.add_argument("--child", nargs=3, metavar=("TOOL", "DATA", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        tool, data, out = args.child[0], Path(args.child[1]), Path(args.child[2])
        if tool in CAPPED and args.memory_cap_gb:
            cap = int(args.memory_cap_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
        print(json.dumps(child(tool, data, out, args.memory_limit, args.spark_memory)))
        return 0
    from bench.same_outputs import OUTPUTS
    from pcnhub.analytics import engines

    if args.data_root is None:
        parser.error("--data-root DIR is required (the datasets are made there once and reused)")
    if args.repeats < 1 or any(size < 1 for size in args.sizes):
        parser.error("--repeats and --sizes must be 1 or more")
    if args.spark and "pcnhub" not in args.tools:
        parser.error("--spark compares with the DuckDB pipeline's outputs: keep pcnhub in --tools")
    if "floor_write" in args.tools and "pcnhub" not in args.tools:
        parser.error("floor_write writes the pipeline's outputs: keep pcnhub in --tools")
    args.tools = [tool for tool in TOOLS if tool in args.tools]  # pcnhub before floor_write, in every round
    args.data_root.mkdir(parents=True, exist_ok=True)
    report: dict = {
        "benchmark": "population health pipeline against its floor, hand-written DuckDB SQL, Polars and pandas",
        "started": dt.datetime.now().isoformat(timespec="seconds"), "as_of": AS_OF.isoformat(),
        "machine": {"cores": os.cpu_count(), "ram_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf(
            "SC_PHYS_PAGES") / 2**30, 1), "load_average_at_start": os.getloadavg()},
        "versions": _versions(), "repeats": args.repeats,
        "memory_limit": args.memory_limit or {"pcnhub": getattr(engines, "DUCKDB_MEMORY_LIMIT", "its default"),
                                              "plain DuckDB": "DuckDB's default, 80% of RAM"},
        "memory_cap_gb": args.memory_cap_gb, "floor_columns": FLOOR_COLUMNS,
        "outputs": OUTPUTS.names, "sizes": [],
    }
    for size in sorted(args.sizes):
        report["sizes"].append(one_size(size, args, report["sizes"]))
    report["machine"]["load_average_at_end"] = os.getloadavg()
    report["seconds_per_million_patients"] = growth(report["sizes"])
    report["england"] = projection(report["sizes"])
    report["goals"] = goals(report["sizes"])
    comparisons = [c for s in report["sizes"] for c in s["compare"].values()]
    spark_runs = [s["spark"] for s in report["sizes"] if "spark" in s]
    report["identical"] = all(c["identical"] for c in comparisons)
    if spark_runs:
        report["spark_identical"] = all(r.get("identical") for r in spark_runs)
        report["spark_equal_within_tolerance"] = all(r.get("equal_within_tolerance") for r in spark_runs)
    failed = [(s["patients"], t) for s in report["sizes"] for t, summary in s["tools"].items()
              if t in MUST_RUN and "failed" in summary]
    failed += [(s["patients"], "spark") for s in report["sizes"] if "failed" in s.get("spark", {}).get("pcnhub", {})]
    report["failed"] = failed
    print(json.dumps(report, indent=2))
    differ = not report["identical"] or not report.get("spark_identical", True)
    return 1 if failed or differ or not report["goals"]["met"] else 0


if __name__ == "__main__":
    sys.exit(main())
