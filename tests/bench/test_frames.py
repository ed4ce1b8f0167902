"""The measures written by hand in pandas and Polars for ``bench/measures.py`` (``bench/frames/``): the
hand-computed numerators and denominators of the measures' spec tests, pcnhub's sums on a small synthetic
population, and the figures they read from the definitions."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace

import pyarrow.parquet as pq
import pytest

from bench.frames import ENGINES, HAND_WRITTEN, common
from pcnhub.analytics import synth
from pcnhub.analytics.measures import compile as compiler
from pcnhub.analytics.measures.run import run_measures
from pcnhub.reference import measures as definitions
from pcnhub.reference.measures import Condition
from tests.analytics.measures import test_delivery_measures as delivery
from tests.analytics.measures import test_diagnoses_and_weights as weighted
from tests.analytics.measures import test_more_measures as more
from tests.analytics.measures import test_spec as spec

AS_OF = dt.date(2024, 4, 1)
MONTHS = (dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1))


def _sums(engine: str, data, months: int, geography: dict) -> dict:
    """``(measure, level, org_code, month) -> (numerator, denominator)`` of a hand-written engine."""
    frame = ENGINES[engine](data, compiler.months(AS_OF, months), geography)
    rows = frame.to_dict("records") if engine == "pandas" else frame.to_dicts()
    found = {}
    for row in rows:
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        found[row["measure"], row["level"], row["org_code"], month] = (row["numerator"], row["denominator"])
    return found


@pytest.fixture(scope="module", params=sorted(ENGINES))
def engine(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def spec_sums(engine, tmp_path_factory):
    data = spec._dataset(tmp_path_factory.mktemp(f"frames-spec-{engine}") / "data")
    return _sums(engine, data, 3, spec.GEOGRAPHY)


@pytest.fixture(scope="module")
def more_sums(engine, tmp_path_factory):
    data = more._dataset(tmp_path_factory.mktemp(f"frames-more-{engine}") / "data")
    return _sums(engine, data, 3, {})


@pytest.fixture(scope="module")
def delivery_sums(engine, tmp_path_factory):
    data = delivery._dataset(tmp_path_factory.mktemp(f"frames-delivery-{engine}") / "data")
    return _sums(engine, data, 3, {})


@pytest.fixture(scope="module")
def weighted_sums(engine, tmp_path_factory):
    data = weighted._dataset(tmp_path_factory.mktemp(f"frames-weighted-{engine}") / "data")
    return _sums(engine, data, 3, {})


#: The spec tests' hand-computed sums of the measures of reference/measures/ (not of the tests' own definitions).
WEIGHTED = {key: value for key, value in weighted.EXPECTED.items() if key[0] not in weighted.MEASURES}


@pytest.mark.parametrize(("key", "expected"), list(spec.PRACTICES.items()), ids=["-".join(k) for k in spec.PRACTICES])
def test_hand_computed_practice_sums(spec_sums, key, expected):
    measure, practice = key
    for month, (numerator, denominator) in zip(MONTHS, expected, strict=True):
        assert spec_sums[measure, "practice", practice, month] == pytest.approx((numerator, denominator)), month


@pytest.mark.parametrize(("measure", "expected"), list(more.EXPECTED.items()), ids=list(more.EXPECTED))
def test_hand_computed_sums_of_the_screening_care_home_stay_and_referral_measures(more_sums, measure, expected):
    for month, (numerator, denominator) in zip(MONTHS, expected, strict=True):
        assert more_sums[measure, "practice", more.PRACTICE, month] == pytest.approx((numerator, denominator)), month


@pytest.mark.parametrize(("measure", "expected"), list(delivery.EXPECTED.items()), ids=list(delivery.EXPECTED))
def test_hand_computed_sums_of_the_delivery_measures(delivery_sums, measure, expected):
    # FIT before lower GI referrals: the day itself and 21 days before count, 22 days before or the day after do
    # not, one FIT precedes two referrals, two codes on one day are one referral (test_delivery_measures.EXPECTED)
    for month, (numerator, denominator) in zip(MONTHS, expected, strict=True):
        assert delivery_sums[measure, "practice", delivery.PRACTICE, month] == pytest.approx(
            (numerator, denominator)), month


@pytest.mark.parametrize(("key", "expected"), list(WEIGHTED.items()), ids=["-".join(k) for k in WEIGHTED])
def test_hand_computed_sums_of_diagnoses_and_weighted_denominators(weighted_sums, key, expected):
    # ACS admissions by ICD-10 prefix (I10X by I10; not I11, J209, a null diagnosis, A&E or elective rows);
    # frailty not resolved by a later mild code; ASTRO-PUs and the FPH's expected hypertension by age band and
    # sex, from the published weights (test_diagnoses_and_weights.EXPECTED)
    measure, practice = key
    for month, (numerator, denominator, _) in zip(MONTHS, expected, strict=True):
        assert weighted_sums[measure, "practice", practice, month] == pytest.approx(
            (numerator, denominator), rel=1e-12), month


def test_pcn_sums_and_a_row_for_every_practice_and_month(spec_sums):
    # A00001 and A00002 make PCN U00001; A00003 has no PCN
    assert [spec_sums["emergency_admissions", "pcn", "U00001", m] for m in MONTHS] == [(3, 5), (1, 5), (2, 5)]
    assert {org for (_, level, org, _) in spec_sums if level == "pcn"} == {"U00001"}
    # every practice with a registered patient has a row each month, zeros included, for every measure
    practices = {key for key in spec_sums if key[1] == "practice"}
    assert practices == set(itertools.product(HAND_WRITTEN, ["practice"], ["A00001", "A00002", "A00003"], MONTHS))
    assert spec_sums["emergency_admissions", "practice", "A00003", MONTHS[0]] == (0, 1)
    assert spec_sums["length_of_stay_65plus", "practice", "A00003", MONTHS[0]] == (0, 0)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A small synthetic population over 12 months, and pcnhub's practice and PCN sums on DuckDB."""
    folder = tmp_path_factory.mktemp("frames-synthetic")
    practices = [synth.PracticeSize(f"Y{i:05d}", 1000 + 200 * i) for i in range(6)]
    synth.generate(practices, folder / "data", patients=12_000, seed=3, as_of=AS_OF)
    geography = {p.code: (f"U{i // 3:05d}", "S00001", "Q00001") for i, p in enumerate(practices)}
    run_measures(folder / "data", folder / "out", geography=geography, months=12, as_of=AS_OF,
                 only=list(HAND_WRITTEN), counts_file=folder / "counts.parquet")
    pcnhub = {(r["measure"], r["level"], r["org_code"], r["month"]): (r["numerator"], r["denominator"])
              for r in pq.read_table(folder / "counts.parquet").to_pylist() if r["level"] in ("practice", "pcn")}
    return folder / "data", geography, pcnhub


