"""QRISK3-2017 10-year cardiovascular risk, as Ibis expressions (every engine computes the same formula).

The linear predictor is built by :func:`pcnhub.analytics.qrisk3.model_score` itself, the function the
scalar port :func:`~pcnhub.analytics.qrisk3.qrisk3` uses, given Ibis columns instead of floats, with
the port's own coefficients (``FEMALE`` and ``MALE``): nothing of the algorithm is copied here, so
the pipeline equals the port (within floating point, far below 1e-6).  QRISK3 is licensed LGPL v3 by
ClinRisk Ltd.; whoever shows a score must show :data:`pcnhub.analytics.qrisk3.DISCLAIMER` with it.

Who gets a score: registered people aged 25 to 84 (completed years, as the original's ``int age``)
with no record of cardiovascular disease (codelists ``chd``, ``stroke-tia`` and ``efi-pvd``) on or
before ``as_of``, and not on a statin: no statin (``statins``) issued, repeat or acute, in the
:data:`STATIN_MONTHS` months before ``as_of`` (QRISK3 estimates the risk of people not on one, whom NICE
offers one from 10%: those on one are already treated).  The score is null when a required input is
missing.  Because statins are lipid-regulating drugs issued in the same window, the statin cohort
(:mod:`.cohorts`) is the same as when they were scored.

Inputs, from the record on or before ``as_of``:

* ``chol_hdl``: the latest cholesterol/HDL ratio (``cholesterol-hdl-ratio``), any time before.
* ``sbp`` and ``sbp_sd``: the mean and the sample standard deviation of the last 5 systolic blood
  pressure readings (``systolic-bp``) in the 5 years before ``as_of`` (latest first; readings on the same
  day in descending value); the standard deviation needs 2 readings, so with one the score is null.
* ``bmi``: the latest body mass index (``bmi``), any time before.
* ``townsend``: ``patients.townsend``; when null, 0 (the national average).
* BMI, ratio, SBP and Townsend outside QRISK3's accepted ranges are moved to the nearest limit, as
  ClinRisk's calculator does (:meth:`QRiskInputs.bounded`).
* ``smoking``: the latest smoking status (``smoking-current``, ``smoking-ex``, ``smoking-never``; on the
  same day current beats ex beats never); never with an earlier current or ex record counts as ex;
  no record counts as non-smoker.  A current smoker's amount is the latest amount recorded: the light
  (1-9 a day: light), moderate (10-19: moderate), heavy and very heavy (20+: heavy) smoker codes, or
  ``230056004`` cigarette consumption with a value (under 10 light, 10-19 moderate, 20+ heavy); with no
  amount recorded, moderate.
* ethnicity: the nine QRISK3 groups; ``unknown`` is "white or not stated".
* flags (any time before): AF (``atrial-fibrillation``), migraine, rheumatoid arthritis, SLE, severe
  mental illness (``smi``), CKD 3-5 (``ckd-3-5``), family history of CHD, erectile dysfunction (men: the
  diagnosis or a prescription of ``erectile-dysfunction-drugs``), type 1 and type 2 diabetes (both
  recorded: type 1); treatments (a repeat issue in the 6 months before): blood pressure treatment
  (``antihypertensives``), atypical antipsychotics, corticosteroids (``oral-corticosteroids``).

Every input from the record is a requirement (:func:`needs`) of the one pass over ``events`` and the one over
``medications`` (:mod:`.flags`), including the erectile dysfunction drugs (any time before, repeat or
acute).  Each sex is scored with its own coefficients on its own rows only (women ``FEMALE``, men ``MALE``;
a sex other than ``F`` or ``M``, which the schema does not allow, gets no score).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.pipeline.codes import left_join, months_before, years_before
from pcnhub.analytics.pipeline.flags import Flag, LastValues, LatestValue, MedicationFlag, Smoking
from pcnhub.analytics.pipeline.portable import Stages
from pcnhub.analytics.schema import ETHNICITIES
from pcnhub.analytics.qrisk3 import (
    FEMALE,
    MALE,
    AGE_RANGE,
    BMI_RANGE,
    CHOL_HDL_RANGE,
    SBP_RANGE,
    TOWNSEND_RANGE,
    Ethnicity,
    model_score,
)
from pcnhub.analytics.qrisk3 import (
    Smoking as Smoking_,
)

SBP_READINGS: Final = 5
SBP_YEARS: Final = 5
TREATMENT_MONTHS: Final = 6
#: On a statin: one issued in this many months before as_of (the statin cohort's window for lipid-regulating drugs).
STATIN_MONTHS: Final = 12
CVD_LISTS: Final = ("chd", "stroke-tia", "efi-pvd")
#: QRISK3's ethnic group (1-9) of each ethnicity of the dataset.
ETHNIC_GROUP: Final = {
    name: int(Ethnicity.WHITE_OR_NOT_STATED if name == "unknown" else Ethnicity.parse(name)) for name in ETHNICITIES
}
#: Smoking amount codes and their QRISK3 category.
AMOUNT_CODES: Final = {
    "160603005": int(Smoking_.LIGHT),
    "160604004": int(Smoking_.MODERATE),
    "160605003": int(Smoking_.HEAVY),
    "160606002": int(Smoking_.HEAVY),
}
#: Cigarette consumption (events.value: cigarettes a day).
CIGARETTES_CODE: Final = "230056004"
EVENT_FLAGS: Final = {
    "af": ("atrial-fibrillation",),
    "migraine": ("migraine",),
    "rheumatoid_arthritis": ("rheumatoid-arthritis",),
    "sle": ("sle",),
    "severe_mental_illness": ("smi",),
    "ckd_345": ("ckd-3-5",),
    "family_history_chd": ("family-history-chd",),
    "ed_diagnosis": ("erectile-dysfunction",),
    "t1": ("diabetes-type-1",),
    "t2": ("diabetes-type-2",),
    "cvd": CVD_LISTS,
}
MEDICATION_FLAGS: Final = {
    "bp_treatment": ("antihypertensives",),
    "atypical_antipsychotics": ("atypical-antipsychotics",),
    "corticosteroids": ("oral-corticosteroids",),
}
#: The flags of the model, as QRiskInputs names them.
MODEL_FLAGS: Final = (
    "af", "atypical_antipsychotics", "corticosteroids", "erectile_dysfunction", "migraine", "rheumatoid_arthritis",
    "ckd_345", "severe_mental_illness", "sle", "bp_treatment", "type1_diabetes", "type2_diabetes",
    "family_history_chd",
)


def needs(as_of: dt.date) -> dict:
    """The inputs QRISK3 takes from the record (:mod:`.flags` requirements)."""
    start = months_before(as_of, TREATMENT_MONTHS)
    return {
        **{f"qrisk_{name}": Flag(keys) for name, keys in EVENT_FLAGS.items()},
        **{f"qrisk_{name}": MedicationFlag(keys, start) for name, keys in MEDICATION_FLAGS.items()},
        "qrisk_ed_drugs": MedicationFlag(("erectile-dysfunction-drugs",), None, repeat=False),
        "qrisk_statin": MedicationFlag(("statins",), months_before(as_of, STATIN_MONTHS), repeat=False),
        "qrisk_chol_hdl": LatestValue("cholesterol-hdl-ratio"),
        "qrisk_bmi": LatestValue("bmi"),
        "qrisk_sbp": LastValues("systolic-bp", SBP_READINGS, years_before(as_of, SBP_YEARS)),
        "qrisk_smoking": Smoking("smoking-current", "smoking-ex", "smoking-never",
                                 tuple(sorted(AMOUNT_CODES.items())), CIGARETTES_CODE),
    }


def smoking_category(status: ir.IntegerValue, amount: ir.IntegerValue, ever: ir.BooleanValue) -> ir.IntegerValue:
    """QRISK3's smoking category (0-4) from the encoding of :class:`.flags.Smoking` (nulls: no record)."""
    latest = status % 10
    amount_category = (amount % 10).fill_null(int(Smoking_.MODERATE))
    category = ibis.cases(
        (latest == 3, amount_category),
        (latest == 2, int(Smoking_.EX)),
        (ever.fill_null(False), int(Smoking_.EX)),
        else_=int(Smoking_.NON),
    )
    return category.cast("int8")


