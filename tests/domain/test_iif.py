"""The IIF points engine: the formula at and between thresholds, adjustments, hand-worked money."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcnhub.domain import iif as d
from pcnhub.domain.money.years import FinancialYear

SOURCE = "test catalogue"


def indicator(id_="VI-01", points=40, lower=80, upper=86, **kwargs) -> d.Indicator:
    numbers = {name: None if v is None else Decimal(str(v)) for name, v in
               (("points", points), ("lower", lower), ("upper", upper))}
    return d.Indicator(id=id_, name=id_, status=d.VERIFIED, source=SOURCE, **numbers, **kwargs)


def figure(value) -> d.Figure:
    return d.Figure(None if value is None else Decimal(str(value)),
                    d.VERIFIED if value is not None else d.UNCERTAIN, SOURCE)


def catalogue(*indicators, value=200, average=48_485, total=None, share=None) -> d.IIFYear:
    """A year like 2021/22: GBP 200 a point (the published VI-01 is 40 points, 80-86%)."""
    indicators = indicators or (indicator(prevalence_adjusted=True),)
    total = total if total is not None else sum(i.points or 0 for i in indicators)
    aspiration = d.Aspiration(d.VERIFIED if share is not None else d.UNCERTAIN, SOURCE,
                              None if share is None else Decimal(str(share)))
    return d.IIFYear(FinancialYear(2021), figure(value), figure(average), figure(total), aspiration,
                     tuple(indicators))


def test_points_are_zero_at_and_below_the_lower_threshold():
    vi01 = indicator()
    assert d.points(vi01, Decimal(80)) == 0
    assert d.points(vi01, Decimal(50)) == 0


def test_points_are_all_at_and_above_the_upper_threshold():
    vi01 = indicator()
    assert d.points(vi01, Decimal(86)) == 40
    assert d.points(vi01, Decimal(100)) == 40


def test_points_are_linear_between():
    # 83% is half way from 80% to 86%: half of 40 points.
    assert d.points(indicator(), Decimal(83)) == 20
    # CAN-02 2024/25: 22 points, 65-80%; 70% is a third of the way.
    assert d.points(indicator("CAN-02", 22, 65, 80), Decimal(70)) == Decimal(22) / 3


def test_lower_is_better_indicators_run_the_other_way():
    down = indicator("DOWN", 10, lower=40, upper=20, direction=d.DOWN)
    assert d.points(down, Decimal(40)) == 0 and d.points(down, Decimal(50)) == 0
    assert d.points(down, Decimal(20)) == 10 and d.points(down, Decimal(5)) == 10
    assert d.points(down, Decimal(30)) == 5


def test_an_indicator_without_thresholds_cannot_be_scored():
    with pytest.raises(d.IIFError, match="HI-03: points and thresholds are not all known"):
        d.points(indicator("HI-03", 36, None, None), Decimal(70))


def test_hand_worked_average_pcn():
    # 830 of 1,000 patients 65+ vaccinated = 83%: 20 points x GBP 200 = GBP 4,000 for an average PCN.
    result = d.score(catalogue(), "VI-01", 830, 1000)
    assert (result.achievement, result.points, result.gbp) == (83, 20, Decimal("4000.00"))
    assert result.list_adjustment == 1 and result.prevalence_adjustment == 1


def test_hand_worked_list_size_and_prevalence_adjustments():
    # 20 points x 200 x (60,000 / 48,485) x (25% / 20%) = 4,000 x 1.2375 x 1.25 = 6,187.48 (pence rounded)
    result = d.score(catalogue(), "VI-01", 830, 1000, list_size=60_000, prevalence=25, national_prevalence=20)
    assert result.list_adjustment == Decimal(60_000) / Decimal(48_485)
    assert result.prevalence_adjustment == Decimal("1.25")
    assert result.gbp == Decimal("6187.48")
    # A given average list size is used instead of the catalogue's.
    assert d.score(catalogue(), "VI-01", 830, 1000, list_size=60_000, average_list_size=48_000).gbp == Decimal("5000.00")


def test_the_guidances_personalised_care_example():
    # 600 vaccinated of 1,000, 100 refused and 100 clinically inappropriate: 600 / 800 = 75%, below 80%.
    result = d.score(catalogue(), "VI-01", 600, 800)
    assert result.achievement == 75 and result.points == 0 and result.gbp == 0


@pytest.mark.parametrize(("numerator", "denominator", "message"), [
    (-1, 10, "numerator cannot be negative"),
    (1, -10, "denominator cannot be negative"),
    (11, 10, "the numerator (11) cannot be more than the denominator (10)"),
    (0, 0, "the denominator is 0"),
    ("x", 10, "numerator 'x' is not a number"),
])
def test_impossible_counts_are_named(numerator, denominator, message):
    with pytest.raises(d.IIFError, match=re.escape(message)):
        d.score(catalogue(), "VI-01", numerator, denominator)


def test_impossible_adjustments_are_named():
    with pytest.raises(d.IIFError, match="average list size must be more than 0"):
        d.score(catalogue(), "VI-01", 1, 2, list_size=1000, average_list_size=0)
    with pytest.raises(d.IIFError, match="needs both the PCN and the national prevalence"):
        d.score(catalogue(), "VI-01", 1, 2, prevalence=3)
    with pytest.raises(d.IIFError, match="is not prevalence-adjusted"):
        d.score(catalogue(indicator(prevalence_adjusted=False)), "VI-01", 1, 2, prevalence=3, national_prevalence=2)
    with pytest.raises(d.IIFError, match="no IIF indicator 'ZZ-01'"):
        d.score(catalogue(), "ZZ-01", 1, 2)


def test_unknown_value_of_a_point_gives_points_but_no_money():
    result = d.score(catalogue(value=None), "VI-01", 830, 1000)
    assert result.points == 20 and result.gbp is None and result.status == d.UNCERTAIN
    assert any("value of an IIF point" in note for note in result.notes)


def test_maximum_is_total_points_x_value_x_list_adjustment():
    # 2020/21 as published: 194 points at GBP 111, average PCN 48,000.
    year = catalogue(indicator(points=194), value=111, average=48_000)
    assert d.maximum(year, 48_000).amount == Decimal("21534.00")
    assert d.maximum(year, 96_000).amount == Decimal("43068.00")
    unknown = d.maximum(catalogue(value=None), 50_000)
    assert unknown.amount is None and unknown.status == d.UNCERTAIN and "value of a point" in unknown.how
    # The one formula, unrounded: 225 points x GBP 200 (2021/22) for a PCN of 50,000 over the average 48,485.
    assert d.maximum_amount(Decimal(225), Decimal(200), 50_000, Decimal(48_485)) == Decimal(225 * 200 * 50_000) / 48_485


def test_pcn_money_adds_the_indicators_and_lists_those_not_given():
    year = catalogue(indicator(prevalence_adjusted=True), indicator("VI-02", 88, 57, 90, prevalence_adjusted=True),
                     indicator("VI-03", 14, 45, 82), indicator("HI-01", 36, None, None))
    result = d.pcn_money(year, {"VI-01": d.Counts(830, 1000), "VI-02": d.Counts(90, 100)}, list_size=48_485)
    # VI-01 20 points (GBP 4,000) + VI-02 all 88 points (GBP 17,600)
    assert result.total_points == 108 and result.gbp == Decimal("21600.00")
    # VI-03 is scored but not given; HI-01 cannot be scored (no thresholds), so it is not asked for.
    assert result.not_given == ("VI-03",)


def test_aspiration_and_year_end_reconciliation():
    year = catalogue(share="0.7")
    assert d.aspiration_payment(year, 10_000) == Decimal("7000.00")
    assert d.aspiration_payment(catalogue(), 10_000) is None
    assert d.reconcile(5_000, 7_000) == Decimal("-2000.00")
    assert d.reconcile(9_000, 7_000) == Decimal("2000.00")


thresholds = st.tuples(st.integers(0, 99), st.integers(1, 100)).filter(lambda t: t[0] < t[1])
achievements = st.decimals(0, 100, places=3)


@given(thresholds, st.integers(1, 200), achievements, achievements)
def test_points_are_monotone_and_bounded(bounds, available, a, b):
    ind = indicator("P", available, *bounds)
    low, high = sorted((a, b))
    assert 0 <= d.points(ind, low) <= d.points(ind, high) <= available


@given(thresholds, st.integers(1, 200), achievements, achievements)
def test_lower_is_better_points_fall_as_achievement_rises(bounds, available, a, b):
    ind = indicator("P", available, lower=bounds[1], upper=bounds[0], direction=d.DOWN)
    low, high = sorted((a, b))
    assert available >= d.points(ind, low) >= d.points(ind, high) >= 0


@given(thresholds, st.integers(1, 200))
def test_points_are_exact_at_the_thresholds(bounds, available):
    ind = indicator("P", available, *bounds)
    assert d.points(ind, Decimal(bounds[0])) == 0
    assert d.points(ind, Decimal(bounds[1])) == available


@given(st.integers(1, 10_000), st.integers(0, 10_000), st.integers(1, 200_000))
def test_money_is_points_x_value_x_list_adjustment(denominator, numerator, list_size):
    numerator = min(numerator, denominator)
    result = d.score(catalogue(), "VI-01", numerator, denominator, list_size=list_size)
    expected = d.pence(result.points * 200 * Decimal(list_size) / 48_485)
    assert result.gbp == expected and result.gbp <= d.pence(40 * 200 * Decimal(list_size) / 48_485)
