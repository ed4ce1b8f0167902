"""Variation is the same to the bit on every run: its expected counts are summed exactly, whatever order DuckDB's
threads add them in (a sum of doubles differed in the last bits between runs of the same data)."""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq

from pcnhub.analytics import synth
from pcnhub.analytics.practices import read_practices
from pcnhub.analytics.run import VARIATION_FILE, run_pipeline
from tests.paths import SHARED_DATA

AS_OF = dt.date(2024, 4, 1)


def test_variation_is_the_same_on_every_run(tmp_path):
    practices = read_practices(SHARED_DATA / "nhs-open-data" / "gp-reg-pat-prac-all_2021-01.csv")
    synth.generate(practices[:100], tmp_path / "data", patients=20_000, seed=11, as_of=AS_OF)  # about 200 a practice
    tables = []
    for i in range(3):
        run_pipeline(tmp_path / "data", tmp_path / f"out{i}", as_of=AS_OF, threads=2)
        table = pq.read_table(tmp_path / f"out{i}" / VARIATION_FILE)
        tables.append(table.sort_by([("measure", "ascending"), ("practice_code", "ascending")]))
    assert tables[0].num_rows > 0
    for table in tables[1:]:
        assert table.equals(tables[0])
