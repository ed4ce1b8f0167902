"""FHIR date searches (:mod:`.search`) as Django ``Q`` objects over a model's columns.

A **dated row** covers the whole days from ``start`` to ``end`` (``DateField``\\ s, ``end`` inclusive, either
null for open): in instants ``[start 00:00, end + 1 day 00:00)`` UTC.  An **instant** column (a
``DateTimeField`` such as ``updated``) covers just its moment.  Both meet a search value exactly when
:func:`pcnhub.fhir.search.matches` says so; the tests check the two agree.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable

from django.db.models import Q

from pcnhub.fhir.search import DateRange, bounds

_LOOKUPS = {">=": "gte", ">": "gt", "<=": "lte", "<": "lt"}
_COMPARE: dict[str, Callable] = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


def _first_day_at_or_after(moment: dt.datetime) -> dt.date:
    """The first day whose midnight (UTC) is at or after ``moment``."""
    day = moment.date()
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=moment.tzinfo)
    return day if midnight == moment else day + dt.timedelta(days=1)


def _midnight_condition(column: str, shift: int, op: str, moment: dt.datetime) -> Q:
    """``midnight(column + shift days) op moment`` as a condition on the date ``column``."""
    # midnight(d) >= m  <=>  d >= first_day_at_or_after(m);   midnight(d) > m  <=>  d >= first day after m
    at_or_after = _first_day_at_or_after(moment)
    strictly_after = moment.date() + dt.timedelta(days=1)
    day = {">=": at_or_after, ">": strictly_after, "<": at_or_after, "<=": strictly_after}[op]
    lookup = {">=": "gte", ">": "gte", "<": "lt", "<=": "lt"}[op]
    return Q(**{f"{column}__{lookup}": day - dt.timedelta(days=shift)})


def dated_rows(search: DateRange, start: str = "start", end: str = "end") -> Q:
    """Rows whose days (``start`` to ``end`` inclusive, null for open) meet ``search``."""
    if search.prefix == "ne":
        return ~dated_rows(DateRange("eq", search.start, search.end), start, end)
    condition = Q()
    for side, op, moment in bounds(search):
        column, shift = (start, 0) if side == "start" else (end, 1)
        test = _midnight_condition(column, shift, op, moment)
        # an open start is before everything, an open end after everything
        open_meets = (side == "start") == (op in ("<", "<="))
        condition &= (Q(**{f"{column}__isnull": True}) | test) if open_meets else (
            Q(**{f"{column}__isnull": False}) & test)
    return condition


def instants(search: DateRange, column: str) -> Q:
    """Rows whose instant ``column`` (covering ``[t, t + 1 microsecond)``) meets ``search``."""
    if search.prefix == "ne":
        return ~instants(DateRange("eq", search.start, search.end), column)
    condition = Q()
    for side, op, moment in bounds(search):
        if side == "start":
            condition &= Q(**{f"{column}__{_LOOKUPS[op]}": moment})
        else:  # end = t + 1 microsecond: end > m  <=>  t >= m;  end <= m  <=>  t < m
            condition &= Q(**{f"{column}__{'gte' if op == '>' else 'lt'}": moment})
    return condition
