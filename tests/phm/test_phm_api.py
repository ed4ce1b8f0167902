"""The aggregates API: the same permissions as the dashboards, suppressed rows without numbers."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/phm/pcns/U00001/aggregates"


def test_a_pcns_aggregates(phm_output, client_for):
    response = client_for("pcn").get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["organisation"] == {"code": "U00001", "name": "Alpha North PCN"}
    assert body["as_of"] == "2025-01-01" and body["engine"] == "duckdb"
    rows = {r["measure"]: r for r in body["rows"]}
    assert all(r["breakdown"] == "" and r["org_code"] == "U00001" for r in body["rows"])
    assert rows["cohort_smr"]["numerator"] == 1450 and rows["cohort_smr"]["denominator"] == 38145
    assert rows["cohort_cvd_bp"] == {"level": "pcn", "org_code": "U00001", "measure": "cohort_cvd_bp", "breakdown": "",
                                     "numerator": None, "denominator": 38145, "value": None, "suppressed": True}
    assert body["measures"]["cohort_smr"] == "Cohort: structured medication review"


def test_breakdowns_measure_and_practices(phm_output, client_for):
    body = client_for("icb").get(URL + "?measure=efi_moderate_severe&breakdowns=true&practices=true").json()
    breakdowns = {(r["level"], r["org_code"], r["breakdown"]) for r in body["rows"]}
    assert ("pcn", "U00001", "imd_decile=1") in breakdowns and ("pcn", "U00001", "sex=F") in breakdowns
    assert ("practice", "A81001", "") in breakdowns
    assert {r["measure"] for r in body["rows"]} == {"efi_moderate_severe"}


@pytest.mark.parametrize("role, url, status", [
    ("practice", URL, 403), ("icb-beta", URL, 403), ("pcn", "/api/phm/pcns/U00002/aggregates", 403),
    ("admin", "/api/phm/pcns/NOPE/aggregates", 404), ("practice", "/api/phm/practices/A81001/aggregates", 200),
    ("practice", "/api/phm/practices/A81002/aggregates", 403), ("analyst", URL, 200),
])
def test_permissions(phm_output, client_for, role, url, status):
    assert client_for(role).get(url).status_code == status


def test_without_output(phm_dir, client_for):
    response = client_for("pcn").get(URL)
    assert response.status_code == 404 and "pcnhub phm run" in response.json()["detail"]


def test_needs_a_login(phm_output, client):
    assert client.get(URL).status_code == 401


def test_measures_are_those_the_pipeline_writes(phm_output, client_for):
    """``?measure=`` is one of the pipeline's measures (the schema lists them); any other is a 422 naming it."""
    from pcnhub.analytics.pipeline.aggregates import MEASURES
    from pcnhub.phm import services

    assert set(services.MEASURES) == set(MEASURES)  # every measure the pipeline writes has a name, and no other
    client = client_for("icb")
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/phm/pcns/{code}/aggregates", "/api/phm/practices/{code}/aggregates"):
        measure = next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "measure")
        kinds = measure["schema"].get("anyOf", [measure["schema"]])
        assert [k["enum"] for k in kinds if "enum" in k] == [list(services.MEASURES)], path
    for url in (URL, "/api/phm/practices/A81001/aggregates"):
        refused = client.get(url, {"measure": "efi"})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "measure"
        assert client.get(url, {"measure": "patients"}).status_code == 200
