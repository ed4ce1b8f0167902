"""Entitlements from the register (tests/builders.py): populations, overrides, area and England totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pcnhub.domain.money.years import FinancialYear, catalogue_years
from pcnhub.finance import services
from pcnhub.reference.rates import year_rates
from pcnhub.register.services import icb_of
from pcnhub.finance.models import CareHomeBeds, RateOverride
from pcnhub.register.models import (
    ListSize,
    Membership,
    Organisation,
    OrgKind,
    Parentage,
)

pytestmark = pytest.mark.django_db

Y2023, Y2024, Y2025 = FinancialYear(2023), FinancialYear(2024), FinancialYear(2025)
# Weighted lists are 1.05 x registered in the builders, rounded half up to whole patients.
NORTH_2025_WEIGHTED = 13_629 + 13_825 + 12_600  # 12,980, 13,167 (13,825.35), 12,000


def test_population_on_the_list_date(register):
    population, members, as_of, notes = services.population_for(register.north, Y2025)
    assert [m.code for m in members] == ["A81001", "A81002", "A81003"]
    assert population.registered == 12_980 + 13_167 + 12_000
    assert population.weighted == NORTH_2025_WEIGHTED
    assert population.adjusted is None and population.defaulted() == ["adjusted"]
    assert as_of == dt.date(2025, 1, 1)
    assert any("1 January 2025" in n for n in notes)
    assert any("No adjusted population is recorded" in n for n in notes)
    assert any("No care home beds are recorded for 2025/26" in n for n in notes)


def test_members_are_those_of_the_list_date_and_a_move_counts_once(register):
    # A81003 moved from Alpha South to Alpha North on 1 April 2024: on the 2024/25 list date it was in South.
    north, north_members, _, _ = services.population_for(register.north, Y2024)
    south, south_members, _, _ = services.population_for(register.south, Y2024)
    assert [m.code for m in north_members] == ["A81001", "A81002"] and north.registered == 25_500
    assert [m.code for m in south_members] == ["A81003", "A81004", "A81005"] and south.registered == 64_500


def test_list_size_after_the_date_is_used_when_none_before_and_said(register):
    # 2023/24: list date 1 January 2023, but the register's earliest list sizes are of 1 January 2024.
    population, _, as_of, notes = services.population_for(register.north, Y2023)
    assert population.registered == 12_500 + 13_000 and as_of == dt.date(2024, 1, 1)
    assert any("earliest one after it" in n and "A81001" in n for n in notes)
    money = services.pcn_entitlement(register.north, Y2023)
    assert money.entitlement.line("core").amount == Decimal("1.50") * 25_500  # published GBP 1.50 a head


def test_members_at_the_year_start_when_none_on_the_list_date(register):
    new = Organisation.objects.create(code="U00009", name="Island PCN", kind=OrgKind.PCN)
    Parentage.objects.create(child=new, parent=register.sub_a)
    Membership.objects.create(practice=register.practices["A81006"], pcn=new, start=dt.date(2025, 2, 1))
    population, members, _, notes = services.population_for(new, Y2025)
    assert [m.code for m in members] == ["A81006"] and population.registered == 4_000
    assert any("1 April 2025, the start of the year" in n for n in notes)
    money = services.pcn_entitlement(new, Y2025)
    assert money.member_date == Y2025.start and money.icb == register.icb_a


def test_a_pcn_without_members_has_nothing_and_says_so(register):
    empty = Organisation.objects.create(code="U00008", name="Empty PCN", kind=OrgKind.PCN)
    population, members, as_of, notes = services.population_for(empty, Y2025)
    assert (population.registered, members, as_of) == (0, [], None)
    assert "no member practices" in notes[0]
    assert services.pcn_entitlement(empty, Y2025).total == 0


def test_missing_weighted_list_and_missing_list_size_default_and_are_noted(register):
    ListSize.objects.filter(organisation=register.practices["A81001"], date=dt.date(2025, 1, 1)).update(weighted=None)
    ListSize.objects.filter(organisation=register.practices["A81002"]).delete()
    population, _, _, notes = services.population_for(register.north, Y2025)
    assert population.registered == 12_980 + 12_000
    assert population.weighted == 12_980 + 12_600  # A81001's registered list stands in
    assert any("No weighted list is recorded for A81001" in n for n in notes)
    assert any("No list size is recorded for A81002: counted as 0 patients" in n for n in notes)


def test_care_home_beds_of_the_year(register):
    CareHomeBeds.objects.create(pcn=register.north, year="2025/26", beds=100)
    money = services.pcn_entitlement(register.north, Y2025)
    assert money.population.care_home_beds == 100
    assert money.entitlement.line("care_home_premium").amount == Decimal("13025.30")  # GBP 130.253 a bed
    assert not any("care home beds" in n for n in money.notes)
    assert services.pcn_entitlement(register.north, Y2024).population.care_home_beds == 0


def test_participation_payment_split_by_member_practice(register):
    line = services.pcn_entitlement(register.north, Y2025).entitlement.line("participation")
    shares = {m.code: a for m, a in line.practices}
    # 2025/26: GBP 1.761 per weighted patient (NHS England's ready reckoner) on each practice's weighted list,
    # 13,629 x 1.761 = 24,000.669, 13,825 x 1.761 = 24,345.825 and 12,600 x 1.761 = 22,188.60, to the penny.
    assert shares == {"A81001": Decimal("24000.67"), "A81002": Decimal("24345.83"), "A81003": Decimal("22188.60")}
    assert line.amount == sum(shares.values())
    assert NORTH_2025_WEIGHTED == 13_629 + 13_825 + 12_600


def test_a_practice_not_signed_up_counts_but_is_not_paid(register):
    Membership.objects.filter(practice=register.practices["A81003"], pcn=register.north).update(des_signed=False)
    money = services.pcn_entitlement(register.north, Y2025)
    line = money.entitlement.line("participation")
    assert money.registered == 38_147
    assert {m.code for m, _ in line.practices} == {"A81001", "A81002"}
    assert line.amount == Decimal("24000.67") + Decimal("24345.83")  # 1.761 x 13,629 and 1.761 x 13,825
    assert any("A81003 has not signed" in n for n in money.notes)


def test_overrides_latest_wins_and_a_row_without_rate_withdraws(register):
    user = register.users["icb"]
    RateOverride.objects.create(icb=register.icb_a, year="2025/26", payment="core_registered", rate=Decimal("2.5"),
                                reason="first", created_by=user)
    RateOverride.objects.create(icb=register.icb_a, year="2025/26", payment="core_registered", rate=Decimal(3),
                                reason="Local top-up", created_by=user)
    RateOverride.objects.create(icb=register.icb_a, year="2025/26", payment="enhanced_access", rate=Decimal(9),
                                created_by=user)
    RateOverride.objects.create(icb=register.icb_a, year="2025/26", payment="enhanced_access", rate=None,
                                created_by=user)
    in_force = services.overrides_for(register.icb_a, year_rates(Y2025))
    assert set(in_force) == {"core_registered"}
    assert in_force["core_registered"].rate == 3 and in_force["core_registered"].by == "Isla Carter"
    assert services.overrides_for(register.icb_b, year_rates(Y2025)) == {} and services.overrides_for(register.icb_a, year_rates(Y2024)) == {}

    north = services.pcn_entitlement(register.north, Y2025)
    line = north.entitlement.line("core_registered")
    assert line.amount == Decimal(3) * 38_147 and line.override.reason == "Local top-up"
    assert north.entitlement.line("enhanced_access").override is None
    assert services.pcn_entitlement(register.beta, Y2025).entitlement.line("core_registered").override is None


def test_icb_of_walks_the_geography(register):
    assert icb_of(register.north, dt.date(2025, 1, 1)) == register.icb_a
    assert icb_of(register.beta, dt.date(2025, 1, 1)) == register.icb_b
    Parentage.objects.filter(child=register.beta).delete()  # unplaced: found through its members
    assert icb_of(register.beta, dt.date(2025, 1, 1)) == register.icb_b


@pytest.mark.parametrize("year", catalogue_years(), ids=str)
def test_icb_total_is_the_sum_of_its_pcns(register, year):
    area = services.area_entitlements(register.icb_a, year)
    assert [r.pcn.code for r in area.rows] == ["U00001", "U00002"]
    singles = [services.pcn_entitlement(pcn, year).total for pcn in (register.north, register.south)]
    assert area.total == sum(r.total for r in area.rows) == sum(singles)
    assert area.registered == sum(r.registered for r in area.rows)
    sub = services.area_entitlements(register.sub_a, year)
    assert sub.total == area.total


def test_england_total_is_the_sum_over_icbs(register):
    RateOverride.objects.create(icb=register.icb_b, year="2025/26", payment="arrs", rate=Decimal(30),
                                created_by=register.users["icb-beta"])
    england = services.england_entitlements(Y2025)
    assert [g.area.code for g in england.areas] == ["QAA", "QBB"] and not england.unplaced.rows
    per_icb = [services.area_entitlements(icb, Y2025).total for icb in (register.icb_a, register.icb_b)]
    assert england.total == sum(g.total for g in england.groups) == sum(per_icb)
    assert england.registered == 38_147 + 55_000 + 35_000
    beta = england.areas[1].rows[0]
    assert beta.entitlement.line("arrs").amount == Decimal(30) * beta.population.weighted


def test_england_costs_the_same_queries_for_more_pcns(register, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        services.england_entitlements(Y2025)
    for i in range(20):
        pcn = Organisation.objects.create(code=f"U9{i:04d}", name=f"Extra PCN {i}", kind=OrgKind.PCN)
        practice = Organisation.objects.create(code=f"Z9{i:04d}", name=f"Extra practice {i}", kind=OrgKind.PRACTICE)
        Parentage.objects.create(child=pcn, parent=register.sub_b)
        Membership.objects.create(practice=practice, pcn=pcn, start=dt.date(2020, 1, 1))
        ListSize.objects.create(organisation=practice, date=dt.date(2025, 1, 1), registered=1000 + i)
    with django_assert_max_num_queries(len(before)):
        england = services.england_entitlements(Y2025)
    assert len(england.rows) == 23


def test_pcn_years_covers_the_catalogue(register):
    years = services.pcn_years(register.north)
    assert [m.year.label for m in years] == ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25", "2025/26"]
    # 2019/20: core is backdated to 1 April 2019 (parliamentary answer 257552): 12 months of GBP 0.125 a head.
    assert years[0].entitlement.line("core").amount == Decimal("0.125") * 12 * 25_500


def test_parse_year_and_default():
    assert services.parse_year("2023-24") == Y2023
    assert services.default_year(dt.date(2024, 5, 1)) == Y2024
    assert services.default_year(dt.date(2030, 5, 1)) == Y2025
    with pytest.raises(ValueError, match="covers"):
        services.parse_year("2018/19")


def test_catalogue_year_takes_a_parsed_year():
    assert services.catalogue_year(Y2023) is Y2023
    with pytest.raises(ValueError, match=r"the rates catalogue has no 2018/19; it covers 2019/20, "):
        services.catalogue_year(FinancialYear(2018))


@pytest.mark.parametrize("ask", ["pcn", "area", "england"])
def test_the_years_rates_are_looked_up_once_per_call(register, monkeypatch, ask):
    looked_up = []
    real = services.year_rates

    def counted(year):
        looked_up.append(year)
        return real(year)

    monkeypatch.setattr(services, "year_rates", counted)
    if ask == "pcn":
        services.pcn_entitlement(register.north, Y2025)
        services.pcn_entitlement(register.icb_a, Y2025)  # no members: the empty entitlement
    elif ask == "area":
        services.area_entitlements(register.icb_a, Y2025)
    else:
        services.england_entitlements(Y2025)
    assert looked_up == [Y2025] * (2 if ask == "pcn" else 1)
