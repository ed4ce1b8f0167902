"""QRISK3-2017 port: the published test vectors, the inputs' checks and the model's shape."""

import dataclasses

import numpy as np
import pytest

from pcnhub.analytics.qrisk3 import (
    DISCLAIMER,
    FLAGS,
    Ethnicity,
    QRiskInputs,
    Smoking,
    qrisk3,
    qrisk3_arrays,
)

BMI = 70 / 1.7**2  # the vectors' 70 kg at 1.7 m


def person(
    sex: str, age: float, ethnicity: Ethnicity = Ethnicity.WHITE_OR_NOT_STATED, chol_hdl: float = 4.0, **rest
):
    """The published vectors' person: non-smoker, no diabetes or other risk factor, SBP 120 (SD 10), Townsend 0."""
    return QRiskInputs(
        sex=sex, age=age, ethnicity=ethnicity, chol_hdl=chol_hdl, sbp=120.0, sbp_sd=10.0, bmi=BMI, **rest
    )


# --- The published test vectors (../shared/reference/population-health-facts.md) -----------------

TWO_DECIMALS = [
    ("female", 75, Ethnicity.WHITE_OR_NOT_STATED, 4.0, 18.11),
    ("male", 75, Ethnicity.WHITE_OR_NOT_STATED, 4.0, 24.59),
]

ONE_DECIMAL = [
    ("male", 65, Ethnicity.WHITE_OR_NOT_STATED, 4.0, 12.7),
    ("male", 55, Ethnicity.WHITE_OR_NOT_STATED, 8.0, 11.7),
    ("male", 35, Ethnicity.WHITE_OR_NOT_STATED, 3.5, 0.6),
    ("female", 65, Ethnicity.WHITE_OR_NOT_STATED, 4.0, 8.0),
    ("female", 55, Ethnicity.WHITE_OR_NOT_STATED, 8.0, 6.1),
    ("female", 35, Ethnicity.WHITE_OR_NOT_STATED, 3.5, 0.4),
    ("male", 75, Ethnicity.INDIAN, 4.0, 31.1),
    ("male", 65, Ethnicity.PAKISTANI, 4.0, 19.5),
    ("male", 55, Ethnicity.BANGLADESHI, 8.0, 19.1),
    ("male", 35, Ethnicity.CHINESE, 3.5, 0.4),
    ("female", 75, Ethnicity.INDIAN, 4.0, 23.2),
    ("female", 65, Ethnicity.PAKISTANI, 4.0, 13.7),
    ("female", 55, Ethnicity.BANGLADESHI, 8.0, 8.1),
    ("female", 35, Ethnicity.CHINESE, 3.5, 0.3),
]


@pytest.mark.parametrize(("sex", "age", "ethnicity", "ratio", "expected"), TWO_DECIMALS)
def test_published_vectors_to_two_decimals(sex, age, ethnicity, ratio, expected) -> None:
    assert round(qrisk3(person(sex, age, ethnicity, ratio)), 2) == expected


@pytest.mark.parametrize(("sex", "age", "ethnicity", "ratio", "expected"), ONE_DECIMAL)
def test_published_vectors_to_one_decimal(sex, age, ethnicity, ratio, expected) -> None:
    assert round(qrisk3(person(sex, age, ethnicity, ratio)), 1) == expected


def test_published_vectors_through_the_arrays() -> None:
    rows = TWO_DECIMALS + ONE_DECIMAL
    risks = qrisk3_arrays(
        sex=[row[0] for row in rows],
        age=[row[1] for row in rows],
        ethnicity=[int(row[2]) for row in rows],
        chol_hdl=[row[3] for row in rows],
        sbp=120,
        sbp_sd=10,
        bmi=BMI,
    )
    assert [round(float(r), 2) for r in risks[:2]] == [18.11, 24.59]
    assert [round(float(r), 1) for r in risks[2:]] == [row[4] for row in ONE_DECIMAL]


def test_result_is_unrounded_percent() -> None:
    risk = qrisk3(person("female", 75))
    assert 18.11 < risk < 18.112 and risk != round(risk, 2)


# --- Risk factors and smoking ---------------------------------------------------------------------


@pytest.mark.parametrize("sex", ["female", "male"])
@pytest.mark.parametrize("age", [45, 65])
def test_each_risk_factor_raises_the_risk(sex: str, age: int) -> None:
    baseline = qrisk3(person(sex, age))
    for flag in FLAGS:
        if flag == "erectile_dysfunction" and sex == "female":
            continue
        assert qrisk3(person(sex, age, **{flag: True})) > baseline, flag


@pytest.mark.parametrize("sex", ["female", "male"])
@pytest.mark.parametrize("age", [45, 65])
def test_risk_rises_with_the_smoking_level(sex: str, age: int) -> None:
    risks = [qrisk3(person(sex, age, smoking=level)) for level in Smoking]
    assert risks == sorted(risks) and len(set(risks)) == len(risks)


def test_townsend_deprivation_raises_the_risk() -> None:
    assert (
        qrisk3(person("male", 60, townsend=5.0))
        > qrisk3(person("male", 60))
        > qrisk3(person("male", 60, townsend=-5.0))
    )


