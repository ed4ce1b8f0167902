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
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.pipeline.codes import (
    Flag,
    MedicationFlag,
    coded_events,
    date,
    event_flags,
    left_join,
    medication_flags,
    months_before,
    with_flags,
    years_before,
)

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


def latest_sbp(events: ir.Table, as_of: dt.date) -> ir.Table:
    """``patient_id, latest_sbp``: the latest systolic reading in 5 years (the highest of that day)."""
    coded = coded_events(events, ("systolic-bp",), as_of)
    rows = coded.filter(coded.value.notnull() & (coded.date > date(years_before(as_of, 5))))
    order = ibis.row_number().over(group_by=rows.patient_id, order_by=[rows.date.desc(), rows.value.desc()])
    ranked = rows.mutate(_n=order)
    return ranked.filter(ranked._n == 0).select("patient_id", latest_sbp=ranked.value)


def hypertension(events: ir.Table, as_of: dt.date) -> ir.Table:
    """``patient_id, hypertension``: a hypertension diagnosis not resolved since."""
    coded = coded_events(events, ("hypertension", "hypertension-resolved"), as_of)
    dates = coded.group_by("patient_id").aggregate(
        diagnosed=ibis.ifelse(coded.key == "hypertension", coded.date, ibis.null("date")).max(),
        resolved=ibis.ifelse(coded.key == "hypertension-resolved", coded.date, ibis.null("date")).max(),
    )
    current = dates.diagnosed.notnull() & (dates.resolved.isnull() | (dates.resolved < dates.diagnosed))
    return dates.select("patient_id", hypertension=current)


def cohorts(
    population: ir.Table,
    events: ir.Table,
    medications: ir.Table,
    frailty: ir.Table,
    polypharmacy: ir.Table,
    multimorbidity: ir.Table,
    qrisk3: ir.Table,
    *,
    as_of: dt.date,
) -> ir.Table:
    """``patient_id`` and the six ``cohort_*`` booleans for everyone in ``population``."""
    event_names = ["learning_disability_autism", *[name for name, _, _ in SCREENING]]
    flags = event_flags(
        events,
        {
            "learning_disability_autism": Flag(("learning-disability", "autism")),
            **{name: Flag((key,), months_before(as_of, months)) for name, key, months in SCREENING},
        },
        as_of,
    )
    six_months = months_before(as_of, 6)
    medicines = medication_flags(
        medications,
        {
            "nsaid": MedicationFlag(("nsaids",), six_months),
            "anticoagulant": MedicationFlag(("anticoagulants-oral",), six_months),
            "antiplatelet": MedicationFlag(("antiplatelets",), six_months),
            "lipid_lowering": MedicationFlag(("lipid-regulating",), months_before(as_of, 12), repeat=False),
        },
        as_of,
    )
    people = population.select("patient_id", "age", "sex", "care_home")
    people = with_flags(people, flags, event_names)
    people = with_flags(people, medicines, ["nsaid", "anticoagulant", "antiplatelet", "lipid_lowering"])
    people = with_flags(people, hypertension(events, as_of), ["hypertension"])
    joined = left_join(
        people,
        frailty.select("patient_id", "efi_category"),
        polypharmacy.select("patient_id", "polypharmacy_10plus"),
        multimorbidity.select("patient_id", "condition_count"),
        qrisk3.select("patient_id", "qrisk3"),
        latest_sbp(events, as_of),
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
