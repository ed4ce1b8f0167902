"""Snapshots folded into dated histories (pcnhub.domain.history)."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from pcnhub.domain.history import Interval, apply_snapshot, value_on

D = dt.date
DAY = dt.timedelta(days=1)
BASE = D(2019, 1, 1)
SPAN = 60  # the generated histories live within BASE .. BASE + SPAN days
VALUES = st.sampled_from("ABC")


def day(n: int) -> dt.date:
    return BASE + n * DAY


@st.composite
def histories(draw: st.DrawFn) -> list[Interval[str]]:
    """Non-overlapping intervals, with gaps, an unknown first start and an open last end now and then."""
    cuts = sorted(draw(st.sets(st.integers(0, SPAN), max_size=10)))
    intervals: list[Interval[str]] = []
    for i in range(0, len(cuts) - 1, 2):
        intervals.append((day(cuts[i]), day(cuts[i + 1]), draw(VALUES)))
    if len(cuts) % 2:
        intervals.append((day(cuts[-1]), None, draw(VALUES)))
    if intervals and draw(st.booleans()):
        _, end, value = intervals[0]
        intervals[0] = (None, end, value)
    return intervals


snapshot_dates = st.integers(-5, SPAN + 5).map(day)
snapshot_values = st.none() | VALUES
window = [day(n) for n in range(-10, SPAN + 10)]


def overlapping(intervals: list[Interval[str]]) -> bool:
    for (_, end, _), (start, _, _) in pairwise(intervals):
        if end is None or start is None or start <= end:
            return True
    return any(start is not None and end is not None and end < start for start, end, _ in intervals)


def affected_until(intervals: list[Interval[str]], date: dt.date) -> dt.date | None:
    """Last day a snapshot on ``date`` applies to: the end of the covering interval, else the next start."""
    for start, end, _ in intervals:
        if (start is None or start <= date) and (end is None or date <= end):
            return end
    later = [start for start, _, _ in intervals if start is not None and start > date]
    return min(later) - DAY if later else None


@given(histories(), snapshot_dates, snapshot_values)
def test_the_result_has_no_overlaps(intervals, date, value):
    assert not overlapping(apply_snapshot(intervals, date, value))


@given(histories(), snapshot_dates, snapshot_values)
def test_applying_the_same_snapshot_twice_changes_nothing(intervals, date, value):
    once = apply_snapshot(intervals, date, value)
    assert apply_snapshot(once, date, value) == once


@given(histories(), snapshot_dates, snapshot_values)
def test_the_value_on_the_snapshot_date_is_the_snapshot_value(intervals, date, value):
    assert value_on(apply_snapshot(intervals, date, value), date) == value


@given(histories(), snapshot_dates, snapshot_values)
def test_the_snapshot_applies_to_its_span_and_nothing_else_changes(intervals, date, value):
    result = apply_snapshot(intervals, date, value)
    until = affected_until(intervals, date)
    for when in window:
        inside = when >= date and (until is None or when <= until)
        if value_on(intervals, date) == value:
            inside = False  # nothing to do: the history already says so
        expected = value if inside else value_on(intervals, when)
        assert value_on(result, when) == expected, when


@given(st.permutations(list(zip(range(0, SPAN, 7), "ABCDEFGHI"))), st.integers(0, 9))
def test_snapshots_of_distinct_values_give_the_same_history_in_any_order(snapshots, keep):
    """An older file imported after a newer one gives the history a date-ordered import would."""
    snapshots = snapshots[:keep]

    def fold(order):
        history: list[Interval[str]] = []
        for n, value in order:
            history = apply_snapshot(history, day(n), value)
        return history

    assert fold(snapshots) == fold(sorted(snapshots))


def test_a_practice_that_moves_has_its_old_membership_ended_the_day_before():
    history = apply_snapshot([], D(2021, 1, 1), "U1")
    history = apply_snapshot(history, D(2022, 1, 1), "U2")
    assert history == [(D(2021, 1, 1), D(2021, 12, 31), "U1"), (D(2022, 1, 1), None, "U2")]


def test_an_older_snapshot_after_a_newer_one_fills_the_time_before_it():
    history = apply_snapshot([], D(2022, 1, 1), "U2")
    history = apply_snapshot(history, D(2019, 1, 1), "L1")
    assert history == [(D(2019, 1, 1), D(2021, 12, 31), "L1"), (D(2022, 1, 1), None, "U2")]


def test_an_older_snapshot_with_the_same_value_extends_the_interval_back():
    history = apply_snapshot([(D(2022, 1, 1), None, "U2")], D(2019, 1, 1), "U2")
    assert history == [(D(2019, 1, 1), None, "U2")]


def test_a_snapshot_inside_an_interval_splits_it_until_its_end():
    history = [(D(2019, 1, 1), D(2019, 12, 31), "A"), (D(2020, 1, 1), None, "B")]
    assert apply_snapshot(history, D(2019, 7, 1), "C") == [
        (D(2019, 1, 1), D(2019, 6, 30), "A"),
        (D(2019, 7, 1), D(2019, 12, 31), "C"),
        (D(2020, 1, 1), None, "B"),
    ]


def test_a_none_snapshot_ends_the_interval_and_leaves_a_gap():
    history = [(None, None, "A")]
    assert apply_snapshot(history, D(2020, 4, 1), None) == [(None, D(2020, 3, 31), "A")]
    assert apply_snapshot([], D(2020, 4, 1), None) == []
