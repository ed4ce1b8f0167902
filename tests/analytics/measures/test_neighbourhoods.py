"""The neighbourhood view (measures by each PCN's LSOAs) on DuckDB and Spark: hand-made patients, hand-computed
counts, the disclosure control of the output and the run's file."""

from __future__ import annotations

import datetime as dt
import json

import ibis
import pyarrow.parquet as pq
import pytest

from pcnhub.analytics import engines
from pcnhub.analytics.measures import compile as compiler
from pcnhub.analytics.measures import levels, neighbourhoods
from pcnhub.analytics.measures.run import INEQUALITIES_FILE, NEIGHBOURHOODS_FILE, SUMMARY_FILE, run_measures
from pcnhub.reference import measures as definitions
from tests.analytics.spec.dataset import Builder, write

AS_OF = dt.date(2024, 4, 1)
MAR = dt.date(2024, 3, 1)
GEOGRAPHY = {"A00001": ("U00001", "S00001", "Q00001"), "A00002": ("U00001", "S00001", "Q00001"),
             "A00003": (None, "S00002", "Q00001")}
L1, L2, L3 = "E01000001", "E01000002", "E01000003"


def _dataset(folder):
    b = Builder()
    p1 = b.patient("p1", age=50, practice="A00001", lsoa=L1)
    b.patient("p2", age=60, practice="A00001", lsoa=L1)
    p3 = b.patient("p3", age=70, practice="A00001", lsoa=L2)
    b.patient("p4", age=40, practice="A00001", lsoa=None)  # no LSOA recorded
    q1 = b.patient("q1", age=80, practice="A00002", lsoa=L1)  # the same LSOA from another practice of the PCN
    b.patient("q2", age=30, practice="A00002", lsoa=L3)
    x = b.patient("x", age=30, practice="A00003", lsoa=L1)  # no PCN: in no neighbourhood
    for pid, day in ((p1, 3), (p1, 20), (p3, 7), (q1, 9), (x, 11)):
        b.hospital(pid, "emergency_admission", dt.date(2024, 3, day), dt.date(2024, 3, day + 1))
    return write(folder, b.tables())


@pytest.fixture(scope="module")
def data(engine, tmp_path_factory):
    return _dataset(tmp_path_factory.mktemp(f"neighbourhoods-{engine}") / "data")


def _counts(backend, data, measure_id="emergency_admissions"):
    tables = engines.load_tables(backend, data)
    keyed = {**tables, "patients": neighbourhoods.by_neighbourhood(tables["patients"])}
    periods = compiler.months(AS_OF, 1)
    base = compiler.patient_months(keyed["patients"], periods)
    practices = compiler.practice_counts(definitions.measure(measure_id), base, keyed, periods)
    return neighbourhoods.neighbourhood_counts(practices, levels.geography_table(GEOGRAPHY)), tables, periods


def test_counts_by_neighbourhood_of_each_pcn(backend, data):
    counts, _, _ = _counts(backend, data)
    found = {(r["level"], r["org_code"], r["neighbourhood"]): (r["numerator"], r["denominator"])
             for r in engines.to_arrow(backend, counts).to_pylist() if r["month"] == MAR}
    assert found == {
        ("pcn", "U00001", L1): (3, 3),  # p1 twice and q1, of p1, p2, q1 (two practices)
        ("pcn", "U00001", L2): (1, 1), ("pcn", "U00001", L3): (0, 1), ("pcn", "U00001", None): (0, 1),
    }


def test_a_pcns_neighbourhoods_add_up_to_the_pcn(backend, data):
    counts, tables, periods = _counts(backend, data)
    summed = counts.group_by("org_code").aggregate(n=counts.numerator.sum(), d=counts.denominator.sum())
    base = compiler.patient_months(tables["patients"], periods)
    practices = compiler.practice_counts(definitions.measure("emergency_admissions"), base, tables, periods)
    pcn = levels.level_counts(practices, levels.geography_table(GEOGRAPHY))
    pcn = pcn.filter(pcn.level == "pcn")
    assert engines.to_arrow(backend, summed).to_pylist() == [{"org_code": "U00001", "n": 4.0, "d": 6}]
    assert [(r["numerator"], r["denominator"]) for r in engines.to_arrow(backend, pcn).to_pylist()] == [(4.0, 6)]


