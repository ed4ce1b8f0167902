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


# --- The role questions every app's permissions ask of a scope ------------------------------------


def test_owns_is_own_icb_and_in_charge_of(register):
    icb, pcn, practice = (scope_for(register.users[r]) for r in ("icb", "pcn", "practice"))
    analyst = scope_for(register.users["analyst"])
    assert icb.owns(register.icb_a) and not icb.owns(register.north)
    assert icb.is_own_icb(register.icb_a) and not icb.is_own_icb(register.icb_b)
    assert not pcn.is_own_icb(register.icb_a) and not analyst.is_own_icb(register.icb_a)
    # A commissioner is in charge of everything in their ICB; a PCN user of their own PCN only.
    assert icb.in_charge_of(register.north) and icb.in_charge_of(register.south)
    assert not icb.in_charge_of(register.beta)
    assert pcn.in_charge_of(register.north) and not pcn.in_charge_of(register.south)
    assert not practice.in_charge_of(register.north) and not analyst.in_charge_of(register.north)


def test_permitted_organisation_answers_404_403_or_the_organisation(register):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from pcnhub.accounts.scope import permitted_organisation

    scope = scope_for(register.users["pcn"])
    def mine(s, org):
        return s.owns(org)

    assert permitted_organisation(scope, "u00001", None, "PCN", mine, "the plans of {code}") == register.north
    with pytest.raises(Http404):
        permitted_organisation(scope, "U99999", None, "PCN", mine, "the plans of {code}")
    with pytest.raises(PermissionDenied, match=r"^Your role \(PCN user\) does not give access to A81004\.$"):
        permitted_organisation(scope, "A81004", None, "practice", mine, "the plans of {code}")
    with pytest.raises(PermissionDenied, match=r"does not give access to the plans of RAA\.$"):
        permitted_organisation(scope, "RAA", None, "partner", mine, "the plans of {code}")


def test_permissions_are_answered_from_a_scope_alone(register):
    """The apps' permission functions take a scope: one built by hand, with no user, answers the same."""
    from pcnhub.accounts.scope import Scope
    from pcnhub.finance import permissions as money
    from pcnhub.maturity import permissions as maturity
    from pcnhub.phm import permissions as phm

    commissioner = Scope(Role.ICB, register.icb_a)
    assert money.can_view_money(commissioner, register.north) and money.can_edit_plans(commissioner, register.north)
    assert money.can_override_rates(commissioner, register.icb_a) and not money.can_override_rates(commissioner, register.icb_b)
    assert maturity.can_view_pcn(commissioner, register.north) and not maturity.can_edit_pcn(commissioner, register.north)
    assert phm.can_view_area(commissioner, register.icb_a) and not phm.can_view_area(commissioner, register.icb_b)
    assert phm.active_grant(commissioner) is None  # no user, so no grant


def test_a_request_works_out_its_scope_once(register, client, monkeypatch):
    """The middleware makes ``request.scope``; permission checks on the page ask it, not the user again."""
    import pcnhub.accounts.middleware as middleware
    import pcnhub.accounts.scope as scope_module

    built = []
    real = scope_module.Scope

    class Counted(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self.username)

    monkeypatch.setattr(scope_module, "Scope", Counted)
    client.force_login(register.users["icb"])
    built.clear()
    response = client.get("/finance/pcn/U00001/")
    assert response.status_code == 200
    assert built == [register.users["icb"].username]
    assert middleware.scope_for is scope_module.scope_for


@pytest.mark.django_db
def test_own_page_is_the_pcn_practice_or_icb_of_the_user(register):
    own = {role: scope_for(register.users[role]).own_page() for role in ("icb", "pcn", "practice", "analyst", "admin")}
    assert own == {"icb": ("area", "QAA"), "pcn": ("pcn", "U00001"), "practice": ("practice", "A81001"),
                   "analyst": None, "admin": None}
