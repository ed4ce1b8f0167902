"""Area pickers of every page (population health, measures, maturity, designer, money): the register landscape's
grouping (:func:`pcnhub.register.listing.area_groups`: region > ICB > sub-ICB location), for any set of areas.

A page lists only the areas it can show (ICBs, or ICBs and sub-ICB locations); their regions are brought in as the
groups' headings, not as options. :func:`chosen` turns ``?area=`` into the page of that area.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from pcnhub.register.listing import INDENT, area_groups
from pcnhub.register.models import Organisation, OrgKind, Parentage

#: The query parameter of every picker.
PARAMETER = "area"


def grouped(areas: Iterable[Organisation]) -> list[tuple[str, list[tuple[str, str]]]]:
    """``areas`` as a select's optgroups: each under its region (a heading, not an option), ICBs first and their
    sub-ICB locations indented beneath them; areas of no region under "Other areas"."""
    areas = list(areas)
    choosable = {a.code for a in areas}
    ids = [a.pk for a in areas]
    regions = list(Organisation.objects.filter(
        kind=OrgKind.REGION, pk__in=Parentage.objects.filter(child_id__in=ids).values("parent_id"))
        .exclude(code__in=choosable))
    region_names = {r.name for r in regions}
    groups = []
    for name, options in area_groups(areas + regions):
        kept = [(code, label) for code, label in options if code in choosable]
        if name in region_names:  # the region is the heading: its ICBs move up a level
            kept = [(code, label.removeprefix(INDENT)) for code, label in kept]
        if kept:
            groups.append((name, kept))
    return groups


def chosen(request: HttpRequest, areas: Iterable[Organisation], page: Callable[[str], str]) -> HttpResponse | None:
    """``?area=CODE`` for one of ``areas``: a redirect to ``page(code)``; None without it (or for a code not
    among them: the picker shows again)."""
    code = request.GET.get(PARAMETER, "").strip().upper()
    if code and code in {a.code for a in areas}:
        return redirect(page(code))
    return None
