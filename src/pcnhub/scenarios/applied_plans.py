"""What applying a scenario does to the networks' ARRS and access plans (:func:`services.apply_to_register`).

* A network that merges into another hands it its plans: each ARRS post still running on the effective date ends
  the day before and continues, as a post of the same role, WTE, cost, employment and label, in the network it
  merged into (a post not started by then simply moves); its claims stay with the post they were made for.  Its
  access sessions (which carry no dates) move.
* ARRS changes, in order: posts added start on the date; posts ended are chosen as the comparison chose them
  (``domain.scenario.cut_posts``: the latest of the role to start first), end the day before (one not started by
  then is removed, unless claims were made for it: then it ends on its first day) and what is kept of the last
  continues from the date at its share of the cost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Q

from pcnhub.domain import scenario as d
from pcnhub.finance import plans
from pcnhub.finance.models import AccessSession, ArrsPost
from pcnhub.register.models import Organisation

PENNY = Decimal("0.01")


def _continue(post: ArrsPost, pcn: Organisation, start: dt.date, fte: Decimal, cost: Decimal) -> ArrsPost:
    return ArrsPost.objects.create(pcn=pcn, role=post.role, label=post.label, fte=fte, start=start, end=post.end,
                                   annual_cost=cost.quantize(PENNY), employment=post.employment)


def _end(post: ArrsPost, date: dt.date) -> None:
    """End ``post`` the day before ``date``; one not started by then is removed (kept for a day if claimed)."""
    if post.start < date:
        post.end = date - dt.timedelta(days=1)
        post.save(update_fields=["end"])
    elif post.claims.exists():
        post.end = post.start
        post.save(update_fields=["end"])
    else:
        post.delete()


def carry_merged(old: Organisation, into: Organisation, date: dt.date) -> None:
    """``old`` merges into ``into`` on ``date``: its running posts continue there, its sessions move."""
    for post in ArrsPost.objects.filter(Q(end__isnull=True) | Q(end__gte=date), pcn=old).order_by("start", "id"):
        if post.start >= date and not post.claims.exists():
            post.pcn = into
            post.save(update_fields=["pcn"])
            continue
        _continue(post, into, max(date, post.start), post.fte, post.annual_cost)
        _end(post, date)
    AccessSession.objects.filter(pcn=old).update(pcn=into)


def change_posts(pcn: Organisation, changes: Sequence[d.PlannedPost], date: dt.date, label: str) -> None:
    """The scenario's ARRS changes of ``pcn``, in order."""
    for change in changes:
        if change.wte > 0:
            ArrsPost.objects.create(pcn=pcn, role=change.role, fte=change.wte, start=date,
                                    annual_cost=(change.annual_cost * change.wte).quantize(PENNY), label=label)
            continue
        rows = list(ArrsPost.objects.filter(pcn=pcn).order_by("start", "id"))
        role = plans.catalogue().resolve(change.role) or change.role
        keys = [(plans.catalogue().resolve(r.role) or r.role, r.fte, r.start, r.end) for r in rows]
        for cut in d.cut_posts(keys, role, -change.wte, date):
            post = rows[cut.index]
            if cut.kept > 0:
                _continue(post, pcn, max(date, post.start), cut.kept, post.annual_cost * cut.kept / post.fte)
            _end(post, date)
