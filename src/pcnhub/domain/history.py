"""Dated history built from snapshots: pure interval logic, no Django.

A history is a list of ``(start, end, value)`` intervals that do not overlap.  ``end`` is
inclusive; ``None`` as ``end`` means "still applies" and ``None`` as ``start`` means "since before
records began".  Dates not covered by any interval have no value.

A *snapshot* says "on ``date`` the value was ``value``", as a monthly publication does.
:func:`apply_snapshot` folds one into a history so that:

* the value on ``date`` becomes ``value``;
* if the interval covering ``date`` already has that value nothing changes, so importing the same
  snapshot twice is harmless;
* otherwise that interval ends the day before ``date`` and ``value`` applies from ``date`` to the end
  of the interval it replaced (or, in a gap, up to the day before the next known interval): later
  snapshots stay as they are, so an older file can be imported after a newer one;
* a ``value`` of ``None`` records that there was no value from ``date`` (a practice that left its
  PCN, a closed practice), ending the covering interval the day before.

The new interval is joined to a neighbour with the same value (one ending the day before it starts, or
starting the day after it ends), so a snapshot never splits a history that says the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from typing import TypeVar

V = TypeVar("V", bound=Hashable)

Interval = tuple[dt.date | None, dt.date | None, V]

_ONE_DAY = dt.timedelta(days=1)


def value_on(intervals: Iterable[Interval[V]], date: dt.date) -> V | None:
    """The value of the interval covering ``date``, or ``None`` if no interval covers it."""
    for start, end, value in intervals:
        if (start is None or start <= date) and (end is None or date <= end):
            return value
    return None


def apply_snapshot(intervals: Iterable[Interval[V]], date: dt.date, value: V | None) -> list[Interval[V]]:
    """Return the history with the snapshot "``value`` on ``date``" folded in (see the module docs).

    ``intervals`` must not overlap; the result is sorted by start and does not overlap either.
    """
    ordered = sorted(intervals, key=_start_key)
    if value_on(ordered, date) == value:
        return ordered
    before: list[Interval[V]] = []
    after: list[Interval[V]] = []
    covering: Interval[V] | None = None
    for interval in ordered:
        start, end, _ = interval
        if end is not None and end < date:
            before.append(interval)
        elif start is not None and start > date:
            after.append(interval)
        else:
            covering = interval
    if covering is not None:
        start, new_end, old = covering
        if start is None or start < date:
            before.append((start, date - _ONE_DAY, old))
    else:
        next_start = after[0][0] if after else None
        new_end = next_start - _ONE_DAY if next_start is not None else None
    if value is None:
        return before + after
    new_start: dt.date | None = date
    if before and before[-1][2] == value and before[-1][1] == date - _ONE_DAY:
        new_start = before.pop()[0]
    if after and after[0][2] == value and new_end is not None and after[0][0] == new_end + _ONE_DAY:
        new_end = after.pop(0)[1]
    return [*before, (new_start, new_end, value), *after]


def _start_key(interval: Interval[V]) -> dt.date:
    return interval[0] or dt.date.min
