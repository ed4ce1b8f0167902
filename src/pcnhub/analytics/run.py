"""Run the population health pipeline on a dataset and write its outputs (``pcnhub phm run``).

:func:`run_pipeline` reads a dataset folder (:mod:`pcnhub.analytics.schema`), runs the steps of
:mod:`pcnhub.analytics.pipeline` on DuckDB (default) or Spark, and writes to ``out``:

* ``patient_features.parquet``: one row per registered patient (:data:`.pipeline.features.SCHEMA`);
* ``aggregates.parquet``: counts by practice, PCN and ICB with disclosure control
  (:data:`.pipeline.aggregates.SCHEMA`);
* ``variation.parquet``: standardised ratios and funnel limits by practice
  (:data:`.pipeline.variation.SCHEMA`);
* ``summary.json``: ``{"engine", "as_of", "patients", "synthetic", "seconds", "steps": {step: seconds}, "notes",
  "measures":
  {measure: {"numerator", "denominator"}}}``, the measures for the whole dataset with the disclosure
  control of the aggregates (rounded to 5; 1-6 suppressed as null).

Events and medications are each read once (:mod:`.pipeline.flags`): every step declares what it needs from
them (``needs(as_of)``), the ``flags_events`` step joins the events once to the union of those codelists and
the ``flags_medications`` step reads the prescriptions once; the later steps read those per-patient tables.
Each step's result is kept and read again by the later steps, so no step is computed twice, and memory stays
bounded: DuckDB keeps them as temporary tables (:func:`.engines.keep`), runs with a memory limit and spills
to a work folder inside ``out`` (removed at the end); Spark writes each to Parquet in that folder, and
writes the outputs with its own distributed Parquet writer, the part files merged into one file a row group
at a time (:func:`.engines.write_parquet`), so no output is ever gathered on the driver.  ``as_of`` defaults
to the extract date: the latest event or prescription date of the dataset (from the Parquet statistics), but
not after today.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import pyarrow.parquet as pq

from pcnhub.analytics import engines
from pcnhub.analytics.pipeline import aggregates as aggregates_step
from pcnhub.analytics.pipeline import cohorts as cohorts_step
from pcnhub.analytics.pipeline import features as features_step
from pcnhub.analytics.pipeline import flags as flags_step
from pcnhub.analytics.pipeline import frailty as frailty_step
from pcnhub.analytics.pipeline import multimorbidity as multimorbidity_step
from pcnhub.analytics.pipeline import polypharmacy as polypharmacy_step
from pcnhub.analytics.pipeline import population as population_step
from pcnhub.analytics.pipeline import qrisk3 as qrisk3_step
from pcnhub.analytics.pipeline import segments as segments_step
from pcnhub.analytics.pipeline import variation as variation_step
from pcnhub.analytics.schema import TABLES, is_synthetic
from pcnhub.progress import progress_bars

STEPS: Final = (
    "population", "flags_events", "flags_medications", "frailty", "polypharmacy", "multimorbidity", "qrisk3",
    "segments", "cohorts", "features", "aggregates", "variation", "summary",
)
FEATURES_FILE: Final = "patient_features.parquet"
AGGREGATES_FILE: Final = "aggregates.parquet"
VARIATION_FILE: Final = "variation.parquet"
SUMMARY_FILE: Final = "summary.json"


def default_as_of(data: str | os.PathLike[str]) -> dt.date:
    """The latest ``events.date`` or ``medications.date`` (from the Parquet statistics), not after today."""
    latest: dt.date | None = None
    for name in ("events", "medications"):
        path = engines.table_path(data, name)
        if path is None:
            continue
        files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
        for file in files:
            found = _max_date(file)
            if found is not None and (latest is None or found > latest):
                latest = found
    today = dt.date.today()
    if latest is None:
        return today
    return min(latest, today)


def _max_date(file: Path) -> dt.date | None:
    metadata = pq.ParquetFile(file).metadata
    names = [metadata.schema.column(i).name for i in range(metadata.num_columns)]
    if "date" not in names:
        return None
    index = names.index("date")
    found = None
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(index).statistics
        if stats is None or not stats.has_min_max:
            table = pq.read_table(file, columns=["date"])
            values = [v for v in table.column(0).to_pylist() if v is not None]
            return max(values) if values else None
        value = stats.max
        if isinstance(value, dt.date) and (found is None or value > found):
            found = value
    return found


class _Steps:
    """Times the steps and shows them (a rich progress bar on ``console`` when asked)."""

    def __init__(self, progress: bool, console: Any) -> None:
        self.seconds: dict[str, float] = {}
        self._progress = None
        self._task = None
        if progress:
            self._progress = progress_bars(console)

    def __enter__(self) -> _Steps:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task("pipeline", total=len(STEPS))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        if self._progress is not None:
            self._progress.update(self._task, description=f"{name}")
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 3)
        if self._progress is not None:
            self._progress.console.print(f"{name}: {self.seconds[name]:.2f} s")
            self._progress.advance(self._task)


def run_pipeline(
    data: Path,
    out: Path,
    *,
    engine: str = "duckdb",
    practice_map: Mapping[str, tuple[str | None, str | None]] | None = None,
    as_of: dt.date | None = None,
    progress: bool = False,
    console: Any = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    on_step: Callable[[str, float], None] | None = None,
) -> dict:
    """Run every step on the dataset in ``data``, write the outputs to ``out``, return the summary.

    ``practice_map``: ``{practice_code: (pcn_code, icb_code)}`` for the PCN and ICB columns and levels.
    ``console``: where the progress display goes (a rich Console or a text stream; default stderr).
    ``memory_limit`` and ``threads``: DuckDB's (default :mod:`pcnhub.analytics.limits`).  Raises
    ``FileNotFoundError`` for a missing table and :class:`pcnhub.analytics.engines.EngineError` for an engine that
    cannot run.
    """
    data, out = Path(data), Path(out)
    missing = [table.file for name, table in TABLES.items() if engines.table_path(data, name) is None]
    if missing:
        raise FileNotFoundError(f"{data}: missing {', '.join(missing)}")
    as_of = as_of or default_as_of(data)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".pcnhub-work-", dir=out))
    # The outputs are written to a staging folder and moved into ``out`` only when all of them are done,
    # so a failed or interrupted run never leaves a mixture of old and new outputs.
    staged = work / "output"
    staged.mkdir()
    started = time.perf_counter()
    try:
        con = engines.connect(engine, memory_limit=memory_limit, temp_directory=work / "spill", threads=threads)
        try:
            with _Steps(progress, console) as steps:
                summary_measures, patients = _run(con, data, staged, work, as_of, practice_map, steps, on_step)
        finally:
            engines.close(con)
        summary = _summary(engine, as_of, patients, started, steps, summary_measures, synthetic=is_synthetic(data))
        (staged / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        for path in staged.iterdir():
            target = out / path.name
            if target.is_dir():
                shutil.rmtree(target)
            path.replace(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return summary


def _summary(engine: str, as_of: dt.date, patients: int, started: float, steps: _Steps, measures: dict,
             synthetic: bool = False) -> dict:
    return {
        "engine": engine,
        "as_of": as_of.isoformat(),
        "patients": patients,
        # Whether the dataset is marked synthetic (schema.is_synthetic: pcnhub phm synth marks what it makes).
        "synthetic": synthetic,
        "seconds": round(time.perf_counter() - started, 3),
        "steps": steps.seconds,
        "measures": measures,
        "notes": [multimorbidity_step.cms_scope()],
    }


def _run(con, data: Path, out: Path, work: Path, as_of: dt.date, practice_map, steps: _Steps,
         on_step: Callable[[str, float], None] | None) -> tuple[dict, int]:
    tables = engines.load_tables(con, data)
    events, medications = tables["events"], tables["medications"]
    done: dict[str, Any] = {}

    def materialise(name: str, build: Callable[[], Any]) -> None:
        with steps.step(name):
            done[name] = engines.keep(con, build(), work / f"{name}.parquet")
        if on_step is not None:
            on_step(name, steps.seconds[name])

    materialise("population", lambda: population_step.registered(tables["patients"], as_of=as_of))
    population = done["population"]
    needs = requirements(as_of)

    materialise("flags_events", lambda: flags_step.events_table(coded_events(con, events, needs, as_of, work), needs))
    materialise("flags_medications", lambda: flags_step.medications_table(medications, needs, as_of))
    flag_tables = done["flags_events"], done["flags_medications"]
    materialise("frailty", lambda: frailty_step.efi(population, *flag_tables))
    materialise("polypharmacy", lambda: polypharmacy_step.repeat_medicines(population, flag_tables[1]))
    materialise("multimorbidity", lambda: multimorbidity_step.cms(population, flag_tables[0]))
    materialise("qrisk3", lambda: qrisk3_step.qrisk3(population, *flag_tables))
    materialise("segments", lambda: segments_step.segment(
        population, flag_tables[0], tables["hospital"], done["frailty"], done["multimorbidity"], as_of=as_of))
    materialise("cohorts", lambda: cohorts_step.cohorts(
        population, *flag_tables, done["frailty"], done["polypharmacy"], done["multimorbidity"], done["qrisk3"]))

    outputs = (
        ("features", FEATURES_FILE, features_step.SCHEMA),
        ("aggregates", AGGREGATES_FILE, aggregates_step.SCHEMA),
        ("variation", VARIATION_FILE, variation_step.SCHEMA),
    )
    features = None
    for name, file, schema in outputs:
        with steps.step(name):
            if name == "features":
                expr = features_step.features(
                    population, features_step.practice_table(practice_map), done["frailty"], done["polypharmacy"],
                    done["multimorbidity"], done["qrisk3"], done["segments"], done["cohorts"])
            elif name == "aggregates":
                expr = aggregates_step.aggregates(features)
            else:
                expr = variation_step.variation(features)
            engines.write_parquet(con, expr, out / file, schema=schema.to_pyarrow())
            if name == "features":
                features = engines.read_parquet(con, out / file)
        if on_step is not None:
            on_step(name, steps.seconds[name])
    with steps.step("summary"):
        totals = engines.to_arrow(con, aggregates_step.dataset_totals(features)).to_pylist()[0]
        measures = {}
        for measure in aggregates_step.MEASURES:
            numerator, denominator = totals[f"n_{measure}"] or 0, totals[f"d_{measure}"] or 0
            suppressed = _small(numerator) or _small(denominator)
            measures[measure] = {
                "numerator": None if suppressed else _round(numerator),
                "denominator": None if suppressed else _round(denominator),
            }
        patients = int(totals["n_patients"] or 0)
    if on_step is not None:
        on_step("summary", steps.seconds["summary"])
    return measures, patients


def coded_events(con: Any, events: Any, needs: dict, as_of: dt.date, work: Path) -> Any:
    """The one pass over events (:func:`.pipeline.flags.coded_stream`), kept as a table in ``work`` when the
    requirements read it more than once (:func:`.pipeline.flags.stream_reads`), else left inside the query."""
    coded = flags_step.coded_stream(events, needs, as_of)
    if flags_step.stream_reads(needs) > 1:
        coded = engines.keep(con, coded, work / "coded_events.parquet")
    return coded


def requirements(as_of: dt.date) -> dict:
    """What every step needs from ``events`` and ``medications`` (:mod:`.pipeline.flags`), merged."""
    return flags_step.requirements(*(step.needs(as_of) for step in (
        frailty_step, polypharmacy_step, multimorbidity_step, qrisk3_step, segments_step, cohorts_step)))


def _small(count: int) -> bool:
    return 1 <= count < aggregates_step.SUPPRESS_BELOW


def _round(count: int) -> int:
    step = aggregates_step.ROUND_TO
    return (count + step // 2) // step * step
