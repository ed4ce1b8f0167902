"""What changed in a configuration between two dates: pure comparison of two snapshots, no Django.

A snapshot is ``{practice: network or None}`` (None: in no network) on each date, with the practices open on
each.  :func:`compare` gives the practices that moved, joined a network or left every network, opened or
closed, and the networks that began, ended, or kept their code under another name.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Move(Generic[K]):
    """``practice`` was in ``before`` and is in ``after`` (either None: in no network)."""

    practice: K
    before: K | None
    after: K | None


@dataclass
class Changes(Generic[K]):
    moved: list[Move[K]] = field(default_factory=list)  # from one network to another
    joined: list[Move[K]] = field(default_factory=list)  # from no network (or not open) into one
    left: list[Move[K]] = field(default_factory=list)  # from a network into none (or closed)
    opened: list[K] = field(default_factory=list)
    closed: list[K] = field(default_factory=list)
    began: list[K] = field(default_factory=list)  # networks with members after and none before
    ended: list[K] = field(default_factory=list)  # networks with members before and none after
    renamed: list[tuple[K, str, str]] = field(default_factory=list)  # (network, name before, name after)

    @property
    def count(self) -> int:
        return sum(map(len, (self.moved, self.joined, self.left, self.opened, self.closed, self.began, self.ended,
                             self.renamed)))


def compare(before: Mapping[K, K | None], after: Mapping[K, K | None],
            names_before: Mapping[K, str] | None = None, names_after: Mapping[K, str] | None = None) -> Changes[K]:
    """The changes from ``before`` to ``after`` (``{practice: network or None}`` of the practices open on each
    date); ``names_*``: the networks' names on each date, for renames (a network present on both dates)."""
    found: Changes[K] = Changes()
    for practice in sorted(set(before) | set(after), key=str):
        was, now = before.get(practice), after.get(practice)
        if practice not in before:
            found.opened.append(practice)
        elif practice not in after:
            found.closed.append(practice)
        if was == now:
            continue
        move = Move(practice, was, now)
        if was is not None and now is not None:
            found.moved.append(move)
        elif now is not None:
            found.joined.append(move)
        else:
            found.left.append(move)
    networks_before = {n for n in before.values() if n is not None}
    networks_after = {n for n in after.values() if n is not None}
    found.began = sorted(networks_after - networks_before, key=str)
    found.ended = sorted(networks_before - networks_after, key=str)
    names_before, names_after = names_before or {}, names_after or {}
    for network in sorted(networks_before & networks_after, key=str):
        old, new = names_before.get(network), names_after.get(network)
        if old is not None and new is not None and old != new:
            found.renamed.append((network, old, new))
    return found
