"""Hand-made patients with hand-computed numerators and denominators per practice, PCN, sub-ICB, ICB, England
and month, on DuckDB and Spark (the same expected values on both)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pcnhub.analytics.measures.run import SUMMARY_FILE, run_measures
from pcnhub.reference import codelists as cl
from tests.analytics.shared import made_once
from tests.analytics.spec.dataset import Builder, code_of, flag_code, write

AS_OF = dt.date(2024, 4, 1)
JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
GEOGRAPHY = {
    "A00001": ("U00001", "S00001", "Q00001"),
    "A00002": ("U00001", "S00001", "Q00001"),
    "A00003": (None, "S00002", "Q00001"),  # no PCN: counted for its sub-ICB, ICB and England only
}
D = dt.date


def _dataset(folder: Path) -> Path:
    b = Builder()

    def patient(name, age, practice, **kw):
        return b.patient(name, age=age, practice=practice, **kw)

    def item(pid, key, date, cost=None, repeat=True):
        medicine = cl.medicine(key)
        b.rows["medications"].append({"patient_id": pid, "code": medicine.dmd_code, "bnf_code": medicine.bnf_code,
                                      "date": date, "repeat": repeat, "cost": cost})

    hypertension, resolved = code_of("hypertension"), code_of("hypertension-resolved")
    sbp = flag_code("systolic-bp")
    smr = sorted(cl.codelist("structured-medication-review").codes)[0]
    a1 = patient("a1", 70, "A00001")
    b.hospital(a1, "emergency_admission", D(2024, 1, 10), D(2024, 1, 15))  # 5 days
    b.hospital(a1, "emergency_admission", D(2024, 3, 5), D(2024, 3, 20))  # 15 days
    b.hospital(a1, "ae", D(2024, 2, 2), D(2024, 2, 2))
    b.hospital(a1, "outpatient_first", D(2024, 1, 5))
    for day in (D(2024, 1, 20), D(2024, 2, 10), D(2024, 2, 25)):
        b.hospital(a1, "outpatient_follow_up", day)
    item(a1, "naproxen-500", D(2023, 11, 15))  # repeat: in the SMR cohort Jan-Mar; NSAID in Jan's 3 months only
    item(a1, "omeprazole-20", D(2024, 1, 10), cost=1.0)
    item(a1, "omeprazole-20", D(2024, 2, 10), cost=1.0)
    b.event(a1, hypertension, D(2015, 1, 1))
    b.event(a1, sbp, D(2023, 6, 1), 150.0)
    b.event(a1, sbp, D(2024, 2, 10), 135.0)
    a2 = patient("a2", 40, "A00001", sex="M", registered_to=D(2024, 2, 15))  # left in February
    b.hospital(a2, "emergency_admission", D(2024, 2, 1), D(2024, 2, 2))
    item(a2, "atorvastatin-20", D(2024, 1, 5), cost=10.0)
    a3 = patient("a3", 66, "A00001", sex="M", registered_from=D(2024, 2, 10))  # joined in February
    b.hospital(a3, "ae", D(2024, 3, 31), D(2024, 3, 31))
    b.hospital(a3, "emergency_admission", D(2024, 3, 28), None)  # not discharged yet
    item(a3, "apixaban-5", D(2024, 2, 15), cost=53.0)
    item(a3, "lansoprazole-30", D(2023, 12, 1), cost=1.2)
    item(a3, "naproxen-500", D(2024, 3, 10), repeat=False)
    b.event(a3, hypertension, D(2024, 3, 15))
    a4 = patient("a4", 65, "A00001", months_to_birthday=-2)  # 64 at the end of January, 65 from February
    b.hospital(a4, "emergency_admission", D(2024, 1, 20), D(2024, 1, 22))
    b.hospital(a4, "emergency_admission", D(2024, 2, 20), D(2024, 2, 21))
    b.hospital(a4, "outpatient_first", D(2024, 2, 1))
    b.hospital(a4, "outpatient", D(2024, 3, 1))  # neither first nor follow-up: not counted
    item(a4, "ibuprofen-400", D(2024, 1, 25), repeat=False)
    item(a4, "amlodipine-5", D(2024, 3, 3))  # cost not known: counts 0
    b.event(a4, hypertension, D(2020, 1, 1))
    b.event(a4, resolved, D(2023, 1, 1))
    b1 = patient("b1", 85, "A00002", sex="M")
    b.hospital(b1, "emergency_admission", D(2024, 1, 8), D(2024, 1, 30))
    b.event(b1, hypertension, D(2010, 1, 1))
    b.event(b1, sbp, D(2024, 1, 5), 148.0)
    b.event(b1, sbp, D(2024, 3, 3), 139.0)
    b.event(b1, sbp, D(2024, 3, 3), 152.0)  # the highest of the day counts
    b2 = patient("b2", 90, "A00002", care_home=True)
    b.event(b2, smr, D(2023, 3, 15))
    c1 = patient("c1", 30, "A00003")
    b.hospital(c1, "ae", D(2024, 1, 15), D(2024, 1, 15))
    return write(folder, b.tables())


#: (measure, practice) -> [(numerator, denominator) in January, February, March]
PRACTICES = {
    ("emergency_admissions", "A00001"): [(2, 3), (1, 3), (2, 3)],
    ("emergency_admissions", "A00002"): [(1, 2), (0, 2), (0, 2)],
    ("emergency_admissions", "A00003"): [(0, 1), (0, 1), (0, 1)],
    ("ae_attendances", "A00001"): [(0, 3), (1, 3), (1, 3)],
    ("ae_attendances", "A00003"): [(1, 1), (0, 1), (0, 1)],
    ("discharge_within_7_days_65plus", "A00001"): [(1, 1), (1, 1), (0, 2)],
    ("discharge_within_7_days_65plus", "A00002"): [(0, 1), (0, 0), (0, 0)],
    ("outpatient_follow_up_ratio", "A00001"): [(1, 1), (2, 1), (0, 0)],
    ("prescribing_cost_per_patient", "A00001"): [(11.0, 3), (54.0, 3), (0.0, 3)],
    ("prescribing_cost_per_patient", "A00002"): [(0.0, 2), (0.0, 2), (0.0, 2)],
    ("nsaid_without_gastroprotection_65plus", "A00001"): [(0, 1), (1, 1), (2, 2)],
    ("nsaid_without_gastroprotection_65plus", "A00002"): [(0, 0), (0, 0), (0, 0)],
    ("hypertension_treated_to_target", "A00001"): [(0, 1), (1, 1), (1, 2)],
    ("hypertension_treated_to_target", "A00002"): [(1, 1), (1, 1), (0, 1)],
    ("smr_done_for_cohort", "A00001"): [(0, 1), (0, 1), (0, 1)],
    ("smr_done_for_cohort", "A00002"): [(1, 1), (1, 1), (0, 1)],
}


@pytest.fixture(scope="module")
def computed(engine, tmp_path_factory, worker_id):
    """The engine's run on the spec dataset: on Spark once for the whole session (the first worker to need it
    makes it, the others read it: tests/analytics/shared.py)."""

    def make(folder):
        data = _dataset(folder / "data")
        run_measures(data, folder / "out", engine=engine, geography=GEOGRAPHY, months=3, as_of=AS_OF,
                     counts_file=folder / "counts.parquet")

    if engine == "spark":
        folder = made_once(tmp_path_factory, worker_id, "measures-spark", make)
    else:
        folder = tmp_path_factory.mktemp(f"measures-{engine}")
        make(folder)
    summary = json.loads((folder / "out" / SUMMARY_FILE).read_text(encoding="utf-8"))
    counts = pq.read_table(folder / "out" / "measure_values.parquet")
    return summary, counts, folder


def _unrounded(folder: Path, engine: str, work: Path):
    """The level counts before disclosure control, recomputed from the dataset in ``folder`` (for hand-computed
    checks), with the matched events and prescriptions written in ``work``."""
    from pcnhub.analytics import engines
    from pcnhub.analytics.measures import compile as compiler
    from pcnhub.analytics.measures import levels, requirements
    from pcnhub.analytics.measures.run import measure_weights
    from pcnhub.reference import measures as definitions

    con = engines.connect(engine)
    try:
        tables = engines.load_tables(con, folder / "data")
        periods = compiler.months(AS_OF, 3)
        base = compiler.patient_months(tables["patients"], periods)
        import ibis

        chosen = [m for m in definitions.measures() if not m.features()]
        # the events and prescriptions every measure needs, matched once and written, as a run does (else each
        # measure would match them again inside one plan, which Spark takes minutes to plan and run)
        for name, table in requirements.matched_tables(tables, requirements.collect(chosen, periods)).items():
            tables[name] = engines.materialise(con, table, work / f"unrounded-{engine}-{name}.parquet")
        weights = measure_weights(chosen)
        parts = [compiler.practice_counts(m, base, tables, periods, weights=weights) for m in chosen]
        counts = levels.level_counts(ibis.union(*parts), levels.geography_table(GEOGRAPHY))
        rows = engines.to_arrow(con, counts).to_pylist()
    finally:
        engines.close(con)
    return {(r["measure"], r["level"], r["org_code"], r["month"]): (r["numerator"], r["denominator"]) for r in rows}


def _counts_file(path: Path) -> dict:
    rows = pq.read_table(path).to_pylist()
    counts = {(r["measure"], r["level"], r["org_code"], r["month"]): (r["numerator"], r["denominator"]) for r in rows}
    assert len(counts) == len(rows)
    return counts


@pytest.fixture(scope="module")
def unrounded(computed, engine, tmp_path_factory):
    """The level counts before disclosure control: on DuckDB recomputed from the dataset by :func:`_unrounded`
    (checked against the run's counts file below); on Spark the Spark run's own counts file, so the hand-computed
    values are checked against what Spark wrote (recomputing them there took two minutes of the suite)."""
    if engine == "spark":
        return _counts_file(computed[2] / "counts.parquet")
    return _unrounded(computed[2], engine, tmp_path_factory.mktemp("unrounded"))


def test_the_months_and_what_was_skipped(computed):
    summary = computed[0]
    assert summary["months"] == ["2024-01-01", "2024-03-01"]
    assert set(summary["skipped"]) == {"qrisk3_10plus_without_statin"}


@pytest.mark.parametrize(("key", "expected"), list(PRACTICES.items()), ids=["-".join(k) for k in PRACTICES])
def test_practice_numerators_and_denominators(unrounded, key, expected):
    measure, practice = key
    for month, (numerator, denominator) in zip((JAN, FEB, MAR), expected, strict=True):
        found = unrounded.get((measure, "practice", practice, month), (0.0, 0))
        assert found == pytest.approx((numerator, denominator)), (measure, practice, month)


def test_levels_sum_their_practices(unrounded):
    emergency = {level: [unrounded[("emergency_admissions", level, org, m)] for m in (JAN, FEB, MAR)]
                 for level, org in (("pcn", "U00001"), ("sub_icb", "S00002"), ("icb", "Q00001"),
                                    ("england", "ENG"))}
    assert emergency["pcn"] == [(3, 5), (1, 5), (2, 5)]  # A00001 + A00002
    assert emergency["sub_icb"] == [(0, 1), (0, 1), (0, 1)]  # A00003 alone
    assert emergency["icb"] == emergency["england"] == [(3, 6), (1, 6), (2, 6)]
    assert ("emergency_admissions", "pcn", None, JAN) not in unrounded  # no PCN row for A00003
    assert unrounded[("ae_attendances", "pcn", "U00001", JAN)] == (0, 5)
    assert unrounded[("ae_attendances", "england", "ENG", JAN)] == (1, 6)
    assert unrounded[("hypertension_treated_to_target", "pcn", "U00001", MAR)] == (1, 3)


def test_the_counts_file_holds_every_level_before_disclosure_control(computed, engine, unrounded, tmp_path):
    """The run writes every level's counts before disclosure control: on DuckDB those recomputed measure by measure;
    on Spark (whose ``unrounded`` is that file) those DuckDB recomputes from the same dataset."""
    written = _counts_file(computed[2] / "counts.parquet")
    if engine == "duckdb":
        assert written == unrounded
    else:  # across engines, sums of doubles may differ in their last bits
        expected = _unrounded(computed[2], "duckdb", tmp_path)
        assert written.keys() == expected.keys()
        assert written == {key: pytest.approx(value) for key, value in expected.items()}
    assert written[("emergency_admissions", "practice", "A00001", JAN)] == (2, 3)  # shown, not suppressed
    assert not (computed[2] / "out" / "counts.parquet").exists()


def test_small_counts_are_suppressed_in_the_output(computed):
    rows = computed[1].to_pylist()
    assert rows and all(r["suppressed"] for r in rows if r["denominator"] is None)
    practice = [r for r in rows if (r["measure"], r["level"], r["org_code"], r["month"])
                == ("emergency_admissions", "practice", "A00001", JAN)]
    assert practice == [pytest.approx({
        "measure": "emergency_admissions", "level": "practice", "org_code": "A00001", "month": JAN,
        "numerator": None, "denominator": None, "value": None, "suppressed": True, "england_value": None,
        "lower95": None, "upper95": None, "lower998": None, "upper998": None, "percentile": None,
        "change_12m": None})]


@pytest.mark.parametrize("engine", ["duckdb"], scope="session")  # how the compiler builds plans, not an answer
def test_a_condition_table_is_computed_once_for_every_side_and_measure(backend, tmp_path):
    """The engine keeps each condition's patient-months once (``not`` left aside), however many sides and
    measures use it: the PPI table of both prescribing-safety measures, the SMR cohort of both sides."""
    from pcnhub.analytics import engines
    from pcnhub.analytics.measures import compile as compiler
    from pcnhub.reference import measures as definitions

    tables = engines.load_tables(backend, _dataset(tmp_path / "data"))
    periods = compiler.months(AS_OF, 3)
    kept = []
    flags = compiler.flag_source(tables, periods, keep=lambda table: kept.append(table) or table)
    base = compiler.patient_months(tables["patients"], periods)
    for measure_id in ("nsaid_without_gastroprotection_65plus", "anticoagulant_antiplatelet_without_gastroprotection",
                       "smr_done_for_cohort"):
        engines.to_arrow(backend, compiler.practice_counts(definitions.measure(measure_id), base, tables, periods,
                                                           flags=flags))
    # nsaids 3m, PPI 3m, anticoagulants 3m, antiplatelets 3m; SMR: 10 medicines, nsaids, anticoagulants and
    # antiplatelets on repeat in 6m, learning disability or autism, the review in 12m
    assert len(kept) == 10
    kept.clear()
    engines.to_arrow(backend, compiler.practice_counts(definitions.measure("hypertension_treated_to_target"), base,
                                                       tables, periods, flags=flags))
    # hypertension (recorded, not resolved); the latest systolic blood pressures in 12 months, joined once and
    # tested against both targets (no table of its own per target)
    assert len(kept) == 2


@pytest.mark.parametrize("engine", ["duckdb"], scope="session")  # how the compiler builds plans, not an answer
def test_a_side_is_summed_once_and_a_tables_sides_together(backend, tmp_path):
    """A :class:`SideSource` shared by the measures of a run keeps each side's practice sums once (the
    prescribing cost of two measures) and sums the hospital sides with conditions on the patient alone in one
    table; the sums are those of each measure computed on its own."""
    from pcnhub.analytics import engines
    from pcnhub.analytics.measures import compile as compiler
    from pcnhub.analytics.measures.run import measure_weights
    from pcnhub.reference import measures as definitions

    tables = engines.load_tables(backend, _dataset(tmp_path / "data"))
    periods = compiler.months(AS_OF, 3)
    base = compiler.patient_months(tables["patients"], periods)
    chosen = [definitions.measure(m) for m in (
        "emergency_admissions", "ae_attendances", "outpatient_follow_up_ratio", "discharge_within_7_days_65plus",
        "prescribing_cost_per_patient", "prescribing_cost_per_astro_pu")]
    weights = measure_weights(chosen)
    kept = []
    sides = compiler.SideSource(tables, periods, compiler.flag_source(tables, periods), chosen,
                                keep=lambda table: kept.append(table) or table)
    assert [len(group) for group in sides.groups] == [6]  # hospital: 1 + 1 + 2 + 2 sides

    def rows(table):
        return sorted(engines.to_arrow(backend, table).to_pylist(), key=lambda r: (r["practice_code"], r["month"]))

    for measure in chosen:
        shared = compiler.practice_counts(measure, base, tables, periods, weights=weights, sides=sides)
        alone = compiler.practice_counts(measure, base, tables, periods, weights=weights)
        assert rows(shared) == rows(alone), measure.id
    # the hospital sides and the prescribing cost (two measures' numerator); the ASTRO-PUs, one measure's
    # denominator, are summed in that measure's query, not kept
    assert len(kept) == 2
    assert sides.uses[chosen[-1].denominator] == 1 and sides.uses[chosen[-1].numerator] == 2
