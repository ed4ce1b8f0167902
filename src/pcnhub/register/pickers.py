"""Area pickers of every page (population health, measures, maturity, designer, money): the register landscape's
grouping (:func:`pcnhub.register.listing.area_groups`: region > ICB > sub-ICB location), for any set of areas.

A page lists only the areas it can show (ICBs, or ICBs and sub-ICB locations); their regions are brought in as the
groups' headings, not as options. An area that no longer exists on the page's date (:func:`pcnhub.register.asof.as_of`:
closed, or an ICB whose sub-ICB locations had all moved on by then, as Mid and South Essex ICB's did to NHS Essex
ICB) is listed after the current ones, under "Former areas", marked "(former, until <its last
day>)". :func:`chosen` turns ``?area=`` into the page of that area.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from pcnhub.domain.money.years import long_date
from pcnhub.register.asof import as_of
from pcnhub.register.listing import INDENT, area_groups
from pcnhub.register.models import Organisation, OrgKind, Parentage

#: The query parameter of every picker.
PARAMETER = "area"
#: The heading of the areas gone by the page's date, after every current one.
FORMER = "Former areas"


def last_days(areas: Iterable[Organisation], date: dt.date) -> dict[int, dt.date]:
    """``{area pk: its last day}`` for the areas of ``areas`` that no longer exist on ``date``: closed before it, or an
    ICB or sub-ICB location whose links between the two (an ICB's sub-ICB locations, a sub-ICB location's ICB: the
    national files' geography, as :func:`pcnhub.register.services.icbs_on` reads it) all ended before it. An area
    the geography has no such link for is current unless closed (the register knows nothing of its end)."""
    areas = list(areas)
    ends: dict[int, list[dt.date | None]] = {a.pk: [] for a in areas}
    links = Parentage.objects.filter(parent__kind=OrgKind.ICB, child__kind=OrgKind.SUB_ICB)
    for child, parent, end in links.filter(Q(parent_id__in=ends) | Q(child_id__in=ends)).values_list(
            "child_id", "parent_id", "end"):
        for pk in (child, parent):
            if pk in ends:
                ends[pk].append(end)
    gone = {}
    for area in areas:
        linked = ends[area.pk]
        last = max(linked) if linked and None not in linked else None
        if area.close_date is not None and (last is None or area.close_date < last):
            last = area.close_date
        if last is not None and last < date:
            gone[area.pk] = last
    return gone


def grouped(areas: Iterable[Organisation], date: dt.date) -> list[tuple[str, list[tuple[str, str]]]]:
    """``areas`` as a select's optgroups: each under its region (a heading, not an option), ICBs first and their
    sub-ICB locations indented beneath them; areas of no region under "Other areas"; then the areas gone by
    ``date`` (:func:`last_days`) under "Former areas", each marked with its last day."""
    areas = list(areas)
    gone = last_days(areas, date)
    former = sorted((a for a in areas if a.pk in gone), key=lambda a: (a.name.casefold(), a.code))
    areas = [a for a in areas if a.pk not in gone]
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
    if former:
        groups.append((FORMER, [(a.code, f"{a.name} ({a.code}) (former, until {long_date(gone[a.pk])})")
                                for a in former]))
    return groups


def grouped_on_page(request: HttpRequest, areas: Iterable[Organisation]) -> list[tuple[str, list[tuple[str, str]]]]:
    """:func:`grouped` on the page's date (:func:`pcnhub.register.asof.as_of`)."""
    return grouped(areas, as_of(request))


def chosen(request: HttpRequest, areas: Iterable[Organisation], page: Callable[[str], str]) -> HttpResponse | None:
    """``?area=CODE`` for one of ``areas``: a redirect to ``page(code)``; None without it (or for a code not
    among them: the picker shows again)."""
    code = request.GET.get(PARAMETER, "").strip().upper()
    if code and code in {a.code for a in areas}:
        return redirect(page(code))
    return None
