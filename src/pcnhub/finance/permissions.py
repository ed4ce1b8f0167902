"""Who may see a network's money, change its plans and override rates.

* ICB commissioners see the money of their ICB, of the areas inside it and of its PCNs; they change
  the plans of those PCNs and override rates for their own ICB.
* PCN users see and plan their own PCN's money.
* Practice users see no network money.
* Analysts see everything and change nothing; administrators see and change everything.

Pages, API and the plan editors all answer through these functions; :func:`money_pcn` and
:func:`money_area` give 404 for an unknown code and 403 (``PermissionDenied``) outside the rules.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from pcnhub.accounts.models import Role
from pcnhub.accounts.scope import scope_for, visible_organisation
from pcnhub.register.models import Organisation, OrgKind
from pcnhub.register.services import AREA_KINDS

#: The kinds of organisation that have money pages: a PCN, or an area whose PCNs are added up.
MONEY_KINDS = (OrgKind.PCN, *AREA_KINDS)


def _own(scope, org: Organisation) -> bool:
    """Is ``org`` the scope's own: inside an ICB commissioner's ICB, or a PCN user's PCN?"""
    if scope.organisation is None:
        return False
    if scope.role == Role.ICB:
        return scope.can_view(org)
    if scope.role == Role.PCN:
        return org.pk == scope.organisation.pk
    return False


def can_view_money(user, org: Organisation) -> bool:
    """May ``user`` see the money of ``org`` (a PCN or an area)?"""
    if org is None or org.kind not in MONEY_KINDS:
        return False
    scope = scope_for(user)
    return scope.unrestricted or _own(scope, org)


def can_edit_plans(user, pcn: Organisation) -> bool:
    """May ``user`` change a PCN's plans (ARRS, access, care home beds)? Analysts never may."""
    if pcn is None or pcn.kind != OrgKind.PCN:
        return False
    scope = scope_for(user)
    return scope.role == Role.ADMIN or _own(scope, pcn)


def can_override_rates(user, icb: Organisation) -> bool:
    """May ``user`` override the rates of ``icb``? Its own commissioners and administrators may."""
    if icb is None or icb.kind != OrgKind.ICB:
        return False
    scope = scope_for(user)
    if scope.role == Role.ADMIN:
        return True
    return scope.role == Role.ICB and scope.organisation is not None and scope.organisation.pk == icb.pk


def _money_org(user, code: str, kinds, what: str) -> Organisation:
    org = visible_organisation(user, code, kinds, what)
    if not can_view_money(user, org):
        scope = scope_for(user)
        raise PermissionDenied(f"Your role ({scope.role_label}) does not give access to the money of {org.code}.")
    return org


def money_pcn(user, code: str) -> Organisation:
    """The PCN with this code whose money ``user`` may see: Http404 if unknown, PermissionDenied if not allowed."""
    return _money_org(user, code, [OrgKind.PCN], "PCN")


def money_area(user, code: str) -> Organisation:
    """The area (region, ICB, sub-ICB location or place) whose money ``user`` may see."""
    return _money_org(user, code, list(AREA_KINDS), "area")


def editable_pcn(user, code: str, what: str = "the plans of {code}") -> Organisation:
    """The PCN with this code whose plans ``user`` may change: Http404 if unknown, PermissionDenied if not
    visible or not editable (the message names ``what`` may not be changed)."""
    pcn = money_pcn(user, code)
    if not can_edit_plans(user, pcn):
        raise PermissionDenied(
            f"Your role ({scope_for(user).role_label}) does not allow changes to {what.format(code=pcn.code)}."
        )
    return pcn
