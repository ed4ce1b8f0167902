"""Run the measures on a dataset and write them (``pcnhub measures run``).

:func:`run_measures` reads a dataset folder, computes each measure of ``reference/measures/`` (or those
asked for) on DuckDB or Spark for the ``months`` whole months up to ``as_of`` and writes to ``out``:

* ``measure_values.parquet``: every measure, level, organisation and month (:data:`.levels.VALUES`);
* ``measure_deciles.parquet``: the PCNs' deciles each month (:data:`.levels.DECILES`);
* ``measure_inequalities.parquet`` (``by_imd``, ``--by-imd``): every measure by IMD decile at PCN, sub-ICB,
  ICB and England (:data:`.inequalities.INEQUALITIES`);
* ``measure_neighbourhoods.parquet`` (``by_neighbourhood``, ``--by-neighbourhood``): every measure by each PCN's
  neighbourhoods, the LSOAs of its patients (:data:`.neighbourhoods.NEIGHBOURHOODS`);
* ``measures.json``: ``{"engine", "as_of", "synthetic", "months": [first, last], "seconds", "steps", "measures":
  [definition...], "skipped": {id: reason}, "breakdowns": ["imd", "neighbourhood"]}`` (the breakdowns written).

A breakdown not asked for is not left behind from an earlier run: its file is removed from ``out``.

A measure that needs the population health pipeline's per-patient results (a ``feature`` condition,
e.g. QRISK3) is computed only when ``features`` (``patient_features.parquet`` of ``pcnhub phm run``) is
given, and listed in ``skipped`` otherwise.  The events and prescriptions all the measures need are matched
first, in one pass of each table (:mod:`.requirements`), and written once: every measure reads those rows, and the
big tables are read by no other query.  Each measure's practice counts are written to a work
folder and read again, so memory stays bounded; the outputs are moved into ``out`` when all are done.  On
DuckDB the groups of measures that share no work (:func:`.plan.groups`) are counted side by side on
connections of their own (``workers``), then the levels summed on one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import queue
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics import engines, limits
from pcnhub.analytics.measures import compile as compiler
from pcnhub.analytics.measures import inequalities, levels, neighbourhoods, plan, requirements
from pcnhub.analytics.run import default_as_of
from pcnhub.analytics.schema import TABLES, is_synthetic
from pcnhub.progress import progress_bars
from pcnhub.reference import measures as definitions
from pcnhub.reference import weights as weight_tables

VALUES_FILE: Final = "measure_values.parquet"
DECILES_FILE: Final = "measure_deciles.parquet"
INEQUALITIES_FILE: Final = "measure_inequalities.parquet"
NEIGHBOURHOODS_FILE: Final = "measure_neighbourhoods.parquet"
#: The optional breakdowns and the file each writes.
BREAKDOWN_FILES: Final = {"imd": INEQUALITIES_FILE, "neighbourhood": NEIGHBOURHOODS_FILE}
SUMMARY_FILE: Final = "measures.json"
MONTHS: Final = 24
#: DuckDB optimisers the measures run without.  ``partial_aggregate_pushdown`` (DuckDB 2.0) turns "join the
#: registered patient-months to a few counted rows, then sum by practice and month" into a group-by of every
#: registered patient-month first (21.8 million groups for 1,000,000 patients over 24 months): 12.4 s for one
#: measure instead of 3.2 s (bench/measures.py, 1,000,000 patients).  ``partitioned_execution`` splits a window
#: function by ranges of patient_id and reads the whole table again for each range: a condition on 3 million
#: prescriptions at 10,000,000 patients took 8.9 s (12 ranges, 12 reads of 166 million rows) instead of 1.0.
DUCKDB_DISABLED_OPTIMIZERS: Final = ("partial_aggregate_pushdown", "partitioned_execution")
#: DuckDB: the groups of measures that share no work (:func:`.plan.groups`) are counted side by side on this many
#: connections of their own (threads), each with its share of the memory limit.  One connection leaves a core
#: idle while Python compiles the next query (a tenth of the run) and while a query runs a step on one thread:
#: 22.6-23.8 s against 25.5-27.6 s at 1,000,000 patients, 49.7 s against 57.7 s at 4,000,000; no faster at
#: 10,000,000 (138-144 s against 139 s), with a peak of 4.2 GB against 2.4 GB (bench/measures.py, 2 cores).
WORKERS: Final = 2
#: DuckDB's memory limit for a run (default: ``PCNHUB_DUCKDB_MEMORY_LIMIT`` or half the machine's memory,
#: :mod:`pcnhub.analytics.limits`) is shared by its side-by-side connections.  With 1 GB each, at 10,000,000
#: patients the review cohort and the hospital sides spilled to disk and the run took 153 s instead of 139 s one
#: after the other (with 2 GB each).
#: The key of the practice counts' work files (``practice-<measure>.parquet``); the breakdowns' are theirs.
PRACTICE: Final = "practice"
#: The work files of the events and prescriptions the run's measures need (:mod:`.requirements`).
MATCHED: Final = (requirements.EVENTS, requirements.MEDICATIONS)


def _definition(measure: definitions.Measure) -> dict[str, Any]:
    return {"id": measure.id, "title": measure.title, "why": measure.why, "direction": measure.direction,
            "low_is_good": measure.low_is_good, "unit": measure.unit, "serves": list(measure.serves),
            "source": measure.source, "status": measure.status, "note": measure.note, "funnel": measure.funnel,
            "weight": measure.denominator.weight}


def _connect(engine: str, memory_limit: str | None, spill: Path, threads: int | None = None) -> Any:
    con = engines.connect(engine, memory_limit=memory_limit, temp_directory=spill, threads=threads)
    if engine == "duckdb":
        con.raw_sql(f"SET disabled_optimizers = '{','.join(DUCKDB_DISABLED_OPTIMIZERS)}'")
    return con


_UNITS: Final = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
                 "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _memory_share(limit: str | None, workers: int) -> str | None:
    """A worker's share of DuckDB's ``memory_limit`` (e.g. "2GB" for 2 workers: "1000MB"); None stays None
    (DuckDB's default)."""
    if limit is None or workers == 1:
        return limit
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", limit, re.IGNORECASE)
    if found is None or found.group(2).lower() not in _UNITS:
        raise ValueError(f"not a memory limit: {limit!r} (e.g. 2GB)")
    size = float(found.group(1)) * _UNITS[found.group(2).lower()] / workers
    return f"{max(1, int(size // 10**6))}MB"


class _Count:
    """Counts groups of measures (:func:`.plan.groups`) on a connection: each measure's practice counts, and
    its counts keyed by each breakdown, written to ``work/<key>-<measure>.parquet`` (the registered counts,
    ``work/registered-<key>.parquet``, written before).  A connection's cached work (:class:`.compile.FlagSource`,
    :class:`.compile.SideSource`) is its own: the groups share none."""

    def __init__(self, engine: str, data: Path, work: Path, periods: list[compiler.Month], features: Path | None,
                 weights: Mapping[str, ir.Table], breakdowns: Mapping[str, Callable[[ir.Table], ir.Table]],
                 step: Callable[[str, float], None]) -> None:
        self.engine, self.data, self.work, self.periods = engine, data, work, periods
        self.features, self.weights, self.breakdowns, self.step = features, weights, breakdowns, step
        self.failed = threading.Event()

    def __call__(self, con: Any, tag: str, groups: Iterable[list[definitions.Measure]]) -> None:
        # the events and prescriptions every measure needs, matched once a run (_match): the big tables are not read
        tables = {name: table for name, table in engines.load_tables(con, self.data).items()
                  if name not in ("events", "medications")}
        tables.update({name: engines.read_parquet(con, self.work / f"{name}.parquet") for name in MATCHED})
        feature_table = None if self.features is None else engines.read_parquet(con, self.features)
        kept = itertools.count()

        def keep(table: ibis.Table) -> ibis.Table:
            return engines.materialise(con, table, self.work / f"kept-{tag}-{next(kept)}.parquet")

        tables = {**tables, "patients": keep(compiler.registration(tables["patients"]))}
        flags = compiler.flag_source(tables, self.periods, keep=keep)
        keyed = {PRACTICE: tables, **{name: {**tables, "patients": key(tables["patients"])}
                                      for name, key in self.breakdowns.items()}}
        registered = {name: engines.read_parquet(con, self.work / f"registered-{name}.parquet") for name in keyed}
        # the sides start from the patient-months that can count (compile._side_sums), not from this table
        bases = {name: compiler.patient_months(named["patients"], self.periods) for name, named in keyed.items()}
        for group in groups:
            if self.failed.is_set():  # another connection failed: the run has
                return
            for name, named in keyed.items():
                # a breakdown's key is carried in the practice key; the conditions' patient-months (flags) do
                # not depend on it and are reused
                sides = compiler.SideSource(named, self.periods, flags, group, keep=keep)
                for measure in group:
                    begun = time.perf_counter()
                    counts = compiler.practice_counts(measure, bases[name], named, self.periods, feature_table,
                                                      registered[name], flags, self.weights, sides)
                    engines.materialise(con, counts, self.work / f"{name}-{measure.id}.parquet")
                    self.step(measure.id if name == PRACTICE else f"{measure.id} by {name}", begun)

    def side_by_side(self, groups: list[list[definitions.Measure]], workers: int, memory_limit: str | None,
                     threads: int | None = None) -> None:
        """Count ``groups`` on ``workers`` connections of their own, each taking the next group when done."""
        pending: queue.SimpleQueue[list[definitions.Measure]] = queue.SimpleQueue()
        for group in groups:
            pending.put(group)

        def taken() -> Iterator[list[definitions.Measure]]:
            while True:
                try:
                    yield pending.get_nowait()
                except queue.Empty:
                    return

        def worker(k: int) -> None:
            con = _connect(self.engine, memory_limit, self.work / f"spill-{k}", threads)
            try:
                self(con, str(k), taken())
            except BaseException:
                self.failed.set()
                raise
            finally:
                engines.close(con)

        with ThreadPoolExecutor(workers, thread_name_prefix="measures") as pool:
            for future in [pool.submit(worker, k) for k in range(workers)]:
                future.result()


def measure_weights(measures: Sequence[definitions.Measure]) -> dict[str, ir.Table]:
    """The weights tables of the measures' weighted denominators (``reference/weights/``), as the small tables
    :func:`.compile.practice_counts` joins (:func:`.compile.weight_table`)."""
    keys = sorted({m.denominator.weight for m in measures if m.denominator.weight is not None})
    return {key: compiler.weight_table(weight_tables.weight_table(key).rows) for key in keys}


def run_measures(
    data: Path,
    out: Path,
    *,
    engine: str = "duckdb",
    geography: Mapping[str, tuple[str | None, str | None, str | None]] | None = None,
    features: Path | None = None,
    months: int = MONTHS,
    as_of: dt.date | None = None,
    only: Sequence[str] | None = None,
    progress: bool = False,
    console: Any = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    counts_file: Path | None = None,
    by_imd: bool = False,
    by_neighbourhood: bool = False,
    workers: int | None = None,
) -> dict:
    """Compute the measures and write the outputs (see the module docs); return the summary.

    ``geography``: ``{practice_code: (pcn_code, sub_icb_code, icb_code)}``; ``only``: measure ids;
    ``counts_file``: also write the sums at every level before disclosure control there (``measure, level,
    org_code, month, numerator, denominator, counted``; small counts shown, so not for publication: for checks and
    benchmarks against other implementations); ``by_imd``: also write :data:`INEQUALITIES_FILE`, every
    measure by IMD decile at PCN, sub-ICB, ICB and England (:mod:`.inequalities`); ``by_neighbourhood``: also write
    :data:`NEIGHBOURHOODS_FILE`, every measure by each PCN's neighbourhoods (:mod:`.neighbourhoods`);
    ``memory_limit``: DuckDB's for the run (default: :func:`pcnhub.analytics.limits.memory_limit`), shared by its
    connections; ``threads``: each DuckDB connection's (default: every core);
    ``workers``: DuckDB, how many connections count the groups of measures sharing no work side by side (default
    :data:`WORKERS`, at most one a group; Spark: one, the session's own).  ``steps`` in the summary are each
    measure's seconds (side by side, they overlap) and the steps before and after.
    """
    data, out = Path(data), Path(out)
    missing = [table.file for name, table in TABLES.items() if engines.table_path(data, name) is None]
    if missing:
        raise FileNotFoundError(f"{data}: missing {', '.join(missing)}")
    memory_limit = limits.memory_limit(memory_limit) if engine == "duckdb" else memory_limit
    chosen = list(definitions.measures()) if not only else [definitions.measure(m) for m in only]
    skipped = {m.id: f"needs the pipeline's {', '.join(sorted(m.features()))}: give --features"
               for m in chosen if m.features() and features is None}
    chosen = [m for m in chosen if m.id not in skipped]
    if not chosen:
        raise ValueError("no measure to compute: " + "; ".join(f"{k} {v}" for k, v in skipped.items()))
    as_of = as_of or default_as_of(data)
    periods = compiler.months(as_of, months)
    groups = plan.groups(chosen)
    workers = max(1, min(len(groups), (workers or WORKERS) if engine == "duckdb" else 1))
    breakdowns = {name: key for name, key, asked in (("imd", inequalities.by_decile, by_imd),
                                                      ("lsoa", neighbourhoods.by_neighbourhood, by_neighbourhood))
                  if asked}
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".pcnhub-measures-", dir=out))
    staged = work / "output"
    staged.mkdir()
    started = time.perf_counter()
    steps: dict[str, float] = {}
    bars = progress_bars(console, enabled=progress)
    try:
        con = _connect(engine, memory_limit, work / "spill", threads)
        try:
            with bars:
                task = bars.add_task("measures", total=len(chosen) * (1 + len(breakdowns)) + 3 + len(breakdowns))

                def step(name: str, begun: float) -> None:
                    steps[name] = round(time.perf_counter() - begun, 3)
                    bars.update(task, description=name)
                    bars.advance(task)

                begun = time.perf_counter()
                # one pass over the events and one over the prescriptions for all the measures: the rows they
                # need, written once and read by every measure instead of the big tables
                loaded = engines.load_tables(con, data)
                needs = requirements.collect(chosen, periods)
                for name, table in requirements.matched_tables(loaded, needs).items():
                    engines.materialise(con, table, work / f"{name}.parquet")
                step("events and prescriptions matched", begun)
                begun = time.perf_counter()
                patients = loaded["patients"]
                # every registered patient-month is counted once, by practice (and by each breakdown's key)
                for name, key in {PRACTICE: None, **breakdowns}.items():
                    keyed = patients if key is None else key(patients)
                    engines.materialise(con, compiler.registered_counts(keyed, periods),
                                        work / f"registered-{name}.parquet")
                step("registered patients by month", begun)
                count = _Count(engine, data, work, periods, features, measure_weights(chosen), breakdowns, step)
                if workers == 1:
                    count(con, "0", groups)
                else:
                    count.side_by_side(groups, workers, _memory_share(memory_limit, workers), threads)
                # each measure's counts keyed by its number in the run (levels.measure_table)
                parts = {name: ibis.union(*[levels.numbered(engines.read_parquet(con, work / f"{name}-{m.id}.parquet"), i)
                                            for i, m in enumerate(chosen)])
                         for name in (PRACTICE, *breakdowns)}
                measure_table = levels.measure_table(chosen, numbered=True)
                begun = time.perf_counter()
                counts = levels.level_counts(parts[PRACTICE], levels.geography_table(geography))
                if counts_file is not None or engine != "duckdb":
                    # read by both outputs: written once (DuckDB sums the practices' rows again in each output,
                    # faster than writing 4.3 million rows and reading them back at 1,000,000 patients)
                    counts = engines.materialise(con, counts, work / "levels.parquet")
                if counts_file is not None:
                    engines.write_parquet(con, levels.named(counts, measure_table), Path(counts_file))
                engines.write_parquet(con, levels.values(counts, measure_table, compiler.month_table(periods)),
                                      staged / VALUES_FILE, schema=levels.VALUES.to_pyarrow())
                engines.write_parquet(con, levels.deciles(counts, measure_table), staged / DECILES_FILE,
                                      schema=levels.DECILES.to_pyarrow())
                step("levels, deciles and limits", begun)
                if by_imd:
                    begun = time.perf_counter()
                    # the decile in the practice key (see measures/inequalities.py)
                    decile_counts = inequalities.decile_counts(parts["imd"], levels.geography_table(geography))
                    engines.write_parquet(con, inequalities.decile_values(decile_counts, measure_table),
                                          staged / INEQUALITIES_FILE, schema=inequalities.INEQUALITIES.to_pyarrow())
                    step("inequalities by IMD decile", begun)
                if by_neighbourhood:
                    begun = time.perf_counter()
                    # the LSOA in the practice key (see measures/neighbourhoods.py)
                    found = neighbourhoods.neighbourhood_counts(parts["lsoa"], levels.geography_table(geography))
                    engines.write_parquet(con, neighbourhoods.neighbourhood_values(found, measure_table),
                                          staged / NEIGHBOURHOODS_FILE,
                                          schema=neighbourhoods.NEIGHBOURHOODS.to_pyarrow())
                    step("neighbourhoods of each PCN", begun)
        finally:
            engines.close(con)
        summary = {
            "engine": engine, "as_of": as_of.isoformat(), "synthetic": is_synthetic(data),
            "months": [periods[0].start.isoformat(), periods[-1].start.isoformat()],
            "seconds": round(time.perf_counter() - started, 3), "workers": workers, "steps": steps,
            "measures": [_definition(m) for m in chosen], "skipped": skipped,
            "breakdowns": [name for name, asked in (("imd", by_imd), ("neighbourhood", by_neighbourhood)) if asked],
        }
        (staged / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        for name, file in BREAKDOWN_FILES.items():
            if name not in summary["breakdowns"]:
                (out / file).unlink(missing_ok=True)  # an earlier run's: not for these months and measures
        for path in staged.iterdir():
            path.replace(out / path.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return summary
