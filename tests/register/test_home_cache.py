"""The home page's costly counts (every ICB's for analysts, the ICB's landscape, the PCN's check) are kept in
the shared cache under the register's fingerprint: a repeated home page computes nothing, an import or edit
computes afresh, and each user's home shows their own organisation's figures."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.core.cache import cache

from pcnhub.register import services
from pcnhub.register.loaders import import_file
from pcnhub.register.models import Membership, Organisation
from tests.builders import LATEST
from tests.ingest.helpers import ALL_HEADER, all_row, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def spies():
    cache.clear()
    with mock.patch.object(services, "area_member_counts", wraps=services.area_member_counts) as counts, \
            mock.patch.object(services, "landscape", wraps=services.landscape) as landscape, \
            mock.patch.object(services, "checked_network", wraps=services.checked_network) as network:
        yield {"analyst": counts, "admin": counts, "icb": landscape, "icb-beta": landscape, "pcn": network}


def summary(response) -> dict[str, str]:
    html = response.content.decode()
    return dict(re.findall(r'summary-list__key">([^<]+)</dt><dd class="nhsuk-summary-list__value">(.*?)</dd>', html))


@pytest.mark.parametrize("role", ["analyst", "icb", "pcn"])
def test_a_repeated_home_page_computes_nothing(client_for, spies, role):
    first = client_for(role).get("/")
    assert first.status_code == 200 and spies[role].call_count == 1
    again = client_for(role).get("/")
    assert spies[role].call_count == 1 and again.content.count(b"<tr") == first.content.count(b"<tr")
    assert summary(again) == summary(first)


@pytest.mark.parametrize("role", ["analyst", "icb", "pcn"])
def test_an_import_computes_afresh(client_for, spies, role, tmp_path):
    client_for(role).get("/")
    import_file(write_csv(tmp_path / "sizes.csv", [all_row("A81001", 13_500, date="01JAN2025")], ALL_HEADER),
                progress=False)
    client_for(role).get("/")
    assert spies[role].call_count == 2


def test_an_edit_shows_at_once(client_for, spies, register):
    before = summary(client_for("icb").get("/"))
    # Alpha South's practice joins Alpha North as well (a row added, as the register's edits add rows).
    Membership.objects.create(practice=Organisation.objects.get(code="A81004"), pcn=register.north, start=LATEST)
    after = summary(client_for("icb").get("/"))
    assert spies["icb"].call_count == 2 and after != before


def test_each_user_sees_their_own_organisation(client_for, spies):
    alpha = client_for("icb").get("/").content.decode()
    beta = client_for("icb-beta").get("/").content.decode()
    assert spies["icb"].call_count == 2  # another ICB: its own entry
    assert "PCN landscape of Alpha ICB" in alpha and "PCN landscape of Beta ICB" in beta
    assert "Alpha ICB" not in beta
    assert "PCN landscape of Alpha ICB" in client_for("icb").get("/").content.decode()
    assert spies["icb"].call_count == 2


def test_a_change_made_in_place_shows_at_once(client_for, spies):
    """An administrator closing a practice in the admin changes a row in place (no row added, no import): the
    counts are computed afresh all the same."""
    before = client_for("analyst").get("/").content.decode()
    practice = Organisation.objects.get(code="A81004")
    practice.close_date = dt.date(2020, 1, 1)
    practice.save()
    after = client_for("analyst").get("/").content.decode()
    assert spies["analyst"].call_count == 2 and after != before


def test_rows_saved_in_one_change_renew_the_token_once_at_its_end(register):
    before = services.change_token()
    with mock.patch.object(services.cache, "set", wraps=services.cache.set) as renewals:
        with services.one_change():
            Organisation.objects.filter(code="A81001").get().save()
            with services.one_change():  # inside another: that one renews
                Organisation.objects.filter(code="A81002").get().save()
            assert services.change_token() == before
        assert renewals.call_count == 1
    after = services.change_token()
    assert after != before
    Organisation.objects.filter(code="A81003").get().save()  # one at a time again
    assert services.change_token() != after
