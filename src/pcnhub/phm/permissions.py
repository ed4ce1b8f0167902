"""Who may see population health figures, and who may see patients.

Aggregates (the dashboards; every count already disclosure-controlled):

* a PCN's dashboard: its own PCN users, the commissioners of its ICB, analysts and administrators;
* a practice's dashboard: its own practice users, the users of the PCN it is a member of, the
  commissioners of its ICB, analysts and administrators. Practice users see their own practice's
  figures only: not their PCN's, not other practices';
* an ICB's comparison of its PCNs: its own commissioners, analysts and administrators.

Patients (the cohort worklists and their downloads): only PCN and practice users holding an active
:class:`~pcnhub.phm.models.PatientDataGrant` recorded by an administrator, and only the patients of
the organisation granted (a PCN: all its member practices; a practice: that practice). ICB users,
analysts and administrators never see patients. The audit log page is for administrators.

Pages and API answer through these functions, given the request's
:class:`~pcnhub.accounts.scope.Scope`: 404 for an unknown code, 403 (``PermissionDenied``) outside
these rules.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from pcnhub.accounts.models import Role
from pcnhub.accounts.scope import Scope, permitted_organisation, visible_organisation
from pcnhub.phm.models import GRANT_ROLES, PatientDataGrant
from pcnhub.register.models import Membership, Organisation, OrgKind
from pcnhub.register.services import latest_data_date

SUBJECT_KINDS = (OrgKind.PCN, OrgKind.PRACTICE)


def is_member(practice: Organisation, pcn: Organisation) -> bool:
    """Is ``practice`` a member of ``pcn`` on the register's latest date?"""
    return Membership.objects.on(latest_data_date()).filter(practice=practice, pcn=pcn).exists()


def can_view_dashboard(scope: Scope, org: Organisation) -> bool:
    """May the user see the (disclosure-controlled) figures of this PCN or practice?"""
    if org is None or org.kind not in SUBJECT_KINDS:
        return False
    if scope.unrestricted:
        return True
    own = scope.organisation
    if own is None:
        return False
    if scope.role == Role.ICB:
        return scope.can_view(org)
    if scope.role == Role.PCN:
        return scope.owns(org) or (org.kind == OrgKind.PRACTICE and is_member(org, own))
    if scope.role == Role.PRACTICE:
        return scope.owns(org)
    return False


def can_view_area(scope: Scope, icb: Organisation) -> bool:
    """May the user compare the PCNs of this ICB?"""
    if icb is None or icb.kind != OrgKind.ICB:
        return False
    return scope.unrestricted or scope.is_own_icb(icb)


def can_view_audit(scope: Scope) -> bool:
    return scope.role == Role.ADMIN


def dashboard_pcn(scope: Scope, code: str) -> Organisation:
    return permitted_organisation(scope, code, [OrgKind.PCN], "PCN", can_view_dashboard,
                                  "the population health figures of {code}")


def dashboard_practice(scope: Scope, code: str) -> Organisation:
    return permitted_organisation(scope, code, [OrgKind.PRACTICE], "practice", can_view_dashboard,
                                  "the population health figures of {code}")


def dashboard_area(scope: Scope, code: str) -> Organisation:
    return permitted_organisation(scope, code, [OrgKind.ICB], "ICB", can_view_area,
                                  "the population health comparison of the PCNs of {code}")


def audit_viewer(scope: Scope) -> None:
    if not can_view_audit(scope):
        scope.refuse("the audit log of patient-level data")


# --- Patients ------------------------------------------------------------------------------------


def active_grant(scope: Scope) -> PatientDataGrant | None:
    """The user's grant if it is active and still fits their role and organisation, else None."""
    user = scope.user
    if not getattr(user, "is_authenticated", False):
        return None
    if scope.role not in GRANT_ROLES or scope.organisation is None:
        return None
    grant = PatientDataGrant.objects.active().filter(user=user).select_related("organisation").first()
    if grant is None:
        return None
    org, own = grant.organisation, scope.organisation
    if scope.owns(org):
        return grant
    if scope.role == Role.PCN and org.kind == OrgKind.PRACTICE and is_member(org, own):
        return grant
    return None  # the user has moved on since the grant: it no longer applies


def can_see_patients(scope: Scope, subject: Organisation) -> bool:
    """May the user see the patients of ``subject`` (a PCN or a practice)?"""
    grant = active_grant(scope)
    if grant is None or subject is None:
        return False
    org = grant.organisation
    if org.pk == subject.pk:
        return True
    # A grant for a PCN covers each of its member practices.
    return org.kind == OrgKind.PCN and subject.kind == OrgKind.PRACTICE and is_member(subject, org)


def may_ask_for_patients(scope: Scope, subject: Organisation) -> bool:
    """Should the page tell this user how to ask for patient-level access? A PCN or practice user (the roles a
    grant can be recorded for) who may see this PCN's or practice's figures, holding no grant that covers it."""
    if scope.role not in GRANT_ROLES or scope.organisation is None or subject is None:
        return False
    return can_view_dashboard(scope, subject) and not can_see_patients(scope, subject)


def administrators() -> list[str]:
    """The names of the active administrators (who record grants), for a page telling a user whom to ask."""
    users = get_user_model().objects.filter(is_active=True, profile__role=Role.ADMIN).order_by("last_name", "username")
    return [u.get_full_name() or u.get_username() for u in users[:5]]


def patients_of(scope: Scope, code: str, kind: str) -> Organisation:
    """The PCN or practice (``kind``) whose patients the user may see: 404 unknown, 403 without a grant for it."""
    org = visible_organisation(scope, code, [kind], "PCN" if kind == OrgKind.PCN else "practice")
    if not can_see_patients(scope, org):
        if scope.role not in GRANT_ROLES:
            raise PermissionDenied(f"Your role ({scope.role_label}) never gives access to patient-level data: "
                                   "the worklists are for the clinicians of a network.")
        raise PermissionDenied(f"You have no active grant to see the patients of {org.code}. An administrator "
                               "records such grants for the network's clinicians: ask one for a grant, giving your "
                               "user name, the network or practice and why you need its patients.")
    return org
