"""The measures on DuckDB and on Spark are the same to the bit, on a synthetic population whose costs and weights
are not whole numbers: every output file and the sums before disclosure control (the counts file)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bench.compare_measures import compare_file
from pcnhub.analytics import synth
from pcnhub.analytics.measures.run import run_measures
from pcnhub.analytics.practices import read_practices
from tests.paths import SHARED_DATA

AS_OF = dt.date(2024, 4, 1)


@pytest.mark.spark
def test_measures_on_duckdb_and_spark_are_identical(tmp_path, measures_spark):
    practices = read_practices(SHARED_DATA / "nhs-open-data" / "gp-reg-pat-prac-all_2021-01.csv")[:12]
    synth.generate(practices, tmp_path / "data", patients=3_000, seed=5, as_of=AS_OF)
    geography = {p.code: (f"U{i // 4:05d}", "S00001", "Q00001") for i, p in enumerate(practices)}
    outputs = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / engine
        summary = run_measures(tmp_path / "data", out / "out", engine=engine, geography=geography, months=6,
                               as_of=AS_OF, counts_file=out / "counts.parquet")
        outputs[engine] = out, summary
    (duck, duck_summary), (spark, spark_summary) = outputs["duckdb"], outputs["spark"]
    assert duck_summary["measures"] == spark_summary["measures"]
    files = sorted(p.relative_to(duck) for p in duck.rglob("*.parquet"))
    assert len(files) > 2 and files == sorted(p.relative_to(spark) for p in spark.rglob("*.parquet"))
    for name in files:
        found = compare_file(duck / name, spark / name)
        assert found["rows_a"] > 0 and found["identical"], (str(name), json.dumps(found))
