"""Cohorts of the network service specifications: who a PCN should look at, one boolean each.

Everything is from the record on or before ``as_of``; "on" a medicine means a repeat issue in the 6
months before ``as_of``.

* ``cohort_smr`` (structured medication review targets): lives in a care home; 10 or more repeat
  medicines (:mod:`.polypharmacy`); on medicines commonly associated with harm: an NSAID
  (``nsaids``), or an oral anticoagulant (``anticoagulants-oral``) together with an antiplatelet
  (``antiplatelets``); severe frailty by the eFI; a learning disability or autism.
* ``cohort_care_home``: lives in a care home (``patients.care_home``, the primary source).
* ``cohort_anticipatory_care``: moderate or severe frailty by the eFI (65+) with multimorbidity (2 or
  more conditions of the Cambridge Multimorbidity Score).
* ``cohort_cvd_statin``: QRISK3 10% or more and no lipid-regulating drug (``lipid-regulating``: statins
  and others) issued, repeat or acute, in the 12 months before ``as_of``.
* ``cohort_cvd_bp``: aged 18+, latest systolic blood pressure in the 5 years before ``as_of`` 140 mmHg or
  more (the highest if several on that day), and no hypertension diagnosis: no ``hypertension`` code, or
  a ``hypertension-resolved`` code on or after the latest one.
* ``cohort_cancer_screening``: eligible for an NHS England screening programme and not up to date with
  it (by the ``*-screening`` codes): cervical, women 25-49 with no screen in 42 months or 50-64 with
  none in 66 months (QOF's 3.5 and 5.5 years); breast, women 50-70 with none in 36 months; bowel,
  people 60-74 with none in 30 months.  **Declined** patients (a screening-declined code, QOF
  CSDEC_COD / BRCANSCRDEC_COD / COLCANSCRDEC_COD, after the last screen) are "not up to date but
  declined" and **stay in the cohort on purpose**: the early cancer diagnosis specification aims at
  uptake, and an informed decline is revisited, so it does not take a person out of the proactive list
  (no extra output column).  Because declining never removes anyone, the declined codelists are not
  needed for this boolean.  "Not eligible / ceased" codes (CSPU_COD, e.g. after hysterectomy) would
  remove people but are not yet in pcnhub (no open, citable member list found; see the codelists
  README), so such people are still counted.

Inequalities between neighbourhoods (IMD decile, ethnicity) are the breakdowns of :mod:`.aggregates`.

What the cohorts need from the record is declared by :func:`needs` (``cohort_*`` requirements) and computed
by the one pass over ``events`` and the one over ``medications`` (:mod:`.flags`).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import ibis.expr.types as ir

from pcnhub.analytics.pipeline.codes import left_join, months_before, with_flags, years_before
from pcnhub.analytics.pipeline.flags import Flag, LatestDate, LatestValue, MedicationFlag

COHORTS: Final = (
    "cohort_smr",
    "cohort_care_home",
    "cohort_anticipatory_care",
    "cohort_cvd_statin",
    "cohort_cvd_bp",
    "cohort_cancer_screening",
)
QRISK3_THRESHOLD: Final = 10.0
RAISED_SBP: Final = 140.0
#: (flag, codelist, months): screened within that many months before as_of.
SCREENING: Final = (
    ("cervical_42", "cervical-screening", 42),
    ("cervical_66", "cervical-screening", 66),
    ("breast_36", "breast-screening", 36),
    ("bowel_30", "bowel-screening", 30),
)


EVENT_FLAGS: Final = ("learning_disability_autism", *[name for name, _, _ in SCREENING])
MEDICATION_FLAGS: Final = ("nsaid", "anticoagulant", "antiplatelet", "lipid_lowering")


def needs(as_of: dt.date) -> dict:
    """What the cohorts need from the record, as ``cohort_<name>`` requirements."""
    six_months = months_before(as_of, 6)
    found = {
        "learning_disability_autism": Flag(("learning-disability", "autism")),
        **{name: Flag((key,), months_before(as_of, months)) for name, key, months in SCREENING},
        "nsaid": MedicationFlag(("nsaids",), six_months),
        "anticoagulant": MedicationFlag(("anticoagulants-oral",), six_months),
        "antiplatelet": MedicationFlag(("antiplatelets",), six_months),
        "lipid_lowering": MedicationFlag(("lipid-regulating",), months_before(as_of, 12), repeat=False),
        "latest_sbp": LatestValue("systolic-bp", years_before(as_of, 5)),
        "hypertension_diagnosed": LatestDate("hypertension"),
        "hypertension_resolved": LatestDate("hypertension-resolved"),
    }
    return {f"cohort_{name}": need for name, need in found.items()}


def cohorts(
    population: ir.Table,
    flags_events: ir.Table,
    flags_medications: ir.Table,
    frailty: ir.Table,
    polypharmacy: ir.Table,
    multimorbidity: ir.Table,
    qrisk3: ir.Table,
) -> ir.Table:
    """``patient_id`` and the six ``cohort_*`` booleans for everyone in ``population``."""
    events = flags_events.select(
        "patient_id", **{name: f"cohort_{name}" for name in EVENT_FLAGS},
        latest_sbp="cohort_latest_sbp", diagnosed="cohort_hypertension_diagnosed",
        resolved="cohort_hypertension_resolved",
    )
    # a hypertension diagnosis not resolved since (a resolved code on or after the latest one ends it)
    hypertension = events.diagnosed.notnull() & (events.resolved.isnull() | (events.resolved < events.diagnosed))
    events = events.mutate(hypertension=hypertension)
    medicines = flags_medications.select("patient_id", **{name: f"cohort_{name}" for name in MEDICATION_FLAGS})
    people = population.select("patient_id", "age", "sex", "care_home")
    people = with_flags(people, events, [*EVENT_FLAGS, "hypertension"])
    people = with_flags(people, medicines, MEDICATION_FLAGS)
    joined = left_join(
        people,
        frailty.select("patient_id", "efi_category"),
        polypharmacy.select("patient_id", "polypharmacy_10plus"),
        multimorbidity.select("patient_id", "condition_count"),
        qrisk3.select("patient_id", "qrisk3"),
        events.select("patient_id", "latest_sbp"),
    )
    efi = joined.efi_category.fill_null("")
    woman = joined.sex == "F"
    age = joined.age
    harm = joined.nsaid | (joined.anticoagulant & joined.antiplatelet)
    smr = (
        joined.care_home
        | joined.polypharmacy_10plus.fill_null(False)
        | harm
        | (efi == "severe")
        | joined.learning_disability_autism
    )
    multimorbid = joined.condition_count.fill_null(0) >= 2
    cervical = woman & (
        ((age >= 25) & (age <= 49) & ~joined.cervical_42) | ((age >= 50) & (age <= 64) & ~joined.cervical_66)
    )
    breast = woman & (age >= 50) & (age <= 70) & ~joined.breast_36
    bowel = (age >= 60) & (age <= 74) & ~joined.bowel_30
    return joined.select(
        joined.patient_id,
        cohort_smr=smr,
        cohort_care_home=joined.care_home,
        cohort_anticipatory_care=efi.isin(["moderate", "severe"]) & multimorbid,
        cohort_cvd_statin=(joined.qrisk3.fill_null(0.0) >= QRISK3_THRESHOLD) & ~joined.lipid_lowering,
        cohort_cvd_bp=(age >= 18) & (joined.latest_sbp.fill_null(0.0) >= RAISED_SBP) & ~joined.hypertension,
        cohort_cancer_screening=cervical | breast | bowel,
    )
