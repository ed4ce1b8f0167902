"""Run the measures on a dataset and write them (``pcnhub measures run``).

:func:`run_measures` reads a dataset folder, computes each measure of ``reference/measures/`` (or those
asked for) on DuckDB or Spark for the ``months`` whole months up to ``as_of`` and writes to ``out``:

* ``measure_values.parquet``: every measure, level, organisation and month (:data:`.levels.VALUES`);
* ``measure_deciles.parquet``: the PCNs' deciles each month (:data:`.levels.DECILES`);
* ``measure_inequalities.parquet`` (``by_imd``, ``--by-imd``): every measure by IMD decile at PCN, sub-ICB,
  ICB and England (:data:`.inequalities.INEQUALITIES`);
* ``measure_neighbourhoods.parquet`` (``by_neighbourhood``, ``--by-neighbourhood``): every measure by each PCN's
  neighbourhoods, the LSOAs of its patients (:data:`.neighbourhoods.NEIGHBOURHOODS`);
* ``measures.json``: ``{"engine", "as_of", "months": [first, last], "seconds", "steps", "measures":
  [definition...], "skipped": {id: reason}, "breakdowns": ["imd", "neighbourhood"]}`` (the breakdowns written).

A breakdown not asked for is not left behind from an earlier run: its file is removed from ``out``.

A measure that needs the population health pipeline's per-patient results (a ``feature`` condition,
e.g. QRISK3) is computed only when ``features`` (``patient_features.parquet`` of ``pcnhub phm run``) is
given, and listed in ``skipped`` otherwise.  Each measure's practice counts are written to a work
folder and read again, so memory stays bounded; the outputs are moved into ``out`` when all are done.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics import engines
from pcnhub.analytics.measures import compile as compiler
from pcnhub.analytics.measures import inequalities, levels, neighbourhoods
from pcnhub.analytics.run import default_as_of
from pcnhub.analytics.schema import TABLES
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


def _definition(measure: definitions.Measure) -> dict[str, Any]:
    return {"id": measure.id, "title": measure.title, "why": measure.why, "direction": measure.direction,
            "low_is_good": measure.low_is_good, "unit": measure.unit, "serves": list(measure.serves),
            "source": measure.source, "status": measure.status, "note": measure.note, "funnel": measure.funnel,
            "weight": measure.denominator.weight}


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
    memory_limit: str | None = engines.DUCKDB_MEMORY_LIMIT,
    counts_file: Path | None = None,
    by_imd: bool = False,
    by_neighbourhood: bool = False,
) -> dict:
    """Compute the measures and write the outputs (see the module docs); return the summary.

    ``geography``: ``{practice_code: (pcn_code, sub_icb_code, icb_code)}``; ``only``: measure ids;
    ``counts_file``: also write the sums at every level before disclosure control there (``measure, level,
    org_code, month, numerator, denominator, counted``; small counts shown, so not for publication: for checks and
    benchmarks against other implementations); ``by_imd``: also write :data:`INEQUALITIES_FILE`, every
    measure by IMD decile at PCN, sub-ICB, ICB and England (:mod:`.inequalities`); ``by_neighbourhood``: also write
    :data:`NEIGHBOURHOODS_FILE`, every measure by each PCN's neighbourhoods (:mod:`.neighbourhoods`).
    """
    data, out = Path(data), Path(out)
    missing = [table.file for name, table in TABLES.items() if engines.table_path(data, name) is None]
    if missing:
        raise FileNotFoundError(f"{data}: missing {', '.join(missing)}")
    chosen = list(definitions.measures()) if not only else [definitions.measure(m) for m in only]
    skipped = {m.id: f"needs the pipeline's {', '.join(sorted(m.features()))}: give --features"
               for m in chosen if m.features() and features is None}
    chosen = [m for m in chosen if m.id not in skipped]
    if not chosen:
        raise ValueError("no measure to compute: " + "; ".join(f"{k} {v}" for k, v in skipped.items()))
    as_of = as_of or default_as_of(data)
    periods = compiler.months(as_of, months)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".pcnhub-measures-", dir=out))
    staged = work / "output"
    staged.mkdir()
    started = time.perf_counter()
    steps: dict[str, float] = {}
    bars = progress_bars(console, enabled=progress)
    try:
        con = engines.connect(engine, memory_limit=memory_limit, temp_directory=work / "spill")
        try:
            if engine == "duckdb":
                con.raw_sql(f"SET disabled_optimizers = '{','.join(DUCKDB_DISABLED_OPTIMIZERS)}'")
            with bars:
                task = bars.add_task("measures", total=len(chosen) + 2 + by_imd + by_neighbourhood)

                def step(name: str, begun: float) -> None:
                    steps[name] = round(time.perf_counter() - begun, 3)
                    bars.update(task, description=name)
                    bars.advance(task)

                begun = time.perf_counter()
                tables = engines.load_tables(con, data)
                # every registered patient-month is counted once, by practice; the sides start from the
                # patient-months that can count (compile._side_sums), not from this table
                base = compiler.patient_months(tables["patients"], periods)
                registered = engines.materialise(con, compiler.registered_counts(tables["patients"], periods),
                                                 work / "registered.parquet")
                feature_table = None if features is None else engines.read_parquet(con, features)
                step("registered patients by month", begun)
                weights = measure_weights(chosen)
                kept = itertools.count()

                def keep(table: ibis.Table) -> ibis.Table:
                    return engines.materialise(con, table, work / f"kept-{next(kept)}.parquet")

                flags = compiler.flag_source(tables, periods, keep=keep)
                sides = compiler.SideSource(tables, periods, flags, chosen, keep=keep)
                parts = []
                for measure in chosen:
                    begun = time.perf_counter()
                    counts = compiler.practice_counts(measure, base, tables, periods, feature_table,
                                                      registered, flags, weights, sides)
                    parts.append(engines.materialise(con, counts, work / f"practice-{measure.id}.parquet"))
                    step(measure.id, begun)
                begun = time.perf_counter()
                practices = ibis.union(*parts)
                counts = levels.level_counts(practices, levels.geography_table(geography))
                if counts_file is not None or engine != "duckdb":
                    # read by both outputs: written once (DuckDB sums the practices' rows again in each output,
                    # faster than writing 4.3 million rows and reading them back at 1,000,000 patients)
                    counts = engines.materialise(con, counts, work / "levels.parquet")
                if counts_file is not None and (work / "levels.parquet").is_file():  # DuckDB's one file, as it is
                    Path(counts_file).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(work / "levels.parquet", counts_file)
                elif counts_file is not None:  # Spark's folder of parts, merged into one file
                    engines.write_parquet(con, counts, Path(counts_file))
                measure_table = levels.measure_table(chosen)
                engines.write_parquet(con, levels.values(counts, measure_table, compiler.month_table(periods)),
                                      staged / VALUES_FILE, schema=levels.VALUES.to_pyarrow())
                engines.write_parquet(con, levels.deciles(counts, measure_table), staged / DECILES_FILE,
                                      schema=levels.DECILES.to_pyarrow())
                step("levels, deciles and limits", begun)

                def keyed_counts(name: str, patients: ibis.Table) -> ibis.Table:
                    """Every measure's practice counts with ``patients``' practice key (a breakdown carried in it);
                    the conditions' patient-months do not depend on it and are reused."""
                    keyed = {**tables, "patients": patients}
                    keyed_base = compiler.patient_months(keyed["patients"], periods)
                    keyed_registered = engines.materialise(con, compiler.registered_counts(keyed["patients"], periods),
                                                           work / f"registered-{name}.parquet")
                    keyed_sides = compiler.SideSource(keyed, periods, flags, chosen, keep=keep)
                    return ibis.union(*[engines.materialise(
                        con, compiler.practice_counts(m, keyed_base, keyed, periods, feature_table, keyed_registered,
                                                      flags, weights, keyed_sides), work / f"{name}-{m.id}.parquet")
                        for m in chosen])

                if by_imd:
                    begun = time.perf_counter()
                    # the decile in the practice key (see measures/inequalities.py)
                    parts = keyed_counts("imd", inequalities.by_decile(tables["patients"]))
                    decile_counts = inequalities.decile_counts(parts, levels.geography_table(geography))
                    engines.write_parquet(con, inequalities.decile_values(decile_counts, measure_table),
                                          staged / INEQUALITIES_FILE, schema=inequalities.INEQUALITIES.to_pyarrow())
                    step("inequalities by IMD decile", begun)
                if by_neighbourhood:
                    begun = time.perf_counter()
                    # the LSOA in the practice key (see measures/neighbourhoods.py)
                    parts = keyed_counts("lsoa", neighbourhoods.by_neighbourhood(tables["patients"]))
                    found = neighbourhoods.neighbourhood_counts(parts, levels.geography_table(geography))
                    engines.write_parquet(con, neighbourhoods.neighbourhood_values(found, measure_table),
                                          staged / NEIGHBOURHOODS_FILE,
                                          schema=neighbourhoods.NEIGHBOURHOODS.to_pyarrow())
                    step("neighbourhoods of each PCN", begun)
        finally:
            engines.close(con)
        summary = {
            "engine": engine, "as_of": as_of.isoformat(),
            "months": [periods[0].start.isoformat(), periods[-1].start.isoformat()],
            "seconds": round(time.perf_counter() - started, 3), "steps": steps,
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
