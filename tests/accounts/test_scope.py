"""Role scopes: who may see and change which organisations."""

import pytest

from pcnhub.accounts.models import Profile, Role
from pcnhub.accounts.scope import scope_for
from django.core.exceptions import ValidationError

pytestmark = pytest.mark.django_db


def codes(scope, register):
    return {code for code, org in register.orgs.items() if scope.can_view(org)}


def test_icb_sees_its_icb_and_everything_in_it(small_register):
    scope = scope_for(small_register.users["icb"])
    assert codes(scope, small_register) == {
        "QAA", "01A", "U00001", "U00002", "A00001", "A00002", "A00003", "A00004", "A00005", "A00009", "RX1"
    }
    assert scope.can_edit(small_register["U00001"]) and not scope.can_edit(small_register["U00003"])


def test_pcn_user_sees_its_pcn_its_practices_past_and_present_and_partners(small_register):
    scope = scope_for(small_register.users["pcn"])
    assert codes(scope, small_register) == {"U00001", "A00001", "A00002", "A00003", "RX1"}
    assert scope.can_edit(small_register["U00001"]) and not scope.can_edit(small_register["A00001"])


def test_practice_user_sees_its_practice_and_its_pcns_and_changes_nothing(small_register):
    scope = scope_for(small_register.users["practice"])
    assert codes(scope, small_register) == {"A00003", "U00001", "U00002", "RX1"}
    assert not any(scope.can_edit(org) for org in small_register.orgs.values())


def test_analyst_sees_all_changes_nothing_admin_both(small_register):
    analyst, admin = scope_for(small_register.users["analyst"]), scope_for(small_register.users["admin"])
    assert codes(analyst, small_register) == set(small_register.orgs) == codes(admin, small_register)
    assert not any(analyst.can_edit(org) for org in small_register.orgs.values())
    assert all(admin.can_edit(org) for org in small_register.orgs.values())


def test_user_without_profile_sees_nothing(small_register, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert codes(scope_for(nobody), small_register) == set()


def test_profile_must_match_role_and_organisation_kind(small_register):
    user = small_register.users["analyst"]
    with pytest.raises(ValidationError):
        Profile(user=user, role=Role.ICB, organisation=small_register["U00001"]).clean()
    with pytest.raises(ValidationError):
        Profile(user=user, role=Role.ANALYST, organisation=small_register["QAA"]).clean()
    Profile(user=user, role=Role.PCN, organisation=small_register["U00001"]).clean()
