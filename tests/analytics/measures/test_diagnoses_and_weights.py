"""Spec tests of hospital diagnoses (``diagnoses = [...]``) and weighted denominators (``weight = "<key>"``):
hand-made patients, numerators and denominators hand-computed from the published weights, on DuckDB and Spark.

Ages: a patient made "n" years old on 1 April 2024 is n - 1 from January to March (born in April); with
``months_to_birthday=-2`` the birthday is in February (n - 1 at the end of January, n from February)."""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq
import pytest

from pcnhub.analytics import engines
from pcnhub.analytics.measures import compile as compiler
from pcnhub.analytics.measures.run import measure_weights, run_measures
from pcnhub.reference import codelists as cl
from pcnhub.reference import measures as definitions
from pcnhub.reference.measures import parse_measure
from tests.analytics.spec.dataset import Builder, code_of, write

AS_OF = dt.date(2024, 4, 1)
JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
D = dt.date
ACS, FRAIL, WEIGHED = "A00001", "A00002", "A00003"

#: ASTRO-PU 2013 cost weightings (reference/weights/astro-pu-2013-cost.csv, as OpenPrescribing copied them).
ASTRO = {("M", "0-4"): 1.0, ("F", "25-34"): 1.84193852699796, ("F", "65-74"): 7.64083013196212,
         ("F", "75+"): 9.88935302232237, ("M", "15-24"): 1.22586428186498, ("M", "5-14"): 0.871655388261018,
         ("F", "45-54"): 3.72488353721683}
#: Faculty of Public Health hypertension ready-reckoner (reference/weights/hypertension-expected-fph-2003.csv).
FPH = {("F", "25-34"): 0.05, ("F", "65-74"): 0.64, ("F", "75+"): 0.75, ("M", "15-24"): 0.06, ("F", "45-54"): 0.23}

ACS_SHARE = parse_measure('''
id = "acs_share"
title = "t"
why = "w"
direction = "lower"
unit = "percent"
serves = ["s"]
source = "s"
status = "uncertain"
[numerator]
count = "hospital"
kinds = ["emergency_admission"]
within_denominator = true
diagnoses = ["acsc-copd", "acsc-hypertension", "acsc-asthma", "acsc-diabetes"]
[denominator]
count = "hospital"
kinds = ["emergency_admission"]
''', "measures/acs_share.toml")
COST_HYPERTENSION = parse_measure('''
id = "cost_hypertension"
title = "t"
why = "w"
direction = "lower"
unit = "gbp"
serves = ["s"]
source = "s"
status = "uncertain"
[numerator]
count = "medications"
sum = "cost"
where = [{ events = "hypertension", resolved_by = "hypertension-resolved" }]
[denominator]
count = "patients"
weight = "astro-pu-2013-cost"
where = [{ events = "hypertension", resolved_by = "hypertension-resolved" }]
''', "measures/cost_hypertension.toml")

#: (measure, practice) -> [(numerator, denominator, counted) in January, February, March]
EXPECTED = {
    # c1 J441 (COPD) and c3 J459 (asthma) in January; c1 I10X (I10 by prefix) in February, c3's admission that
    # month after leaving; c2 I119 and E119 (E11) in March, not I11 (no list has it) nor J209, null, A&E, elective
    ("emergency_admissions_acs_chronic", ACS): [(2, 3, 3), (1, 2, 2), (2, 2, 2)],
    ("acs_share", ACS): [(2, 3, 3), (1, 2, 2), (2, 3, 3)],
    # f1 moderate since 2023; f3 moderate from 15 February (mild before); f2 severe then mild, f6 moderate and mild
    # the same day, f4 64, f5 not coded: none of them
    ("emergency_admissions_frailty_65plus", FRAIL): [(1, 1, 1), (0, 2, 2), (2, 2, 2)],
    # every patient weighed: w3 turns 75 in February, w6 registers in February
    ("prescribing_cost_per_astro_pu", WEIGHED): [
        (2.0, ASTRO["M", "0-4"] + ASTRO["F", "25-34"] + ASTRO["F", "65-74"] + ASTRO["M", "15-24"]
         + ASTRO["M", "5-14"], 5),
        (30.0, ASTRO["M", "0-4"] + ASTRO["F", "25-34"] + ASTRO["F", "75+"] + ASTRO["M", "15-24"] + ASTRO["M", "5-14"]
         + ASTRO["F", "45-54"], 6),
        (11.0, ASTRO["M", "0-4"] + ASTRO["F", "25-34"] + ASTRO["F", "75+"] + ASTRO["M", "15-24"] + ASTRO["M", "5-14"]
         + ASTRO["F", "45-54"], 6),
    ],
    # 15 and over: w2, w3, w4 (15), w6 from February; w1 and w5 (14) not; diagnosed: w3, and w6 from 5 March
    ("hypertension_observed_to_expected", WEIGHED): [
        (1, FPH["F", "25-34"] + FPH["F", "65-74"] + FPH["M", "15-24"], 3),
        (1, FPH["F", "25-34"] + FPH["F", "75+"] + FPH["M", "15-24"] + FPH["F", "45-54"], 4),
        (2, FPH["F", "25-34"] + FPH["F", "75+"] + FPH["M", "15-24"] + FPH["F", "45-54"], 4),
    ],
    # a weighted side that starts from a condition's patient-months: w3, w5 (no age limit here), w6 from March
    ("cost_hypertension", WEIGHED): [(0.0, ASTRO["F", "65-74"] + ASTRO["M", "5-14"], 2),
                                     (30.0, ASTRO["F", "75+"] + ASTRO["M", "5-14"], 2),
                                     (11.0, ASTRO["F", "75+"] + ASTRO["M", "5-14"] + ASTRO["F", "45-54"], 3)],
}
MEASURES = {m.id: m for m in (ACS_SHARE, COST_HYPERTENSION)}


