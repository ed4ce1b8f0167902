"""QRISK3-2017 port: properties that hold for every accepted input.

Only what is true of the published model is asserted.  Interactions with age make some factors
protective at some ages (CKD and migraine in women, CKD and erectile dysfunction in men, ex-smoking),
and SBP, BMI and Townsend interact with age, so neither those nor age are claimed to be monotonic.
A binary factor's effect on the linear predictor depends on age alone, so "never lowers the risk"
is asserted for exactly the factors whose effect is positive at every age from 25 to 84 (checked
against the coefficients' signs over that range); the cholesterol/HDL ratio and the SD of SBP have
positive coefficients and no interactions, so the risk rises with each.
"""

import dataclasses

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pcnhub.analytics.qrisk3 import (
    AGE_RANGE,
    BMI_RANGE,
    CHOL_HDL_RANGE,
    FLAGS,
    SBP_RANGE,
    TOWNSEND_RANGE,
    Ethnicity,
    QRiskInputs,
    Smoking,
    qrisk3,
    qrisk3_arrays,
)

#: Factors that never lower the risk at any accepted age, by sex.
NEVER_LOWER = {
    "female": (
        "af",
        "atypical_antipsychotics",
        "corticosteroids",
        "rheumatoid_arthritis",
        "severe_mental_illness",
        "sle",
        "bp_treatment",
        "type1_diabetes",
        "type2_diabetes",
        "family_history_chd",
    ),
    "male": (
        "af",
        "atypical_antipsychotics",
        "corticosteroids",
        "migraine",
        "rheumatoid_arthritis",
        "severe_mental_illness",
        "sle",
        "bp_treatment",
        "type1_diabetes",
        "type2_diabetes",
        "family_history_chd",
    ),
}


def _between(bounds: tuple[float, float]) -> st.SearchStrategy[float]:
    return st.floats(min_value=bounds[0], max_value=bounds[1], allow_nan=False)


@st.composite
def people(draw) -> QRiskInputs:
    sex = draw(st.sampled_from(["female", "male"]))
    flags = {name: draw(st.booleans()) for name in FLAGS}
    if sex == "female":
        flags["erectile_dysfunction"] = False
    if flags["type1_diabetes"] and flags["type2_diabetes"]:
        flags[draw(st.sampled_from(["type1_diabetes", "type2_diabetes"]))] = False
    return QRiskInputs(
        sex=sex,
        age=draw(_between(AGE_RANGE)),
        ethnicity=draw(st.sampled_from(list(Ethnicity))),
        smoking=draw(st.sampled_from(list(Smoking))),
        chol_hdl=draw(_between(CHOL_HDL_RANGE)),
        sbp=draw(_between(SBP_RANGE)),
        sbp_sd=draw(st.floats(min_value=0, max_value=60, allow_nan=False)),
        bmi=draw(_between(BMI_RANGE)),
        townsend=draw(_between(TOWNSEND_RANGE)),
        **flags,
    )


def _arrays(batch: list[QRiskInputs]) -> np.ndarray:
    return qrisk3_arrays(
        sex=[p.sex for p in batch],
        age=[p.age for p in batch],
        ethnicity=[int(p.ethnicity) for p in batch],
        smoking=[int(p.smoking) for p in batch],
        chol_hdl=[p.chol_hdl for p in batch],
        sbp=[p.sbp for p in batch],
        sbp_sd=[p.sbp_sd for p in batch],
        bmi=[p.bmi for p in batch],
        townsend=[p.townsend for p in batch],
        **{name: [getattr(p, name) for p in batch] for name in FLAGS},
    )


@given(people())
def test_risk_is_a_percentage(person: QRiskInputs) -> None:
    # 100 itself is reached in floating point when many factors pile up (1 - S10**exp(a) rounds to 1).
    assert 0 < qrisk3(person) <= 100


@given(st.lists(people(), min_size=1, max_size=25))
def test_arrays_equal_the_scalar_function(batch: list[QRiskInputs]) -> None:
    vectorised = _arrays(batch)
    assert vectorised.shape == (len(batch),)
    for person, risk in zip(batch, vectorised, strict=True):
        assert abs(float(risk) - qrisk3(person)) <= 1e-9


@given(people(), st.data())
def test_a_risk_factor_that_is_harmful_at_every_age_never_lowers_the_risk(person: QRiskInputs, data) -> None:
    flag = data.draw(st.sampled_from(NEVER_LOWER[person.sex]))
    off = dataclasses.replace(person, **{flag: False})
    changes = {flag: True}
    if flag in ("type1_diabetes", "type2_diabetes"):
        changes = {"type1_diabetes": False, "type2_diabetes": False, flag: True}
        off = dataclasses.replace(person, type1_diabetes=False, type2_diabetes=False)
    assert qrisk3(dataclasses.replace(off, **changes)) >= qrisk3(off)


@given(people(), _between(CHOL_HDL_RANGE), _between(CHOL_HDL_RANGE))
def test_risk_rises_with_the_cholesterol_ratio(person: QRiskInputs, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert qrisk3(dataclasses.replace(person, chol_hdl=low)) <= qrisk3(
        dataclasses.replace(person, chol_hdl=high)
    )


@given(people(), st.floats(min_value=0, max_value=60), st.floats(min_value=0, max_value=60))
def test_risk_rises_with_the_sd_of_sbp(person: QRiskInputs, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert qrisk3(dataclasses.replace(person, sbp_sd=low)) <= qrisk3(dataclasses.replace(person, sbp_sd=high))


@given(people())
def test_current_smoking_never_lowers_the_risk_below_a_non_smoker(person: QRiskInputs) -> None:
    non = qrisk3(dataclasses.replace(person, smoking=Smoking.NON))
    for level in (Smoking.LIGHT, Smoking.MODERATE, Smoking.HEAVY):
        assert qrisk3(dataclasses.replace(person, smoking=level)) >= non
