"""Sessions end 30 minutes after their last request (the idle timeout; a request moves the expiry on, at most
once a minute, so the session is not written on every request) and, however active, 8 hours after sign-in
(the absolute limit). Time is moved by rewriting the stored session's expiry, sign-in and refresh times, not by
waiting."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pcnhub.accounts.middleware import REFRESHED_AT, SIGNED_IN_AT
from pcnhub.phm.models import AuditAction, AuditEvent
from tests.builders import PASSWORD

pytestmark = pytest.mark.django_db

IDLE = dt.timedelta(minutes=30)


def signed_in(client):
    assert client.post("/accounts/login/", {"username": "pcn-user", "password": PASSWORD}).status_code == 302
    return client


def stored(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_the_limits_are_settings():
    assert settings.SESSION_COOKIE_AGE == IDLE.total_seconds() and not settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.PCNHUB_SESSION_MAX_SECONDS == 8 * 60 * 60
    assert settings.PCNHUB_SESSION_REFRESH_SECONDS == 60


def a_refresh_ago(client, seconds: float) -> None:
    """Pretend the session's expiry was last moved on ``seconds`` ago."""
    session = client.session
    session[REFRESHED_AT] = time.time() - seconds
    session.save()


def test_each_request_moves_the_expiry_to_thirty_minutes_on(client, register):
    signed_in(client)
    a_refresh_ago(client, settings.PCNHUB_SESSION_REFRESH_SECONDS + 1)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    assert client.get("/").status_code == 200
    left = stored(client).expire_date - timezone.now()
    assert IDLE - dt.timedelta(minutes=1) < left <= IDLE
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == IDLE.total_seconds()


def test_thirty_minutes_without_a_request_signs_the_user_out(client, register):
    signed_in(client)
    # Thirty-one minutes later: the session saved at the last request has expired.
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(minutes=1))
    response = client.get("/landscape/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_eight_hours_after_sign_in_the_session_ends_however_active(client, register):
    signed_in(client)
    session = client.session
    assert abs(session[SIGNED_IN_AT] - time.time()) < 60
    # Seven hours fifty-nine in: still signed in.
    session[SIGNED_IN_AT] = time.time() - settings.PCNHUB_SESSION_MAX_SECONDS + 60
    session.save()
    assert client.get("/").status_code == 200
    # Eight hours and a minute in (active all along): signed out, and the sign-out is on record.
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.PCNHUB_SESSION_MAX_SECONDS - 60
    session.save()
    response = client.get("/landscape/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    event = AuditEvent.objects.sign_ins().order_by("id").last()
    assert (event.action, event.username, event.filters) == (AuditAction.SIGN_OUT, "pcn-user",
                                                               {"reason": "session limit"})
    assert client.get("/").status_code == 302


def session_writes(client, *paths: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        for path in paths:
            assert client.get(path).status_code == 200
    return sum(1 for q in ctx.captured_queries
               if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT")))


def test_requests_within_a_minute_write_the_session_once(client, register):
    signed_in(client)
    a_refresh_ago(client, settings.PCNHUB_SESSION_REFRESH_SECONDS + 1)
    # The first request moves the expiry on (one write); the second, within the minute, writes nothing.
    assert session_writes(client, "/", "/") == 1
    left = stored(client).expire_date - timezone.now()
    assert IDLE - dt.timedelta(minutes=1) < left <= IDLE
    assert session_writes(client, "/landscape/") == 0


def test_a_request_within_the_minute_keeps_the_expiry(client, register):
    """Within the minute nothing is written, so the expiry stays where the last refresh put it: a session
    is never kept alive longer than 30 minutes after a request, and ends at most a minute sooner."""
    signed_in(client)
    a_refresh_ago(client, 10)
    soon = timezone.now() + dt.timedelta(minutes=5)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=soon)
    assert client.get("/").status_code == 200
    assert stored(client).expire_date == soon
