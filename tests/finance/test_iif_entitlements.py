"""Network money counts the IIF computed from the measures, never its maximum: the PCN page, the area page, the
API and their downloads, for a PCN and year with an IIF computed and for one without."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from pcnhub.domain.money.rounding import round_pound
from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import services
from pcnhub.register.models import Organisation
from tests.finance.iif_dataset import price_2022
from tests.helpers_web import read_csv, text

pytestmark = pytest.mark.django_db

MONEY = "/finance/pcn/U00001/"
API = "/api/finance/pcns/U00001/entitlements"
AREA = "/finance/area/QAA/"
AREA_API = "/api/finance/areas/QAA/entitlements"


def money(year: str) -> services.PcnMoney:
    return services.pcn_entitlement(Organisation.objects.get(code="U00001"), FinancialYear.parse(year))


def counted_total(data: dict) -> float:
    return sum(line["amount"] for line in data["lines"] if line["amount"] is not None and line["counted"])


def test_a_computed_iif_is_counted_in_the_total(client_for, measures, monkeypatch):
    before = money("2022/23")  # the published catalogue: no value of a point for 2022/23, nothing counted
    assert before.entitlement.iif.amount is None and not before.entitlement.iif.counted
    price_2022(monkeypatch)
    after = money("2022/23")
    line = after.entitlement.iif
    assert line.amount == Decimal("250.00") and line.counted and line.earned.indicators == ("PC-01",)
    assert after.total == before.total + Decimal("250.00")
    page = text(client_for("pcn").get(MONEY + "?year=2022/23"))
    assert f"Total entitlement £{after.whole.total:,}" in page
    assert "Counted in the total: £250 , computed from 1 indicator, as of 30 June 2022" in page
    data = client_for("pcn").get(API + "?year=2022/23").json()
    iif = next(line for line in data["lines"] if line["key"] == "iif")
    assert (iif["amount"], iif["counted"], iif["computed"], iif["maximum"]) == (250.0, True, True, False)
    assert iif["note"].startswith("computed from 1 indicator, as of 30 June 2022")
    assert data["iif"] == "counted: computed from 1 indicator, as of 30 June 2022" and data["not_counted"] == []
    assert data["total"] == pytest.approx(counted_total(data)) == pytest.approx(float(after.total))
    header, *rows = read_csv(client_for("pcn").get(MONEY + "?year=2022/23&format=csv&table=lines"))
    iif_row = dict(zip(header, next(r for r in rows if r[0] == "iif"), strict=True))
    assert (iif_row["Amount (GBP)"], iif_row["Counted in the total"]) == ("250.0", "yes")


def test_without_an_iif_computed_its_maximum_is_apart_and_not_counted(client_for, measures):
    year = money("2024/25")  # no measures for 2024/25; 58 points at GBP 198 over an average PCN of 48,485
    line = year.entitlement.iif
    expected = (Decimal(58 * 198 * year.registered) / Decimal(48_485)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert line.amount == expected and not line.counted and line.earned is None and line.maximum
    assert year.total == sum((x.amount for x in year.entitlement.lines if x.known and x is not line), Decimal(0))
    page = text(client_for("pcn").get(MONEY + "?year=2024/25"))
    assert f"Total entitlement £{year.whole.total:,}" in page
    assert f"Not counted, shown apart: Investment and Impact Fund, maximum £{round_pound(expected):,}" in page
    data = client_for("pcn").get(API + "?year=2024/25").json()
    iif = next(x for x in data["lines"] if x["key"] == "iif")
    assert (iif["amount"], iif["counted"], iif["computed"]) == (float(expected), False, False)
    assert iif["note"].startswith("maximum, not counted in the total")
    assert data["not_counted"] == ["iif"] and data["iif"] == "maximum, not counted in the total"
    assert data["total"] == pytest.approx(counted_total(data))
    header, *rows = read_csv(client_for("pcn").get(MONEY + "?year=2024/25&format=csv&table=payments"))
    iif_row = dict(zip(header, next(r for r in rows if r[0] == "iif"), strict=True))
    assert iif_row["2024/25 amount (GBP)"] == "" and "maximum, not counted" in iif_row["2024/25 status"]


def test_the_area_counts_each_pcns_iif_as_its_page_does(client_for, measures, monkeypatch):
    price_2022(monkeypatch)
    data = client_for("icb").get(AREA_API + "?year=2022/23").json()
    rows = {r["code"]: r for r in data["rows"]}
    assert rows["U00001"]["iif"].startswith("counted: computed from 1 indicator")
    assert rows["U00002"]["iif"] == "not known"  # no counts for U00002, and no 2022/23 maximum known
    assert rows["U00001"]["total"] == pytest.approx(float(money("2022/23").total))
    assert data["totals"]["total"] == pytest.approx(sum(r["total"] for r in data["rows"]))
    page = text(client_for("icb").get(AREA + "?year=2022/23"))
    assert "Investment and Impact Fund: counted for 1 of 2 PCNs (computed from the measures)." in page
    page = text(client_for("icb").get(AREA + "?year=2024/25"))
    assert "for 2 of 2 PCNs only its maximum is known, shown apart on each PCN's page and not counted" in page
    header, *rows = read_csv(client_for("icb").get(AREA + "?year=2024/25&format=csv&table=pcns"))
    assert {r[header.index("Investment and Impact Fund")] for r in rows[:-1]} == {"maximum, not counted in the total"}
