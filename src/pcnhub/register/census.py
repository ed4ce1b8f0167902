"""A national file is a census: what it leaves out, where it looks, is no longer there.

The practice maps (gp-reg-pat-prac-map) and the list sizes (gp-reg-pat-prac-all, quinary, single age) list
every practice with registered patients in each sub-ICB location they cover, unallocated practices included
(PCN "U").  So a practice they leave out although they list its sub-ICB location has no registered list there
from the extract date: it has closed or merged, whatever an older epraccur says.  It leaves its PCN and its
sub-ICB location on that date, and is no longer one of the area's open practices (nor counted among the
"practices in no PCN").  A sub-ICB location whose practices have all gone (to other locations, or left the
files) leaves its ICB on the extract date, so an ICB whose locations have all gone is no longer one of the
ICBs of later dates.

A file filtered to some areas says nothing about the others: only the sub-ICB locations it lists are looked at.

A file of an earlier date imported afterwards may list the practice in a network again from its own date:
:func:`end_memberships_of_the_gone` ends such a membership where the practice's last link to a location ends.

:func:`leave_unlisted` and :func:`empty_locations_leave` work on the importer's timelines (anything with ``subjects``, ``on`` and ``snapshot``), before
they are written, so the import stays all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from django.db.models import Count, Max, Q
from django.utils import timezone

from pcnhub.register.models import Membership, OrgKind, Parentage


class Timelines(Protocol):
    def subjects(self) -> set[int]: ...

    def on(self, subject: int, date: dt.date) -> int | None: ...

    def snapshot(self, subject: int, date: dt.date, value: int | None) -> None: ...


def leave_unlisted(
    extract: dt.date,
    listed: Iterable[int],
    listed_sub_icbs: Iterable[int],
    practices: set[int],
    to_sub_icb: Timelines,
    memberships: Timelines,
) -> set[int]:
    """End the sub-ICB location and the PCN, from ``extract``, of every practice (of ``practices``) that is in a
    listed sub-ICB location on the day but not itself listed; return the practices that left."""
    listed = set(listed)
    covered = set(listed_sub_icbs)
    gone = set()
    for practice in (to_sub_icb.subjects() & practices) - listed:
        if to_sub_icb.on(practice, extract) in covered:
            to_sub_icb.snapshot(practice, extract, None)
            if memberships.on(practice, extract) is not None:
                memberships.snapshot(practice, extract, None)
            gone.add(practice)
    return gone


def empty_locations_leave(
    extract: dt.date, practices: set[int], to_sub_icb: Timelines, to_icb: Timelines
) -> set[int]:
    """End, from ``extract``, the ICB of every sub-ICB location that had practices the day before and has none on
    the day; return those locations."""
    before = dt.timedelta(days=1)
    had: set[int] = set()
    has: set[int] = set()
    for practice in to_sub_icb.subjects() & practices:
        was = to_sub_icb.on(practice, extract - before)
        if was is not None:
            had.add(was)
        now = to_sub_icb.on(practice, extract)
        if now is not None:
            has.add(now)
    emptied = {location for location in had - has if to_icb.on(location, extract) is not None}
    for location in emptied:
        to_icb.snapshot(location, extract, None)
    return emptied


def end_memberships_of_the_gone() -> int:
    """End every membership running past the day its practice's last link to a sub-ICB location ended (the
    practice has gone from the files since); return how many were ended."""
    links = Parentage.objects.filter(child__kind=OrgKind.PRACTICE, parent__kind=OrgKind.SUB_ICB)
    last = {child: end for child, end, running in links.values("child_id").annotate(
        last_end=Max("end"), running=Count("pk", filter=Q(end__isnull=True))).values_list(
            "child_id", "last_end", "running") if not running}
    ended = []
    for membership in Membership.objects.filter(practice_id__in=list(last)):
        end = last[membership.practice_id]
        if (membership.start is None or membership.start <= end) and (membership.end is None or membership.end > end):
            membership.end = end
            ended.append(membership)
    now = timezone.now()
    for membership in ended:
        membership.updated = now
    Membership.objects.bulk_update(ended, ["end", "updated"], batch_size=1000)
    return len(ended)
