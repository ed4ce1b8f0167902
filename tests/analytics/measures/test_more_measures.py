"""Spec tests of the screening, social prescribing, hypertension prevalence, care home and length of stay measures:
hand-made patients with hand-computed numerators and denominators for January to March 2024, on DuckDB and Spark."""

from __future__ import annotations

import datetime as dt

import pytest

from pcnhub.analytics import engines
from pcnhub.analytics.measures import compile as compiler
from pcnhub.reference import measures as definitions
from tests.analytics.spec.dataset import Builder, code_of, write

AS_OF = dt.date(2024, 4, 1)
JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
D = dt.date
PRACTICE = "A00001"

#: measure -> [(numerator, denominator) in January, February, March] for the practice.  Ages: a patient made
#: "n" years old on 1 April 2024 is n - 1 from January to March (born in April).
EXPECTED = {
    # w1 (29) screened 15 Sep 2020: in the 42 months to 31 Jan (after 31 Jul 2020) and 29 Feb (after 29 Aug),
    # not to 31 Mar (after 30 Sep); w2 (39) never
    "cervical_screening_25_49": [(1, 2), (1, 2), (0, 2)],
    # w3 (54) screened 10 Jan 2019: within 66 months (after 31 Jul 2018) all three months
    "cervical_screening_50_64": [(1, 1), (1, 1), (1, 1)],
    # w3 breast screening 15 Feb 2021: within 36 months of 31 Jan (after 31 Jan 2021), not of 29 Feb (after 28 Feb)
    "breast_screening_53_70": [(1, 1), (0, 1), (0, 1)],
    # p1 (64) bowel screening 1 Sep 2021: within 30 months of 31 Jan and 29 Feb, not of 31 Mar (after 30 Sep);
    # o1 (74) never
    "bowel_screening_60_74": [(1, 2), (1, 2), (0, 2)],
    # p1 referred twice on 10 Feb (one a day) and on 20 Feb; seven registered patients
    "iif_social_prescribing_referrals": [(0, 8), (2, 8), (0, 8)],
    # adults: all eight; p1 since 2015, w2 from 5 Feb 2024; w3's diagnosis resolved in 2023
    "hypertension_recorded_prevalence": [(1, 8), (2, 8), (2, 8)],
    # h1 and h2 live in a care home; h1 admitted 5 Jan and 2 Mar; m1's admission is not a resident's
    "emergency_admissions_care_home": [(1, 2), (0, 2), (1, 2)],
    # 65+: h1 (87) 5-9 Jan (4 days), 2 Mar not discharged (not counted); o1 (74 from January) 20-30 Jan (10 days)
    # and 1 Feb discharged the same day (0 days); p1 (64) too young
    "length_of_stay_65plus": [(14, 2), (0, 1), (0, 0)],
}


def _dataset(folder):
    b = Builder()
    w1 = b.patient("w1", age=30, practice=PRACTICE)
    b.event(w1, code_of("cervical-screening"), D(2020, 9, 15))
    w2 = b.patient("w2", age=40, practice=PRACTICE)
    b.event(w2, code_of("hypertension"), D(2024, 2, 5))
    m1 = b.patient("m1", age=30, sex="M", practice=PRACTICE)
    b.event(m1, code_of("cervical-screening"), D(2023, 1, 1))  # a man: not in the denominator
    b.hospital(m1, "emergency_admission", D(2024, 1, 10), D(2024, 1, 12))
    w3 = b.patient("w3", age=55, practice=PRACTICE)
    b.event(w3, code_of("cervical-screening"), D(2019, 1, 10))
    b.event(w3, code_of("breast-screening"), D(2021, 2, 15))
    b.event(w3, code_of("hypertension"), D(2018, 1, 1))
    b.event(w3, code_of("hypertension-resolved"), D(2023, 1, 1))
    p1 = b.patient("p1", age=65, sex="M", practice=PRACTICE)
    b.event(p1, code_of("bowel-screening"), D(2021, 9, 1))
    b.event(p1, code_of("hypertension"), D(2015, 6, 1))
    for day in (D(2024, 2, 10), D(2024, 2, 10), D(2024, 2, 20)):
        b.event(p1, code_of("social-prescribing-referral"), day)
    h1 = b.patient("h1", age=88, practice=PRACTICE, care_home=True)
    b.hospital(h1, "emergency_admission", D(2024, 1, 5), D(2024, 1, 9))
    b.hospital(h1, "emergency_admission", D(2024, 3, 2), None)
    b.patient("h2", age=80, sex="M", practice=PRACTICE, care_home=True)
    o1 = b.patient("o1", age=75, sex="M", practice=PRACTICE)
    b.hospital(o1, "emergency_admission", D(2024, 1, 20), D(2024, 1, 30))
    b.hospital(o1, "emergency_admission", D(2024, 2, 1), D(2024, 2, 1))
    b.hospital(p1, "emergency_admission", D(2024, 1, 3), D(2024, 1, 5))
    return write(folder, b.tables())


@pytest.fixture(scope="module")
def counts(engine, backend, tmp_path_factory):
    data = _dataset(tmp_path_factory.mktemp(f"more-measures-{engine}") / "data")
    tables = engines.load_tables(backend, data)
    periods = compiler.months(AS_OF, 3)
    base = compiler.patient_months(tables["patients"], periods)
    found = {}
    for measure_id in EXPECTED:
        expr = compiler.practice_counts(definitions.measure(measure_id), base, tables, periods)
        for row in engines.to_arrow(backend, expr).to_pylist():
            found[row["measure"], row["practice_code"], row["month"]] = (row["numerator"], row["denominator"])
    return found


@pytest.mark.parametrize("measure_id", list(EXPECTED))
def test_numerators_and_denominators(counts, measure_id):
    for month, expected in zip((JAN, FEB, MAR), EXPECTED[measure_id], strict=True):
        assert counts[measure_id, PRACTICE, month] == pytest.approx(expected), (measure_id, month)
