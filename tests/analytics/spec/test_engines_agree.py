"""DuckDB and Spark give the same outputs, to the bit (the spec dataset holds 2,000 synthetic patients besides the
hand-made cases), and every output has the contract's columns and types."""

import math

import pyarrow as pa
import pytest

from pcnhub.analytics.pipeline.aggregates import SCHEMA as AGGREGATES
from pcnhub.analytics.pipeline.features import SCHEMA as FEATURES
from pcnhub.analytics.pipeline.variation import SCHEMA as VARIATION
from tests.analytics.spec.dataset import SYNTHETIC_PATIENTS

KEYS = {
    "all_features": ["patient_id"],
    "aggregates": ["level", "org_code", "measure", "breakdown"],
    "variation": ["measure", "practice_code"],
}


def _types(schema: pa.Schema) -> list[tuple[str, str]]:
    return [(field.name, str(field.type)) for field in schema]


def test_outputs_have_the_contract_types(outputs):
    assert _types(outputs.all_features.schema) == _types(FEATURES.to_pyarrow())
    assert _types(outputs.aggregates.schema) == _types(AGGREGATES.to_pyarrow())
    assert _types(outputs.variation.schema) == _types(VARIATION.to_pyarrow())
    assert outputs.all_features.num_rows > SYNTHETIC_PATIENTS * 0.95


def _sorted_rows(table: pa.Table, keys: list[str]) -> list[dict]:
    return table.sort_by([(k, "ascending") for k in keys]).to_pylist()


@pytest.mark.spark
@pytest.mark.parametrize("output", list(KEYS))
def test_duckdb_and_spark_outputs_are_identical(run_on, output):
    duck, spark = run_on("duckdb"), run_on("spark")
    left, right = getattr(duck, output), getattr(spark, output)
    assert _types(left.schema) == _types(right.schema)
    assert left.num_rows == right.num_rows
    for a, b in zip(_sorted_rows(left, KEYS[output]), _sorted_rows(right, KEYS[output]), strict=True):
        for name, value in a.items():
            other = b[name]
            if isinstance(value, float) and isinstance(other, float) and math.isnan(value):
                assert math.isnan(other), (name, a, b)
            else:
                assert value == other, (name, a, b)  # to the bit: QRISK3 and the sums are portable arithmetic


@pytest.mark.spark
def test_duckdb_and_spark_summaries_agree(run_on):
    duck, spark = run_on("duckdb").summary, run_on("spark").summary
    assert (duck["patients"], duck["as_of"], duck["measures"]) == (spark["patients"], spark["as_of"], spark["measures"])
