"""/api/finance/: a PCN's and an area's entitlements, with the pages' permissions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pcnhub.finance.models import RateOverride

pytestmark = pytest.mark.django_db

PCN = "/api/finance/pcns/U00001/entitlements"
AREA = "/api/finance/areas/QAA/entitlements"


def test_pcn_entitlements(client_for):
    body = client_for("pcn").get(f"{PCN}?year=2023/24").json()
    assert body["pcn"] == {"code": "U00001", "name": "Alpha North PCN"}
    assert body["icb"]["code"] == "QAA" and body["year"] == "2023/24"
    assert body["population"]["registered"] == 25_500 and body["as_of"] == "2024-01-01"
    lines = {line["key"]: line for line in body["lines"]}
    assert lines["core"]["amount"] == 38_250.0 and lines["core"]["rate"] == 1.5  # published GBP 1.50 a head
    assert set(lines["core"]) >= {"key", "name", "basis", "quantity", "rate", "amount", "status", "source", "override"}
    assert lines["iif"]["amount"] is None and lines["iif"]["status"] == "uncertain" and body["not_known"] == ["iif"]
    assert body["total"] == pytest.approx(sum(line["amount"] for line in body["lines"] if line["amount"] is not None))
    assert len(body["monthly"]) == 12 and body["monthly"][0]["month"] == "2023-04"
    assert body["total"] == pytest.approx(sum(m["amount"] for m in body["monthly"]) + body["paid_after_year_end"])
    assert {p["code"] for p in body["practices"]} == {"A81001", "A81002"}
    assert body["notes"]
    assert lines["core"]["alternatives"] == []
    (bma,) = lines["clinical_director"]["alternatives"]
    assert bma["value"] == 0.729 and bma["start"] is None and "BMA" in bma["source"]


def test_override_is_reported_on_the_line(client_for, register):
    RateOverride.objects.create(icb=register.icb_a, year="2023/24", payment="arrs", rate=Decimal("14.52"),
                                reason="Local budget", created_by=register.users["icb"])
    lines = {line["key"]: line for line in client_for("icb").get(f"{PCN}?year=2023-24").json()["lines"]}
    assert lines["arrs"]["override"]["by"] == "Isla Carter" and lines["arrs"]["rate"] == 14.52
    assert lines["arrs"]["source"].startswith("ICB override by Isla Carter on ")
    assert lines["arrs"]["amount"] == pytest.approx(14.52 * lines["arrs"]["quantity"])


def test_area_entitlements_add_up(client_for):
    body = client_for("icb").get(f"{AREA}?year=2025/26").json()
    assert body["area"] == {"code": "QAA", "name": "Alpha ICB"}
    assert [r["code"] for r in body["rows"]] == ["U00001", "U00002"]
    assert body["totals"]["total"] == pytest.approx(sum(r["total"] for r in body["rows"]))
    assert body["totals"]["registered"] == 38_147 + 55_000


@pytest.mark.parametrize("role, url, status", [
    ("practice", PCN, 403), ("icb-beta", PCN, 403), ("pcn", AREA, 403), ("icb-beta", AREA, 403),
    ("admin", "/api/finance/pcns/NOPE/entitlements", 404), ("admin", "/api/finance/areas/U00001/entitlements", 404),
    ("admin", f"{PCN}?year=2018/19", 400), ("admin", f"{AREA}?year=2031/32", 400),
    ("admin", f"{AREA}?year=next", 422),
])
def test_refusals(client_for, role, url, status):
    response = client_for(role).get(url)
    assert response.status_code == status
    assert response.json()["detail"]


def test_anonymous_and_schema(client, client_for):
    assert client.get(PCN).status_code == 401
    schema = client_for("analyst").get("/api/openapi.json").json()
    assert "/api/finance/pcns/{code}/entitlements" in schema["paths"]
    assert "/api/finance/areas/{code}/entitlements" in schema["paths"]
