"""Whole pounds that add up, and the spread of payments per head, on the money pages (issue 16)."""

from __future__ import annotations

import re
import statistics
from decimal import Decimal

import pytest

from pcnhub.domain.money.rounding import position, round_pound, spread, whole_pounds
from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import services
from pcnhub.register.models import Organisation

PCN = "/finance/pcn/U00001/"
AREA = "/finance/area/QAA/"


@pytest.mark.parametrize("amounts", [
    ["0.50", "0.50", "0.50"], ["38250.00", "607016.03", "12.49", "0.51"], ["1.40", "1.40", "1.40", "1.40", "1.40"],
    ["109008.20", "35261.70", "84714.65", "405389.26", "43895.26", "154324.05", "1281110.89"],
])
def test_whole_pounds_add_up_to_the_rounded_total_and_stay_within_a_pound(amounts):
    exact = [Decimal(a) for a in amounts]
    parts = whole_pounds(exact)
    assert sum(parts) == round_pound(sum(exact))
    assert all(abs(p - a) < 1 for p, a in zip(parts, exact))


def test_plain_rounding_would_not_add_up_here():
    exact = [Decimal("1.40")] * 5  # each rounds to 1, but the total 7.00 is 7
    assert sum(round_pound(a) for a in exact) == 5 and sum(whole_pounds(exact)) == 7


def test_spread_quartiles_match_the_inclusive_method_and_position_counts_those_above():
    values = [Decimal(v) for v in ("25.10", "19.80", "31.00", "22.45", "27.30", "24.00", "40.10")]
    found = spread(values)
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    assert (found.lower_quartile, found.median, found.upper_quartile) == (q1, median, q3)
    assert (found.lowest, found.highest, found.count) == (Decimal("19.80"), Decimal("40.10"), 7)
    assert position(Decimal("40.10"), values) == 1 and position(Decimal("19.80"), values) == 7
    assert spread([]) is None


def test_the_pcn_page_shows_whole_pounds_that_add_up_and_what_each_payment_is_for(client_for):
    html = client_for("pcn").get(f"{PCN}?year=2023/24").content.decode()
    money = services.pcn_entitlement(Organisation.objects.get(code="U00001"), FinancialYear.parse("2023/24"))
    amounts = re.findall(r'data-amount="([a-z_]+)">\s*(?:up to )?£([0-9,]+)<', html)
    counted = {line.payment.key for line in money.entitlement.counted}
    shown = sum(int(v.replace(",", "")) for k, v in amounts if k in counted)
    total = int(re.search(r"<strong data-total>£([0-9,]+)</strong>", html).group(1).replace(",", ""))
    assert shown == total == round_pound(money.total)
    assert "rounded to the nearest pound" in html
    assert "£1.50 per registered patient" in html  # rates keep their pence
    assert html.count("data-explained-line=") == len(money.entitlement.lines)
    assert "Who is paid:</strong> Each member practice" in html and "nominated payee" in html
    assert "From:</strong> Network Contract DES Contract Specification 2023/24" in html
    assert ".toml" not in html


def test_the_pcn_downloads_carry_purpose_payee_and_document(client_for):
    csv = client_for("pcn").get(f"{PCN}?year=2023/24&format=csv&table=lines").content.decode()
    header = csv.splitlines()[0]
    assert "What it is for" in header and "Who is paid" in header and "Document" in header
    assert "Network Contract DES Contract Specification 2023/24" in csv and ".toml" not in csv
    sources = client_for("pcn").get(f"{PCN}?format=csv&table=sources").content.decode()
    assert "Who is paid" in sources.splitlines()[0] and ".toml" not in sources


def test_the_area_page_shows_the_spread_computed_from_its_pcns(client_for):
    html = client_for("icb").get(f"{AREA}?year=2023/24").content.decode()
    area = Organisation.objects.get(code="QAA")
    money = services.area_entitlements(area, FinancialYear.parse("2023/24"))
    heads = [r.per_head for r in money.rows if r.per_head is not None]
    assert len(heads) >= 2
    found = spread(heads)
    values = re.findall(r'data-spread-value="\d">([^<]+)<', html)
    assert values == [f"£{v:,.2f}" for v in (found.highest, found.upper_quartile, found.median,
                                              found.lower_quartile, found.lowest)]
    ranked = re.search(r'data-ranked="pcns">(.*?)</ol>', html, re.S).group(1)
    assert len(re.findall(r"<li value=", ranked)) == len(heads)
    totals = [int(t.replace(",", "")) for t in re.findall(r'data-pcn-total="[^"]+">£([0-9,]+)<', html)]
    shown = int(re.search(r"<strong data-area-total>£([0-9,]+)<", html).group(1).replace(",", ""))
    assert shown == sum(totals) == sum(r.whole.total for r in money.rows)
