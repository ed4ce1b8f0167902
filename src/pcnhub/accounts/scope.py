"""What a signed-in user may see and change.

ICB commissioners see their ICB and everything in it (sub-ICB locations, places, PCNs, practices,
partners); PCN users see their PCN (under each of its codes over time), its member practices (past and
present) and its partners;
practice users see their practice and the PCNs it belongs or belonged to. Analysts see everything
and change nothing; administrators see and change everything. Pages and API both use this.

A request's scope is worked out once, by :class:`pcnhub.accounts.middleware.LoginRequiredEverywhereMiddleware`,
as ``request.scope``; every app's permission functions take that :class:`Scope`, and the role
questions they share are asked of it (:meth:`Scope.owns`, :meth:`Scope.is_own_icb`,
:meth:`Scope.in_charge_of`, :meth:`Scope.refuse`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from pcnhub.accounts.models import Role
from pcnhub.register import lineage
from pcnhub.register.models import Membership, Organisation, OrgKind, Partnership
from pcnhub.register.services import children_ids


@dataclass
class Scope:
    role: str | None
    organisation: Organisation | None
    username: str = ""
    _cache: dict = field(default_factory=dict, repr=False)
    #: The signed-in user (for what is recorded per user, such as patient-data grants).
    user: Any = field(default=None, repr=False, compare=False)

    @property
    def unrestricted(self) -> bool:
        return self.role in (Role.ADMIN, Role.ANALYST)

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else "No role"

    @cached_property
    def visible_ids(self) -> frozenset[int] | None:
        """Ids of every organisation the user may see; ``None`` means all of them."""
        if self.unrestricted:
            return None
        if self.organisation is None or self.role is None:
            return frozenset()
        org = self.organisation
        if self.role == Role.ICB:
            ids = descendants(org.pk)
        elif self.role == Role.PCN:
            # the network under each of its codes over time (lineage.same_network): its own history
            codes = {named.pk for named, _, _ in lineage.same_network(org)}
            ids = codes | set(Membership.objects.filter(pcn_id__in=codes).values_list("practice_id", flat=True))
        elif self.role == Role.PRACTICE:
            ids = {org.pk} | set(Membership.objects.filter(practice=org).values_list("pcn_id", flat=True))
        else:
            ids = set()
        pcn_ids = set(Organisation.objects.filter(pk__in=ids, kind=OrgKind.PCN).values_list("pk", flat=True))
        ids |= set(Partnership.objects.filter(pcn_id__in=pcn_ids).values_list("partner_id", flat=True))
        return frozenset(ids)

    @cached_property
    def editable_ids(self) -> frozenset[int] | None:
        """Ids of organisations whose register entries the user may change; ``None`` means all."""
        if self.role == Role.ADMIN:
            return None
        if self.role == Role.ICB:
            return self.visible_ids
        if self.role == Role.PCN and self.organisation is not None:
            return frozenset({self.organisation.pk})
        return frozenset()

    def can_view(self, org: Organisation) -> bool:
        return self.visible_ids is None or org.pk in self.visible_ids

    def can_edit(self, org: Organisation) -> bool:
        return self.editable_ids is None or org.pk in self.editable_ids

    def organisations(self, queryset: QuerySet[Organisation] | None = None) -> QuerySet[Organisation]:
        """``queryset`` (default: all organisations) narrowed to what the user may see."""
        qs = Organisation.objects.all() if queryset is None else queryset
        return qs if self.visible_ids is None else qs.filter(pk__in=self.visible_ids)

    def home_organisation(self) -> Organisation | None:
        return self.organisation

    def own_page(self) -> tuple[str, str] | None:
        """Which of an app's pages is the user's own, as (``"pcn"``, ``"practice"`` or ``"area"``, code): a PCN,
        practice or ICB user's organisation; None for roles that cover no one organisation."""
        kinds = {Role.PCN: "pcn", Role.PRACTICE: "practice", Role.ICB: "area"}
        if self.organisation is None or self.role not in kinds:
            return None
        return kinds[self.role], self.organisation.code

    def owns(self, org: Organisation | None) -> bool:
        """Is ``org`` the user's own organisation (their ICB, PCN or practice)?"""
        return self.organisation is not None and org is not None and org.pk == self.organisation.pk

    def is_own_icb(self, icb: Organisation | None) -> bool:
        """Is the user a commissioner of this ICB?"""
        return self.role == Role.ICB and self.owns(icb)

    def in_charge_of(self, org: Organisation) -> bool:
        """Is ``org`` inside an ICB commissioner's ICB, or a PCN user's own PCN?"""
        if self.organisation is None:
            return False
        if self.role == Role.ICB:
            return self.can_view(org)
        if self.role == Role.PCN:
            return self.owns(org)
        return False

    def refuse(self, what: str) -> NoReturn:
        """Raise PermissionDenied: "Your role (...) does not give access to ``what``."."""
        raise PermissionDenied(f"Your role ({self.role_label}) does not give access to {what}.")


def descendants(root_id: int) -> set[int]:
    """The organisation and everything beneath it: geography at any date, then PCN members."""
    found = children_ids({root_id})
    pcns = set(Organisation.objects.filter(pk__in=found, kind=OrgKind.PCN).values_list("pk", flat=True))
    # Practices inside the area and the PCNs they belong to; and members of the area's PCNs.
    practices = found - pcns
    found |= set(Membership.objects.filter(practice_id__in=practices).values_list("pcn_id", flat=True))
    found |= set(Membership.objects.filter(pcn_id__in=pcns).values_list("practice_id", flat=True))
    return found


def scope_for(user) -> Scope:
    """The scope of a user; superusers without a profile count as administrators."""
    cached = getattr(user, "_pcnhub_scope", None)
    if cached is not None:
        return cached
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    if profile is not None:
        scope = Scope(profile.role, profile.organisation, user.username, user=user)
    elif user.is_authenticated and user.is_superuser:
        scope = Scope(Role.ADMIN, None, user.username, user=user)
    else:
        scope = Scope(None, None, getattr(user, "username", ""), user=user)
    user._pcnhub_scope = scope
    return scope


def visible_organisation(scope: Scope, code: str, kinds=None, what: str = "organisation") -> Organisation:
    """The organisation with this code (of one of ``kinds``, if given) that the user of ``scope`` may see.

    Raises Http404 for an unknown code and PermissionDenied (403) outside the user's scope; pages
    and API both answer through this.
    """
    if "\x00" in code:  # no code has one, and PostgreSQL cannot compare text holding it
        raise Http404(f"There is no {what} with that code.")
    found = Organisation.objects.filter(code__in={code, code.upper()})
    if kinds is not None:
        found = found.filter(kind__in=kinds)
    org = found.first()
    if org is None:
        raise Http404(f"There is no {what} with the code {code}.")
    if not scope.can_view(org):
        raise PermissionDenied(f"Your role ({scope.role_label}) does not give access to {org.code}.")
    return org


def permitted_organisation(
    scope: Scope, code: str, kinds, what: str, allowed: Callable[[Scope, Organisation], bool], refused: str
) -> Organisation:
    """:func:`visible_organisation`, then ``allowed(scope, org)`` or PermissionDenied for ``refused``
    (``{code}`` in it is the organisation's code): the way every app's permission functions answer."""
    org = visible_organisation(scope, code, kinds, what)
    if not allowed(scope, org):
        scope.refuse(refused.format(code=org.code))
    return org
