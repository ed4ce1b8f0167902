"""A PCN's IIF from the measures (finance.iif): a tiny hand-made dataset, counts, points and GBP worked by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from pcnhub.domain import iif as d
from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import iif as service
from pcnhub.reference.iif import iif_year
from tests.finance.iif_dataset import PCN, dataset

AS_OF = dt.date(2022, 7, 1)


@pytest.fixture(scope="module")
def data_2022(tmp_path_factory):
    return dataset(tmp_path_factory.mktemp("iif-2022"), 2022)


def test_exact_counts_for_the_pcn_and_england(data_2022):
    series = service.compute_from_dataset(data_2022, ["A00001", "A00002"], iif_year(FinancialYear(2022)), AS_OF)
    months = [dt.date(2022, 4, 1), dt.date(2022, 5, 1), dt.date(2022, 6, 1)]
    pcn = series.pcn["iif_social_prescribing_referrals"]
    assert [(m.month, m.numerator, m.denominator) for m in pcn] == list(zip(months, [1, 2, 2], [6, 6, 7], strict=True))
    england = series.england["iif_social_prescribing_referrals"]
    assert [(m.numerator, m.denominator) for m in england] == [(1, 8), (2, 8), (3, 9)]
    assert series.registered == dict(zip(months, [6, 6, 7], strict=True)) and series.source == service.EXACT


def test_pc_01_achievement_by_hand_without_points(data_2022):
    catalogue = iif_year(FinancialYear(2022))
    series = service.compute_from_dataset(data_2022, ["A00001", "A00002"], catalogue, AS_OF)
    result = service.achievement(catalogue, PCN, series, list_size=7)
    (row,) = result.rows
    # 1 + 2 + 2 = 5 referrals over the 7 registered at the end of June: 71.4286%; PC-01's points are not known.
    assert row.indicator.id == "PC-01" and (row.numerator, row.denominator) == (5, 7)
    assert round(row.achievement, 4) == Decimal("71.4286") and row.points is None and row.gbp is None
    # Forecast: 5 x 12 / 3 = 20 of 7, kept at 100%.  To act on: 7 - 5 = 2; 1.2% of 7 is reached already.
    assert row.forecast.achievement == 100 and (row.to_act_on, row.to_upper) == (2, 0)
    assert result.points is None and result.gbp is None and result.last_month == dt.date(2022, 6, 1)
    assert {i.id for i in result.not_linked} == {"VI-01", "VI-02", "VI-03", "ACC-08", "CVD-12", "CVD-15", "CAN-01",
                                                "AC-02"}


def test_points_and_gbp_by_hand_from_published_thresholds(tmp_path):
    # CAN-02 2024/25 as published (22 points, 65% to 80%, GBP 198 a point, prevalence-adjusted), here counted
    # by the social prescribing measure so the tiny dataset can score it.  5 / 7 = 71.4286%:
    # points 22 x (71.4286 - 65) / 15 = 9.4286; list 48,485 / 48,485 = 1; prevalence (7 / 7) / (9 / 9) = 1;
    # GBP 22 x (5/7 - 0.65) / 0.15 x 198 = 1,866.86.  Forecast 100%: 22 points, 22 x 198 = 4,356.00.
    data = dataset(tmp_path / "data", 2024)
    published = iif_year(FinancialYear(2024))
    can02 = dataclasses.replace(published.indicator("CAN-02"), measure="iif_social_prescribing_referrals")
    catalogue = dataclasses.replace(published, indicators=(can02,))
    series = service.compute_from_dataset(data, ["A00001", "A00002"], catalogue, dt.date(2024, 7, 1))
    result = service.achievement(catalogue, PCN, series, list_size=48_485)
    (row,) = result.rows
    assert round(row.points, 4) == Decimal("9.4286") and row.gbp == Decimal("1866.86")
    assert row.forecast.points == 22 and row.forecast.gbp == Decimal("4356.00")
    assert result.gbp == Decimal("1866.86") and result.forecast_gbp == Decimal("4356.00")
    assert not any("prevalence-adjusted indicator, but no prevalence" in n for n in row.notes)


def test_prevalence_adjustment_from_the_measures_denominators():
    # PCN: 20 of its 100 patients in the denominator (0.2); England 300 of 1,000 (0.3): adjustment 2/3.
    published = iif_year(FinancialYear(2024))
    can02 = dataclasses.replace(published.indicator("CAN-02"), measure="nsaid_without_gastroprotection_65plus")
    catalogue = dataclasses.replace(published, indicators=(can02,))
    june = dt.date(2024, 6, 1)
    series = service.Series(
        pcn={"nsaid_without_gastroprotection_65plus": [d.MonthCounts(june, Decimal(16), Decimal(20))]},
        england={"nsaid_without_gastroprotection_65plus": [d.MonthCounts(june, Decimal(200), Decimal(300))]},
        registered={june: Decimal(100)}, england_registered={june: Decimal(1000)})
    (row,) = service.achievement(catalogue, PCN, series, list_size=48_485).rows
    # 16 / 20 = 80%: all 22 points; 22 x 198 x 2/3 = 2,904.00
    assert row.points == 22 and row.gbp == Decimal("2904.00")


def test_reading_a_measures_output(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [("iif_social_prescribing_referrals", "pcn", PCN, dt.date(2022, m, 1), n, 1000)
            for m, n in ((3, 99), (4, 5), (5, 10))]
    rows.append(("iif_social_prescribing_referrals", "pcn", PCN, dt.date(2022, 6, 1), None, 1000))
    rows.append(("iif_social_prescribing_referrals", "pcn", "U99999", dt.date(2022, 4, 1), 50, 1000))
    names = ["measure", "level", "org_code", "month", "numerator", "denominator"]
    pq.write_table(pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows]), tmp_path / service.VALUES_FILE)
    catalogue = iif_year(FinancialYear(2022))
    series = service.read_output(tmp_path, PCN, catalogue, dt.date(2022, 5, 1))
    assert [(m.month.month, m.numerator) for m in series.pcn["iif_social_prescribing_referrals"]] == [(4, 5), (5, 10)]
    (row,) = service.achievement(catalogue, PCN, series, list_size=1000).rows
    assert row.achievement == Decimal("1.5") and series.source == service.ROUNDED  # 15 of 1,000
    # June suppressed: no achievement, said why
    (row,) = service.achievement(catalogue, PCN, service.read_output(tmp_path, PCN, catalogue), list_size=1000).rows
    assert row.achievement is None and "suppressed" in row.notes[0]


def test_can_02_is_counted_by_the_fit_measure(tmp_path):
    """CAN-02 2024/25 as published, from fit_before_lower_gi_referral: the PCN's lower GI urgent referrals in April
    to June 2024 with a FIT in the 21 days before each. r1 (April, FIT 9 days before) counts; r2 (May, no FIT) does
    not; r3's June referrals: the first 14 days after its FIT counts, the second 39 days after does not; q1 is of
    another PCN (England only). 2 of 4 = 50%, below the lower threshold (65%): no points."""
    from tests.analytics.spec.dataset import Builder, write

    b = Builder()
    colorectal, fit = "276401000000108", "1049361000000101"
    for name, practice, events in (
        ("r1", "A00001", [(colorectal, dt.date(2024, 4, 10)), (fit, dt.date(2024, 4, 1))]),
        ("r2", "A00001", [(colorectal, dt.date(2024, 5, 15))]),
        ("r3", "A00002", [(fit, dt.date(2024, 5, 20)), (colorectal, dt.date(2024, 6, 3)),
                          (colorectal, dt.date(2024, 6, 28))]),
        ("q1", "A00003", [(colorectal, dt.date(2024, 5, 1)), (fit, dt.date(2024, 4, 30))]),
    ):
        pid = b.patient(name, age=60, practice=practice)
        for code, day in events:
            b.event(pid, code, day)
    data = write(tmp_path / "data", b.tables())
    catalogue = iif_year(FinancialYear(2024))
    assert catalogue.indicator("CAN-02").measure == "fit_before_lower_gi_referral"
    series = service.compute_from_dataset(data, ["A00001", "A00002"], catalogue, dt.date(2024, 7, 1))
    pcn = series.pcn["fit_before_lower_gi_referral"]
    assert [(m.month.month, m.numerator, m.denominator) for m in pcn] == [(4, 1, 1), (5, 0, 1), (6, 1, 2)]
    england = series.england["fit_before_lower_gi_referral"]
    assert [(m.numerator, m.denominator) for m in england] == [(1, 1), (1, 2), (1, 2)]
    result = service.achievement(catalogue, PCN, series, list_size=48_485)
    row = next(r for r in result.rows if r.indicator.id == "CAN-02")
    assert (row.numerator, row.denominator, row.achievement) == (2, 4, 50) and row.points == 0
