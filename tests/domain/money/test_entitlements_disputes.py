"""Issue 14: the calculation uses the figure chosen from the primary document (recomputed by hand)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.entitlements import Population, entitlement
from pcnhub.domain.money.years import FinancialYear
from pcnhub.reference.rates import year_rates

FIFTY_K = Population(50_000)


def line(year: int, key: str, population: Population = FIFTY_K):
    found = entitlement(year_rates(FinancialYear(year)), population).line(key)
    assert found is not None
    return found


def test_clinical_director_2023_24_uses_0_72963():
    assert line(2023, "clinical_director").amount == Decimal("36481.50")  # 0.72963 x 50,000, not 0.729 (36,450)


def test_participation_2019_20_is_0_147_a_month_for_twelve_months_first_paid_in_july():
    got = line(2019, "participation")
    assert got.amount == Decimal("88200.00")  # 0.147 x 12 x 50,000
    assert got.schedule[0] == (dt.date(2019, 7, 1), Decimal("29400.00"))  # April to July: 0.147 x 4 x 50,000
    assert [m for m, _ in got.schedule] == FinancialYear(2019).months()[3:]
    assert [a for _, a in got.schedule[1:]] == [Decimal("7350.00")] * 8  # 0.147 x 50,000


def test_participation_2022_23_uses_1_761_and_2023_24_1_76():
    assert line(2022, "participation").amount == Decimal("88050.00")  # 1.761 x 50,000
    assert line(2023, "participation").amount == Decimal("88000.00")  # 1.76 x 50,000


def test_core_2019_20_covers_the_whole_year():
    assert line(2019, "core").amount == Decimal("75000.00")  # 1.50 x 50,000, not 9/12 of it (56,250)


def test_clinical_director_2019_20_still_starts_on_1_july():
    got = line(2019, "clinical_director")
    assert got.amount == Decimal("25715.00")  # 0.5143 x 50,000
    assert got.schedule[0][0] == dt.date(2019, 7, 1) and len(got.schedule) == 9


def test_care_home_premium_2020_21_is_eight_payments_of_7_50_a_bed_from_august():
    got = line(2020, "care_home_premium", Population(50_000, care_home_beds=100))
    assert got.amount == Decimal("6000.00")  # 60 x 100
    assert [m for m, _ in got.schedule] == FinancialYear(2020).months()[4:]  # August to March
    assert {a for _, a in got.schedule} == {Decimal("750.00")}  # 7.50 x 100


def test_enhanced_access_2022_23_is_3_764_for_the_half_year():
    got = line(2022, "enhanced_access", Population(50_000, adjusted=40_000))
    assert got.amount == Decimal("150560.00")  # 3.764 x 40,000, not 7.46 / 2 x 40,000 (149,200)
    assert len(got.schedule) == 6


def test_arrs_2019_20_is_still_the_pot_share():
    rates = year_rates(FinancialYear(2019))
    got = line(2019, "arrs")
    assert got.rate == rates.payment("arrs").pot / rates.national[c.WEIGHTED].value