@pytest.mark.parametrize(
    ("sex", "age", "change"),
    [
        ("female", 84, {"ckd_345": True}),
        ("female", 84, {"migraine": True}),
        ("male", 84, {"ckd_345": True}),
        ("male", 84, {"erectile_dysfunction": True}),
        ("female", 25, {"smoking": Smoking.EX}),
        ("male", 84, {"smoking": Smoking.EX}),
    ],
)
def test_the_published_model_lowers_the_risk_for_some_factors_at_the_extremes_of_age(
    sex, age, change
) -> None:
    """Interactions with age make these factors protective at these ages: the model, faithfully ported."""
    assert qrisk3(person(sex, age, **change)) < qrisk3(person(sex, age))


def test_erectile_dysfunction_is_refused_for_a_female() -> None:
    with pytest.raises(ValueError, match="male model only"):
        person("female", 60, erectile_dysfunction=True)
    with pytest.raises(ValueError, match="erectile_dysfunction"):
        qrisk3_arrays(
            sex="female",
            age=60,
            ethnicity=1,
            chol_hdl=4,
            sbp=120,
            sbp_sd=10,
            bmi=25,
            erectile_dysfunction=True,
        )


def test_type1_and_type2_diabetes_are_exclusive() -> None:
    with pytest.raises(ValueError, match="cannot both"):
        person("male", 60, type1_diabetes=True, type2_diabetes=True)


# --- Inputs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("white", Ethnicity.WHITE_OR_NOT_STATED),
        ("White or not stated", Ethnicity.WHITE_OR_NOT_STATED),
        ("not stated", Ethnicity.WHITE_OR_NOT_STATED),
        ("Indian", Ethnicity.INDIAN),
        ("pakistani", Ethnicity.PAKISTANI),
        ("BANGLADESHI", Ethnicity.BANGLADESHI),
        ("other asian", Ethnicity.OTHER_ASIAN),
        ("other-asian", Ethnicity.OTHER_ASIAN),
        ("black caribbean", Ethnicity.BLACK_CARIBBEAN),
        ("black african", Ethnicity.BLACK_AFRICAN),
        ("black_african", Ethnicity.BLACK_AFRICAN),
        ("chinese", Ethnicity.CHINESE),
        ("other", Ethnicity.OTHER),
        ("other ethnic group", Ethnicity.OTHER),
        ("1", Ethnicity.WHITE_OR_NOT_STATED),
        (" 9 ", Ethnicity.OTHER),
        (7, Ethnicity.BLACK_AFRICAN),
        (Ethnicity.CHINESE, Ethnicity.CHINESE),
    ],
)
def test_ethnicity_parse(text, expected) -> None:
    assert Ethnicity.parse(text) is expected


@pytest.mark.parametrize("text", ["martian", "0", "10", 0, "", "asian"])
def test_ethnicity_parse_refuses_unknown_groups(text) -> None:
    with pytest.raises(ValueError, match="not a QRISK3 ethnic group"):
        Ethnicity.parse(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("non", Smoking.NON),
        ("non-smoker", Smoking.NON),
        ("ex", Smoking.EX),
        ("Ex smoker", Smoking.EX),
        ("light", Smoking.LIGHT),
        ("moderate", Smoking.MODERATE),
        ("heavy", Smoking.HEAVY),
        ("4", Smoking.HEAVY),
        (2, Smoking.LIGHT),
    ],
)
def test_smoking_parse(text, expected) -> None:
    assert Smoking.parse(text) is expected


def test_inputs_take_names_and_numbers() -> None:
    inputs = QRiskInputs(
        sex="Male", age=60, ethnicity="indian", smoking="heavy", chol_hdl=4, sbp=130, sbp_sd=8, bmi=27
    )
    assert (inputs.sex, inputs.ethnicity, inputs.smoking, inputs.age) == (
        "male",
        Ethnicity.INDIAN,
        Smoking.HEAVY,
        60.0,
    )
    assert dataclasses.replace(inputs, ethnicity=2) == inputs


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"age": 24.9}, "age 24.9 years is outside QRISK3's accepted range 25-84"),
        ({"age": 85}, "age 85 years is outside"),
        ({"bmi": 19.9}, "bmi 19.9 kg/m2 is outside QRISK3's accepted range 20-40"),
        ({"bmi": 40.5}, "bmi 40.5"),
        ({"chol_hdl": 0.5}, "chol_hdl 0.5 is outside QRISK3's accepted range 1-12"),
        ({"chol_hdl": 12.1}, "chol_hdl 12.1"),
        ({"sbp": 69}, "sbp 69 mmHg is outside QRISK3's accepted range 70-210"),
        ({"sbp": 211}, "sbp 211"),
        ({"townsend": 12.5}, "townsend 12.5 is outside"),
        ({"sbp_sd": -1}, "sbp_sd -1 mmHg is negative"),
        ({"sex": "other"}, "must be 'female' or 'male'"),
        ({"age": float("nan")}, "age must be a finite number"),
        ({"bmi": "25"}, "bmi must be a number"),
        ({"af": 1}, "af must be True or False"),
        ({"smoking": "lots"}, "not a QRISK3 smoking category"),
    ],
)
def test_inputs_outside_the_accepted_ranges_are_refused(change, message) -> None:
    values = {
        "sex": "female",
        "age": 60,
        "ethnicity": 1,
        "chol_hdl": 4.0,
        "sbp": 120.0,
        "sbp_sd": 10.0,
        "bmi": 25.0,
    }
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        QRiskInputs(**{**values, **change})