class _Category:
    """Lets ``model_score`` compare the smoking category (``smoking == k``) and get a 0/1 number back."""

    def __init__(self, column: ir.IntegerValue) -> None:
        self.column = column

    def __eq__(self, other: object) -> ir.FloatingValue:  # type: ignore[override]
        return (self.column == other).cast("float64")

    __hash__ = None  # type: ignore[assignment]


def _scored(model, inputs: ir.Table) -> ir.Table:
    """``inputs`` with ``qrisk3``: :func:`model_score` on its columns, with the logarithm, exponential and powers of
    :class:`.portable.Stages` (engines' own ``ln``, ``exp`` and ``pow`` differ in the last bits)."""
    ethnicity_term = ibis.cases(
        *[(inputs.ethnic_group == group, float(model.ethnicity[group])) for group in range(1, 10)], else_=0.0
    )
    smoking_term = ibis.cases(
        *[(inputs.smoking == level, float(model.smoking[level])) for level in range(5)], else_=0.0
    )
    stages = Stages(inputs)
    score = model_score(
        model,
        log=stages.ln,
        exp=stages.exp,
        power=stages.power,
        age=inputs.age.cast("float64"),
        bmi=inputs.bmi,
        rati=inputs.chol_hdl,
        sbp=inputs.sbp,
        sbps5=inputs.sbp_sd,
        town=inputs.townsend,
        ethnicity_term=ethnicity_term,
        smoking=_Category(inputs.smoking),
        smoking_term=smoking_term,
        flags={name: inputs[name].cast("float64") for name in MODEL_FLAGS},
    )
    return stages.done(qrisk3=score.cast("float64"))


