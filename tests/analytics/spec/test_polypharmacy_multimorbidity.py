"""Distinct repeat medicines (10+ flagged) and the Cambridge Multimorbidity Score."""

import pytest


def test_ten_distinct_repeat_medicines_in_six_months_are_flagged(outputs):
    patient = outputs.patient("poly_10")  # ten products, each issued three times
    assert (patient.repeat_medicines, patient.polypharmacy_10plus) == (10, True)


def test_old_acute_and_future_issues_do_not_count(outputs):
    patient = outputs.patient("poly_9")
    assert (patient.repeat_medicines, patient.polypharmacy_10plus) == (9, False)


def test_no_prescriptions_is_zero(outputs):
    patient = outputs.patient("cms_none")
    assert (patient.repeat_medicines, patient.polypharmacy_10plus) == (0, False)


@pytest.mark.parametrize(("name", "score", "count"), [
    ("cms_two", 0.27, 2),  # hypertension 0.08 + asthma 0.19 (asthma recorded twice)
    ("cms_diabetes_dementia", 3.25, 2),  # diabetes 0.75 (type 1 and type 2 codes: one condition) + dementia 2.5
    ("cms_hearing", 0.09, 1),
    ("cms_anxiety_depression", 0.5, 1),
    ("seg_depression", 0.5, 1),  # depression alone counts as "anxiety or depression"
    ("cms_none", 0.0, 0),
    ("seg_end_of_life", 3.96, 2),  # dementia 2.5 + COPD 1.46
])
def test_cms_is_the_sum_of_the_weights(outputs, name, score, count):
    patient = outputs.patient(name)
    assert patient.cms_score == score  # exact: weights are summed as whole units
    assert patient.condition_count == count


def test_cms_scope_names_the_20_condition_score():
    from pcnhub.analytics.pipeline.multimorbidity import cms_scope

    note = cms_scope()
    assert "published 20-condition general-outcome model" in note
    assert "not the 37-condition model" in note
