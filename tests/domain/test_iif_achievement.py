"""IIF achievement over the year to date and its forecast, on hand-made monthly series worked by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from pcnhub.domain import iif as d
from pcnhub.domain.money.years import FinancialYear
from pcnhub.reference.iif import iif_year


def catalogue_2021() -> d.IIFYear:
    """2021/22 as published (GBP 200 a point; VI-01 40 points, 80% to 86%) with a made-up down indicator."""
    year = iif_year(FinancialYear(2021))
    down = d.Indicator(id="T-DOWN", name="test: lower is better", status=d.VERIFIED, source="test",
                       points=Decimal(20), lower=Decimal(10), upper=Decimal(5), direction=d.DOWN,
                       prevalence_adjusted=False, measure="nsaid_without_gastroprotection_65plus")
    return dataclasses.replace(year, indicators=(*year.indicators, down))


def months(start: tuple[int, int], pairs: list[tuple[int, int]]) -> list[d.MonthCounts]:
    first = dt.date(start[0], start[1], 1)
    out = []
    for i, (top, bottom) in enumerate(pairs):
        month = dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
        out.append(d.MonthCounts(month, Decimal(top), Decimal(bottom)))
    return out


def test_the_iif_year_runs_april_to_march():
    got = d.year_months(FinancialYear(2022))
    assert got[0] == dt.date(2022, 4, 1) and got[-1] == dt.date(2023, 3, 1) and len(got) == 12


def test_flow_numerator_sums_the_year_to_date_and_extrapolates_linearly():
    # VI-01 treated as counted month by month: 270 + 270 + 270 = 810 over the latest denominator 1,000 = 81%.
    # Points: 40 x (81 - 80) / (86 - 80) = 6.6667. Prevalence 0.2 / 0.25 = 0.8; list 48,485 / 48,485 = 1.
    # GBP: 40/6 x 200 x 0.8 = 1,066.67.  Forecast: 810 x 12 / 3 = 3,240 of 1,000, kept at 100%: 40 points,
    # 40 x 200 x 0.8 = 6,400.00.
    got = d.year_to_date(catalogue_2021(), "VI-01", months((2021, 4), [(270, 990), (270, 995), (270, 1000)]),
                         numerator_kind=d.FLOW, denominator_kind=d.SNAPSHOT, list_size=48_485,
                         prevalence="0.2", national_prevalence="0.25")
    assert (got.numerator, got.denominator, got.achievement) == (810, 1000, 81)
    assert round(got.points, 4) == Decimal("6.6667") and got.gbp == Decimal("1066.67")
    assert got.forecast.achievement == 100 and got.forecast.points == 40 and got.forecast.gbp == Decimal("6400.00")
    assert "cumulative numerator" in got.forecast.method and "3 months" in got.forecast.method
    assert got.to_act_on == 1000 - 810
    assert got.to_upper == 860 - 810  # 86% of 1,000 = 860
    assert any("3 of 12 months, to June 2021" in n for n in got.notes)


def test_flow_forecast_below_the_lower_threshold_earns_nothing():
    # 50 + 70 = 120 of 1,000 after 2 months (12%); forecast 120 x 12 / 2 = 720 of 1,000 = 72% <= 80%: 0 points.
    got = d.year_to_date(catalogue_2021(), "VI-01", months((2021, 4), [(50, 1000), (70, 1000)]),
                         numerator_kind=d.FLOW, denominator_kind=d.SNAPSHOT, list_size=48_485)
    assert got.achievement == 12 and got.points == 0 and got.gbp == 0
    assert got.forecast.achievement == 72 and got.forecast.points == 0 and got.forecast.gbp == 0


def test_snapshot_forecast_is_the_least_squares_line_read_at_march():
    # Achievements 12, 11, 10, 9% in April to July: the line y = 13 - x reads 1% at month 12.
    # Now 9%: points 20 x (10 - 9) / (10 - 5) = 4, GBP 4 x 200 = 800 (no list size: an average PCN).
    # Forecast 1% <= 5%: all 20 points, GBP 4,000. To act on: the 9 in the numerator; 4 fewer reach 5%.
    got = d.year_to_date(catalogue_2021(), "T-DOWN", months((2021, 4), [(12, 100), (11, 100), (10, 100), (9, 100)]),
                         numerator_kind=d.SNAPSHOT, denominator_kind=d.SNAPSHOT)
    assert (got.numerator, got.denominator, got.achievement, got.points, got.gbp) == (9, 100, 9, 4, Decimal("800.00"))
    assert got.forecast.achievement == 1 and got.forecast.points == 20 and got.forecast.gbp == Decimal("4000.00")
    assert "least-squares" in got.forecast.method
    assert (got.to_act_on, got.to_upper) == (9, 4)


def test_trend_by_hand():
    assert d.trend_at([Decimal(2), Decimal(4), Decimal(3)], 12) == 8  # y = 2 + 0.5x: 2 + 6
    assert d.trend_at([Decimal(5)], 12) == 5


def test_one_month_is_no_trend():
    got = d.year_to_date(catalogue_2021(), "T-DOWN", months((2021, 4), [(8, 100)]),
                         numerator_kind=d.SNAPSHOT, denominator_kind=d.SNAPSHOT)
    assert got.forecast.achievement == 8 and "no trend" in got.forecast.method


def test_an_indicator_without_points_gets_achievement_but_no_points_or_money():
    year = iif_year(FinancialYear(2022))  # PC-01: 0.8% to 1.2%, points not known
    got = d.year_to_date(year, "PC-01", months((2022, 4), [(10, 2000), (6, 2000)]),
                         numerator_kind=d.FLOW, denominator_kind=d.SNAPSHOT, list_size=2000)
    assert got.achievement == Decimal("0.8") and got.points is None and got.gbp is None
    assert got.forecast.achievement == Decimal("4.8") and got.forecast.points is None
    assert got.status == d.UNCERTAIN and any("not known, so no points" in n for n in got.notes)
    assert got.to_upper == 8  # 1.2% of 2,000 = 24, 16 so far


def test_a_suppressed_month_gives_no_achievement():
    series = months((2021, 4), [(270, 1000)]) + [d.MonthCounts(dt.date(2021, 5, 1), None, Decimal(1000))]
    got = d.year_to_date(catalogue_2021(), "VI-01", series, numerator_kind=d.FLOW, denominator_kind=d.SNAPSHOT)
    assert got.achievement is None and got.gbp is None and "suppressed" in got.notes[0]


def test_months_outside_the_year_and_bad_kinds_are_named_errors():
    with pytest.raises(d.IIFError, match="outside the IIF year"):
        d.year_to_date(catalogue_2021(), "VI-01", months((2021, 3), [(1, 10)]),
                       numerator_kind=d.FLOW, denominator_kind=d.SNAPSHOT)
    with pytest.raises(d.IIFError, match="'weekly' is not one of flow, snapshot"):
        d.year_to_date(catalogue_2021(), "VI-01", [], numerator_kind="weekly", denominator_kind=d.SNAPSHOT)


# --- What the entitlement counts --------------------------------------------------------------------------------


def test_earned_to_date_adds_the_indicators_with_money_and_names_the_rest():
    # 2021/22 as published: GBP 200 a point; VI-01 40 points 80% to 86%, VI-02 88 points 57% to 90%; a PCN of the
    # national average list (48,485), so the list-size adjustment is 1.
    year = iif_year(FinancialYear(2021))
    april = [(2021, 4)]
    vi01 = d.year_to_date(year, "VI-01", months(april[0], [(830, 1000)]), numerator_kind=d.SNAPSHOT,
                          denominator_kind=d.SNAPSHOT, list_size=48_485)
    vi02 = d.year_to_date(year, "VI-02", months(april[0], [(900, 1000)]), numerator_kind=d.SNAPSHOT,
                          denominator_kind=d.SNAPSHOT, list_size=48_485)
    assert (vi01.points, vi01.gbp, vi02.points, vi02.gbp) == (20, Decimal("4000.00"), 88, Decimal("17600.00"))
    earned = d.earned_to_date(year, [vi01, vi02], dt.date(2021, 4, 30))
    assert earned.amount == Decimal("21600.00") and earned.adjusted_points == 108
    assert earned.indicators == ("VI-01", "VI-02") and earned.status == d.DERIVED  # the average list is derived
    assert earned.not_counted == ("VI-03", "HI-01", "IIF21-SP", "IIF21-APPTS")
    assert earned.describe().startswith("computed from 2 indicators, as of 30 April 2021; VI-03, HI-01")
    assert earned.at(Decimal(200)) == Decimal("21600.00")
    assert earned.at(Decimal(150)) == Decimal("16200.00")  # an ICB's value of a point: 108 points x GBP 150


def test_earned_to_date_is_none_without_money():
    year = iif_year(FinancialYear(2021))
    no_points = d.year_to_date(year, "IIF21-SP", months((2021, 4), [(10, 5000)]), numerator_kind=d.FLOW,
                               denominator_kind=d.SNAPSHOT)
    assert no_points.achievement is not None and no_points.gbp is None  # thresholds and points not known
    assert d.earned_to_date(year, [no_points], dt.date(2021, 4, 30)) is None
    assert d.earned_to_date(year, [], dt.date(2021, 4, 30)) is None
    unpriced = dataclasses.replace(year, point_value=d.Figure(None, d.UNCERTAIN, "not found"))
    scored = d.year_to_date(unpriced, "VI-01", months((2021, 4), [(830, 1000)]), numerator_kind=d.SNAPSHOT,
                            denominator_kind=d.SNAPSHOT)
    assert scored.points == 20 and d.earned_to_date(unpriced, [scored], dt.date(2021, 4, 30)) is None
