"""The outputs with pcnhub's own step functions (population, frailty, polypharmacy, multimorbidity) on DuckDB.

This is the pipeline's share of the work for the outputs the hand-written tools produce, composed as
``run_pipeline`` composes those steps: the one pass over events (``run.coded_events``, as the pipeline reads it)
and the one over medications (:mod:`pcnhub.analytics.pipeline.flags`, with the requirements of these three steps
only), then one Ibis expression written to Parquet.  It follows the pipeline:
when the steps' functions change (issue 18's one pass), this module changes with them, and
``tests/bench/test_pipeline_floor.py`` fails until it does.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path


def pcnhub_steps(data: Path, out: Path, as_of: dt.date, *, memory_limit: str | None = None,
                 threads: int | None = None, temp_directory: Path | None = None) -> int:
    """Write the outputs of the dataset ``data`` to ``out`` with pcnhub's steps; the rows written.
    ``memory_limit`` None: pcnhub's default."""
    import pyarrow.parquet as pq

    import tempfile

    from pcnhub.analytics import engines
    from pcnhub.analytics.pipeline import flags, frailty, multimorbidity, polypharmacy
    from pcnhub.analytics.pipeline.codes import left_join
    from pcnhub.analytics.pipeline.population import registered
    from pcnhub.analytics.run import coded_events

    from .definitions import OUTPUTS

    options = {"memory_limit": memory_limit} if memory_limit else {}
    con = engines.connect("duckdb", temp_directory=temp_directory, threads=threads, **options)
    work = Path(tempfile.mkdtemp(prefix=".pcnhub-steps-", dir=out.parent))
    try:
        tables = engines.load_tables(con, data)
        events, medications = tables["events"], tables["medications"]
        population = registered(tables["patients"], as_of=as_of)
        needs = flags.requirements(*(step.needs(as_of) for step in (frailty, polypharmacy, multimorbidity)))
        coded = coded_events(con, events, needs, as_of, work)
        flags_events = engines.keep(con, flags.events_table(coded, needs), work / "flags_events.parquet")
        flags_medications = engines.keep(con, flags.medications_table(medications, needs, as_of),
                                         work / "flags_medications.parquet")
        joined = left_join(
            population.select("patient_id", "age"),
            frailty.efi(population, flags_events, flags_medications).select(
                "patient_id", "efi_deficits", "efi_score", "efi_category"),
            polypharmacy.repeat_medicines(population, flags_medications),
            multimorbidity.cms(population, flags_events),
        )
        engines.write_parquet(con, joined.select(*OUTPUTS.names), out, schema=OUTPUTS)
    finally:
        engines.close(con)
        shutil.rmtree(work, ignore_errors=True)
    return pq.ParquetFile(out).metadata.num_rows
