"""Sign-ins, failed sign-ins (the username tried and the address, never the password) and sign-outs are
written to the audit trail, as is a sign-in refused by the lockout."""

from __future__ import annotations

import pytest
from django.conf import settings

from pcnhub.phm.models import AuditAction, AuditEvent
from tests.builders import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def post_login(client, username, password, address="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address,
                       HTTP_USER_AGENT="Mozilla/5.0 test")


def test_a_sign_in_is_recorded(client, register):
    assert post_login(client, "pcn-user", PASSWORD).status_code == 302
    [event] = AuditEvent.objects.sign_ins()
    assert (event.action, event.user, event.username, event.role) == (
        AuditAction.SIGN_IN, register.users["pcn"], "pcn-user", "pcn")
    assert event.ip == "10.0.0.7" and event.user_agent == "Mozilla/5.0 test" and event.organisation is None


def test_a_failed_sign_in_records_the_username_tried_and_the_address_not_the_password(client, register):
    post_login(client, "pcn-user", "not-the-password-42")
    post_login(client, "nobody-at-all", "another-secret-17", address="10.0.0.8")
    known, unknown = AuditEvent.objects.sign_ins().order_by("id")
    assert (known.action, known.user, known.username, known.ip) == (
        AuditAction.SIGN_IN_FAILED, register.users["pcn"], "pcn-user", "10.0.0.7")
    assert (unknown.action, unknown.user, unknown.username, unknown.role, unknown.ip) == (
        AuditAction.SIGN_IN_FAILED, None, "nobody-at-all", "", "10.0.0.8")
    stored = repr(list(AuditEvent.objects.values()))
    assert "not-the-password-42" not in stored and "another-secret-17" not in stored


def test_a_sign_out_is_recorded(client, register):
    post_login(client, "icb-user", PASSWORD)
    assert client.post("/accounts/logout/").status_code == 302
    assert list(AuditEvent.objects.sign_ins().order_by("id").values_list("action", "username")) == [
        (AuditAction.SIGN_IN, "icb-user"), (AuditAction.SIGN_OUT, "icb-user")]


def test_a_sign_in_refused_by_the_lockout_is_recorded_as_such(client, register):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "pcn-user", "wrong")
    assert post_login(client, "pcn-user", PASSWORD).status_code == 429
    last = AuditEvent.objects.sign_ins().order_by("id").last()
    assert last.action == AuditAction.SIGN_IN_FAILED and last.filters == {"locked_out": True}
    assert not AuditEvent.objects.filter(action=AuditAction.SIGN_IN).exists()


def test_sign_ins_are_not_patient_data_events(client, register):
    post_login(client, "pcn-user", PASSWORD)
    assert not AuditEvent.objects.patient_data().exists()


def test_the_audit_page_shows_no_patient_count_for_a_sign_in(client, register):
    import re

    assert post_login(client, "admin-user", PASSWORD).status_code == 302
    html = client.get("/phm/audit/").content.decode()
    cells = re.findall(r'data-field="patients">([^<]*)</td>', html)
    assert cells == [""]  # the one event, the sign-in: no patients were shown
