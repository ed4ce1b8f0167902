"""Issue 14: every rate cites the primary NHS England document that sets it, and the few that still rest on
the facts sheet are listed here so that the list can only shrink deliberately."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.years import FinancialYear
from pcnhub.reference.rates import all_years, year_rates

FACTS_SHEET = "pcnhub facts sheet"

# (year, payment key or "national.<basis>"): the entries whose source is still the facts sheet, because no
# primary document giving the figure was found.
STILL_ON_THE_FACTS_SHEET = {
    ("2019/20", "extended_hours"),  # 1.099 for July-March: no document found (1.45 a year recorded)
    ("2020/21", "participation"),
    ("2020/21", "national.weighted"),  # 430m / 7.131, the facts sheet's pot
    ("2021/22", "leadership"),  # GBP 43m pot
    ("2021/22", "participation"),
    ("2021/22", "arrs"),  # GBP 746m pot (Management in Practice's 12.30 a head recorded)
    ("2022/23", "clinical_director"),
    ("2022/23", "casp"),
    ("2022/23", "arrs"),  # 834,800 / 50,000 (Management in Practice's 16.70 recorded)
    ("2022/23", "national.weighted"),
    ("2023/24", "participation"),
    ("2024/25", "participation"),
}
# The IIF lines of 2022/23, 2023/24 and 2025/26 now cite the IIF catalogue (reference/iif/), figure by figure.

# (year, key, rate, the primary document named in source, the site it was read through)
VERIFIED = [
    ("2020/21", "core", "1.50", "Contract Specification 2020/21", "lentells.co.uk"),
    ("2020/21", "clinical_director", "0.722", "Contract Specification 2020/21", "lentells.co.uk"),
    ("2020/21", "extended_hours", "1.45", "Contract Specification 2020/21", "lentells.co.uk"),
    ("2020/21", "support", "0.27", "Contract Specification 2020/21", "bma.org.uk"),
    ("2020/21", "arrs", "7.131", "Contract Specification 2020/21", "lentells.co.uk"),
    ("2020/21", "iif", "111", "Investment and Impact Fund 2020/21 guidance", "ardens.org.uk"),
    ("2021/22", "core", "1.50", "Contract Specification 2021/22", "bma.org.uk"),
    ("2021/22", "clinical_director", "0.722", "Contract Specification 2021/22", "bma.org.uk"),
    ("2021/22", "extended_hours", "1.44", "Contract Specification 2021/22", "bma.org.uk"),
    ("2021/22", "care_home_premium", "120", "Contract Specification 2021/22", "bma.org.uk"),
    ("2021/22", "iif", "200", "Contract Specification 2021/22", "capsticks.com"),
    ("2022/23", "core", "1.50", "Contract Specification 2022/23", "slideshare.net"),
    ("2022/23", "leadership", "0.699", "Contract Specification 2022/23", "slideshare.net"),
    ("2022/23", "extended_hours", "0.720", "Contract Specification 2022/23", "slideshare.net"),
    ("2022/23", "care_home_premium", "120", "Contract Specification 2022/23", "slideshare.net"),
    ("2023/24", "core", "1.50", "Contract Specification 2023/24", "pcc-cic.org.uk"),
    ("2023/24", "leadership", "0.684", "Contract Specification 2023/24", "pcc-cic.org.uk"),
    ("2023/24", "enhanced_access", "7.578", "Contract Specification 2023/24", "pcc-cic.org.uk"),
    ("2023/24", "care_home_premium", "120", "Contract Specification 2023/24", "pcc-cic.org.uk"),
    ("2023/24", "casp", "2.765", "Contract Specification 2023/24", "pcc-cic.org.uk"),
    ("2023/24", "caip", "1.185", "Capacity and Access Payment guidance 2023/24", "clinicalpharmacistsolutions.co.uk"),
    ("2023/24", "arrs", "22.671", "Contract Specification 2023/24", "pulsetoday.co.uk"),
    ("2024/25", "core_registered", "2.2568", "updated 26 September 2024", "pulsetoday.co.uk"),
    ("2024/25", "core_adjusted", "0.7102", "updated 26 September 2024", "pulsetoday.co.uk"),
    ("2024/25", "enhanced_access", "7.975", "updated 26 September 2024", "pulsetoday.co.uk"),
    ("2024/25", "care_home_premium", "127.20", "updated 26 September 2024", "pulsetoday.co.uk"),
    ("2024/25", "casp", "3.248", "Contract Specification 2024/25", "pulsetoday.co.uk"),
    ("2024/25", "caip", "1.392", "Contract Specification 2024/25", "pulsetoday.co.uk"),
    ("2024/25", "arrs", "22.894", "updated 26 September 2024", "pulsetoday.co.uk"),
    ("2024/25", "arrs_gp", "1.303", "updated 26 September 2024", "pulsetoday.co.uk"),
    ("2024/25", "iif", "198", "GP contract 2024/25", "wessexlmcs.com"),
    ("2025/26", "core_registered", "2.266", "Contract Specification 2025/26", "pulsetoday.co.uk"),
    ("2025/26", "core_adjusted", "0.733", "Contract Specification 2025/26", "pulsetoday.co.uk"),
    ("2025/26", "participation", "1.761", "ready reckoner 2025/26", "managementinpractice.com"),
    ("2025/26", "enhanced_access", "8.427", "Contract Specification 2025/26", "pulsetoday.co.uk"),
    ("2025/26", "care_home_premium", "130.253", "Contract Specification 2025/26", "pulsetoday.co.uk"),
    ("2025/26", "casp", "3.208", "Contract Specification 2025/26", "pulsetoday.co.uk"),
    ("2025/26", "caip", "1.375", "Contract Specification 2025/26", "pulsetoday.co.uk"),
    ("2025/26", "arrs", "26.631", "Contract Specification 2025/26", "pulsetoday.co.uk"),
]


def payment(year: str, key: str) -> c.Payment:
    found = year_rates(FinancialYear.parse(year)).payment(key)
    assert found is not None, f"{key} not in {year}"
    return found


def values(p: c.Payment) -> set[Decimal]:
    return {a.value for a in p.alternatives if a.value is not None}


def test_only_the_listed_entries_still_rest_on_the_facts_sheet():
    on_facts = set()
    for rates in all_years():
        label = rates.year.label
        on_facts |= {(label, p.key) for p in rates.payments if p.source.startswith(FACTS_SHEET)}
        on_facts |= {(label, f"national.{basis}") for basis, n in rates.national.items() if FACTS_SHEET in n.source}
    assert on_facts == STILL_ON_THE_FACTS_SHEET


@pytest.mark.parametrize("year, key, rate, document, site", VERIFIED, ids=[f"{v[0]}-{v[1]}" for v in VERIFIED])
def test_rate_cites_its_primary_document_and_the_site_it_was_read_through(year, key, rate, document, site):
    p = payment(year, key)
    assert p.rate == Decimal(rate)
    assert document in p.source and site in p.source, p.source
    assert not p.source.startswith(FACTS_SHEET)
    assert "not read" in p.source  # each says it was read as quoted, not in the document itself


def test_the_2024_25_revision_of_26_september_2024_keeps_the_first_des_rates_as_previous():
    previous = {key: payment("2024/25", key).revision for key in ("core_registered", "core_adjusted",
                                                                   "enhanced_access", "care_home_premium")}
    assert {k: r.previous_rate for k, r in previous.items()} == {
        "core_registered": Decimal("2.218"), "core_adjusted": Decimal("0.698"),
        "enhanced_access": Decimal("7.674"), "care_home_premium": Decimal(120)}
    assert {r.date.isoformat() for r in previous.values()} == {"2024-09-26"}
    # The first DES's 2.916 = 2.218 + 0.698; the revised 2.967 is split pro rata (derived, not published).
    assert Decimal("2.218") + Decimal("0.698") == Decimal("2.916")
    assert payment("2024/25", "core_registered").rate + payment("2024/25", "core_adjusted").rate == Decimal("2.967")
    assert payment("2024/25", "core_registered").status == c.DERIVED


def test_2025_26_merged_core_is_2_999():
    assert payment("2025/26", "core_registered").rate + payment("2025/26", "core_adjusted").rate == Decimal("2.999")


def test_arrs_2023_24_is_the_des_rate_with_the_pot_share_recorded():
    p = payment("2023/24", "arrs")
    assert (p.rate, p.pot, p.status) == (Decimal("22.671"), None, c.VERIFIED)
    assert values(p) == {Decimal("22.977")}
    assert (Decimal(1_412_000_000) / Decimal(61_451_845)).quantize(Decimal("0.001")) == Decimal("22.977")


def test_participation_2025_26_is_1_761_with_1_76_and_1_764_recorded():
    p = payment("2025/26", "participation")
    assert (p.rate, p.status) == (Decimal("1.761"), c.VERIFIED)
    assert values(p) == {Decimal("1.76"), Decimal("1.764")}


@pytest.mark.parametrize("year, key, recorded", [
    ("2023/24", "casp", {Decimal("2.795")}),
    ("2023/24", "leadership", {Decimal("0.68")}),
    ("2022/23", "arrs", {Decimal("16.70")}),
    ("2021/22", "arrs", {Decimal("12.30")}),
    ("2019/20", "extended_hours", {Decimal("1.45")}),
])
def test_other_published_figures_are_recorded_beside_the_one_used(year, key, recorded):
    p = payment(year, key)
    assert values(p) == recorded
    assert all(a.source.strip() for a in p.alternatives)
