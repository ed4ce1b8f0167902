"""Entitlements against published figures (pcnhub facts sheet and seed 003)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pcnhub.domain import iif as d
from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.entitlements import (
    Member,
    Override,
    Population,
    arrs_sum,
    entitlement,
)
from pcnhub.domain.money.years import FinancialYear, catalogue_years
from pcnhub.reference.rates import year_rates


def rates(label: str) -> c.YearRates:
    return year_rates(FinancialYear.parse(label))


def amount(label: str, key: str, population: Population) -> Decimal | None:
    line = entitlement(rates(label), population).line(key)
    assert line is not None, f"{key} not in {label}"
    return line.amount


FIFTY_K = Population(50_000)


def test_core_funding_2023_24_is_1_50_a_registered_patient():
    assert amount("2023/24", "core", Population(50_000, weighted=61_000, adjusted=55_000)) == Decimal("75000.00")
    assert amount("2023/24", "core", Population(38_147)) == Decimal("57220.50")


def test_core_2019_20_is_backdated_to_1_april_and_first_paid_in_july():
    # Parliamentary answer 257552: GBP 0.125 a patient a month, the first payment covering 1 April to 31 July.
    assert amount("2019/20", "core", FIFTY_K) == Decimal("75000.00")  # 0.125 x 12 x 50,000
    line = entitlement(rates("2019/20"), FIFTY_K).line("core")
    assert line.schedule[0] == (dt.date(2019, 7, 1), Decimal("25000.00"))  # 0.125 x 4 months x 50,000
    assert [amount for _, amount in line.schedule[1:]] == [Decimal("6250.00")] * 8  # 0.125 x 50,000


def test_clinical_director_2019_20_part_year_rate():
    assert amount("2019/20", "clinical_director", FIFTY_K) == Decimal("25715.00")  # 0.5143 x 50,000


@pytest.mark.parametrize(
    "year, expected",
    [
        ("2020/21", "356550.00"),  # GBP 7.131 per weighted patient
        ("2022/23", "834800.00"),  # GBP 834,800 for a 50,000 network
        ("2024/25", "1209850.00"),  # 22.894 + GP 1.303 (from October 2024)
        ("2025/26", "1331550.00"),  # 26.631
    ],
)
def test_arrs_sum_for_a_50k_weighted_network(year, expected):
    assert arrs_sum(rates(year), 50_000) == Decimal(expected)


def test_arrs_2019_20_matches_seed_003_typical_network():
    """Seed 003: about GBP 92,000 for a typical 50,000 network from GBP 110m nationally."""
    assert arrs_sum(rates("2019/20"), 50_000) == pytest.approx(Decimal(92_000), abs=Decimal(1))


def test_arrs_shares_the_pot_by_weighted_population():
    share = arrs_sum(rates("2021/22"), 60_606_345)  # the whole country gets the whole pot
    assert share == Decimal("746000000.00")


def test_arrs_uses_the_weighted_list_not_the_registered_one():
    line = entitlement(rates("2020/21"), Population(40_000, weighted=50_000)).line("arrs")
    assert line.quantity == 50_000 and line.amount == Decimal("356550.00")


def test_merged_core_2025_26_is_2_999_a_head():
    result = entitlement(rates("2025/26"), FIFTY_K)
    assert result.line("core_registered").amount + result.line("core_adjusted").amount == Decimal("149950.00")


def test_merged_core_2024_25_revised_total_2_967():
    result = entitlement(rates("2024/25"), FIFTY_K)
    assert result.line("core_registered").amount + result.line("core_adjusted").amount == Decimal("148350.00")
    assert result.line("core_registered").status == c.DERIVED


def test_extended_hours_ends_and_enhanced_access_starts_in_2022_23():
    result = entitlement(rates("2022/23"), Population(50_000, adjusted=52_000))
    hours, access = result.line("extended_hours"), result.line("enhanced_access")
    assert hours.amount == Decimal("36000.00")  # 0.720 for the half year
    assert access.amount == Decimal("195728.00")  # 3.764 x 52,000 adjusted
    assert [m.month for m, _ in hours.schedule] == [4, 5, 6, 7, 8, 9]
    assert [m.month for m, _ in access.schedule] == [10, 11, 12, 1, 2, 3]


def test_enhanced_access_2023_24_uses_the_adjusted_population():
    assert amount("2023/24", "enhanced_access", Population(50_000, adjusted=40_000)) == Decimal("303120.00")


def test_care_home_premium_per_bed():
    assert amount("2021/22", "care_home_premium", Population(50_000, care_home_beds=85)) == Decimal("10200.00")
    assert amount("2025/26", "care_home_premium", Population(50_000, care_home_beds=10)) == Decimal("1302.53")


def test_iif_2020_21_for_an_average_network_is_194_points_at_111():
    assert amount("2020/21", "iif", Population(48_000)) == Decimal("21534.00")
    assert amount("2020/21", "iif", Population(96_000)) == Decimal("43068.00")


def test_the_iif_maximum_is_shown_apart_never_counted():
    result = entitlement(rates("2020/21"), Population(48_000))
    line = result.line("iif")
    assert line.amount == Decimal("21534.00") and line.maximum and not line.counted  # 194 x GBP 111
    assert line.how.startswith("maximum, not counted in the total")
    assert result.not_counted == [line] and line not in result.counted
    assert result.total == sum((x.amount for x in result.lines if x.known and x is not line), Decimal(0))
    assert result.after_year_end == 0  # the IIF is the 2020/21 payment after the year end: not counted either
    data = result.to_dict()
    assert data["not_counted"] == ["iif"] and data["total"] == float(result.total)
    iif = next(p for p in data["payments"] if p["key"] == "iif")
    assert (iif["amount"], iif["counted"], iif["computed"], iif["maximum"]) == (21534.0, False, False, True)


def earned_2021(amount: str, points: int, as_of: dt.date = dt.date(2021, 6, 30)) -> d.Earned:
    return d.Earned(amount=Decimal(amount), adjusted_points=Decimal(points), value_per_point=Decimal(200),
                    indicators=("VI-01", "VI-02"), not_counted=("VI-03",), as_of=as_of, status=c.VERIFIED)


def test_the_iif_computed_from_the_indicators_is_counted():
    # 2021/22: VI-01 20 points and VI-02 88 points at GBP 200 = GBP 21,600 for a PCN of the average list 48,485.
    without = entitlement(rates("2021/22"), Population(48_485))
    result = entitlement(rates("2021/22"), Population(48_485), iif=earned_2021("21600.00", 108))
    line = result.line("iif")
    assert line.amount == Decimal("21600.00") and line.counted and not line.maximum and line.earned is not None
    assert line.how.startswith("computed from 2 indicators, as of 30 June 2021")
    assert "up to GBP 45,000.00 at full achievement" in line.how  # 225 points x GBP 200
    assert result.total == without.total + Decimal("21600.00") and result.not_counted == []
    assert result.after_year_end == Decimal("21600.00")
    iif = next(p for p in result.to_dict()["payments"] if p["key"] == "iif")
    assert (iif["amount"], iif["counted"], iif["computed"], iif["maximum"]) == (21600.0, True, True, False)


def test_an_icb_value_of_a_point_applies_to_the_iif_computed():
    override = Override(rate=Decimal(150), by="ICB finance", at=dt.date(2021, 5, 1))
    result = entitlement(rates("2021/22"), Population(48_485), overrides={"iif": override},
                         iif=earned_2021("21600.00", 108))
    assert result.line("iif").amount == Decimal("16200.00")  # 108 points x GBP 150


def test_an_iif_computed_for_another_year_is_refused():
    with pytest.raises(ValueError, match="not of 2021/22"):
        entitlement(rates("2021/22"), Population(48_485), iif=earned_2021("1.00", 1, dt.date(2022, 4, 30)))


def test_participation_payment_is_split_by_member_practice():
    members = [
        Member("A81001", "One", Population(10_000, weighted=11_000)),
        Member("A81002", "Two", Population(20_001, weighted=19_999)),
    ]
    result = entitlement(rates("2023/24"), members=members)
    line = result.line("participation")
    assert [(m.code, a) for m, a in line.practices] == [("A81001", Decimal("19360.00")), ("A81002", Decimal("35198.24"))]
    assert line.amount == sum(a for _, a in line.practices)
    assert result.population.registered == 30_001 and result.population.weighted == 30_999
    assert result.total_to(c.TO_PRACTICES) == line.amount


def test_a_revision_pays_arrears_in_the_first_month_after_it():
    line = entitlement(rates("2024/25"), Population(50_000, adjusted=50_000)).line("enhanced_access")
    months = dict(line.schedule)
    old, new = Decimal("7.674") * 50_000 / 12, Decimal("7.975") * 50_000 / 12
    assert months[dt.date(2024, 9, 1)] == round(old, 2)
    assert months[dt.date(2024, 10, 1)] == round(new, 2) + 6 * (round(new, 2) - round(old, 2))
    assert sum(months.values()) == line.amount == Decimal("398750.00")


def test_unknown_rate_has_no_amount_and_is_not_counted():
    result = entitlement(rates("2022/23"), FIFTY_K)
    casp = result.line("casp")
    assert casp.amount is None and casp.status == c.UNCERTAIN
    assert "casp" in [line.payment.key for line in result.not_known]
    assert result.total == sum(line.amount for line in result.lines if line.amount is not None)


def test_an_icb_override_replaces_the_rate_and_says_who_set_it():
    override = Override(Decimal("1.00"), "icb.commissioner", dt.datetime(2026, 11, 2, 10, 0), "local CASP rate")
    result = entitlement(rates("2022/23"), FIFTY_K, overrides={"casp": override})
    line = result.line("casp")
    assert line.amount == Decimal("25000.00")  # 1.00 a year for October to March
    data = line.to_dict()
    assert data["source"].startswith("ICB override by icb.commissioner on 02 November 2026")
    assert data["override"]["rate"] == 1.0


def test_an_override_of_an_unknown_payment_is_refused():
    with pytest.raises(ValueError, match="no payment nonsense"):
        entitlement(rates("2023/24"), FIFTY_K, overrides={"nonsense": Override(Decimal(1), "x", dt.date.today())})


def test_negative_list_sizes_are_refused():
    with pytest.raises(ValueError, match="registered cannot be negative"):
        Population(-1)
    with pytest.raises(ValueError, match="care_home_beds cannot be negative"):
        Population(10, care_home_beds=-3)


def test_weighted_and_adjusted_default_to_registered():
    population = Population(41_000)
    assert population.of(c.WEIGHTED) == population.of(c.ADJUSTED) == 41_000
    assert population.defaulted() == ["weighted", "adjusted"]


def test_every_year_adds_up_and_serialises():
    for year in catalogue_years():
        result = entitlement(year_rates(year), Population(45_000, 47_000, 46_000, 30))
        data = result.to_dict()
        assert data["year"] == year.label
        assert data["total"] == pytest.approx(sum(p["amount"] or 0 for p in data["payments"] if p["counted"]))
        # no IIF achievement given: its maximum, where known, is shown apart and never counted
        iif = result.line("iif")
        if iif is not None:
            assert not iif.counted and iif.earned is None
            assert data["not_counted"] == (["iif"] if iif.known else [])
        assert data["total"] == pytest.approx(data["total_to_pcn"] + data["total_to_practices"])
        monthly = sum(m["amount"] for m in data["monthly"])
        assert monthly + data["paid_after_year_end"] == pytest.approx(data["total"])


def test_a_download_says_where_the_registered_list_stands_in():
    population = Population(registered=40_000, weighted=42_000)
    assert population.stands_in(c.WEIGHTED) == ""
    assert population.stands_in(c.ADJUSTED) == "no adjusted population recorded: the registered list stands in"
    assert population.stands_in(c.REGISTERED) == population.stands_in(c.CARE_HOME_BEDS) == ""
    assert Population(registered=1).stands_in(c.WEIGHTED) == "no weighted list recorded: the registered list stands in"
