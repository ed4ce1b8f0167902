"""Issue 14: the six disputed rates, each recorded with the primary document's figure and the other published one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.years import FinancialYear
from pcnhub.reference.rates import year_rates

FACTS_SHEET = "pcnhub facts sheet"
PARLIAMENTARY_ANSWER = "written answer 257552"


def payment(year: int, key: str) -> c.Payment:
    found = year_rates(FinancialYear(year)).payment(key)
    assert found is not None, f"{key} not in {year}"
    return found


def cites_primary(p: c.Payment, document: str) -> None:
    assert document in p.source, p.source
    assert not p.source.startswith(FACTS_SHEET), p.source


def values(p: c.Payment) -> set[Decimal]:
    return {a.value for a in p.alternatives if a.value is not None}


def starts(p: c.Payment) -> set[dt.date]:
    return {a.start for a in p.alternatives if a.start is not None}


def test_clinical_director_2023_24_is_the_des_0_72963_with_the_bma_0_729_recorded():
    p = payment(2023, "clinical_director")
    assert p.rate == Decimal("0.72963")
    cites_primary(p, "Contract Specification 2023/24")
    assert values(p) == {Decimal("0.729")}
    assert all("BMA" in a.source for a in p.alternatives)


def test_participation_2019_20_is_0_147_a_month_from_the_parliamentary_answer():
    p = payment(2019, "participation")
    assert p.rate == Decimal("0.147") * 12
    cites_primary(p, PARLIAMENTARY_ANSWER)
    assert {Decimal("1.76"), Decimal("1.761")} <= values(p)


def test_participation_2022_23_is_the_des_1_761_and_other_years_record_1_761_and_1_764():
    # 2025/26 is 1.761 too (NHS England's ready reckoner): test_rates_sources.py
    p = payment(2022, "participation")
    assert p.rate == Decimal("1.761")
    cites_primary(p, "Contract Specification 2022/23")
    assert values(p) == {Decimal("1.76"), Decimal("1.764")}
    for year in (2020, 2021, 2023, 2024):
        p = payment(year, "participation")
        assert p.rate == Decimal("1.76") and p.status == c.UNCERTAIN, year
        assert values(p) == {Decimal("1.761"), Decimal("1.764")}, year


def test_core_and_participation_2019_20_are_backdated_to_1_april_with_1_july_recorded():
    for key in ("core", "participation"):
        p = payment(2019, key)
        assert (p.start, p.paid_from) == (dt.date(2019, 4, 1), dt.date(2019, 7, 1)), key
        cites_primary(p, PARLIAMENTARY_ANSWER)
        assert starts(p) == {dt.date(2019, 7, 1)}, key
        assert any(FACTS_SHEET in a.source for a in p.alternatives if a.start), key


def test_arrs_2019_20_records_the_role_based_53_942_beside_the_pot_share():
    p = payment(2019, "arrs")
    assert p.pot == 110_000_000 and p.status == c.UNCERTAIN
    assert values(p) == {Decimal(53_942)}
    (alt,) = p.alternatives
    assert "under 100,000" in alt.unit and alt.source.strip()
    assert (Decimal(37_810) + Decimal(34_113)) * 9 / 12 == Decimal("53942.25")  # the note's arithmetic
    assert "Additional Roles Reimbursement Scheme Guidance" in p.source


def test_care_home_premium_2020_21_is_paid_from_1_august_with_1_october_recorded():
    p = payment(2020, "care_home_premium")
    assert (p.rate, p.per, p.start) == (Decimal(60), c.PER_PERIOD, dt.date(2020, 8, 1))
    cites_primary(p, "Contract Specification 2020/21")
    assert starts(p) == {dt.date(2020, 10, 1)}


def test_enhanced_access_2022_23_is_the_des_3_764_for_the_half_year_with_7_46_recorded():
    p = payment(2022, "enhanced_access")
    assert (p.rate, p.per, p.start) == (Decimal("3.764"), c.PER_PERIOD, dt.date(2022, 10, 1))
    cites_primary(p, "Contract Specification 2022/23")
    assert values(p) == {Decimal("7.46"), Decimal("7.44")}
    assert any("BMA" in a.source for a in p.alternatives if a.value == Decimal("7.46"))
