"""On Spark, ``run_pipeline`` writes its outputs with Spark's own Parquet writer and merges the part files
into single files by streaming row groups: no output is gathered on the driver, and the files are the
same single Parquet files, with the same types, as DuckDB's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pcnhub.analytics import engines, synth
from pcnhub.analytics.run import AGGREGATES_FILE, FEATURES_FILE, SUMMARY_FILE, VARIATION_FILE, run_pipeline

OUTPUTS = (FEATURES_FILE, AGGREGATES_FILE, VARIATION_FILE)


@pytest.fixture(scope="module")
def spark():
    """The process's SparkSession (the same one the spec tests use when they run in this process)."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java")
    return engines.spark_session(config=engines.SPARK_SMALL_DATA)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("phm-spark-out-data")
    synth.generate([synth.PracticeSize(code, 60) for code in ("A81001", "A81002", "A81004")], folder,
                   patients=180, seed=5)
    return folder


def _types(schema: pa.Schema) -> list[tuple[str, str]]:
    return [(field.name, str(field.type)) for field in schema]


def test_spark_writes_single_files_without_collecting_on_the_driver(spark, dataset, tmp_path, monkeypatch):
    from ibis.backends.pyspark import Backend

    duck = tmp_path / "duckdb"
    run_pipeline(dataset, duck, engine="duckdb")

    DataFrame = type(spark.range(1))  # noqa: N806 - the session's DataFrame class (classic or Connect)
    collected: list[int] = []
    to_arrow = DataFrame.toArrow

    def small_only(frame):
        table = to_arrow(frame)
        collected.append(table.num_rows)
        assert table.num_rows <= 1, "an output was collected on the driver"
        return table

    def refuse(*args, **kwargs):
        raise AssertionError("an output was collected on the driver")

    monkeypatch.setattr(DataFrame, "toArrow", small_only)
    monkeypatch.setattr(DataFrame, "toPandas", refuse)
    monkeypatch.setattr(DataFrame, "collect", refuse)
    monkeypatch.setattr(Backend, "execute", refuse)
    monkeypatch.setattr(Backend, "to_pyarrow", refuse)
    merged: list[str] = []
    merge = engines.merge_parquet

    def spy(folder, path, schema):
        assert list(Path(folder).glob("part-*.parquet")), "Spark did not write part files"
        merged.append(Path(path).name)
        return merge(folder, path, schema)

    monkeypatch.setattr(engines, "merge_parquet", spy)

    spark_out = tmp_path / "spark"
    summary = run_pipeline(dataset, spark_out, engine="spark")

    assert merged == list(OUTPUTS)
    assert collected == [1]  # only the one-row dataset totals of the summary
    assert sorted(p.name for p in spark_out.iterdir()) == sorted([*OUTPUTS, SUMMARY_FILE])
    for name in OUTPUTS:
        left, right = duck / name, spark_out / name
        assert right.is_file(), name
        assert _types(pq.read_schema(right)) == _types(pq.read_schema(left)), name
        assert pq.ParquetFile(right).metadata.num_rows == pq.ParquetFile(left).metadata.num_rows, name
    assert summary["patients"] == json.loads((duck / SUMMARY_FILE).read_text())["patients"] > 0
    assert json.loads((spark_out / SUMMARY_FILE).read_text())["engine"] == "spark"


def test_merge_parquet_streams_row_groups_into_one_file(tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    pq.write_table(pa.table({"A": pa.array([1, 2], pa.int32()), "b": ["x", "y"]}), parts / "part-00000.parquet",
                   row_group_size=1)
    pq.write_table(pa.table({"A": pa.array([3], pa.int32()), "b": ["z"]}), parts / "part-00001.parquet")
    (parts / "_SUCCESS").write_text("")
    schema = pa.schema([("b", pa.string()), ("a", pa.int64())])
    rows = engines.merge_parquet(parts, tmp_path / "out.parquet", schema)
    table = pq.read_table(tmp_path / "out.parquet")
    assert rows == 3 and table.schema == schema
    assert table.to_pydict() == {"b": ["x", "y", "z"], "a": [1, 2, 3]}
    assert pq.ParquetFile(tmp_path / "out.parquet").metadata.num_row_groups == 3
