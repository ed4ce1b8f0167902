"""``bench/measures.py``'s comparison of the engines' practice and PCN sums."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

from bench import measures as bench

JAN = dt.date(2024, 1, 1)


def _write(path, rows):
    names = ("measure", "level", "org_code", "month", "numerator", "denominator")
    pq.write_table(pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)}), path)


def test_weighted_denominators_compare_within_a_float_tolerance_and_counts_exactly(tmp_path):
    astro = 0.1 + 0.2 + 0.3  # weights summed in one order ...
    _write(tmp_path / "pcnhub.parquet", [
        ("prescribing_cost_per_astro_pu", "practice", "A00001", JAN, 30.0, astro),
        ("emergency_admissions", "practice", "A00001", JAN, 3.0, 5.0),
    ])
    _write(tmp_path / "pandas.parquet", [  # ... and in another: not the same float, the same sum
        ("prescribing_cost_per_astro_pu", "practice", "A00001", JAN, 30.0, 0.3 + 0.2 + 0.1),
        ("emergency_admissions", "practice", "A00001", JAN, 3.0, 5.0),
    ])
    _write(tmp_path / "polars.parquet", [
        ("prescribing_cost_per_astro_pu", "practice", "A00001", JAN, 30.0, astro + 1e-3),
        ("emergency_admissions", "practice", "A00001", JAN, 3.0, 6.0),
    ])
    assert astro != 0.3 + 0.2 + 0.1
    found = bench.compare(tmp_path)
    assert found["pandas"]["identical"] and found["pandas"]["rows"] == 2
    assert found["polars"]["denominators_differ"] == 2 and not found["polars"]["identical"]
    assert found["polars"]["measures_differ"] == ["emergency_admissions", "prescribing_cost_per_astro_pu"]
