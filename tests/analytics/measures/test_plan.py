"""The groups of measures that share no work (counted side by side: measures/run.py)."""

from __future__ import annotations

from pcnhub.analytics.measures import plan
from pcnhub.reference import measures as definitions


def _ids(groups):
    return [[m.id for m in group] for group in groups]


def test_measures_that_share_work_are_in_one_group_and_groups_share_nothing():
    measures = list(definitions.measures())
    groups = plan.groups(measures)
    assert sorted(m.id for group in groups for m in group) == sorted(m.id for m in measures)
    where = {m.id: i for i, group in enumerate(groups) for m in group}
    # the unresolved hypertension of three measures; the PPI table of both prescribing-safety measures; the
    # prescribing cost of two; the hospital sides summed together (conditions on the patient alone)
    for together in (("hypertension_observed_to_expected", "hypertension_recorded_prevalence",
                      "hypertension_treated_to_target"),
                     ("nsaid_without_gastroprotection_65plus", "anticoagulant_antiplatelet_without_gastroprotection"),
                     ("prescribing_cost_per_patient", "prescribing_cost_per_astro_pu"),
                     ("ae_attendances", "emergency_admissions", "discharge_within_7_days_65plus",
                      "outpatient_follow_up_ratio", "length_of_stay_65plus")):
        assert len({where[m] for m in together}) == 1, together
    keys = [set().union(*[plan.shared_keys(m) for m in group]) for group in groups]
    for i, mine in enumerate(keys):
        for other in keys[i + 1:]:
            assert not mine & other


def test_every_registered_patient_is_not_work_shared_by_a_group():
    """A denominator of every registered patient is counted once a run, before the groups: measures sharing only
    it are not grouped (the A&E attendances and the social-prescribing referrals)."""
    ae, referrals = definitions.measure("ae_attendances"), definitions.measure("iif_social_prescribing_referrals")
    assert not plan.shared_keys(ae) & plan.shared_keys(referrals)
    assert _ids(plan.groups([ae, referrals])) == [["ae_attendances"], ["iif_social_prescribing_referrals"]]


def test_the_groups_with_most_to_do_come_first_and_keep_their_measures_order():
    chosen = [definitions.measure(m) for m in ("urgent_cancer_referrals", "hypertension_treated_to_target",
                                               "bowel_screening_60_74", "hypertension_recorded_prevalence")]
    assert _ids(plan.groups(chosen)) == [
        ["hypertension_treated_to_target", "hypertension_recorded_prevalence"],
        ["bowel_screening_60_74"], ["urgent_cancer_referrals"]]
