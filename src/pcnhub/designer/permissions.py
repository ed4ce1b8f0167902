"""Who may use the configuration designer: it is a commissioner's tool.

* ICB commissioners design the areas of their own ICB (the ICB and its sub-ICB locations).
* Analysts and administrators may design any area (analysts change nothing; the designer saves
  nothing).
* PCN and practice users may not use it (403).

An unknown area code gives 404, an area outside the user's scope 403 (through
:func:`pcnhub.accounts.scope.visible_organisation`, as everywhere else).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from pcnhub.accounts.models import Role
from pcnhub.accounts.scope import Scope, visible_organisation
from pcnhub.register.models import Organisation, OrgKind

#: The kinds of area a configuration is designed for.
DESIGN_KINDS = (OrgKind.ICB, OrgKind.SUB_ICB)
DESIGN_ROLES = (Role.ICB, Role.ANALYST, Role.ADMIN)


def can_design(scope: Scope) -> bool:
    if scope.role == Role.ICB:
        return scope.organisation is not None
    return scope.role in DESIGN_ROLES


def require_designer(scope: Scope) -> None:
    if not can_design(scope):
        raise PermissionDenied(
            f"Your role ({scope.role_label}) does not give access to the configuration designer, "
            "a tool for commissioners."
        )


def design_areas(scope: Scope) -> list[Organisation]:
    """The ICBs and sub-ICB locations the user may design, ICBs first, by name."""
    require_designer(scope)
    areas = scope.organisations(Organisation.objects.filter(kind__in=DESIGN_KINDS))
    order = {kind: i for i, kind in enumerate(DESIGN_KINDS)}
    return sorted(areas, key=lambda a: (order[a.kind], a.name))


def design_area(scope: Scope, code: str) -> Organisation:
    """The ICB or sub-ICB location with this code that the user may design (Http404 / PermissionDenied)."""
    require_designer(scope)
    return visible_organisation(scope, code, DESIGN_KINDS, "ICB or sub-ICB location")
