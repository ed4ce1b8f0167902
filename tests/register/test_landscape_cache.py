"""The landscape (an area's PCNs checked against the rules) is kept in the shared cache for the page and the
API: a repeated request checks nothing again, another band or a recorded band policy checks afresh, and
who may see an area is still decided per request."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse

from pcnhub.register import services
from tests.builders import LATEST
from tests.helpers_web import text

pytestmark = pytest.mark.django_db

PAGE = f"/landscape/?area=QAA&date={LATEST.isoformat()}"
API = f"/api/landscape?area=QAA&date={LATEST.isoformat()}"


@pytest.fixture
def checked():
    cache.clear()
    with mock.patch.object(services, "landscape", wraps=services.landscape) as watched:
        yield watched


@pytest.mark.parametrize("url", [PAGE, API])
def test_a_repeated_landscape_checks_nothing_again(client_for, checked, url):
    first = client_for("icb").get(url)
    assert first.status_code == 200 and checked.call_count == 1
    again = client_for("analyst").get(url)
    assert again.status_code == 200 and checked.call_count == 1
    if url == API:
        assert again.json() == first.json()
    assert client_for("icb").get(url + "&upper=60000").status_code == 200
    assert checked.call_count == 2  # another band: another check


def test_a_recorded_band_policy_checks_afresh(client_for, checked):
    client = client_for("icb")
    assert "Networks of 30,000-70,000" not in text(client.get(PAGE))
    form = {"policy-start": "2024-04-01", "policy-lower": "30000", "policy-upper": "70000",
            "policy-upper_binds": "on", "policy-reason": "Networks of 30,000-70,000, as Milton Keynes (seed 002)"}
    assert client.post(reverse("landscape") + "?area=QAA", form).status_code == 302
    assert "Networks of 30,000-70,000" in text(client.get(PAGE))
    assert checked.call_count == 2


def test_who_may_see_an_area_is_decided_per_request(client_for, checked):
    assert client_for("analyst").get(API.replace("QAA", "QBB")).status_code == 200
    assert client_for("icb").get(API.replace("QAA", "QBB")).status_code == 403
    assert client_for("icb").get(PAGE.replace("QAA", "QBB")).status_code == 403
