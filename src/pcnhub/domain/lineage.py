"""The lineage of networks: which PCN continued, merged into or split from which, inferred from memberships.

A network keeps one identity across a new code, a rename, a merger or a split: its history, money and list
sizes read across its whole life.  The register knows memberships (practice, PCN, start, end); the links
between networks are inferred here from the practices that moved on the day one membership ended and the
next began, where the overlap is clear, and left to a commissioner to record where it is not.

On a day ``d`` when practices moved from network A (their membership ending the day before) to network B
(starting on ``d``), with ``o`` practices moving from A to B:

* A *ends* when it has no members on ``d``; B is *new* when it had none the day before;
* a link A -> B is inferred when A ends or B is new (an identity changed: practices moving between two
  networks that both go on is a move, not a succession) and the overlap is a majority of one side: at least
  half of A's practices the day before went to B, or at least half of B's practices on ``d`` came from A;
* its kind: ``merged`` when B has more than one predecessor that day, B already existed (A joined it), or
  most of B came from elsewhere (most of A joined others in B); ``split`` when A has more than one successor
  that day, A goes on (B left it), or most of A went elsewhere (B is the part of A that left); otherwise
  ``continues``: most of A is most of B, one to one (a new code or name for the same network);
* a network that ends with members none of whose successors is clear, or a new one none of whose members'
  networks is clear, is :class:`Unclear`: a commissioner records its lineage.

No Django here: memberships are passed in as :class:`Stay` tuples of any hashable keys.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Generic, NamedTuple, TypeVar

K = TypeVar("K", bound=Hashable)

_ONE_DAY = dt.timedelta(days=1)


class SuccessionKind(str, Enum):
    CONTINUES = "continues"
    MERGED = "merged"
    SPLIT = "split"


class Stay(NamedTuple):
    """One membership: ``practice`` in ``pcn`` from ``start`` to ``end`` (inclusive; None: open)."""

    practice: Hashable
    pcn: Hashable
    start: dt.date | None
    end: dt.date | None


@dataclass(frozen=True)
class Succession(Generic[K]):
    """``successor`` carries on (part of) ``predecessor`` from ``date`` (its first day): ``practices`` of the
    predecessor's ``of_predecessor`` practices the day before moved to it, making ``practices`` of its
    ``of_successor`` on ``date``."""

    predecessor: K
    successor: K
    date: dt.date
    kind: SuccessionKind
    practices: int
    of_predecessor: int
    of_successor: int


@dataclass(frozen=True)
class Unclear(Generic[K]):
    """A network that ended (``ended``) or began (not ``ended``) on ``date`` with no clear link: its practices
    went to (came from) ``spread`` networks, the largest share ``largest`` of ``practices``."""

    pcn: K
    date: dt.date
    ended: bool
    practices: int
    spread: int
    largest: int


def _members_on(stays: list[Stay], date: dt.date) -> dict[Hashable, set[Hashable]]:
    found: dict[Hashable, set[Hashable]] = defaultdict(set)
    for s in stays:
        if (s.start is None or s.start <= date) and (s.end is None or date <= s.end):
            found[s.pcn].add(s.practice)
    return found


def infer(memberships: Iterable[Stay]) -> tuple[list[Succession], list[Unclear]]:
    """The successions the memberships show clearly, and the networks whose lineage is unclear, by date."""
    stays = list(memberships)
    by_practice: dict[Hashable, list[Stay]] = defaultdict(list)
    for s in stays:
        by_practice[s.practice].append(s)
    # moves: a membership ending the day before the practice's next one, in another network, begins
    moves: dict[dt.date, Counter[tuple[Hashable, Hashable]]] = defaultdict(Counter)
    for own in by_practice.values():
        own.sort(key=lambda s: (s.start is not None, s.start or dt.date.min))
        for before, after in zip(own, own[1:]):
            if (before.end is not None and after.start is not None and after.start == before.end + _ONE_DAY
                    and before.pcn != after.pcn):
                moves[after.start][before.pcn, after.pcn] += 1
    successions: list[Succession] = []
    unclear: list[Unclear] = []
    for date in sorted(moves):
        found, lost = _day(date, moves[date], _members_on(stays, date - _ONE_DAY), _members_on(stays, date))
        successions += found
        unclear += lost
    return successions, unclear


def _day(date: dt.date, moved: Counter[tuple[Hashable, Hashable]], before: Mapping[Hashable, set[Hashable]],
         after: Mapping[Hashable, set[Hashable]]) -> tuple[list[Succession], list[Unclear]]:
    links = []
    for (a, b), overlap in moved.items():
        a_size, b_size = len(before.get(a, ())), len(after.get(b, ()))
        ends, new = not after.get(a), not before.get(b)
        if (ends or new) and (2 * overlap >= a_size or 2 * overlap >= b_size):
            links.append((a, b, overlap, a_size, b_size, ends, new))
    predecessors = Counter(b for _, b, *_ in links)
    successors = Counter(a for a, *_ in links)
    found = []
    for a, b, overlap, a_size, b_size, ends, new in sorted(links, key=lambda link: (str(link[0]), str(link[1]))):
        most_of_a, most_of_b = 2 * overlap >= a_size, 2 * overlap >= b_size
        if predecessors[b] > 1 or not new or not most_of_b:
            kind = SuccessionKind.MERGED
        elif successors[a] > 1 or not ends or not most_of_a:
            kind = SuccessionKind.SPLIT
        else:
            kind = SuccessionKind.CONTINUES
        found.append(Succession(a, b, date, kind, overlap, a_size, b_size))
    lost = []
    out_of: dict[Hashable, Counter[Hashable]] = defaultdict(Counter)
    into: dict[Hashable, Counter[Hashable]] = defaultdict(Counter)
    for (a, b), overlap in moved.items():
        out_of[a][b] += overlap
        into[b][a] += overlap
    for a, spread in out_of.items():
        if not after.get(a) and a not in successors:
            lost.append(Unclear(a, date, True, len(before.get(a, ())), len(spread), max(spread.values())))
    for b, spread in into.items():
        if not before.get(b) and b not in predecessors:
            lost.append(Unclear(b, date, False, len(after.get(b, ())), len(spread), max(spread.values())))
    return found, sorted(lost, key=lambda u: (not u.ended, str(u.pcn)))


def lineage(pcn: K, links: Iterable[Succession[K]]) -> tuple[list[Succession[K]], list[Succession[K]]]:
    """Every succession before ``pcn`` (its predecessors, theirs, and so on: newest first) and after it (its
    successors, theirs...: oldest first)."""
    links = list(links)
    back: dict[K, list[Succession[K]]] = defaultdict(list)
    forward: dict[K, list[Succession[K]]] = defaultdict(list)
    for link in links:
        back[link.successor].append(link)
        forward[link.predecessor].append(link)

    def walk(start: K, edges: dict[K, list[Succession[K]]], step: str) -> list[Succession[K]]:
        seen, todo, found = {start}, [start], []
        while todo:
            for link in edges.get(todo.pop(0), []):
                found.append(link)
                nxt = getattr(link, step)
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return found

    earlier = sorted(walk(pcn, back, "predecessor"), key=lambda s: s.date, reverse=True)
    later = sorted(walk(pcn, forward, "successor"), key=lambda s: s.date)
    return earlier, later
