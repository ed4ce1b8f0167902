"""Bridges to Health segments: every patient in exactly one, by the priority order."""

import pytest

from pcnhub.analytics.pipeline.segments import SEGMENTS


@pytest.mark.parametrize(("name", "segment"), [
    ("seg_end_of_life", "end_of_life"),  # also dementia and COPD
    ("seg_palliative_long_ago", "healthy"),
    ("seg_dementia", "frailty_dementia"),  # also COPD
    ("seg_coded_severe_frailty", "frailty_dementia"),  # also heart failure
    ("efi_13", "frailty_dementia"),  # severe by the eFI
    ("seg_organ_failure", "organ_failure"),  # also asthma
    ("seg_learning_disability", "stable_disability"),  # also pregnant
    ("seg_care_home", "stable_disability"),  # also hypertension
    ("seg_housebound", "stable_disability"),
    ("seg_pregnant", "maternal_infant"),  # also asthma
    ("seg_pregnant_last_year", "healthy"),
    ("seg_infant", "maternal_infant"),
    ("age_0", "maternal_infant"),
    ("seg_chronic", "chronic_normal_function"),  # also A&E last month
    ("seg_depression", "chronic_normal_function"),
    ("cms_hearing", "chronic_normal_function"),
    ("seg_ae", "acutely_ill"),
    ("seg_admission", "acutely_ill"),
    ("seg_outpatient", "healthy"),
    ("seg_ae_long_ago", "healthy"),
    ("seg_healthy", "healthy"),
])
def test_segment_by_priority(outputs, name, segment):
    assert outputs.patient(name).segment == segment


def test_every_patient_is_in_exactly_one_segment(outputs):
    segments = outputs.all_features["segment"].to_pylist()
    assert None not in segments and set(segments) <= set(SEGMENTS)
    assert len(segments) == outputs.summary["patients"]
    counts = {m: outputs.summary["measures"][f"segment_{m}"]["numerator"] or 0 for m in SEGMENTS}
    assert abs(sum(counts.values()) - outputs.summary["patients"]) <= 5 * len(SEGMENTS)  # rounded to 5 each