def test_the_same_sums_as_pcnhub_on_a_synthetic_population(engine, synthetic):
    data, geography, pcnhub = synthetic
    found = _sums(engine, data, 12, geography)
    assert set(found) == set(pcnhub)
    differ = sorted({key[0] for key, value in found.items() if value != pytest.approx(pcnhub[key])})
    assert differ == []
    # the population is large enough for every measure to count something
    assert sorted({key[0] for key, (numerator, _) in found.items() if numerator > 0}) == sorted(HAND_WRITTEN)


def test_the_figures_are_the_definitions():
    figures = common.figures()
    # the screening programmes' published ages (to: exclusive) and intervals
    assert [(s.measure, s.sex, s.ages, s.screened.months) for s in figures.screenings] == [
        ("bowel_screening_60_74", None, (60, 75), 30), ("breast_screening_53_70", "F", (53, 71), 36),
        ("cervical_screening_25_49", "F", (25, 50), 42), ("cervical_screening_50_64", "F", (50, 65), 66)]
    # QOF's hypertension targets: 140 mmHg under 80, 150 from 80, the latest reading in 12 months
    assert (figures.htn_split_age, figures.sbp_under, figures.sbp_over, figures.sbp.months) == (80, 140, 150, 12)
    assert (figures.discharge_days, figures.discharge_age, figures.stay_age) == (7, 65, 65)
    assert figures.cohort_medicines == 10 and figures.cohort_ld.months is None
    # IIF CAN-02: a FIT result in the 21 days leading up to a lower GI urgent referral
    assert (figures.lower_gi, figures.fit, figures.fit_days) == (("lower-gi-urgent-referral",), ("fit-test",), 21)
    assert figures.urgent == ("urgent-cancer-referral",)
    # NHS Outcomes Framework 2.3.i: the 11 chronic ambulatory care sensitive conditions, emergency admissions
    assert figures.acs_kinds == ("emergency_admission",) and len(figures.acs) == 11
    assert (figures.frail_admitted_age, figures.frail_age, figures.frail) == (
        65, 65, common.Register(("frailty-moderate", "frailty-severe"), "frailty-mild"))
    # the FPH ready-reckoner starts at 15, as the measure's ages
    assert (figures.observed_age, figures.expected_age, figures.expected, figures.astro) == (
        15, 15, "hypertension-expected-fph-2003", "astro-pu-2013-cost")
    expected, astro = common.weights_by_age(figures.expected, 80), common.weights_by_age(figures.astro, 80)
    assert (expected["F"][14], expected["M"][15], expected["F"][74], expected["F"][75], expected["F"][80]) == (
        pytest.approx(float("nan"), nan_ok=True), 0.06, 0.64, 0.75, 0.75)
    assert (astro["M"][0], astro["M"][4], round(astro["F"][5], 1), round(astro["M"][80], 1)) == (1.0, 1.0, 0.7, 11.3)
    assert [(u.measure, u.age, u.care_home, u.cohort, u.done) for u in figures.follow_ups] == [
        ("anticipatory_care_plan_frailty", 65, False, common.Coded(("frailty-moderate", "frailty-severe"), None),
         common.Coded(("advance-care-plan",), 12)),
        ("care_home_care_plan_12m", 18, True, None, common.Coded(("care-plan",), 12)),
        ("care_home_seen_3m", 18, True, None, common.Coded(("care-home-review",), 3)),
        ("care_plan_after_social_prescribing", 18, False, common.Coded(("social-prescribing-referral",), 12),
         common.Coded(("care-plan",), 12))]


