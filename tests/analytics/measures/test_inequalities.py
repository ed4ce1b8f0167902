"""The inequalities view (measures by IMD decile) on DuckDB and Spark: hand-made patients, hand-computed counts."""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq
import pytest

from pcnhub.analytics import engines
from pcnhub.analytics.measures import compile as compiler
from pcnhub.analytics.measures import inequalities, levels
from pcnhub.analytics.measures.run import INEQUALITIES_FILE, run_measures
from pcnhub.reference import measures as definitions
from tests.analytics.spec.dataset import Builder, write

AS_OF = dt.date(2024, 4, 1)
MAR = dt.date(2024, 3, 1)
GEOGRAPHY = {"A00001": ("U00001", "S00001", "Q00001"), "A00003": (None, "S00002", "Q00001")}


def _dataset(folder):
    b = Builder()
    d1a = b.patient("d1a", age=50, practice="A00001", imd=1)
    b.patient("d1b", age=60, practice="A00001", imd=1)
    d10 = b.patient("d10", age=70, practice="A00001", imd=10)
    b.patient("unknown", age=40, practice="A00001", imd=None)
    x = b.patient("x", age=30, practice="A00003", imd=1)  # no PCN: its ICB and England only
    for pid, day in ((d1a, 3), (d1a, 20), (d10, 7), (x, 9)):
        b.hospital(pid, "emergency_admission", dt.date(2024, 3, day), dt.date(2024, 3, day + 1))
    return write(folder, b.tables())


@pytest.fixture(scope="module")
def data(engine, tmp_path_factory):
    return _dataset(tmp_path_factory.mktemp(f"imd-{engine}") / "data")


def test_counts_by_decile_at_each_level(backend, data):
    tables = engines.load_tables(backend, data)
    keyed = {**tables, "patients": inequalities.by_decile(tables["patients"])}
    periods = compiler.months(AS_OF, 1)
    base = compiler.patient_months(keyed["patients"], periods)
    practices = compiler.practice_counts(definitions.measure("emergency_admissions"), base, keyed, periods)
    counts = inequalities.decile_counts(practices, levels.geography_table(GEOGRAPHY))
    found = {(r["level"], r["org_code"], r["imd_decile"]): (r["numerator"], r["denominator"])
             for r in engines.to_arrow(backend, counts).to_pylist() if r["month"] == MAR}
    assert found == {
        ("pcn", "U00001", 1): (2, 2), ("pcn", "U00001", 10): (1, 1), ("pcn", "U00001", 0): (0, 1),
        ("sub_icb", "S00001", 1): (2, 2), ("sub_icb", "S00001", 10): (1, 1), ("sub_icb", "S00001", 0): (0, 1),
        ("sub_icb", "S00002", 1): (1, 1),
        ("icb", "Q00001", 1): (3, 3), ("icb", "Q00001", 10): (1, 1), ("icb", "Q00001", 0): (0, 1),
        ("england", "ENG", 1): (3, 3), ("england", "ENG", 10): (1, 1), ("england", "ENG", 0): (0, 1),
    }


def test_run_writes_the_inequalities_with_disclosure_control(engine, data, tmp_path):
    run_measures(data, tmp_path / "out", engine=engine, geography=GEOGRAPHY, months=1, as_of=AS_OF,
                 only=["emergency_admissions"], by_imd=True)
    table = pq.read_table(tmp_path / "out" / INEQUALITIES_FILE)
    wanted = inequalities.INEQUALITIES.to_pyarrow()
    assert [(f.name, f.type) for f in table.schema] == [(f.name, f.type) for f in wanted]
    rows = table.to_pylist()
    assert {r["level"] for r in rows} == {"pcn", "sub_icb", "icb", "england"}  # never a practice
    assert len(rows) == 13 and all(r["suppressed"] and r["value"] is None and r["denominator"] is None
                                   for r in rows)  # every count here is 1 to 6


def test_values_are_rounded_counts_over_rounded_counts(backend):
    counts = engines.memtable(
        {"measure": ["emergency_admissions"] * 2, "level": ["england"] * 2, "org_code": ["ENG"] * 2,
         "month": [MAR] * 2, "imd_decile": [1, 2], "numerator": [12.0, 0.0], "denominator": [1003.0, 8.0],
         "counted": [1003, 8]},
        {"measure": "string", "level": "string", "org_code": "string", "month": "date", "imd_decile": "int64",
         "numerator": "float64", "denominator": "float64", "counted": "int64"})
    measures = levels.measure_table([definitions.measure("emergency_admissions")])
    rows = sorted(engines.to_arrow(backend, inequalities.decile_values(counts, measures)).to_pylist(),
                  key=lambda r: r["imd_decile"])
    assert rows[0]["numerator"] == 10 and rows[0]["denominator"] == 1005 and not rows[0]["suppressed"]
    assert rows[0]["value"] == pytest.approx(10 / 1005 * 1000)
    assert rows[1]["numerator"] == 0 and rows[1]["denominator"] == 10 and rows[1]["value"] == 0  # 0 is shown