def test_run_writes_the_neighbourhoods_with_disclosure_control(engine, data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / INEQUALITIES_FILE).write_bytes(b"an earlier run's")
    summary = run_measures(data, out, engine=engine, geography=GEOGRAPHY, months=1, as_of=AS_OF,
                           only=["emergency_admissions"], by_neighbourhood=True)
    assert summary["breakdowns"] == ["neighbourhood"]
    assert json.loads((out / SUMMARY_FILE).read_text())["breakdowns"] == ["neighbourhood"]
    assert summary["synthetic"] is False  # the pages say so only of a dataset marked synthetic
    assert not (out / INEQUALITIES_FILE).exists()  # not asked for this time: an earlier run's is not left behind
    table = pq.read_table(out / NEIGHBOURHOODS_FILE)
    wanted = neighbourhoods.NEIGHBOURHOODS.to_pyarrow()
    assert [(f.name, f.type) for f in table.schema] == [(f.name, f.type) for f in wanted]
    rows = table.to_pylist()
    assert {(r["level"], r["org_code"]) for r in rows} == {("pcn", "U00001")}
    assert sorted(r["neighbourhood"] or "" for r in rows) == ["", L1, L2, L3]
    assert all(r["suppressed"] and r["value"] is None and r["numerator"] is None and r["denominator"] is None
               for r in rows)  # every count here is 1 to 6


@pytest.mark.parametrize("engine", ["duckdb"], scope="session")
def test_a_run_not_asked_for_neighbourhoods_leaves_no_earlier_file(data, tmp_path):
    """(The run's files, not an engine's answers: on DuckDB only.)"""
    out = tmp_path / "out"
    run_measures(data, out, geography=GEOGRAPHY, months=1, as_of=AS_OF, only=["emergency_admissions"],
                 by_neighbourhood=True)
    assert (out / NEIGHBOURHOODS_FILE).exists()
    run_measures(data, out, geography=GEOGRAPHY, months=1, as_of=AS_OF, only=["emergency_admissions"])
    assert not (out / NEIGHBOURHOODS_FILE).exists()


def test_values_are_rounded_counts_over_rounded_counts(backend):
    counts = engines.memtable(
        {"measure": ["emergency_admissions"] * 3, "level": ["pcn"] * 3, "org_code": ["U00001"] * 3,
         "month": [MAR] * 3, "neighbourhood": [L1, L2, None], "numerator": [12.0, 3.0, 0.0],
         "denominator": [1003.0, 40.0, 9.0], "counted": [1003, 40, 9]},
        {"measure": "string", "level": "string", "org_code": "string", "month": "date", "neighbourhood": "string",
         "numerator": "float64", "denominator": "float64", "counted": "int64"})
    measures = levels.measure_table([definitions.measure("emergency_admissions")])
    rows = {r["neighbourhood"]: r for r in engines.to_arrow(
        backend, neighbourhoods.neighbourhood_values(counts, measures)).to_pylist()}
    assert (rows[L1]["numerator"], rows[L1]["denominator"], rows[L1]["suppressed"]) == (10, 1005, False)
    assert rows[L1]["value"] == pytest.approx(10 / 1005 * 1000)
    assert rows[L2]["suppressed"] and rows[L2]["value"] is None and rows[L2]["denominator"] is None  # 3 admissions
    assert (rows[None]["numerator"], rows[None]["denominator"], rows[None]["value"]) == (0, 10, 0)


def test_the_key_keeps_practice_and_lsoa_apart(backend):
    patients = ibis.memtable({"practice_code": ["A00001", "A00002"], "lsoa": [L1, None]})
    keyed = engines.to_arrow(backend, neighbourhoods.by_neighbourhood(patients)).to_pylist()
    assert [r["practice_code"] for r in keyed] == [f"A00001~{L1}", "A00002~"]


def test_the_summary_says_when_the_patients_are_synthetic(tmp_path):
    import pyarrow.parquet as pq

    from pcnhub.analytics.schema import TABLES, mark_synthetic

    marked = _dataset(tmp_path / "marked")
    path = marked / TABLES["patients"].file
    table = pq.read_table(path)
    pq.write_table(table.replace_schema_metadata(mark_synthetic(table.schema).metadata), path)
    out = tmp_path / "out"
    out.mkdir()
    summary = run_measures(marked, out, engine="duckdb", geography=GEOGRAPHY, months=1, as_of=AS_OF,
                           only=["emergency_admissions"])
    assert summary["synthetic"] is True
