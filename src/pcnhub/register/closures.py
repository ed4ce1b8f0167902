"""A closed practice leaves its network on its closure date (epraccur's close date).

Maps and configurations record memberships as snapshots: a practice that closed between two of them stays a
member until the next file leaves it out, and one that closed after the newest file stays a member for ever.
:func:`end_closed_memberships` ends every membership running past its practice's close date on that date (after
each import that brings memberships or close dates); a membership that starts after the close date (a file
listing a practice after ODS says it closed) is left as the files give it.
"""

from __future__ import annotations

from django.db.models import F, Q
from django.utils import timezone

from pcnhub.register.models import Membership, OrgKind


def end_closed_memberships() -> int:
    """End the memberships running past their practice's close date on it; return how many were ended."""
    running = Membership.objects.filter(
        practice__kind=OrgKind.PRACTICE, practice__close_date__isnull=False,
    ).filter(
        Q(start__isnull=True) | Q(start__lte=F("practice__close_date")),
        Q(end__isnull=True) | Q(end__gt=F("practice__close_date")),
    ).select_related("practice")
    ended = []
    for membership in running:
        membership.end = membership.practice.close_date
        ended.append(membership)
    now = timezone.now()
    for membership in ended:
        membership.updated = now
    Membership.objects.bulk_update(ended, ["end", "updated"], batch_size=1000)
    return len(ended)
