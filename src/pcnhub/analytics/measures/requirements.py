"""What the measures of a run need of the two big tables, events and prescriptions, matched in one pass of each.

Every condition and side that looks at events (codes present in a window, resolved codes, latest values, events
counted or preceding others) or at prescriptions (medicines present in a window, repeat issues only, distinct
medicines, prescriptions counted or their cost summed) is a requirement (:func:`collect`): an events requirement
is a codelist and the earliest date any use of it needs (its widest window: "within N months" of the first month
measured, ``months_before(end, N) < date``; none for "ever"), a prescriptions requirement the BNF lists (none:
every prescription), whether only repeat issues count and the earliest date needed.  :func:`match_events` joins
the events once to the union of the codelists, each code tagged with every codelist it is in (a code in two lists
gives two rows) and with that codelist's earliest date: ``patient_id, key, date, value``, the codes some measure
needs, on the dates some window can hold.  :func:`match_medications` keeps, in one pass, the prescriptions some
requirement needs: ``patient_id, date, bnf_code, repeat, cost``.

A run (:mod:`.run`) writes both once (:func:`matched_tables`) and gives them to every measure as
:data:`EVENTS` and :data:`MEDICATIONS` in place of the big tables; each condition then tests its own codelists
and windows on these rows (:func:`coded`, :func:`prescriptions`), which are the rows a join of the big table
with its own codelists gives, so the answers are the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.engines import memtable
from pcnhub.analytics.pipeline.codes import _codelist_rows, bnf_match, codelist_table, months_before
from pcnhub.reference.measures import Condition, Count, Measure

#: The keys of the matched tables in a run's tables (beside, or instead of, ``events`` and ``medications``).
EVENTS: Final = "matched_events"
MEDICATIONS: Final = "matched_medications"
#: The columns of the matched prescriptions.
MEDICATION_COLUMNS: Final = ("patient_id", "date", "bnf_code", "repeat", "cost")


@dataclass(frozen=True)
class MedicationNeed:
    """Prescriptions of the BNF lists ``codelists`` (none: every prescription), repeat issues only if
    ``repeat_only``, dated after ``after`` (None: any date) and on or before the run's last month's end."""

    codelists: tuple[str, ...] = ()
    repeat_only: bool = False
    after: dt.date | None = None


@dataclass(frozen=True)
class Requirements:
    """``events``: ``(codelist, after)`` pairs, a codelist's codes needed when dated after ``after`` (None: any
    date), a pair a codelist, sorted; ``medications``: the prescriptions needed, sorted; ``last``: the last day
    any requirement needs (the last month measured's end)."""

    events: tuple[tuple[str, dt.date | None], ...]
    medications: tuple[MedicationNeed, ...]
    last: dt.date


def _after(periods: list, within: int | None) -> dt.date | None:
    """The start (excluded) of the first month's window of ``within`` months (None: ever)."""
    return None if within is None else months_before(periods[0].end, within)


def _condition_needs(condition: Condition, periods: list) -> Iterator[tuple[str, object, dt.date | None]]:
    """``("events", codelist, after)`` and ``("medications", MedicationNeed, None)`` of a condition and its parts."""
    after = _after(periods, condition.within_months)
    if condition.kind == "events":
        for key in condition.codelists + ((condition.resolved_by,) if condition.resolved_by else ()):
            yield "events", key, after
    elif condition.kind == "latest_value":
        yield "events", condition.value, after
    elif condition.kind == "medications":
        yield "medications", MedicationNeed(tuple(sorted(condition.codelists)), condition.repeat_only, after), None
    elif condition.kind == "distinct_medicines":
        yield "medications", MedicationNeed((), True, after), None
    for part in condition.parts:
        yield from _condition_needs(part, periods)


def _side_needs(side: Count, periods: list) -> Iterator[tuple[str, object, dt.date | None]]:
    """The needs of a side: its conditions', and the rows it counts (events, prescriptions) in the months measured
    (events preceded by others: those others from ``within_days`` days before the first month)."""
    before_first = periods[0].start - dt.timedelta(days=1)
    for condition in side.where:
        yield from _condition_needs(condition, periods)
    if side.count == "events":
        for key in side.codelists:
            yield "events", key, before_first
    elif side.count == "medications":
        yield "medications", MedicationNeed(tuple(sorted(side.codelists)), False, before_first), None
    if side.preceded_by is not None:
        first = periods[0].start - dt.timedelta(days=side.preceded_by.within_days)
        for key in side.preceded_by.codelists:
            yield "events", key, first - dt.timedelta(days=1)


def effective_numerator(measure: Measure) -> Count:
    """The numerator as counted: within the denominator, the denominator narrowed by the numerator."""
    num, den = measure.numerator, measure.denominator
    if not num.within_denominator:
        return num
    return replace(
        den,
        where=den.where + num.where,
        kinds=num.kinds or den.kinds,
        codelists=num.codelists or den.codelists,
        sum=num.sum,
        max_stay_days=num.max_stay_days if num.max_stay_days is not None else den.max_stay_days,
        discharged=num.discharged or den.discharged,
        within_denominator=False,
        preceded_by=num.preceded_by or den.preceded_by,
        diagnoses=num.diagnoses or den.diagnoses,
        weight=None,
    )


def _sides(measure: Measure) -> tuple[Count, Count]:
    return effective_numerator(measure), measure.denominator


def collect(measures: Iterable[Measure], periods: list) -> Requirements:
    """Every events and prescriptions requirement of ``measures`` over ``periods`` (see the module docs): a codelist's
    earliest date is the earliest of its uses' (none if one use looks at every date); prescriptions needs that differ
    only in their dates are one need, with the earliest."""
    events: dict[str, dt.date | None] = {}
    medications: dict[tuple[tuple[str, ...], bool], dt.date | None] = {}

    def earliest(known: dict, key: object, after: dt.date | None) -> None:
        if key not in known:
            known[key] = after
        elif known[key] is not None:
            known[key] = None if after is None else min(known[key], after)

    for measure in measures:
        for side in _sides(measure):
            for table, what, after in _side_needs(side, periods):
                if table == "events":
                    earliest(events, what, after)
                else:
                    earliest(medications, (what.codelists, what.repeat_only), what.after)
    return Requirements(
        events=tuple(sorted(events.items())),
        medications=tuple(sorted(
            (MedicationNeed(lists, repeat, after) for (lists, repeat), after in medications.items()),
            key=lambda n: (n.codelists, n.repeat_only, n.after or dt.date.min))),
        last=periods[-1].end,
    )


def requirement_table(requirements: Requirements) -> ir.Table:
    """``code, key, _after``: every code of the events requirements' codelists, tagged with each codelist it is in
    (a row each) and that codelist's earliest date (excluded; null: any)."""
    after = dict(requirements.events)
    rows = _codelist_rows(tuple(sorted(after)))
    return memtable({"code": [code for code, _ in rows], "key": [key for _, key in rows],
                     "_after": [after[key] for _, key in rows]},
                    {"code": "string", "key": "string", "_after": "date"})


def match_events(events: ir.Table, requirements: Requirements) -> ir.Table:
    """``patient_id, key, date, value``: the events some requirement needs, a row for each codelist of the code
    (one join of ``events`` with :func:`requirement_table`)."""
    if not requirements.events:
        return events.filter(ibis.literal(False)).select("patient_id", key=events.code, date=events.date,
                                                         value=events.value)
    lists = requirement_table(requirements)
    joined = events.join(lists, events.code == lists.code)
    kept = joined.filter((joined.date <= requirements.last) & (joined._after.isnull() | (joined.date > joined._after)))
    return kept.select("patient_id", "key", "date", "value")


def _needed(medications: ir.Table, need: MedicationNeed, last: dt.date) -> ir.BooleanValue:
    held = medications.date <= last
    if need.after is not None:
        held = held & (medications.date > need.after)
    if need.codelists:
        held = held & bnf_match(medications.bnf_code, need.codelists)
    if need.repeat_only:
        held = held & medications.repeat
    return held


def match_medications(medications: ir.Table, requirements: Requirements) -> ir.Table:
    """``patient_id, date, bnf_code, repeat, cost``: the prescriptions some requirement needs (one pass)."""
    needs = requirements.medications
    held = ibis.or_(*[_needed(medications, need, requirements.last) for need in needs]) if needs else ibis.literal(
        False)
    return medications.filter(held).select(*MEDICATION_COLUMNS)


def matched_tables(tables: dict[str, ir.Table], requirements: Requirements) -> dict[str, ir.Table]:
    """``{EVENTS: ..., MEDICATIONS: ...}``: :func:`match_events` and :func:`match_medications` of ``tables``."""
    return {EVENTS: match_events(tables["events"], requirements),
            MEDICATIONS: match_medications(tables["medications"], requirements)}


def with_matched(tables: dict[str, ir.Table], measures: Iterable[Measure], periods: list) -> dict[str, ir.Table]:
    """``tables`` with the matched tables of ``measures`` (unless there already), the big tables left out."""
    if EVENTS in tables and MEDICATIONS in tables:
        return tables
    matched = matched_tables(tables, collect(measures, periods))
    return {**{k: v for k, v in tables.items() if k not in ("events", "medications")}, **matched}


def coded(tables: dict[str, ir.Table], keys: Iterable[str]) -> ir.Table:
    """``patient_id, date, key, value``: the events with a code of the codelists ``keys``, a row for each codelist of
    ``keys`` the code is in: from the matched events when there (:data:`EVENTS`), else by joining the events."""
    keys = sorted(set(keys))
    if EVENTS in tables:
        matched = tables[EVENTS]
        found = matched.filter(matched.key.isin(keys))
        return found.select("patient_id", "date", "key", "value")
    lists = codelist_table(keys)
    events = tables["events"]
    joined = events.join(lists, events.code == lists.code)
    return joined.select(events.patient_id, events.date, lists.key, events.value)


def prescriptions(tables: dict[str, ir.Table]) -> ir.Table:
    """The prescriptions (at least :data:`MEDICATION_COLUMNS`): the matched ones when there, else all."""
    return tables[MEDICATIONS] if MEDICATIONS in tables else tables["medications"]
