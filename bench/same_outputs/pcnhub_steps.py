"""The outputs with pcnhub's own step functions (population, frailty, polypharmacy, multimorbidity) on DuckDB.

This is the pipeline's share of the work for the outputs the hand-written tools produce, composed as
``run_pipeline`` composes those steps, in one Ibis expression written to Parquet.  It follows the pipeline:
when the steps' functions change (issue 18's one pass), this module changes with them, and
``tests/bench/test_pipeline_floor.py`` fails until it does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def pcnhub_steps(data: Path, out: Path, as_of: dt.date, *, memory_limit: str | None = None,
                 threads: int | None = None, temp_directory: Path | None = None) -> int:
    """Write the outputs of the dataset ``data`` to ``out`` with pcnhub's steps; the rows written.
    ``memory_limit`` None: pcnhub's default."""
    import pyarrow.parquet as pq

    from pcnhub.analytics import engines
    from pcnhub.analytics.pipeline.codes import left_join
    from pcnhub.analytics.pipeline.frailty import efi
    from pcnhub.analytics.pipeline.multimorbidity import cms
    from pcnhub.analytics.pipeline.polypharmacy import repeat_medicines
    from pcnhub.analytics.pipeline.population import registered

    from .definitions import OUTPUTS

    options = {"memory_limit": memory_limit} if memory_limit else {}
    con = engines.connect("duckdb", temp_directory=temp_directory, threads=threads, **options)
    try:
        tables = engines.load_tables(con, data)
        events, medications = tables["events"], tables["medications"]
        population = registered(tables["patients"], as_of=as_of)
        joined = left_join(
            population.select("patient_id", "age"),
            efi(population, events, medications, as_of=as_of).select(
                "patient_id", "efi_deficits", "efi_score", "efi_category"),
            repeat_medicines(population, medications, as_of=as_of),
            cms(population, events, as_of=as_of),
        )
        engines.write_parquet(con, joined.select(*OUTPUTS.names), out, schema=OUTPUTS)
    finally:
        engines.close(con)
    return pq.ParquetFile(out).metadata.num_rows
