"""Network money is kept in the shared cache: a repeated page or API call computes nothing, anything the
computation reads (an import, care home beds changed in place, a rate override) computes afresh, and who may
see it, and what they may do with it, is still decided per request."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse

from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import services
from pcnhub.finance.models import RateOverride
from pcnhub.register.loaders import import_file
from tests.helpers_web import text
from tests.ingest.helpers import ALL_HEADER, all_row, write_csv

pytestmark = pytest.mark.django_db

YEAR = "2025/26"
PCN = f"/finance/pcn/U00001/?year={YEAR}"
AREA = f"/finance/area/QAA/?year={YEAR}"
ENGLAND = f"/finance/?year={YEAR}"
API = f"/api/finance/pcns/U00001/entitlements?year={YEAR}"
AREA_API = f"/api/finance/areas/QAA/entitlements?year={YEAR}"


@pytest.fixture
def computed():
    """The bulk computation of entitlements, watched: how many times money was really computed."""
    cache.clear()
    with mock.patch.object(services, "_money", wraps=services._money) as watched:
        yield watched


def total(html: str) -> str:
    return re.search(r"data-england-total>([^<]+)<", html).group(1)


@pytest.mark.parametrize("role, url, other", [
    ("pcn", PCN, PCN.replace("U00001", "U00002")),  # the PCN page computes every year at once
    ("icb", AREA, AREA.replace(YEAR, "2024/25")), ("analyst", ENGLAND, ENGLAND.replace(YEAR, "2024/25")),
    ("pcn", API, API.replace(YEAR, "2024/25")), ("icb", AREA_API, AREA_API.replace("QAA", "QBB"))])
def test_a_repeated_request_computes_nothing(client_for, computed, role, url, other):
    first = client_for(role).get(url)
    assert first.status_code == 200 and computed.call_count > 0
    done = computed.call_count
    again = client_for("admin").get(url)  # another user, the same figures
    assert again.status_code == 200 and computed.call_count == done
    if url.startswith("/api/"):
        assert again.json() == first.json()
    assert client_for("admin").get(other).status_code == 200
    assert computed.call_count > done  # another year or organisation: other figures


def test_the_england_page_shows_what_its_download_adds_up_to(client_for, computed):
    client = client_for("analyst")
    page = client.get(ENGLAND).content.decode()
    again = client.get(ENGLAND).content.decode()  # from the cache
    assert computed.call_count == 1 and total(page) == total(again)
    assert 'data-icb="QAA"' in page and 'data-icb="QBB"' in page
    fresh = services.england_entitlements(FinancialYear.parse(YEAR))
    assert total(page) == f"£{fresh.whole.total:,}"


def test_an_import_computes_afresh(client_for, computed, tmp_path):
    client = client_for("pcn")
    before = text(client.get(PCN))
    done = computed.call_count
    # A list-size file for the year's list date updates A81001's row in place (no row added but the import's).
    import_file(write_csv(tmp_path / "sizes.csv", [all_row("A81001", 13_500, date="01JAN2025")], ALL_HEADER),
                progress=False)
    after = text(client.get(PCN))
    assert computed.call_count > done and after != before


def test_care_home_beds_changed_in_place_compute_afresh(client_for, computed):
    client = client_for("pcn")
    beds = reverse("finance:pcn_beds", args=["U00001"]) + f"?year={YEAR}"
    assert client.post(beds, {"beds-beds": "100", "beds-homes": "3"}).status_code == 302
    assert re.search(r'data-amount="care_home_premium">\s*£13,025<', client.get(PCN).content.decode())
    # The same row, updated: no row added, its change time moves on.
    assert client.post(beds, {"beds-beds": "200", "beds-homes": "3"}).status_code == 302
    assert re.search(r'data-amount="care_home_premium">\s*£26,051<', client.get(PCN).content.decode())


def test_a_rate_override_computes_afresh(client_for, computed, register):
    client = client_for("icb")
    before = text(client.get(AREA))
    RateOverride.objects.create(icb=register.icb_a, year=YEAR, payment="arrs", rate="20.00",
                                reason="Local budget", created_by=register.users["icb"])
    after = text(client.get(AREA))
    assert after != before and "Local budget" not in before


def test_who_may_see_and_do_what_is_decided_per_request(client_for, computed):
    # The analyst's request fills the cache with Beta ICB's money; the Alpha ICB user is still refused it.
    assert client_for("analyst").get(f"/finance/area/QBB/?year={YEAR}").status_code == 200
    assert client_for("icb").get(f"/finance/area/QBB/?year={YEAR}").status_code == 403
    # The ICB user may override its rates, the analyst, reading the same cached figures, may only look.
    assert "Override a rate" in client_for("icb").get(AREA).content.decode()
    assert "Override a rate" not in client_for("analyst").get(AREA).content.decode()
    # A practice user sees no money, cached or not.
    assert client_for("practice").get(PCN).status_code == 403


def test_an_organisation_renamed_in_place_shows_at_once(client_for, computed, register):
    assert "Alpha ICB" in text(client_for("analyst").get(ENGLAND))
    register.icb_a.name = "Alpha Integrated Care Board"
    register.icb_a.save()  # as the admin does: the row changed in place
    assert "Alpha Integrated Care Board" in text(client_for("analyst").get(ENGLAND))
