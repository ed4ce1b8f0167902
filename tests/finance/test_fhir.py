"""The IIF over FHIR R4: each year's indicators as Measure, each PCN's year-to-date achievement as MeasureReport
(hand-made measures output: tests/finance/iif_dataset.py), seen by the roles that may see the PCN's money; every
resource validates against fhir.resources' R4 models."""

from __future__ import annotations

import pytest

from pcnhub.finance.fhir import GBP, POINTS
from pcnhub.reference import iif as reference
from tests.helpers_fhir import fhir

pytestmark = pytest.mark.django_db

PC_01 = "U00001.iif-2022-23-PC-01"


def test_every_indicator_of_every_year_is_a_measure(client_for):
    client = client_for("pcn")
    every = sum(len(year.indicators) for year in reference.all_years())
    bundle = fhir(client, "/fhir/Measure?_count=1000")
    assert "url:below" in fhir(client, "/fhir/Measure?url:below=urn", 400)["issue"][0]["diagnostics"]
    assert len([e for e in bundle["entry"] if e["resource"]["url"].startswith("urn:pcnhub:iif:")]) == every
    measure = fhir(client, "/fhir/Measure/iif-2022-23-PC-01")
    assert measure["url"] == "urn:pcnhub:iif:2022/23:PC-01" and measure["version"] == "2022/23"
    assert measure["scoring"]["coding"][0]["code"] == "proportion"
    assert measure["relatedArtifact"][0]["resource"] == "urn:pcnhub:measure:iif_social_prescribing_referrals"
    assert "lower threshold 0.8, upper threshold 1.2" in measure["guidance"]
    not_computed = fhir(client, "/fhir/Measure/iif-2022-23-VI-01")
    assert "relatedArtifact" not in not_computed and not_computed["purpose"].startswith("Not computed by pcnhub")


def test_a_pcns_achievement_so_far(client_for, measures):
    client = client_for("pcn")
    report = fhir(client, f"/fhir/MeasureReport/{PC_01}")
    # 10 + 20 + 15 = 45 referrals over 5,000 in April to June 2022 (as the IIF page): 0.9%
    assert report["measure"] == "urn:pcnhub:iif:2022/23:PC-01"
    assert report["period"] == {"start": "2022-04-01", "end": "2022-06-30"}
    counts = {p["code"]["coding"][0]["code"]: p["count"] for p in report["group"][0]["population"]}
    assert counts == {"numerator": 45, "denominator": 5_000}
    assert report["group"][0]["measureScore"] == {"value": 0.9, "unit": "%"}
    assert report["reporter"]["reference"] == "Organization/U00001"
    # PC-01 2022/23's points are not in the catalogue: neither points nor GBP are claimed
    assert {e["url"] for e in report["extension"]}.isdisjoint({POINTS, GBP})
    found = fhir(client, "/fhir/MeasureReport?measure=Measure/iif-2022-23-PC-01")
    assert [e["resource"]["id"] for e in found["entry"]] == [PC_01]
    assert fhir(client, "/fhir/MeasureReport?measure=urn:pcnhub:iif:2022/23:PC-01&period=ge2022-06")["total"] == 1
    assert fhir(client, "/fhir/MeasureReport?measure=urn:pcnhub:iif:2022/23:PC-01&level=icb")["total"] == 0


@pytest.mark.parametrize(("role", "status"), [("practice", 403), ("icb-beta", 403), ("analyst", 200)])
def test_who_sees_a_pcns_iif(client_for, measures, role, status):
    fhir(client_for(role), f"/fhir/MeasureReport/{PC_01}", status)
