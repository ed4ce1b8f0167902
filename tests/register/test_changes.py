"""What changed in an area between two dates (pcnhub.register.changes and its page)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from pcnhub.accounts.models import Profile, Role
from pcnhub.register.changes import area_changes, previous_snapshot
from pcnhub.register.loaders import local_code
from pcnhub.register.models import Organisation, OrgKind

pytestmark = pytest.mark.django_db

D = dt.date


def _icb_user(code: str):
    user = get_user_model().objects.create_user(f"icb-{code}", password="x")
    Profile.objects.create(user=user, role=Role.ICB, organisation=Organisation.objects.get(code=code))
    return user


def test_2019_to_2022_in_mid_and_south_essex(southend):
    icb = Organisation.objects.get(code="QH8")
    assert previous_snapshot(D(2022, 1, 1)) == D(2019, 1, 1)
    found = area_changes(icb, D(2019, 1, 1), D(2022, 1, 1))
    codes = {pk: org.code for pk, org in found.orgs.items()}
    # every 2019 network (local codes) ended and every 2022 one began: new codes
    assert {codes[pk] for pk in found.found.ended} >= {local_code(OrgKind.PCN, "Benfleet", "Castle Point and Rochford")}
    assert "U27924" in {codes[pk] for pk in found.found.began}
    # North Road Plus and Southend Central merged into U17794; Benfleet continued as U27924
    kinds = {(s.predecessor.name, s.successor.code): s.kind for s in found.links}
    assert kinds[("Benfleet", "U27924")] == "continues"
    assert kinds[("North Road Plus", "U17794")] == kinds[("Southend Central", "U17794")] == "merged"
    # F81700, F81688 and F81200 are in no network in the 2022 map: they left every network
    left = {codes[m.practice] for m in found.found.left}
    assert {"F81700", "F81688", "F81200"} <= left


def test_the_changes_page_lists_moves_and_links_and_downloads_them(southend, client):
    client.force_login(_icb_user("QH8"))
    page = client.get("/changes/", {"area": "QH8", "date": "2022-01-01"}).content.decode()
    assert "From 1 January 2019 to 1 January 2022" in page
    assert 'id="links"' in page and "Merged into" in page and "Continues as" in page
    response = client.get("/changes/", {"area": "QH8", "date": "2022-01-01", "format": "csv"})
    rows = response.content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Practice code,Practice,Network on 2019-01-01,Network on 2022-01-01")
    assert any(row.startswith("F81001,") and "Benfleet" in row and "BENFLEET PCN" in row for row in rows)


@pytest.mark.parametrize("query", [{"area": "QH8", "since": "2023-01-01", "date": "2022-01-01"},
                                   {"area": "", "date": "2022-01-01"}])
def test_bad_or_missing_parameters_are_400(southend, client, query):
    client.force_login(get_user_model().objects.create_superuser("root", password="x"))
    Profile.objects.create(user=get_user_model().objects.get(username="root"), role=Role.ADMIN)
    assert client.get("/changes/", query).status_code == 400


def test_an_area_outside_the_users_icb_is_403(southend, client):
    client.force_login(_icb_user("QH8"))
    other = Organisation.objects.filter(kind=OrgKind.ICB).exclude(code="QH8").first()
    assert client.get("/changes/", {"area": other.code, "date": "2022-01-01"}).status_code == 403


def test_a_given_since_date_is_used_without_looking_for_the_previous_configuration(southend, client, monkeypatch):
    from pcnhub.register import views_changes

    def looked(day):
        raise AssertionError("previous_snapshot was called although ?since= was given")

    monkeypatch.setattr(views_changes, "previous_snapshot", looked)
    client.force_login(_icb_user("QH8"))
    page = client.get("/changes/", {"area": "QH8", "since": "2019-01-01", "date": "2022-01-01"}).content.decode()
    assert "From 1 January 2019 to 1 January 2022" in page
