"""Every worklist view and download writes exactly one audit event with the right count, every refusal one
refused event; events cannot be changed or deleted, nor added or changed through the admin; the audit page
is for administrators. (Signing in writes events too: tests/phm/test_phm_sign_in_audit.py; here only the
events about patient-level data count.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pcnhub.phm.models import AuditAction, AuditEvent, PatientDataGrant
from tests.helpers_web import read_csv
from tests.phm.fixtures import NORTH_SMR

pytestmark = pytest.mark.django_db

SMR = "/phm/pcn/U00001/cohort/smr/"


def only_event() -> AuditEvent:
    [event] = AuditEvent.objects.patient_data()
    return event


def test_a_worklist_page_writes_one_event(phm_output, client_for, grant, register):
    grant("pcn")
    client = client_for("pcn")
    client.get(SMR, HTTP_USER_AGENT="Mozilla/5.0 test", REMOTE_ADDR="10.1.2.3")
    event = only_event()
    assert event.user == register.users["pcn"] and event.username == "pcn-user" and event.role == "pcn"
    assert event.action == AuditAction.VIEW and event.organisation == register.north and event.cohort == "smr"
    assert event.patients == 50
    assert event.filters == {"practice": "", "sort": "repeat_medicines", "dir": "desc", "page": 1, "total": NORTH_SMR}
    assert event.ip == "10.1.2.3" and event.user_agent == "Mozilla/5.0 test"
    assert abs((timezone.now() - event.at).total_seconds()) < 60
    client.get(SMR + "?page=2")
    assert AuditEvent.objects.patient_data().count() == 2
    assert AuditEvent.objects.patient_data().order_by("id").last().patients == NORTH_SMR - 50


def test_a_filtered_page_counts_what_it_shows(phm_output, client_for, grant):
    grant("pcn")
    client_for("pcn").get(SMR + "?practice=A81002&sort=age&dir=asc")
    event = only_event()
    assert event.patients == 3
    assert event.filters["practice"] == "A81002" and event.filters["sort"] == "age" and event.filters["dir"] == "asc"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_download_writes_one_event_with_every_patient(phm_output, client_for, grant, fmt):
    grant("pcn")
    response = client_for("pcn").get(SMR + f"?format={fmt}")
    assert response.status_code == 200
    event = only_event()
    assert event.action == AuditAction.DOWNLOAD and event.patients == NORTH_SMR
    assert event.filters["format"] == fmt


def test_an_empty_worklist_is_still_recorded(phm_output, client_for, grant):
    grant("pcn")
    client_for("pcn").get("/phm/pcn/U00001/cohort/cancer_screening/")
    assert only_event().patients == 0


def test_refusals_write_a_refused_event_and_dashboards_none(phm_output, client_for, grant, register):
    assert client_for("icb").get(SMR, REMOTE_ADDR="10.9.8.7").status_code == 403
    assert client_for("pcn").get(SMR + "?format=csv").status_code == 403
    grant("pcn")
    client_for("pcn").get("/phm/pcn/U00001/")
    client_for("pcn").get(SMR + "?sort=nope")
    icb, pcn = AuditEvent.objects.patient_data().order_by("id")
    assert (icb.username, icb.action, icb.organisation, icb.cohort, icb.patients, icb.ip) == \
        ("icb-user", AuditAction.REFUSED, register.north, "smr", 0, "10.9.8.7")
    assert icb.filters["path"] == SMR and "never gives access to patient-level data" in icb.filters["reason"]
    assert (pcn.username, pcn.action) == ("pcn-user", AuditAction.REFUSED)
    assert "no active grant" in pcn.filters["reason"]


def test_events_are_never_changed_or_deleted(phm_output, client_for, grant):
    grant("pcn")
    client_for("pcn").get(SMR)
    event = only_event()
    event.patients = 0
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(patients=0)
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.patient_data().get().patients == 50


def _make_admin(user):
    user.is_staff = user.is_superuser = True
    user.save()


def test_the_admin_shows_events_read_only(phm_output, client_for, grant, register):
    grant("pcn")
    client_for("pcn").get(SMR)
    event = only_event()
    _make_admin(register.users["admin"])
    admin = client_for("admin")
    assert admin.get("/admin/phm/auditevent/").status_code == 200
    assert admin.get(f"/admin/phm/auditevent/{event.pk}/change/").status_code == 200  # view only
    assert admin.get("/admin/phm/auditevent/add/").status_code == 403
    assert admin.post("/admin/phm/auditevent/add/", {"username": "x", "action": "view"}).status_code == 403
    assert admin.post(f"/admin/phm/auditevent/{event.pk}/change/", {"patients": 0}).status_code == 403
    assert admin.post(f"/admin/phm/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.patient_data().get().patients == 50


@pytest.mark.parametrize("role", ["pcn", "practice", "icb", "analyst"])
def test_non_admins_cannot_reach_the_admin(phm_output, client_for, grant, role):
    grant("pcn")
    client_for("pcn").get(SMR)
    event = only_event()
    client = client_for(role)
    for url in ("/admin/phm/auditevent/", "/admin/phm/auditevent/add/", f"/admin/phm/auditevent/{event.pk}/change/"):
        response = client.post(url, {"patients": 0, "username": "x", "action": "view"})
        assert response.status_code == 302 and "/admin/login/" in response["Location"], (role, url)
    assert AuditEvent.objects.patient_data().count() == 1 and AuditEvent.objects.patient_data().get().patients == 50


def test_admin_grants_and_revokes_and_the_log_says_so(phm_output, client_for, register):
    _make_admin(register.users["admin"])
    admin = client_for("admin")
    response = admin.post("/admin/phm/patientdatagrant/add/", {
        "user": register.users["pcn"].pk, "organisation": register.north.pk, "reason": "Care coordinator",
        "revoked_at_0": "", "revoked_at_1": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = PatientDataGrant.objects.get()
    assert grant.granted_by == register.users["admin"] and grant.is_active
    assert AuditEvent.objects.patient_data().get().action == AuditAction.GRANT
    later = timezone.localtime() - dt.timedelta(minutes=1)
    admin.post(f"/admin/phm/patientdatagrant/{grant.pk}/change/", {
        "user": register.users["pcn"].pk, "organisation": register.north.pk, "reason": "Care coordinator",
        "revoked_at_0": later.strftime("%d/%m/%Y"), "revoked_at_1": later.strftime("%H:%M:%S")})
    grant.refresh_from_db()
    assert not grant.is_active
    assert list(AuditEvent.objects.patient_data().order_by("id").values_list("action", flat=True)) == \
        ["grant", "revoke"]
    # An ICB user cannot be granted patients.
    response = admin.post("/admin/phm/patientdatagrant/add/", {
        "user": register.users["icb"].pk, "organisation": register.north.pk, "reason": "Curious",
        "revoked_at_0": "", "revoked_at_1": ""})
    assert response.status_code == 200 and "Only PCN and practice users" in response.content.decode()


def test_the_audit_page_lists_events_for_admins(phm_output, client_for, grant):
    grant("pcn")
    client_for("pcn").get(SMR)
    client_for("pcn").get(SMR + "?format=csv")
    admin = client_for("admin")
    response = admin.get("/phm/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    everything = AuditEvent.objects.count()  # the view, the download and the sign-ins of the test client
    assert html.count("data-event=") == everything and 'data-action="download"' in html
    assert html.count('data-action="sign-in"') == AuditEvent.objects.filter(action=AuditAction.SIGN_IN).count() > 0
    assert admin.get("/phm/audit/?action=download").content.decode().count("data-event=") == 1
    assert admin.get("/phm/audit/?user=nobody").content.decode().count("data-event=") == 0
    rows = read_csv(admin.get("/phm/audit/?format=csv"))
    assert len(rows) == everything + 1
    [download] = [r for r in rows if r[3] == "download"]
    assert download[1] == "pcn-user" and download[6] == str(NORTH_SMR)
    assert admin.get("/phm/audit/?action=nope").status_code == 400
    assert AuditEvent.objects.patient_data().count() == 2  # reading the log is not itself a worklist view
