"""Who may see a network's money, change its plans and override rates.

* ICB commissioners see the money of their ICB, of the areas inside it and of its PCNs; they change
  the plans of those PCNs and override rates for their own ICB.
* PCN users see and plan their own PCN's money.
* Practice users see no network money.
* Analysts see everything and change nothing; administrators see and change everything.

Pages, API and the plan editors all answer through these functions, given the request's
:class:`~pcnhub.accounts.scope.Scope`; :func:`money_pcn` and :func:`money_area` give 404 for an
unknown code and 403 (``PermissionDenied``) outside the rules.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from pcnhub.accounts.models import Role
from pcnhub.accounts.scope import Scope, permitted_organisation
from pcnhub.register.models import Organisation, OrgKind
from pcnhub.register.services import AREA_KINDS

#: The kinds of organisation that have money pages: a PCN, or an area whose PCNs are added up.
MONEY_KINDS = (OrgKind.PCN, *AREA_KINDS)


def can_view_money(scope: Scope, org: Organisation) -> bool:
    """May the user see the money of ``org`` (a PCN or an area)?"""
    if org is None or org.kind not in MONEY_KINDS:
        return False
    return scope.unrestricted or scope.in_charge_of(org)


def can_edit_plans(scope: Scope, pcn: Organisation) -> bool:
    """May the user change a PCN's plans (ARRS, access, care home beds)? Analysts never may."""
    if pcn is None or pcn.kind != OrgKind.PCN:
        return False
    return scope.role == Role.ADMIN or scope.in_charge_of(pcn)


def can_override_rates(scope: Scope, icb: Organisation) -> bool:
    """May the user override the rates of ``icb``? Its own commissioners and administrators may."""
    if icb is None or icb.kind != OrgKind.ICB:
        return False
    return scope.role == Role.ADMIN or scope.is_own_icb(icb)


def money_pcn(scope: Scope, code: str) -> Organisation:
    """The PCN with this code whose money the user may see: Http404 if unknown, PermissionDenied if not allowed."""
    return permitted_organisation(scope, code, [OrgKind.PCN], "PCN", can_view_money, "the money of {code}")


def money_area(scope: Scope, code: str) -> Organisation:
    """The area (region, ICB, sub-ICB location or place) whose money the user may see."""
    return permitted_organisation(scope, code, list(AREA_KINDS), "area", can_view_money, "the money of {code}")


def editable_pcn(scope: Scope, code: str, what: str = "the plans of {code}") -> Organisation:
    """The PCN with this code whose plans the user may change: Http404 if unknown, PermissionDenied if not
    visible or not editable (the message names ``what`` may not be changed)."""
    pcn = money_pcn(scope, code)
    if not can_edit_plans(scope, pcn):
        raise PermissionDenied(f"Your role ({scope.role_label}) does not allow changes to {what.format(code=pcn.code)}.")
    return pcn
