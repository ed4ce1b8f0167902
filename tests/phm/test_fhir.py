"""The cohorts over FHIR R4 as Group: sizes disclosure-controlled as the dashboards, members only for a holder of a
patient-data grant and audited as the worklists (output of tests/phm/fixtures.py); every resource validates
against fhir.resources' R4 models."""

from __future__ import annotations

import pytest

from pcnhub.phm.fhir import SUPPRESSED
from pcnhub.phm.models import AuditEvent
from tests.helpers_fhir import fhir

pytestmark = pytest.mark.django_db


def test_a_pcns_cohort_size_without_members(client_for, phm_output):
    body = fhir(client_for("icb"), "/fhir/Group/U00001.smr")
    assert body["quantity"] == 1450 and "member" not in body and body["actual"] is True
    assert body["managingEntity"]["reference"] == "Organization/U00001"
    assert body["code"]["coding"][0]["code"] == "cohort_smr"
    assert not AuditEvent.objects.filter(action="view").exists()


def test_a_suppressed_size_is_not_shown(client_for, phm_output):
    body = fhir(client_for("icb"), "/fhir/Group/U00001.cvd-bp")
    assert "quantity" not in body and body["extension"] == [{"url": SUPPRESSED, "valueBoolean": True}]


def test_members_only_with_a_grant_and_every_read_audited(client_for, phm_output, grant):
    client = client_for("pcn")
    assert "member" not in fhir(client, "/fhir/Group/U00001.smr")
    grant("pcn")
    body = fhir(client, "/fhir/Group/U00001.smr")
    # Alpha North's SMR worklist: 3 care-home men of A81002 and 60 men of A81003 (tests/phm/fixtures.py)
    assert body["quantity"] == 63 == len(body["member"])
    assert {m["entity"]["identifier"]["system"] for m in body["member"]} == {"urn:pcnhub:patient-id"}
    (event,) = AuditEvent.objects.filter(action="view")
    assert (event.action, event.cohort, event.patients, event.organisation.code) == ("view", "smr", 63, "U00001")
    assert event.filters == {"via": "fhir", "resource": "Group/U00001.smr"}
    # searches never list members, and write no audit event
    bundle = fhir(client, "/fhir/Group?managing-entity=U00001")
    assert bundle["total"] == 6 and all("member" not in e["resource"] for e in bundle["entry"])
    assert AuditEvent.objects.filter(action="view").count() == 1


def test_scope(client_for, phm_output):
    icb = client_for("icb")
    assert fhir(icb, "/fhir/Group/U00003.smr", 403)["issue"][0]["code"] == "forbidden"
    assert fhir(icb, "/fhir/Group/QAA.smr")["quantity"] == 3650
    practice = client_for("practice")  # A81001: its own practice's cohorts only
    seen = {e["resource"]["managingEntity"]["reference"] for e in fhir(practice, "/fhir/Group?_count=100")["entry"]}
    assert seen == {"Organization/A81001"}
    assert fhir(practice, "/fhir/Group?code=cohort_smr")["entry"][0]["resource"]["quantity"] == 480


@pytest.mark.parametrize(("url", "text"), [
    ("/fhir/Group/U00001.nothing", "is not a cohort"), ("/fhir/Group/NOPE.smr", "is not a cohort"),
])
def test_unknown_groups(client_for, phm_output, url, text):
    assert text in fhir(client_for("analyst"), url, 404)["issue"][0]["diagnostics"]


def test_without_an_output(client_for, phm_dir):
    assert "pcnhub phm run" in fhir(client_for("analyst"), "/fhir/Group", 404)["issue"][0]["diagnostics"]
