"""Spec tests of the delivery measures (care homes, anticipatory care, personalised care, FIT and urgent cancer
referrals) and of ``preceded_by``: hand-made patients with hand-computed numerators and denominators for January to
March 2024, on DuckDB and Spark.  Ages: a patient made "n" years old on 1 April 2024 is n - 1 from January to
March (born in April)."""

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
COLORECTAL, LOWER_GI = "276401000000108", "892201000000106"  # the two codes of lower-gi-urgent-referral
BREAST = "276341000000100"  # an urgent referral that is not lower GI

#: measure -> [(numerator, denominator) in January, February, March] for the practice.
EXPECTED = {
    # Lower GI referrals and the FIT in the 21 days up to each: f0 the same day (day 0) and f21 21 days before
    # (4 January for 25 January) count, fdec's FIT in December (14 days before 3 January, before the first month)
    # counts; f22's FIT 22 days before (19 January for 10 February) and fafter's the day after do not; g's one FIT
    # on 1 February precedes both its referrals (4 and 19 days); ftwo's FIT on 10 March comes after its 5 March
    # referral and 18 days before its 28 March one, coded twice that day (one referral a day)
    "fit_before_lower_gi_referral": [(3, 3), (2, 4), (1, 2)],
    # every urgent referral a day: January f0, f21, fdec; February f22, fafter, g twice, b (breast); March ftwo twice;
    # 22 registered patients (left1 left in December)
    "urgent_cancer_referrals": [(3, 22), (5, 22), (2, 22)],
    # adults in a care home (h3, 16, is not; n1 does not live in one): h1's plan of 15 Feb 2023 is within 12 months of
    # 31 January only (not of 29 February, after 28 Feb 2023); h2 has none; h4's of 31 March 2024 counts in March
    "care_home_care_plan_12m": [(1, 3), (0, 3), (1, 3)],
    # h1 seen 15 Nov 2023 (in the 3 months to 31 January, after 31 October; not to 29 February, after 29 November) and
    # 31 March 2024; h4 seen 1 January 2024 (after 31 December: all three months)
    "care_home_seen_3m": [(2, 3), (1, 3), (2, 3)],
    # 65 or over with moderate or severe frailty: a1 (moderate, planning 15 Mar 2023: in the 12 months to 31 January
    # and 29 February, not to 31 March), a5 (moderate, no planning), a2 (severe from 10 February, planning that day);
    # a3 is 59, a4's frailty is mild
    "anticipatory_care_plan_frailty": [(1, 2), (2, 3), (1, 3)],
    # adults referred to social prescribing in the 12 months: s1 (referred June 2023, plan July 2023), s3 (referred
    # 10 Feb 2023: to 31 January only; its plan of 1 March 2024 comes too late), s2 (referred 15 February, plan 20
    # March); s4 is 16
    "care_plan_after_social_prescribing": [(1, 2), (1, 2), (2, 2)],
}


