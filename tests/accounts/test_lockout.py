"""Sign-in throttling (django-axes): five failed sign-ins for one username from one address lock that pair out
for 15 minutes, even with the right password, on an NHS.UK styled page; a successful sign-in clears the count;
another username, or another address, is not affected; an administrator's reset lifts the lockout."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings

from tests.builders import PASSWORD
from tests.helpers_web import text

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, username: str, times: int, address: str = "10.0.0.1") -> None:
    for _ in range(times):
        response = sign_in(client, username, "wrong-password", address)
        assert response.status_code == 200 and "Please enter a correct username and password" in text(response)


def lock_out(client, username: str) -> None:
    """Four failures answered with the sign-in page, the fifth with the lockout page."""
    fail(client, username, settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in(client, username, "wrong-password").status_code == 429


def test_the_limits_are_settings():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


def test_the_sixth_attempt_is_refused_even_with_the_right_password(client, register):
    lock_out(client, "pcn-user")
    response = sign_in(client, "pcn-user", PASSWORD)
    assert response.status_code == 429
    page = text(response)
    assert "Too many failed sign-in attempts. Try again in 15 minutes or contact your administrator." in page
    assert 'class="nhsuk-header' in response.content.decode()  # the NHS.UK page, not axes' plain text
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still signed out


def test_a_successful_sign_in_clears_the_count(client, register):
    fail(client, "pcn-user", settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in(client, "pcn-user", PASSWORD).status_code == 302
    client.logout()
    fail(client, "pcn-user", settings.AXES_FAILURE_LIMIT - 1)  # four more: not locked, the count began again
    assert sign_in(client, "pcn-user", PASSWORD).status_code == 302


def test_another_username_or_address_is_not_affected(client, register):
    lock_out(client, "pcn-user")
    assert sign_in(client, "pcn-user", PASSWORD).status_code == 429
    assert sign_in(client, "icb-user", PASSWORD).status_code == 302
    client.logout()
    assert sign_in(client, "pcn-user", PASSWORD, address="10.0.0.2").status_code == 302


def test_an_administrator_can_lift_a_lockout(client, register):
    lock_out(client, "pcn-user")
    assert sign_in(client, "pcn-user", PASSWORD).status_code == 429
    assert AccessAttempt.objects.filter(username="pcn-user").exists()  # shown in the admin (Axes: access attempts)
    reset(username="pcn-user")
    assert sign_in(client, "pcn-user", PASSWORD).status_code == 302


def test_the_admin_lists_lockouts_for_administrators(client_for, register):
    admin = register.users["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    assert client_for("admin").get("/admin/axes/accessattempt/").status_code == 200


def test_signing_in_by_the_test_client_is_unaffected(client_for, register):
    assert client_for("pcn").get("/").status_code == 200
