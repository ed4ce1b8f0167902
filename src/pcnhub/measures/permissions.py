"""Who may see measures: the population health dashboards' rules (:mod:`pcnhub.phm.permissions`), since the
measures are aggregates of the same patients with the same disclosure control.

* a PCN's measures: its own PCN users, the commissioners of its ICB, analysts and administrators;
* a practice's measures: its own practice users, the users of its PCN, the commissioners of its ICB,
  analysts and administrators (practice users see their own practice's figures only, not their PCN's);
* an ICB's ranking of its PCNs (and its own values): its own commissioners, analysts and administrators;
* a sub-ICB location's values: the commissioners of its ICB, analysts and administrators;
* England's values and the deciles of all PCNs (national figures naming no organisation): every signed-in
  user; England's page ranking the ICBs: analysts and administrators.

404 for an unknown code, 403 (``PermissionDenied``) outside these rules.
"""

from __future__ import annotations

from pcnhub.accounts.models import Role
from pcnhub.accounts.scope import Scope, permitted_organisation
from pcnhub.phm.permissions import can_view_area, can_view_dashboard
from pcnhub.register.models import Organisation, OrgKind

#: The organisations measures are computed for (the engine's levels), by kind, and the level's name.
LEVELS = {OrgKind.PRACTICE: "practice", OrgKind.PCN: "pcn", OrgKind.SUB_ICB: "sub_icb", OrgKind.ICB: "icb"}
WHAT = {OrgKind.PRACTICE: "practice", OrgKind.PCN: "PCN", OrgKind.SUB_ICB: "sub-ICB location", OrgKind.ICB: "ICB"}


def can_view(scope: Scope, org: Organisation) -> bool:
    """May the user see the measures of this practice, PCN, sub-ICB location or ICB?"""
    if org is None:
        return False
    if org.kind in (OrgKind.PCN, OrgKind.PRACTICE):
        return can_view_dashboard(scope, org)
    if org.kind == OrgKind.ICB:
        return can_view_area(scope, org)
    if org.kind == OrgKind.SUB_ICB:
        return scope.unrestricted or (scope.role == Role.ICB and scope.can_view(org))
    return False


def can_rank_icbs(scope: Scope) -> bool:
    """May the user see every ICB's values side by side (England's page)?"""
    return scope.unrestricted


def subject(scope: Scope, code: str, kinds=(OrgKind.PCN,)) -> Organisation:
    """The organisation of one of ``kinds`` whose measures the user may see (404 unknown, 403 refused)."""
    what = WHAT[kinds[0]] if len(kinds) == 1 else "organisation"
    return permitted_organisation(scope, code, list(kinds), what, can_view, "the measures of {code}")
