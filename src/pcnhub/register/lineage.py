"""The lineage of networks in the register: inferred successions kept up to date, and read back.

:func:`refresh` replaces the inferred :class:`~pcnhub.register.models.Succession` rows with what
:func:`pcnhub.domain.lineage.infer` finds in every membership (after each import, inside its transaction);
rows a commissioner recorded stay, and an inferred link between the same two networks on the same day is not
added beside one.  :func:`history` gives a network's links before and after it; :func:`same_network` the
codes one network had over its life (``continues`` links only: a merger or a split makes another network).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pcnhub.domain import lineage as rules
from pcnhub.register.models import Membership, Organisation, Succession


@dataclass(frozen=True)
class Refreshed:
    links: int
    unclear: list[rules.Unclear]


def refresh() -> Refreshed:
    """Infer the successions from every membership again; return how many and the unclear networks."""
    stays = [rules.Stay(*row) for row in Membership.objects.values_list("practice_id", "pcn_id", "start", "end")]
    found, unclear = rules.infer(stays)
    recorded = set(Succession.objects.filter(basis=Succession.Basis.RECORDED)
                   .values_list("predecessor_id", "successor_id", "date"))
    Succession.objects.filter(basis=Succession.Basis.INFERRED).delete()
    Succession.objects.bulk_create([
        Succession(predecessor_id=s.predecessor, successor_id=s.successor, date=s.date, kind=s.kind.value,
                   basis=Succession.Basis.INFERRED, practices=s.practices, of_predecessor=s.of_predecessor,
                   of_successor=s.of_successor)
        for s in found if (s.predecessor, s.successor, s.date) not in recorded
    ])
    settled = {pk for row in recorded for pk in row[:2]}
    return Refreshed(len(found), [u for u in unclear if u.pcn not in settled])


def _as_rule(link: Succession) -> rules.Succession[int]:
    return rules.Succession(link.predecessor_id, link.successor_id, link.date, rules.SuccessionKind(link.kind),
                            link.practices or 0, link.of_predecessor or 0, link.of_successor or 0)


@dataclass(frozen=True)
class Link:
    """A succession as a page shows it."""

    predecessor: Organisation
    successor: Organisation
    date: dt.date
    kind: str
    kind_label: str
    basis: str
    practices: int | None
    of_predecessor: int | None
    of_successor: int | None
    recorded_by: str = ""
    note: str = ""


def shown(row: Succession) -> Link:
    """A stored succession as a page shows it."""
    who = row.recorded_by.get_full_name() or row.recorded_by.username if row.recorded_by is not None else ""
    return Link(row.predecessor, row.successor, row.date, row.kind, row.get_kind_display(), row.get_basis_display(),
                row.practices, row.of_predecessor, row.of_successor, who, row.note)


def history(pcn: Organisation) -> tuple[list[Link], list[Link]]:
    """The successions before ``pcn`` (newest first) and after it (oldest first), through every link."""
    rows = {(r.predecessor_id, r.successor_id, r.date): r
            for r in Succession.objects.select_related("predecessor", "successor", "recorded_by")}
    earlier, later = rules.lineage(pcn.pk, [_as_rule(r) for r in rows.values()])

    return ([shown(rows[s.predecessor, s.successor, s.date]) for s in earlier],
            [shown(rows[s.predecessor, s.successor, s.date]) for s in later])


def same_network(pcn: Organisation) -> list[tuple[Organisation, dt.date | None, dt.date | None]]:
    """The codes ``pcn`` had over its life, oldest first, each with the days it was used (``continues`` links
    only; None: open), e.g. Benfleet's 2019 local code then U27924 from 1 January 2022."""
    links = list(Succession.objects.filter(kind=Succession.Kind.CONTINUES).select_related("predecessor", "successor"))
    before = {link.successor_id: link for link in links}
    after = {link.predecessor_id: link for link in links}
    chain = [pcn]
    while chain[0].pk in before and before[chain[0].pk].predecessor not in chain:
        chain.insert(0, before[chain[0].pk].predecessor)
    while chain[-1].pk in after and after[chain[-1].pk].successor not in chain:
        chain.append(after[chain[-1].pk].successor)
    spans = []
    for org in chain:
        start = before[org.pk].date if org.pk in before else None
        end = after[org.pk].date - dt.timedelta(days=1) if org.pk in after else None
        spans.append((org, start, end))
    return spans


_SAID = {Succession.Kind.CONTINUES: "continued as", Succession.Kind.MERGED: "merged into",
         Succession.Kind.SPLIT: "split, in part into"}


def summaries(org_ids: set[int]) -> dict[int, list[str]]:
    """For each of ``org_ids`` with successions, what a list says of it: "continued as BENFLEET PCN (U27924) from
    1 January 2022", "formerly Benfleet (L-BENFLEET-F8883)"."""
    found: dict[int, list[str]] = {}
    links = (Succession.objects.filter(predecessor_id__in=org_ids) | Succession.objects.filter(
        successor_id__in=org_ids, kind=Succession.Kind.CONTINUES)).select_related("predecessor", "successor")
    for link in links.order_by("date"):
        if link.predecessor_id in org_ids:
            found.setdefault(link.predecessor_id, []).append(
                f"{_SAID[link.kind]} {link.successor.name} ({link.successor.code}) from {link.date:%-d %B %Y}")
        if link.successor_id in org_ids and link.kind == Succession.Kind.CONTINUES:
            found.setdefault(link.successor_id, []).append(
                f"formerly {link.predecessor.name} ({link.predecessor.code})")
    return found
