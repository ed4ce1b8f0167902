"""The demo's users: one per role, tied to Southend's practice F81001 (seed 004), its PCN and its ICB."""

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from pcnhub.accounts.models import Role
from pcnhub.register.models import Membership, Organisation, OrgKind, Parentage
from pcnhub.webapp.demo import DEMO_PASSWORD, demo_users

pytestmark = pytest.mark.django_db


@pytest.fixture
def southend():
    icb = Organisation.objects.create(code="QH8", name="Mid and South Essex ICB", kind=OrgKind.ICB)
    sub = Organisation.objects.create(code="99G", name="Southend", kind=OrgKind.SUB_ICB)
    pcn = Organisation.objects.create(code="U27924", name="Benfleet PCN", kind=OrgKind.PCN)
    practice = Organisation.objects.create(code="F81001", name="Dr Khan & Partners", kind=OrgKind.PRACTICE)
    Parentage.objects.create(child=sub, parent=icb)
    Parentage.objects.create(child=practice, parent=sub)
    Membership.objects.create(practice=practice, pcn=pcn, start=dt.date(2022, 1, 1))
    return icb, pcn, practice


def test_one_user_per_role_each_with_its_organisation(southend):
    icb, pcn, practice = southend
    made = {username: (role, org) for username, role, org in demo_users()}
    assert made == {
        "icb": (Role.ICB, icb), "pcn": (Role.PCN, pcn), "practice": (Role.PRACTICE, practice),
        "analyst": (Role.ANALYST, None), "admin": (Role.ADMIN, None),
    }
    sign_in = RequestFactory().post("/accounts/login/")  # django-axes needs the request of a sign-in
    for username in made:
        user = authenticate(sign_in, username=username, password=DEMO_PASSWORD)
        assert user is not None and user.profile.role == made[username][0]
    assert authenticate(sign_in, username="admin", password=DEMO_PASSWORD).is_superuser


def test_running_it_again_resets_the_users_without_duplicates(southend):
    demo_users()
    first = sorted(username for username, _, _ in demo_users())
    assert first == ["admin", "analyst", "icb", "pcn", "practice"]
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.count() == 5
