"""Who may see and change maturity self-assessments and development plans.

* A PCN's assessments and plan: its own PCN users see and change them; ICB commissioners see those
  of the PCNs in their ICB but do not change them (the assessment is the PCN's own); analysts see
  every PCN's; administrators see and change everything. Practice users see none (the matrix is
  the network team's self-assessment).
* An ICB's system assessment and its heatmap of PCNs: that ICB's commissioners see and change the
  system assessment; analysts see every ICB's, administrators see and change them.

Pages and API answer through :func:`maturity_pcn` and :func:`maturity_area`, given the request's
:class:`~pcnhub.accounts.scope.Scope`: 404 for an unknown code, 403 (``PermissionDenied``) outside
these rules.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from pcnhub.accounts.models import Role
from pcnhub.accounts.scope import Scope, permitted_organisation
from pcnhub.register.models import Organisation, OrgKind


def can_view_pcn(scope: Scope, pcn: Organisation) -> bool:
    """May the user see this PCN's assessments, scores and development plan?"""
    if pcn is None or pcn.kind != OrgKind.PCN:
        return False
    return scope.unrestricted or scope.in_charge_of(pcn)


def can_edit_pcn(scope: Scope, pcn: Organisation) -> bool:
    """May the user answer this PCN's statements and change its plan? Its own users and administrators."""
    if pcn is None or pcn.kind != OrgKind.PCN:
        return False
    return scope.role == Role.ADMIN or (scope.role == Role.PCN and scope.owns(pcn))


def can_view_area(scope: Scope, icb: Organisation) -> bool:
    """May the user see this ICB's heatmap of PCNs and its system assessment?"""
    if icb is None or icb.kind != OrgKind.ICB:
        return False
    return scope.unrestricted or scope.is_own_icb(icb)


def can_edit_area(scope: Scope, icb: Organisation) -> bool:
    """May the user answer this ICB's system statements? Its own commissioners and administrators."""
    if icb is None or icb.kind != OrgKind.ICB:
        return False
    return scope.role == Role.ADMIN or scope.is_own_icb(icb)


def _allowed(scope: Scope, code: str, kinds, what: str, can_view, can_edit, subject: str, edit: bool) -> Organisation:
    """The organisation the user may see (and, with ``edit``, change): 404 if unknown, 403 otherwise."""
    org = permitted_organisation(scope, code, kinds, what, can_view, f"the {subject} of {{code}}")
    if edit and not can_edit(scope, org):
        raise PermissionDenied(f"Your role ({scope.role_label}) may look at the {subject} of {org.code} but not change it.")
    return org


def maturity_pcn(scope: Scope, code: str) -> Organisation:
    """The PCN with this code whose maturity the user may see: Http404 if unknown, PermissionDenied if not allowed."""
    return _allowed(scope, code, [OrgKind.PCN], "PCN", can_view_pcn, can_edit_pcn, "maturity assessments", False)


def editable_pcn(scope: Scope, code: str) -> Organisation:
    """The PCN whose answers and plan the user may change (404 unknown, 403 not visible or read-only)."""
    return _allowed(scope, code, [OrgKind.PCN], "PCN", can_view_pcn, can_edit_pcn, "maturity assessment", True)


def maturity_area(scope: Scope, code: str) -> Organisation:
    """The ICB with this code whose heatmap and system assessment the user may see."""
    return _allowed(scope, code, [OrgKind.ICB], "ICB", can_view_area, can_edit_area,
                    "maturity heatmap and system assessment", False)


def editable_area(scope: Scope, code: str) -> Organisation:
    """The ICB whose system statements the user may answer."""
    return _allowed(scope, code, [OrgKind.ICB], "ICB", can_view_area, can_edit_area, "system assessment", True)