def qrisk3(population: ir.Table, flags_events: ir.Table, flags_medications: ir.Table) -> ir.Table:
    """The eligible people of ``population`` with their QRISK3 inputs and ``qrisk3`` (percent, null when
    an input is missing): ``patient_id, age, sex, ethnic_group, smoking, chol_hdl, sbp, sbp_sd,
    sbp_readings, bmi, townsend``, the 13 model flags and ``qrisk3``; from the one-pass tables of
    :mod:`.flags`."""
    low, high = AGE_RANGE
    people = population.filter((population.age >= int(low)) & (population.age <= int(high)))
    event_names = [f"qrisk_{name}" for name in EVENT_FLAGS]
    medication_names = [f"qrisk_{name}" for name in (*MEDICATION_FLAGS, "ed_drugs", "statin")]
    values = ["qrisk_chol_hdl", "qrisk_bmi", "qrisk_sbp_mean", "qrisk_sbp_sd", "qrisk_sbp_count",
              "qrisk_smoking_status", "qrisk_smoking_amount", "qrisk_smoking_ever"]
    joined = left_join(
        people,
        flags_events.select("patient_id", *event_names, *values),
        flags_medications.select("patient_id", *medication_names),
    )

    def flag(name: str) -> ir.BooleanValue:
        return joined[f"qrisk_{name}"].fill_null(False)

    male = joined.sex == "M"
    inputs = joined.filter(~flag("cvd") & ~flag("statin")).select(
        joined.patient_id,
        joined.age,
        joined.sex,
        ethnic_group=joined.ethnicity.substitute(ETHNIC_GROUP, else_=int(Ethnicity.WHITE_OR_NOT_STATED)).cast("int8"),
        smoking=smoking_category(joined.qrisk_smoking_status, joined.qrisk_smoking_amount, joined.qrisk_smoking_ever),
        chol_hdl=joined.qrisk_chol_hdl.clip(*CHOL_HDL_RANGE),
        sbp=joined.qrisk_sbp_mean.clip(*SBP_RANGE),
        sbp_sd=joined.qrisk_sbp_sd,
        sbp_readings=joined.qrisk_sbp_count.fill_null(0).cast("int32"),
        bmi=joined.qrisk_bmi.clip(*BMI_RANGE),
        townsend=joined.townsend.fill_null(0.0).clip(*TOWNSEND_RANGE),
        af=flag("af"),
        atypical_antipsychotics=flag("atypical_antipsychotics"),
        corticosteroids=flag("corticosteroids"),
        erectile_dysfunction=male & (flag("ed_diagnosis") | flag("ed_drugs")),
        migraine=flag("migraine"),
        rheumatoid_arthritis=flag("rheumatoid_arthritis"),
        ckd_345=flag("ckd_345"),
        severe_mental_illness=flag("severe_mental_illness"),
        sle=flag("sle"),
        bp_treatment=flag("bp_treatment"),
        type1_diabetes=flag("t1"),
        type2_diabetes=flag("t2") & ~flag("t1"),
        family_history_chd=flag("family_history_chd"),
    )
    scored = []
    for sex, model in (("F", FEMALE), ("M", MALE)):
        rows = inputs.filter(inputs.sex == sex)
        scored.append(_scored(model, rows))
    # the schema allows F and M only; any other row is kept, with no score
    others = inputs.filter(inputs.sex.isnull() | ~inputs.sex.isin(["F", "M"]))
    scored.append(others.mutate(qrisk3=ibis.null("float64")))
    return ibis.union(*scored, distinct=False)