def _dataset(folder, names: dict | None = None):
    b = Builder()

    def patient(name, age, **kw):
        return b.patient(name, age=age, practice=PRACTICE, **kw)

    fit, plan, review, acp = code_of("fit-test"), code_of("care-plan"), code_of("care-home-review"), \
        code_of("advance-care-plan")
    f0 = patient("f0", 60)
    b.event(f0, COLORECTAL, D(2024, 1, 15))
    b.event(f0, fit, D(2024, 1, 15))
    f21 = patient("f21", 70, sex="M")
    b.event(f21, LOWER_GI, D(2024, 1, 25))
    b.event(f21, fit, D(2024, 1, 4))
    fdec = patient("fdec", 66)
    b.event(fdec, COLORECTAL, D(2024, 1, 3))
    b.event(fdec, fit, D(2023, 12, 20))
    f22 = patient("f22", 55, sex="M")
    b.event(f22, COLORECTAL, D(2024, 2, 10))
    b.event(f22, fit, D(2024, 1, 19))
    fafter = patient("fafter", 75)
    b.event(fafter, COLORECTAL, D(2024, 2, 12))
    b.event(fafter, fit, D(2024, 2, 13))
    g = patient("g", 62, sex="M")
    b.event(g, fit, D(2024, 2, 1))
    b.event(g, COLORECTAL, D(2024, 2, 5))
    b.event(g, LOWER_GI, D(2024, 2, 20))
    ftwo = patient("ftwo", 80)
    b.event(ftwo, COLORECTAL, D(2024, 3, 5))
    b.event(ftwo, fit, D(2024, 3, 10))
    b.event(ftwo, COLORECTAL, D(2024, 3, 28))
    b.event(ftwo, LOWER_GI, D(2024, 3, 28))
    breast = patient("b", 50)
    b.event(breast, BREAST, D(2024, 2, 14))
    b.event(breast, fit, D(2024, 2, 10))  # a FIT before a referral that is not lower GI: not counted
    left1 = patient("left1", 68, registered_to=D(2023, 12, 31))  # not registered at any month's end
    b.event(left1, COLORECTAL, D(2023, 12, 20))
    b.event(left1, COLORECTAL, D(2024, 1, 10))
    b.event(left1, fit, D(2024, 1, 9))
    h1 = patient("h1", 86, care_home=True)
    b.event(h1, plan, D(2023, 2, 15))
    b.event(h1, review, D(2023, 11, 15))
    b.event(h1, review, D(2024, 3, 31))
    patient("h2", 91, sex="M", care_home=True)
    h3 = patient("h3", 17, care_home=True)
    b.event(h3, plan, D(2024, 1, 10))
    b.event(h3, review, D(2024, 1, 10))
    h4 = patient("h4", 89, care_home=True)
    b.event(h4, plan, D(2024, 3, 31))
    b.event(h4, review, D(2024, 1, 1))
    n1 = patient("n1", 81)
    b.event(n1, plan, D(2024, 1, 10))
    b.event(n1, review, D(2024, 1, 10))
    a1 = patient("a1", 81, sex="M")
    b.event(a1, code_of("frailty-moderate"), D(2022, 5, 1))
    b.event(a1, acp, D(2023, 3, 15))
    a2 = patient("a2", 71)
    b.event(a2, code_of("frailty-severe"), D(2024, 2, 10))
    b.event(a2, acp, D(2024, 2, 10))
    a3 = patient("a3", 60)
    b.event(a3, code_of("frailty-severe"), D(2023, 6, 1))
    b.event(a3, acp, D(2023, 6, 1))
    a4 = patient("a4", 91)
    b.event(a4, code_of("frailty-mild"), D(2023, 6, 1))
    b.event(a4, acp, D(2023, 6, 1))
    a5 = patient("a5", 76, sex="M")
    b.event(a5, code_of("frailty-moderate"), D(2020, 1, 1))
    referral = code_of("social-prescribing-referral")
    s1 = patient("s1", 40)
    b.event(s1, referral, D(2023, 6, 1))
    b.event(s1, plan, D(2023, 7, 1))
    s2 = patient("s2", 30, sex="M")
    b.event(s2, referral, D(2024, 2, 15))
    b.event(s2, plan, D(2024, 3, 20))
    s3 = patient("s3", 50)
    b.event(s3, referral, D(2023, 2, 10))
    b.event(s3, plan, D(2024, 3, 1))
    s4 = patient("s4", 17)
    b.event(s4, referral, D(2024, 1, 10))
    b.event(s4, plan, D(2024, 1, 10))
    if names is not None:
        names.update(b.names)
    return write(folder, b.tables())


@pytest.fixture(scope="module")
def counts(engine, backend, tmp_path_factory):
    data = _dataset(tmp_path_factory.mktemp(f"delivery-measures-{engine}") / "data")
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


def test_preceded_by_keeps_each_referral_with_a_fit_on_its_day_or_in_the_21_days_before(backend, tmp_path):
    """The referrals ``preceded_by`` keeps, by patient and month (before registration is checked): the boundaries one
    by one."""
    names = {}
    tables = engines.load_tables(backend, _dataset(tmp_path / "data", names))
    periods = compiler.months(AS_OF, 3)
    measure = definitions.measure("fit_before_lower_gi_referral")
    rows = compiler._rows_per_patient_month(compiler.effective_numerator(measure), tables, periods)
    kept = {(r["patient_id"], r["month"]): r["_v"] for r in engines.to_arrow(backend, rows).to_pylist()}
    assert kept == {
        (names["f0"], JAN): 1, (names["f21"], JAN): 1, (names["fdec"], JAN): 1,  # day 0, day 21, a December FIT
        (names["g"], FEB): 2,  # one FIT before two referrals
        (names["ftwo"], MAR): 1,  # the referral after the FIT, not the one before it
        (names["left1"], JAN): 1,  # kept here; not registered, so not counted by the measure
    }  # f22 (day 22) and fafter (FIT the day after) are not there