def _measure(measure_id: str) -> definitions.Measure:
    return MEASURES.get(measure_id) or definitions.measure(measure_id)


def _dataset(folder):
    b = Builder()

    def item(pid, date, cost):
        medicine = cl.medicine("amlodipine-5")
        b.rows["medications"].append({"patient_id": pid, "code": medicine.dmd_code, "bnf_code": medicine.bnf_code,
                                      "date": date, "repeat": True, "cost": cost})

    c1 = b.patient("c1", age=71, sex="M", practice=ACS)
    for day, diagnosis in ((D(2024, 1, 10), "J441"), (D(2024, 1, 15), "J209"), (D(2024, 2, 5), "I10X"),
                           (D(2024, 2, 20), None)):
        b.hospital(c1, "emergency_admission", day, day + dt.timedelta(days=2), diagnosis)
    b.hospital(c1, "ae", D(2024, 3, 3), D(2024, 3, 3), "J441")
    b.hospital(c1, "elective_admission", D(2024, 3, 4), D(2024, 3, 5), "J441")
    c2 = b.patient("c2", age=41, practice=ACS)
    for day, diagnosis in ((D(2024, 3, 12), "I11"), (D(2024, 3, 13), "I119"), (D(2024, 3, 25), "E119")):
        b.hospital(c2, "emergency_admission", day, day + dt.timedelta(days=1), diagnosis)
    c3 = b.patient("c3", age=31, practice=ACS, registered_to=D(2024, 2, 10))
    b.hospital(c3, "emergency_admission", D(2024, 1, 10), D(2024, 1, 11), "J459")
    b.hospital(c3, "emergency_admission", D(2024, 2, 5), D(2024, 2, 6), "J459")

    mild, moderate, severe = (code_of(k) for k in ("frailty-mild", "frailty-moderate", "frailty-severe"))
    f1 = b.patient("f1", age=81, practice=FRAIL)
    b.event(f1, moderate, D(2023, 6, 1))
    f2 = b.patient("f2", age=76, practice=FRAIL)
    b.event(f2, severe, D(2022, 1, 1))
    b.event(f2, mild, D(2023, 9, 1))
    f3 = b.patient("f3", age=70, sex="M", practice=FRAIL)
    b.event(f3, mild, D(2022, 5, 1))
    b.event(f3, moderate, D(2024, 2, 15))
    f4 = b.patient("f4", age=65, practice=FRAIL)
    b.event(f4, severe, D(2023, 1, 1))
    f5 = b.patient("f5", age=90, practice=FRAIL)
    f6 = b.patient("f6", age=85, practice=FRAIL)
    b.events(f6, [moderate, mild], D(2023, 1, 1))
    for pid, day in ((f1, D(2024, 1, 10)), (f1, D(2024, 3, 3)), (f3, D(2024, 1, 20)), (f3, D(2024, 3, 1)),
                     (f2, D(2024, 2, 2)), (f4, D(2024, 2, 5)), (f5, D(2024, 1, 7)), (f6, D(2024, 2, 9))):
        b.hospital(pid, "emergency_admission", day, day + dt.timedelta(days=3))

    hypertension, resolved = code_of("hypertension"), code_of("hypertension-resolved")
    w1 = b.patient("w1", age=3, sex="M", practice=WEIGHED)
    item(w1, D(2024, 1, 5), 2.0)
    w2 = b.patient("w2", age=31, practice=WEIGHED)
    b.event(w2, hypertension, D(2019, 1, 1))
    b.event(w2, resolved, D(2021, 1, 1))
    w3 = b.patient("w3", age=75, practice=WEIGHED, months_to_birthday=-2)
    b.event(w3, hypertension, D(2010, 1, 1))
    item(w3, D(2024, 2, 5), 30.0)
    b.patient("w4", age=16, sex="M", practice=WEIGHED)
    w5 = b.patient("w5", age=15, sex="M", practice=WEIGHED)
    b.event(w5, hypertension, D(2023, 1, 1))
    item(w5, D(2024, 3, 5), 1.0)
    w6 = b.patient("w6", age=51, practice=WEIGHED, registered_from=D(2024, 2, 10))
    b.event(w6, hypertension, D(2024, 3, 5))
    item(w6, D(2024, 3, 6), 10.0)
    return write(folder, b.tables())