@pytest.mark.parametrize(("measure_id", "change", "message"), [
    ("nsaid_without_gastroprotection_65plus", lambda m: replace(m, denominator=replace(
        m.denominator, where=m.denominator.where + (Condition("sex", value="F"),))),
     "nsaid_without_gastroprotection_65plus.denominator"),
    # the FIT's preceded_by taken away: the numerator would be every lower GI referral
    ("fit_before_lower_gi_referral", lambda m: replace(m, numerator=replace(m.numerator, preceded_by=None)),
     "fit_before_lower_gi_referral.numerator"),
    # a preceded_by where the hand-written version does not look for one
    ("urgent_cancer_referrals", lambda m: replace(m, numerator=replace(
        m.numerator, preceded_by=definitions.measure("fit_before_lower_gi_referral").numerator.preceded_by)),
     "urgent_cancer_referrals.numerator"),
    # a care home cohort in a definition written as a frailty cohort
    ("anticipatory_care_plan_frailty", lambda m: replace(m, denominator=replace(
        m.denominator, where=m.denominator.where + (Condition("care_home"),))),
     "anticipatory_care_plan_frailty.denominator"),
    # the diagnoses taken away: every emergency admission
    ("emergency_admissions_acs_chronic", lambda m: replace(m, numerator=replace(m.numerator, diagnoses=())),
     "emergency_admissions_acs_chronic.numerator"),
    # a weight where the hand-written version counts patients
    ("prescribing_cost_per_patient", lambda m: replace(m, denominator=replace(
        m.denominator, weight="astro-pu-2013-cost")), "prescribing_cost_per_patient.denominator"),
    # a plan that a later code takes back is not a code in a window
    ("care_home_seen_3m", lambda m: replace(m, numerator=replace(m.numerator, where=(replace(
        m.numerator.where[0], resolved_by="care-plan"),))), "not resolved by another"),
], ids=["nsaid-sex", "fit-no-preceded-by", "urgent-preceded-by", "frailty-care-home", "acs-no-diagnoses",
        "cost-weighted", "seen-resolved"])
def test_a_definition_of_another_shape_stops_the_bench(monkeypatch, measure_id, change, message):
    changed = change(definitions.measure(measure_id))
    real = definitions.measure
    monkeypatch.setattr(definitions, "measure", lambda m: changed if m == measure_id else real(m))
    common.figures.cache_clear()
    try:
        with pytest.raises(common.ShapeError, match=message):
            common.figures()
    finally:
        common.figures.cache_clear()


def test_every_hand_written_measure_is_a_definition_without_features():
    assert sorted(HAND_WRITTEN) == list(HAND_WRITTEN)
    assert all(not definitions.measure(m).features() for m in HAND_WRITTEN)
    assert set(HAND_WRITTEN) <= {m.id for m in definitions.measures()}
