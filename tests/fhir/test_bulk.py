"""FHIR Bulk Data export: the asynchronous kick-off, status and files of ``/fhir/$export`` (on the server's thread,
so the register is committed: transactional_db), each user's scope, ``_type`` and ``_since``; every line of every
file a resource fhir.resources validates."""

from __future__ import annotations

import json
import time

import pytest
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.organizationaffiliation import OrganizationAffiliation

from pcnhub.fhir import bulk
from tests.measures.fixtures import write_measures

pytestmark = pytest.mark.django_db(transaction=True)

MODELS = {"Organization": Organization, "OrganizationAffiliation": OrganizationAffiliation,
          "MeasureReport": MeasureReport, "Measure": Measure}
ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


@pytest.fixture
def exports(settings, tmp_path):
    settings.PCNHUB_FHIR_EXPORT_DIR = tmp_path / "exports"
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    write_measures(settings.PCNHUB_PHM_DIR / "measures")
    return settings.PCNHUB_FHIR_EXPORT_DIR


def run(client, url: str = "/fhir/$export") -> dict:
    kicked = client.get(url, **ASYNC)
    assert kicked.status_code == 202, kicked.content
    status = kicked["Content-Location"].removeprefix("http://testserver")
    for _ in range(200):
        answer = client.get(status)
        if answer.status_code != 202:
            break
        assert "X-Progress" in answer
        time.sleep(0.05)
    assert answer.status_code == 200, answer.content
    return answer.json() | {"status_url": status}


def lines(client, manifest: dict) -> dict[str, list[dict]]:
    found = {}
    for output in manifest["output"]:
        response = client.get(output["url"].removeprefix("http://testserver"))
        assert response.status_code == 200 and response["Content-Type"] == "application/fhir+ndjson"
        rows = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
        assert len(rows) == output["count"]
        for row in rows:
            MODELS[row["resourceType"]].model_validate(row)
        found[output["type"]] = rows
    return found


def test_an_export_of_the_register_and_measure_reports(client_for, exports):
    client = client_for("analyst")
    manifest = run(client)
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["request"].endswith("/fhir/$export")
    found = lines(client, manifest)
    assert len(found["Organization"]) == 17 and len(found["OrganizationAffiliation"]) == 9
    assert {r["id"] for r in found["Organization"]} >= {"U00001", "A81001", "Y99"}
    search = client.get("/fhir/MeasureReport?_count=1000").json()
    assert sorted(r["id"] for r in found["MeasureReport"]) == sorted(e["resource"]["id"] for e in search["entry"])
    assert len(found["Measure"]) == len(client.get("/fhir/Measure?_count=1000").json()["entry"])


def test_each_user_exports_their_scope_and_only_they_see_the_job(client_for, exports, register):
    client = client_for("practice")  # A81001: itself, its PCN and the PCN's partner
    manifest = run(client, "/fhir/$export?_type=Organization,OrganizationAffiliation")
    found = lines(client, manifest)
    assert {r["id"] for r in found["Organization"]} == {"A81001", "U00001", "RAA"}
    assert set(found) == {"Organization", "OrganizationAffiliation"}
    other = client_for("analyst")
    assert other.get(manifest["status_url"]).status_code == 404
    assert other.get(manifest["output"][0]["url"].removeprefix("http://testserver")).status_code == 404


def test_since_keeps_what_changed_after(client_for, exports, register):
    client = client_for("analyst")
    first = run(client, "/fhir/$export?_type=Organization")
    register.north.name = "Alpha North and Coast PCN"
    register.north.save()
    later = run(client, f"/fhir/$export?_type=Organization&_since={first['transactionTime']}")
    assert [r["id"] for r in lines(client, later)["Organization"]] == ["U00001"]


def test_cancel_removes_the_job(client_for, exports):
    client = client_for("analyst")
    manifest = run(client, "/fhir/$export?_type=Organization")
    assert client.delete(manifest["status_url"]).status_code == 202
    assert client.get(manifest["status_url"]).status_code == 404
    assert not any(exports.iterdir())


@pytest.mark.parametrize(("url", "headers", "status", "text"), [
    ("/fhir/$export", {}, 400, "Prefer: respond-async"),
    ("/fhir/$export?_type=Patient", ASYNC, 400, "_type: Patient cannot be exported"),
    ("/fhir/$export?_outputFormat=text/csv", ASYNC, 400, "only NDJSON"),
    ("/fhir/$export?_since=yesterday", ASYNC, 400, "_since: 'yesterday' is not a FHIR date"),
    ("/fhir/$export-status/0123456789abcdef0123456789abcdef", {}, 404, "No export job"),
    ("/fhir/$export-status/../../etc", {}, 404, ""),
])
def test_bad_requests(client_for, exports, url, headers, status, text):
    response = client_for("analyst").get(url, **headers)
    assert response.status_code == status
    if text:
        assert text in response.json()["issue"][0]["diagnostics"]


def test_a_job_whose_thread_died_with_the_server_is_an_error(client_for, exports):
    client = client_for("analyst")
    manifest = run(client, "/fhir/$export?_type=Organization")
    job = manifest["status_url"].rsplit("/", 1)[1]
    state = json.loads((exports / job / bulk.JOB_FILE).read_text())
    (exports / job / bulk.JOB_FILE).write_text(json.dumps(state | {"status": "in-progress"}))
    answer = client.get(manifest["status_url"])
    assert answer.status_code == 500 and "server restarted" in answer.json()["issue"][0]["diagnostics"]
