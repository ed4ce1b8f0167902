"""The measures that add up doubles (a prescribing cost, ASTRO-PU weights, expected counts) are the same to the bit
on every run: they are added up exactly (``portable.exact_sum``), whatever order DuckDB's threads add them in
(a sum of doubles differed in its last bits between runs of the same data, and a count rounded to 5 now and then)."""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq

from pcnhub.analytics import synth
from pcnhub.analytics.measures.run import run_measures
from pcnhub.analytics.practices import read_practices
from tests.paths import SHARED_DATA

AS_OF = dt.date(2024, 4, 1)
DOUBLES = ("prescribing_cost_per_patient", "prescribing_cost_per_astro_pu", "hypertension_observed_to_expected")


def _rows(path):
    table = pq.read_table(path)
    return sorted(tuple(row.values()) for row in table.to_pylist())


def test_measures_summing_doubles_are_the_same_on_every_run(tmp_path):
    practices = read_practices(SHARED_DATA / "nhs-open-data" / "gp-reg-pat-prac-all_2021-01.csv")
    synth.generate(practices[:40], tmp_path / "data", patients=60_000, seed=5, as_of=AS_OF)
    runs = []
    for i in range(3):
        out = tmp_path / f"out{i}"
        run_measures(tmp_path / "data", out, as_of=AS_OF, only=DOUBLES, months=6, threads=2, by_imd=True,
                     counts_file=out / "counts.parquet")
        runs.append({name: _rows(out / name) for name in ("counts.parquet", "measure_inequalities.parquet")})
    assert {row[0] for row in runs[0]["counts.parquet"]} == set(DOUBLES)
    assert any(isinstance(row[4], float) and not row[4].is_integer() for row in runs[0]["counts.parquet"])
    for found in runs[1:]:
        assert found == runs[0]
