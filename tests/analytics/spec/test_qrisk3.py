"""QRISK3 in the pipeline equals the scalar port, and is null when an input is missing."""

import math
import statistics

import pytest

from pcnhub.analytics.qrisk3 import QRiskInputs, qrisk3
from tests.analytics.spec.dataset import QRISK_CASES

SCORED = [case for case in QRISK_CASES if case.expect is not None]
UNSCORED = [case.name for case in QRISK_CASES if case.expect is None]


def expected(case) -> float:
    inputs = dict(case.expect)
    values = inputs.pop("sbp_values")
    inputs["sbp"] = statistics.fmean(values)
    inputs["sbp_sd"] = statistics.stdev(values)
    return qrisk3(QRiskInputs.bounded(**inputs))


@pytest.mark.parametrize("case", SCORED, ids=[case.name for case in SCORED])
def test_equals_the_scalar_port(outputs, case):
    assert outputs.patient(case.name).qrisk3 == pytest.approx(expected(case), abs=1e-6)


@pytest.mark.parametrize("name", UNSCORED)
def test_null_when_an_input_is_missing_or_not_eligible(outputs, name):
    # one SBP reading (no SD), readings over 5 years ago, no BMI, no ratio, CVD, aged 24 or 85, on a statin
    assert math.isnan(outputs.patient(name).qrisk3)


def test_the_cases_cover_every_smoking_category():
    assert {case.expect["smoking"] for case in SCORED} == {0, 1, 2, 3, 4}
