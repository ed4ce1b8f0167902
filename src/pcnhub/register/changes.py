"""What changed in an area's configuration between two dates (the page ``/changes/``).

The two snapshots (each practice of the area open on the date, and its network then) are compared by
:func:`pcnhub.domain.changes.compare`; the networks' names are those of each date (dated names), and the
lineage links (:class:`~pcnhub.register.models.Succession`) dated between the two are listed with them.  A network
that began or ended with no link is one whose lineage a commissioner may record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pcnhub.domain import changes as rules
from pcnhub.register import loaders
from pcnhub.register.models import ImportRun, Membership, Organisation, OrgKind, Succession
from pcnhub.register.services import area_members, names_on

#: The import kinds that give memberships: those after which the loaders infer the lineage again.
MEMBERSHIP_KINDS = [kind.value for kind in loaders.MEMBERSHIP_KINDS]


def previous_snapshot(before: dt.date) -> dt.date | None:
    """The date of the newest file giving memberships dated before ``before`` (the configuration it replaced)."""
    return (ImportRun.objects.filter(kind__in=MEMBERSHIP_KINDS, extract_date__lt=before)
            .order_by("-extract_date").values_list("extract_date", flat=True).first())


@dataclass
class AreaChanges:
    area: Organisation
    start: dt.date
    end: dt.date
    found: rules.Changes[int]
    orgs: dict[int, Organisation]
    names_before: dict[int, str]
    names_after: dict[int, str]
    links: list[Succession]
    unlinked: list[Organisation]

    def org(self, pk: int | None) -> Organisation | None:
        return None if pk is None else self.orgs[pk]


def _snapshot(area: Organisation, day: dt.date) -> dict[int, int | None]:
    _, practices = area_members(area, day)
    ids = [p.pk for p in practices if p.is_open_on(day)]
    networks = dict(Membership.objects.on(day).filter(practice_id__in=ids).values_list("practice_id", "pcn_id"))
    return {pk: networks.get(pk) for pk in ids}


def area_changes(area: Organisation, start: dt.date, end: dt.date) -> AreaChanges:
    """The changes in ``area`` from ``start`` to ``end``."""
    before, after = _snapshot(area, start), _snapshot(area, end)
    names_before, names_after = names_on(start, OrgKind.PCN), names_on(end, OrgKind.PCN)
    found = rules.compare(before, after, names_before, names_after)
    networks = {n for n in (*before.values(), *after.values()) if n is not None}
    orgs = Organisation.objects.in_bulk({*before, *after, *networks})
    links = list(Succession.objects.filter(date__gt=start, date__lte=end)
                 .filter(predecessor_id__in=networks, successor_id__in=networks)
                 .select_related("predecessor", "successor", "recorded_by").order_by("date", "predecessor__name"))
    linked = {s.predecessor_id for s in links} | {s.successor_id for s in links}
    unlinked = [orgs[pk] for pk in (*found.began, *found.ended) if pk not in linked]
    return AreaChanges(area, start, end, found, orgs, names_before, names_after, links, unlinked)
