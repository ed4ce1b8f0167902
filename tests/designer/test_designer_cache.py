"""Proposals are cached in the shared cache (a repeated request computes nothing), keyed on the register's
fingerprint (an import starts afresh), computed once when requests for the same proposal overlap, and
bounded per user (one more computation is answered 429)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache

from pcnhub.designer import services
from pcnhub.register.loaders import import_file
from pcnhub.register.models import ListSize
from pcnhub.register.services import register_fingerprint
from tests.builders import LATEST
from tests.helpers_web import text
from tests.ingest.helpers import ALL_HEADER, all_row, write_csv

pytestmark = pytest.mark.django_db

PAGE = f"/design/QAA/?date={LATEST.isoformat()}"
API = f"/api/design/areas/QAA?date={LATEST.isoformat()}"


@pytest.fixture
def spy():
    """The domain's proposer, watched: how many proposals were really computed."""
    with mock.patch.object(services, "design", wraps=services.design) as watched:
        yield watched


def test_the_cache_is_shared_by_every_worker():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


@pytest.mark.parametrize("url", [PAGE, API])
def test_a_repeated_request_computes_no_proposal(placed, client_for, spy, url):
    first = client_for("icb").get(url)
    assert first.status_code == 200 and spy.call_count == 1
    again = client_for("analyst").get(url)  # another user, the same proposal
    assert again.status_code == 200 and spy.call_count == 1
    if url == API:
        assert again.json()["proposal"] == first.json()["proposal"]
    assert client_for("icb").get(url + "&networks=3").status_code == 200
    assert spy.call_count == 2  # other parameters: another proposal


def test_an_import_changes_the_fingerprint_and_the_proposal_is_computed_afresh(placed, client_for, spy, tmp_path):
    before = register_fingerprint()
    assert register_fingerprint() == before  # reading changes nothing
    client_for("icb").get(PAGE)
    assert spy.call_count == 1
    # A list-size file for the same date updates A81001's row in place: no row is added to the register's
    # tables, but the import is recorded.
    path = write_csv(tmp_path / "sizes.csv", [all_row("A81001", 13_500, date="01JAN2025")], ALL_HEADER)
    run = import_file(path, progress=False)
    assert run.updated == 1 and ListSize.objects.get(organisation__code="A81001", date=LATEST).registered == 13_500
    assert register_fingerprint() != before
    client_for("icb").get(PAGE)
    assert spy.call_count == 2


def test_an_edit_on_the_pcn_page_changes_the_fingerprint(placed, client_for):
    before = register_fingerprint()
    client = client_for("admin")
    response = client.post("/pcn/U00002/exception/", {
        "exception-rule": "list-size-band", "exception-reason": "Island practice",
        "exception-start": LATEST.isoformat(),
    })
    assert response.status_code == 302
    assert register_fingerprint() != before


def test_a_user_with_a_proposal_computing_is_answered_429(placed, client_for, register, spy):
    user = str(register.users["icb"].pk)
    for i in range(settings.PCNHUB_DESIGN_PER_USER):  # as if their other requests were computing now
        cache.add(f"pcnhub-design-user-{user}-{i}", True, 60)
    page = client_for("icb").get(PAGE)
    assert page.status_code == 429
    assert "proposal being computed, the most one person may have at once" in text(page)
    assert int(page["Retry-After"]) > 0
    api = client_for("icb").get(API)
    assert api.status_code == 429 and "the most one person may have at once" in api.json()["detail"]
    assert spy.call_count == 0
    assert client_for("analyst").get(PAGE).status_code == 200  # others are not held up
    assert client_for("icb").get(PAGE).status_code == 200  # and once cached, it is shown to everyone


def test_the_users_slot_is_given_back_when_the_proposal_is_done_or_fails(placed, client_for, register):
    assert client_for("icb").get(PAGE).status_code == 200
    assert client_for("icb").get(PAGE + "&networks=3").status_code == 200  # one after the other: fine
    with mock.patch.object(services, "design", side_effect=RuntimeError("solver crashed")):
        with pytest.raises(RuntimeError):
            client_for("icb").get(PAGE + "&networks=2")
    user = str(register.users["icb"].pk)
    assert all(cache.get(f"pcnhub-design-user-{user}-{i}") is None for i in range(settings.PCNHUB_DESIGN_PER_USER))


def _request_and_inputs(placed):
    view = services.build(placed.icb_a, LATEST)
    located = view.located
    from pcnhub.domain.design.model import Unit

    units = [services.Unit(p.code, p.list_size, 0.0, 0.0, None, "QAA") for p in located]
    assert all(isinstance(u, Unit) for u in units)
    return services.Request("QAA", LATEST, view.band, None, False, view.seconds), [p.point for p in located], units


def test_an_identical_proposal_being_computed_elsewhere_is_waited_for_not_computed_again(placed, spy):
    request, points, units = _request_and_inputs(placed)
    cache.clear()
    spy.reset_mock()
    key = services.cache_key(request, register_fingerprint(), points, units)
    computed, _ = services.design(points, units, request.band, seconds=request.seconds)
    spy.reset_mock()
    cache.add(key + "-in-progress", True, 60)  # another worker is computing it

    def finishes(_seconds):  # ... and stores it while this request waits
        cache.set(key, computed, 60)
        cache.delete(key + "-in-progress")

    with mock.patch.object(services.time, "sleep", side_effect=finishes):
        found = services.propose_for(request, points, units, user="someone")
    assert spy.call_count == 0
    assert found.networks == computed.networks


def test_waiting_is_bounded(placed, spy):
    request, points, units = _request_and_inputs(placed)
    cache.clear()
    spy.reset_mock()
    key = services.cache_key(request, register_fingerprint(), points, units)
    cache.add(key + "-in-progress", True, 600)  # computing elsewhere and never finishing
    clock = iter(range(0, 10_000, 10))
    with mock.patch.object(services.time, "sleep"), mock.patch.object(services.time, "monotonic",
                                                                      side_effect=lambda: next(clock)):
        with pytest.raises(services.Busy, match="being computed for someone else"):
            services.propose_for(request, points, units, user="someone")
    assert spy.call_count == 0


def test_the_map_cells_are_drawn_once(placed, client_for):
    from pcnhub.designer import maps

    with mock.patch.object(maps, "cells", wraps=maps.cells) as cells:
        assert client_for("icb").get(PAGE).status_code == 200
        assert client_for("icb").get(PAGE + "&networks=3").status_code == 200  # same practices, same cells
    assert cells.call_count == 1
