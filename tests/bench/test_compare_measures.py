"""``bench/compare_measures.py``: two output folders compared row by row, floats to the bit, any order."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from bench import compare_measures


def _folder(path, values, summary_seconds=1.0):
    path.mkdir()
    pq.write_table(pa.table({"measure": ["a", "b", "a"], "value": values}), path / "measure_values.parquet")
    (path / "measures.json").write_text(json.dumps({"seconds": summary_seconds, "steps": {}, "as_of": "2024-04-01"}))
    return path


def test_the_same_rows_in_another_order_and_other_timings_are_identical(tmp_path):
    a = _folder(tmp_path / "a", [0.1, None, 0.3])
    b = _folder(tmp_path / "b", [0.3, None, 0.1], summary_seconds=2.0)
    assert compare_measures.main([str(a), str(b)]) == 0


def test_a_float_one_bit_apart_differs_and_names_its_measure(tmp_path, capsys):
    a = _folder(tmp_path / "a", [0.1 + 0.2, 1.0, 2.0])
    b = _folder(tmp_path / "b", [0.3, 1.0, 2.0])
    assert compare_measures.main([str(a), str(b)]) == 1
    found = json.loads(capsys.readouterr().out)["files"]["measure_values.parquet"]
    assert found["only_in_a"] == found["only_in_b"] == 1
    assert found["measures_only_in_a"] == {"a": 1}
