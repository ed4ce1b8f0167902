"""Role scopes: who may see and change which organisations (register: tests/builders.py)."""

import pytest
from django.core.exceptions import ValidationError

from pcnhub.accounts.models import Profile, Role
from pcnhub.accounts.scope import scope_for
from pcnhub.register.models import Organisation

pytestmark = pytest.mark.django_db


def visible(scope):
    return {org.code for org in Organisation.objects.all() if scope.can_view(org)}


def editable(scope):
    return {org.code for org in Organisation.objects.all() if scope.can_edit(org)}


ALPHA = {"QAA", "01A", "U00001", "U00002", "A81001", "A81002", "A81003", "A81004", "A81005", "A81006", "RAA"}


def test_icb_sees_its_icb_and_everything_in_it(register):
    scope = scope_for(register.users["icb"])
    assert visible(scope) == ALPHA
    assert editable(scope) == ALPHA


def test_pcn_user_sees_its_pcn_its_practices_past_and_present_and_partners(register):
    scope = scope_for(register.users["pcn"])
    assert visible(scope) == {"U00001", "A81001", "A81002", "A81003", "RAA"}
    assert editable(scope) == {"U00001"}


def test_practice_user_sees_its_practice_and_its_pcn_and_changes_nothing(register):
    scope = scope_for(register.users["practice"])
    assert visible(scope) == {"A81001", "U00001", "RAA"}
    assert editable(scope) == set()


def test_a_practice_that_moved_sees_both_its_pcns(register):
    user = register.users["practice"]
    user.profile.organisation = Organisation.objects.get(code="A81003")
    user.profile.save()
    assert visible(scope_for(user)) == {"A81003", "U00001", "U00002", "RAA"}


def test_analyst_sees_all_changes_nothing_admin_both(register):
    everything = set(Organisation.objects.values_list("code", flat=True))
    analyst, admin = scope_for(register.users["analyst"]), scope_for(register.users["admin"])
    assert visible(analyst) == everything == visible(admin)
    assert editable(analyst) == set()
    assert editable(admin) == everything


def test_user_without_profile_sees_nothing(register, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert visible(scope_for(nobody)) == set()


def test_profile_must_match_role_and_organisation_kind(register):
    user = register.users["analyst"]
    with pytest.raises(ValidationError):
        Profile(user=user, role=Role.ICB, organisation=register.north).clean()
    with pytest.raises(ValidationError):
        Profile(user=user, role=Role.ANALYST, organisation=register.icb_a).clean()
    Profile(user=user, role=Role.PCN, organisation=register.north).clean()