def test_the_range_limits_themselves_are_accepted() -> None:
    for age, bmi, ratio, sbp, town in ((25, 20, 1, 70, -8), (84, 40, 12, 210, 12)):
        risk = qrisk3(
            QRiskInputs(
                sex="male", age=age, ethnicity=1, chol_hdl=ratio, sbp=sbp, sbp_sd=0, bmi=bmi, townsend=town
            )
        )
        assert 0 < risk < 100


def test_missing_values_are_not_imputed() -> None:
    inputs = QRiskInputs(sex="female", age=60, ethnicity=1, chol_hdl=4.0, sbp=None, sbp_sd=10.0, bmi=None)
    assert inputs.missing == ("sbp", "bmi")
    with pytest.raises(ValueError, match="QRISK3 needs sbp, bmi"):
        qrisk3(inputs)
    with pytest.raises(ValueError, match="bmi: 1 value"):
        qrisk3_arrays(
            sex="female", age=[60, 61], ethnicity=1, chol_hdl=4, sbp=120, sbp_sd=10, bmi=[25, np.nan]
        )


def test_bounded_moves_values_to_the_limits_like_the_calculator() -> None:
    values = {
        "sex": "male",
        "age": 60,
        "ethnicity": 1,
        "chol_hdl": 14.0,
        "sbp": 230.0,
        "sbp_sd": 10.0,
        "bmi": 17.0,
        "townsend": -9.0,
    }
    inputs = QRiskInputs.bounded(**values)
    assert (inputs.chol_hdl, inputs.sbp, inputs.bmi, inputs.townsend) == (12.0, 210.0, 20.0, -8.0)
    arrays = qrisk3_arrays(**{**values, "clip": True})
    assert float(arrays) == pytest.approx(qrisk3(inputs), abs=1e-9)
    with pytest.raises(ValueError, match="age"):
        QRiskInputs.bounded(**{**values, "age": 90})
    with pytest.raises(ValueError, match="outside QRISK3's accepted range"):
        qrisk3_arrays(**values)


def test_to_dict_is_json_ready() -> None:
    data = person("male", 60, smoking=Smoking.EX, af=True).to_dict()
    assert data["sex"] == "male" and data["ethnicity"] == "white_or_not_stated" and data["smoking"] == "ex"
    assert data["af"] is True and data["bmi"] == BMI and set(FLAGS) <= set(data)


# --- Arrays ---------------------------------------------------------------------------------------


def test_arrays_broadcast_and_keep_the_shape() -> None:
    risks = qrisk3_arrays(
        sex=np.array([["female"], ["male"]]),
        age=[[40, 50, 60]],
        ethnicity=1,
        chol_hdl=4,
        sbp=120,
        sbp_sd=10,
        bmi=25,
    )
    assert risks.shape == (2, 3)
    for i, sex in enumerate(("female", "male")):
        for j, age in enumerate((40, 50, 60)):
            scalar = qrisk3(
                QRiskInputs(sex=sex, age=age, ethnicity=1, chol_hdl=4, sbp=120, sbp_sd=10, bmi=25)
            )
            assert risks[i, j] == pytest.approx(scalar, abs=1e-9)


def test_arrays_refuse_bad_codes_with_the_first_index() -> None:
    base = {"sex": ["male", "female", "male"], "age": 60, "chol_hdl": 4, "sbp": 120, "sbp_sd": 10, "bmi": 25}
    with pytest.raises(ValueError, match=r"ethnicity: 1 value\(s\) not a code 1-9 \(first at index 2\)"):
        qrisk3_arrays(**base, ethnicity=[1, 2, 10])
    with pytest.raises(ValueError, match="smoking"):
        qrisk3_arrays(**base, ethnicity=1, smoking=[0, 5, 0])
    with pytest.raises(ValueError, match="sex"):
        qrisk3_arrays(**{**base, "sex": ["male", "f", "male"]}, ethnicity=1)
    with pytest.raises(ValueError, match="age"):
        qrisk3_arrays(**{**base, "age": [60, 90, 30]}, ethnicity=1)
    with pytest.raises(ValueError, match="af"):
        qrisk3_arrays(**base, ethnicity=1, af=[0, 2, 1])


def test_disclaimer_is_clinrisks() -> None:
    assert "faithfully implements QRISK3-2017" in DISCLAIMER
    assert (
        "Inaccurate implementations of risk scores can lead to wrong patients being given the wrong treatment."
        in DISCLAIMER
    )
