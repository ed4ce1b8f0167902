"""Cohorts of the network service specifications: inclusion and exclusion."""

import math
import statistics

import pytest

from pcnhub.analytics.qrisk3 import QRiskInputs, qrisk3
from tests.analytics.spec.dataset import QRISK_CASES


def cohorts(outputs, name):
    patient = outputs.patient(name)
    return {c.removeprefix("cohort_"): bool(patient[c]) for c in patient.index if c.startswith("cohort_")}


@pytest.mark.parametrize(("name", "included"), [
    ("smr_care_home", True), ("poly_10", True), ("poly_9", False), ("smr_nsaid", True),
    ("smr_nsaid_acute", False), ("smr_anticoagulant_antiplatelet", True), ("smr_anticoagulant_only", False),
    ("efi_13", True), ("efi_12", False), ("smr_autism", True), ("seg_learning_disability", True),
    ("seg_healthy", False),
])
def test_structured_medication_review(outputs, name, included):
    assert cohorts(outputs, name)["smr"] is included


def test_care_home(outputs):
    assert cohorts(outputs, "smr_care_home")["care_home"] and cohorts(outputs, "seg_care_home")["care_home"]
    assert not cohorts(outputs, "seg_healthy")["care_home"]


@pytest.mark.parametrize(("name", "included"), [
    ("ac_moderate_multimorbid", True), ("ac_severe_multimorbid", True), ("ac_moderate_one_condition", False),
    ("ac_mild_multimorbid", False), ("cms_two", False),
])
def test_anticipatory_care(outputs, name, included):
    assert cohorts(outputs, name)["anticipatory_care"] is included


def test_cvd_statin_is_qrisk3_10_or_more_without_a_statin(outputs):
    for case in QRISK_CASES:
        if case.expect is None:
            assert not cohorts(outputs, case.name)["cvd_statin"], case.name
            continue
        inputs = dict(case.expect)
        values = inputs.pop("sbp_values")
        score = qrisk3(QRiskInputs.bounded(sbp=statistics.fmean(values), sbp_sd=statistics.stdev(values), **inputs))
        assert cohorts(outputs, case.name)["cvd_statin"] is (score >= 10), case.name
    # the same man as q_man (QRISK3 10% or more) with a statin issued: not scored (QRISK3 is for people not on a
    # statin), so not in the cohort
    patient = outputs.patient("cvd_statin_on_statin")
    assert math.isnan(patient.qrisk3) and not patient.cohort_cvd_statin


@pytest.mark.parametrize(("name", "included"), [
    ("bp_raised", True), ("bp_raised_diagnosed", False), ("bp_raised_resolved", True),
    ("bp_raised_resolved_rediagnosed", False), ("bp_normal_now", False), ("bp_raised_same_day", True),
    ("bp_raised_child", False), ("bp_raised_long_ago", False),
])
def test_raised_blood_pressure_without_a_diagnosis(outputs, name, included):
    assert cohorts(outputs, name)["cvd_bp"] is included


@pytest.mark.parametrize(("name", "included"), [
    ("screen_cervical_done", False), ("screen_cervical_due", True), ("screen_55_done", False),
    ("screen_55_breast_due", True), ("screen_55_cervical_due", True), ("screen_bowel_done", False),
    ("screen_bowel_due", True), ("screen_too_old", False), ("screen_too_young", False), ("screen_man_30", False),
])
def test_cancer_screening_not_up_to_date(outputs, name, included):
    assert cohorts(outputs, name)["cancer_screening"] is included
