"""Every response carrying patient-level data (the worklist pages and their CSV and Excel downloads, for a PCN
and for a practice) tells browsers and proxies to keep no copy: Cache-Control no-store and Pragma no-cache,
set in one place (``phm.views.patient_data``); the other pages are not marked so."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, get_resolver

from pcnhub.phm import views

pytestmark = pytest.mark.django_db

WORKLISTS = ["/phm/pcn/U00001/cohort/smr/", "/phm/practice/A81001/cohort/smr/"]


def assert_no_store(response) -> None:
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "private", "max-age=0"} <= cache, response["Cache-Control"]
    assert response["Pragma"] == "no-cache"


@pytest.mark.parametrize("url", WORKLISTS)
@pytest.mark.parametrize("query", ["", "?sort=age&dir=asc", "?format=csv", "?format=xlsx"])
def test_worklists_and_their_downloads_are_never_stored(phm_output, client_for, grant, url, query):
    grant("pcn")
    response = client_for("pcn").get(url + query)
    assert response.status_code == 200
    assert_no_store(response)


def test_a_bad_request_for_a_worklist_is_not_stored_either(phm_output, client_for, grant):
    grant("pcn")
    response = client_for("pcn").get(WORKLISTS[0] + "?sort=nope")
    assert response.status_code == 400
    assert_no_store(response)


@pytest.mark.parametrize("url", ["/phm/pcn/U00001/", "/landscape/", "/phm/pcn/U00001/?format=csv"])
def test_pages_without_patients_are_not_marked(phm_output, client_for, url):
    response = client_for("pcn").get(url)
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "") and not response.has_header("Pragma")


def test_every_worklist_url_is_marked_and_nothing_else_under_phm():
    from pcnhub.phm import urls

    marked = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern) and getattr(p.callback, "patient_data", False)}
    assert marked == {"worklist", "practice_worklist"}
    assert get_resolver().resolve(WORKLISTS[0]).func is views.worklist