@pytest.fixture(scope="module")
def data(engine, tmp_path_factory):
    return _dataset(tmp_path_factory.mktemp(f"diagnoses-weights-{engine}") / "data")


@pytest.fixture(scope="module")
def counts(backend, data):
    tables = engines.load_tables(backend, data)
    periods = compiler.months(AS_OF, 3)
    base = compiler.patient_months(tables["patients"], periods)
    chosen = [_measure(measure_id) for measure_id in {key[0] for key in EXPECTED}]
    weights = measure_weights(chosen)
    found = {}
    for measure in chosen:
        expr = compiler.practice_counts(measure, base, tables, periods, weights=weights)
        for row in engines.to_arrow(backend, expr).to_pylist():
            found[row["measure"], row["practice_code"], row["month"]] = (
                row["numerator"], row["denominator"], row["counted"])
    return found


@pytest.mark.parametrize("key", list(EXPECTED), ids=["-".join(k) for k in EXPECTED])
def test_numerators_denominators_and_the_patients_weighed(counts, key):
    measure, practice = key
    for month, (numerator, denominator, counted) in zip((JAN, FEB, MAR), EXPECTED[key], strict=True):
        found = counts[measure, practice, month]
        assert found[:2] == pytest.approx((numerator, denominator), rel=1e-12), (measure, month)
        assert found[2] == counted, (measure, month)


def test_an_unweighted_denominator_is_its_own_count(counts):
    assert counts["emergency_admissions_acs_chronic", FRAIL, JAN] == (0.0, 6.0, 6)
    assert counts["prescribing_cost_per_astro_pu", ACS, JAN][2] == 3


def test_a_weighted_denominator_needs_its_table(backend, data):
    tables = engines.load_tables(backend, data)
    periods = compiler.months(AS_OF, 1)
    base = compiler.patient_months(tables["patients"], periods)
    with pytest.raises(ValueError, match="weights table astro-pu-2013-cost is needed"):
        compiler.practice_counts(definitions.measure("prescribing_cost_per_astro_pu"), base, tables, periods)


def test_a_weighted_denominator_is_suppressed_by_the_patients_behind_it(engine, data, tmp_path):
    summary = run_measures(data, tmp_path / "out", engine=engine, months=3, as_of=AS_OF,
                           geography={WEIGHED: ("U00001", "S00001", "Q00001")},
                           only=["prescribing_cost_per_astro_pu", "hypertension_observed_to_expected"],
                           counts_file=tmp_path / "counts.parquet")
    assert {m["id"]: m["weight"] for m in summary["measures"]} == {
        "prescribing_cost_per_astro_pu": "astro-pu-2013-cost",
        "hypertension_observed_to_expected": "hypertension-expected-fph-2003"}
    rows = {(r["measure"], r["org_code"], r["month"]): r
            for r in pq.read_table(tmp_path / "out" / "measure_values.parquet").to_pylist()}
    # 12.6 ASTRO-PUs (13, not a small count) but 5 patients: suppressed, as a count of 5 patients would be
    january = rows["prescribing_cost_per_astro_pu", WEIGHED, JAN]
    assert january["suppressed"] and january["denominator"] is None and january["value"] is None
    assert january["lower95"] is None
    written = {(r["measure"], r["org_code"], r["month"]): (r["numerator"], r["denominator"], r["counted"])
               for r in pq.read_table(tmp_path / "counts.parquet").to_pylist()}
    # England (every practice): GBP 30 in February over the weighted list, rounded to 5; a sum has no limits
    cost, astro, patients = written["prescribing_cost_per_astro_pu", "ENG", FEB]
    assert (cost, patients) == (30.0, 14)  # A00001: 2, A00002: 6, A00003: 6
    england = rows["prescribing_cost_per_astro_pu", "ENG", FEB]
    assert not england["suppressed"] and england["denominator"] == (round(astro) + 2) // 5 * 5
    assert england["value"] == pytest.approx(30.0 / england["denominator"])
    assert england["england_value"] == pytest.approx(30.0 / astro)
    assert england["lower95"] is england["upper95"] is england["lower998"] is None
    # observed to expected: England's 2 people on the register are a small count, so England's ratio is hidden
    assert written["hypertension_observed_to_expected", "ENG", MAR][0] == 2
    assert rows["hypertension_observed_to_expected", "ENG", MAR]["england_value"] is None
    assert written["hypertension_observed_to_expected", "U00001", MAR] == pytest.approx(
        (2, FPH["F", "25-34"] + FPH["F", "75+"] + FPH["M", "15-24"] + FPH["F", "45-54"], 4))
