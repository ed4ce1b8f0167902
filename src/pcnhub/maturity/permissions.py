"""Who may see and change maturity self-assessments and development plans.

* A PCN's assessments and plan: its own PCN users see and change them; ICB commissioners see those
  of the PCNs in their ICB but do not change them (the assessment is the PCN's own); analysts see
  every PCN's; administrators see and change everything. Practice users see none (the matrix is
  the network team's self-assessment).
* An ICB's system assessment and its heatmap of PCNs: that ICB's commissioners see and change the
  system assessment; analysts see every ICB's, administrators see and change them.

Pages and API answer through :func:`maturity_pcn` and :func:`maturity_area`: 404 for an unknown
code, 403 (``PermissionDenied``) outside these rules.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from pcnhub.accounts.models import Role
from pcnhub.accounts.scope import scope_for, visible_organisation
from pcnhub.register.models import Organisation, OrgKind


def can_view_pcn(user, pcn: Organisation) -> bool:
    """May ``user`` see this PCN's assessments, scores and development plan?"""
    if pcn is None or pcn.kind != OrgKind.PCN:
        return False
    scope = scope_for(user)
    if scope.unrestricted:
        return True
    if scope.organisation is None:
        return False
    if scope.role == Role.PCN:
        return scope.organisation.pk == pcn.pk
    if scope.role == Role.ICB:
        return scope.can_view(pcn)
    return False


def can_edit_pcn(user, pcn: Organisation) -> bool:
    """May ``user`` answer this PCN's statements and change its plan? Its own users and administrators."""
    if pcn is None or pcn.kind != OrgKind.PCN:
        return False
    scope = scope_for(user)
    if scope.role == Role.ADMIN:
        return True
    return scope.role == Role.PCN and scope.organisation is not None and scope.organisation.pk == pcn.pk


def _own_icb(scope, icb: Organisation) -> bool:
    return scope.role == Role.ICB and scope.organisation is not None and scope.organisation.pk == icb.pk


def can_view_area(user, icb: Organisation) -> bool:
    """May ``user`` see this ICB's heatmap of PCNs and its system assessment?"""
    if icb is None or icb.kind != OrgKind.ICB:
        return False
    scope = scope_for(user)
    return scope.unrestricted or _own_icb(scope, icb)


def can_edit_area(user, icb: Organisation) -> bool:
    """May ``user`` answer this ICB's system statements? Its own commissioners and administrators."""
    if icb is None or icb.kind != OrgKind.ICB:
        return False
    scope = scope_for(user)
    return scope.role == Role.ADMIN or _own_icb(scope, icb)


def _refuse(user, org: Organisation, what: str):
    scope = scope_for(user)
    raise PermissionDenied(f"Your role ({scope.role_label}) does not give access to the {what} of {org.code}.")


def _allowed(user, code: str, kinds, what: str, can_view, can_edit, subject: str, edit: bool) -> Organisation:
    """The organisation ``user`` may see (and, with ``edit``, change): 404 if unknown, 403 otherwise."""
    org = visible_organisation(user, code, kinds, what)
    if not can_view(user, org):
        _refuse(user, org, subject)
    if edit and not can_edit(user, org):
        scope = scope_for(user)
        raise PermissionDenied(f"Your role ({scope.role_label}) may look at the {subject} of {org.code} but not change it.")
    return org


def maturity_pcn(user, code: str) -> Organisation:
    """The PCN with this code whose maturity ``user`` may see: Http404 if unknown, PermissionDenied if not allowed."""
    return _allowed(user, code, [OrgKind.PCN], "PCN", can_view_pcn, can_edit_pcn, "maturity assessments", False)


def editable_pcn(user, code: str) -> Organisation:
    """The PCN whose answers and plan ``user`` may change (404 unknown, 403 not visible or read-only)."""
    return _allowed(user, code, [OrgKind.PCN], "PCN", can_view_pcn, can_edit_pcn, "maturity assessment", True)


def maturity_area(user, code: str) -> Organisation:
    """The ICB with this code whose heatmap and system assessment ``user`` may see."""
    return _allowed(user, code, [OrgKind.ICB], "ICB", can_view_area, can_edit_area,
                    "maturity heatmap and system assessment", False)


def editable_area(user, code: str) -> Organisation:
    """The ICB whose system statements ``user`` may answer."""
    return _allowed(user, code, [OrgKind.ICB], "ICB", can_view_area, can_edit_area, "system assessment", True)
