"""One pass over ``events`` and one over ``medications``: what every step needs from them, per patient.

Each step that reads the record declares what it needs as data, a function ``needs(as_of)`` of its module
returning ``{name: requirement}``; :func:`requirements` merges them (a name two steps declare must be the
same requirement) and the pipeline computes them all at once:

* events: :func:`coded_stream` joins the events on or before ``as_of`` **once** to :func:`union_table`, the
  union of every codelist any requirement uses, ``(code, key_id)``: a small integer id per codelist (a code
  in two codelists has two rows, so each codelist sees the code).  The result, ``patient_id, key_id, date,
  value``, is the narrow coded stream (materialised once by the pipeline); :func:`events_table` makes from
  it ``flags_events``, one row per patient with a coded event and a column (or three) per requirement.
* medications: :func:`medications_table` reads the prescriptions on or before ``as_of`` **once** and makes
  ``flags_medications``, one row per patient with a prescription and a column per requirement.

Event requirements (windows are half-open, as in :mod:`.codes`: ``since < date <= as_of``; ``since`` None:
any time on or before ``as_of``):

* :class:`Flag` (``codes.Flag``): a code of the codelists ``keys`` recorded: boolean.
* :class:`DistinctKeys`: how many of the codelists ``keys`` have a code recorded: int (eFI deficit groups).
* :class:`LatestDate`: the date of the latest code of codelist ``key``: date.
* :class:`LatestValue`: the latest non-null value of codelist ``key`` (on the same day, the highest): double.
* :class:`LastValues`: the last ``count`` non-null values of codelist ``key`` (latest first; the same day in
  descending value): ``<name>_mean``, ``<name>_sd`` (sample) and ``<name>_count``.
* :class:`Smoking`: the smoking status and amount encoding of QRISK3 (:func:`.qrisk3.smoking_category`):
  ``<name>_status`` (the max of ``yyyymmdd * 10 + status``, status 3 current, 2 ex, 1 never),
  ``<name>_amount`` (the max of ``yyyymmdd * 10 + amount category`` of the amount codes among the smoking
  codes) and ``<name>_ever`` (a current or ex record).

Medication requirements: :class:`MedicationFlag` (``codes.MedicationFlag``: a prescription of the BNF lists
``keys``, repeat only unless ``repeat`` is false): boolean; :class:`DistinctMedicines`: distinct dm+d
products (``medications.code``) issued: int; :class:`DistinctClasses`: distinct drug classes (the first
``characters`` of the BNF code) issued: int.

Every column is null for a patient without a row; each step fills its own defaults.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Union

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.engines import memtable
from pcnhub.analytics.pipeline.codes import Flag, MedicationFlag, _codelist_rows, bnf_match, date

__all__ = [
    "DistinctClasses", "DistinctKeys", "DistinctMedicines", "Flag", "LastValues", "LatestDate", "LatestValue",
    "MedicationFlag", "Smoking", "coded_stream", "events_table", "medications_table", "requirements",
    "union_table",
]


@dataclass(frozen=True)
class DistinctKeys:
    """How many of the codelists ``keys`` have a code recorded on or before as_of."""

    keys: tuple[str, ...]


@dataclass(frozen=True)
class LatestDate:
    """The date of the latest code of codelist ``key`` on or before as_of."""

    key: str


@dataclass(frozen=True)
class LatestValue:
    """The latest non-null value of codelist ``key`` after ``since`` (the highest of that day)."""

    key: str
    since: dt.date | None = None


@dataclass(frozen=True)
class LastValues:
    """Mean, sample standard deviation and number of the last ``count`` non-null values of ``key`` after
    ``since`` (latest first; readings of the same day in descending value)."""

    key: str
    count: int
    since: dt.date | None = None


#: Smoking amount categories (QRISK3's: 2 light, 3 moderate, 4 heavy).
LIGHT, MODERATE, HEAVY = 2, 3, 4


@dataclass(frozen=True)
class Smoking:
    """The latest smoking status and amount: ``current``, ``ex``, ``never`` codelists; ``amounts``: codes with
    a fixed amount category; ``cigarettes``: the code whose value is cigarettes a day (under 10 light, 10-19
    moderate, 20 or more heavy).  Amount codes count only when they are codes of the smoking codelists."""

    current: str
    ex: str
    never: str
    amounts: tuple[tuple[str, int], ...]
    cigarettes: str


@dataclass(frozen=True)
class DistinctMedicines:
    """Distinct dm+d products (``medications.code``) issued after ``since``; ``repeat``: repeat issues only."""

    since: dt.date | None
    repeat: bool = True


@dataclass(frozen=True)
class DistinctClasses:
    """Distinct drug classes (the first ``characters`` of the BNF code) issued after ``since``, repeat or acute."""

    since: dt.date | None
    characters: int = 9


EventRequirement = Union[Flag, DistinctKeys, LatestDate, LatestValue, LastValues, Smoking]
MedicationRequirement = Union[MedicationFlag, DistinctMedicines, DistinctClasses]
Requirement = Union[EventRequirement, MedicationRequirement]
EVENT_KINDS: Final = (Flag, DistinctKeys, LatestDate, LatestValue, LastValues, Smoking)
MEDICATION_KINDS: Final = (MedicationFlag, DistinctMedicines, DistinctClasses)


def requirements(*declared: Mapping[str, Requirement]) -> dict[str, Requirement]:
    """The requirements of several steps in one mapping; a name declared twice must be the same requirement."""
    merged: dict[str, Requirement] = {}
    for needs in declared:
        for name, need in needs.items():
            if name in merged and merged[name] != need:
                raise ValueError(f"requirement {name!r} declared twice, differently: {merged[name]} and {need}")
            merged[name] = need
    return merged


def event_requirements(needs: Mapping[str, Requirement]) -> dict[str, EventRequirement]:
    return {name: need for name, need in needs.items() if isinstance(need, EVENT_KINDS)}


def medication_requirements(needs: Mapping[str, Requirement]) -> dict[str, MedicationRequirement]:
    return {name: need for name, need in needs.items() if isinstance(need, MEDICATION_KINDS)}


# --- events ---------------------------------------------------------------------------------------------------


def _keys_of(need: EventRequirement) -> tuple[str, ...]:
    if isinstance(need, (Flag, DistinctKeys)):
        return tuple(need.keys)
    if isinstance(need, Smoking):
        return (need.current, need.ex, need.never)
    return (need.key,)


def _amount_key(name: str, category: int) -> str:
    return f"{name}#amount-{category}"


def _cigarettes_key(name: str) -> str:
    return f"{name}#cigarettes"


@functools.cache
def _union_rows(needs: tuple[tuple[str, EventRequirement], ...]) -> tuple[tuple[str, str], ...]:
    """``(code, key)`` rows of every codelist the requirements use, and the smoking amount pseudo-codelists."""
    keys = sorted({key for _, need in needs for key in _keys_of(need)})
    rows = set(_codelist_rows(tuple(keys)))
    for name, need in needs:
        if isinstance(need, Smoking):
            smoking = {code for code, key in _codelist_rows((need.current, need.ex, need.never))}
            rows.update((code, _amount_key(name, category)) for code, category in need.amounts if code in smoking)
            if need.cigarettes in smoking:
                rows.add((need.cigarettes, _cigarettes_key(name)))
    return tuple(sorted(rows))


def _frozen(needs: Mapping[str, EventRequirement]) -> tuple[tuple[str, EventRequirement], ...]:
    return tuple(sorted(event_requirements(needs).items()))


def key_ids(needs: Mapping[str, Requirement]) -> dict[str, int]:
    """The integer id of each codelist (and pseudo-codelist) of the union table, in key order."""
    keys = sorted({key for _, key in _union_rows(_frozen(needs))})
    return {key: number for number, key in enumerate(keys)}


def union_table(needs: Mapping[str, Requirement]) -> ir.Table:
    """``(code string, key_id int32)``: every code of every codelist of the event requirements, with its id."""
    ids = key_ids(needs)
    rows = _union_rows(_frozen(needs))
    return memtable({"code": [code for code, _ in rows], "key_id": [ids[key] for _, key in rows]},
                    {"code": "string", "key_id": "int32"})


def coded_stream(events: ir.Table, needs: Mapping[str, Requirement], as_of: dt.date) -> ir.Table:
    """The one join of ``events``: ``patient_id, key_id, date, value`` of the events on or before ``as_of``
    with a code of a codelist the requirements use (a row per event and codelist)."""
    lists = union_table(needs)
    recent = events.filter(events.date <= date(as_of))
    joined = recent.join(lists, recent.code == lists.code)
    return joined.select(joined.patient_id, joined.key_id, joined.date, joined.value)


def _yyyymmdd(day: ir.DateValue) -> ir.IntegerValue:
    return day.year().cast("int64") * 10000 + day.month().cast("int64") * 100 + day.day().cast("int64")


def _in(coded: ir.Table, ids: Mapping[str, int], keys: Iterable[str]) -> ir.BooleanValue:
    wanted = sorted(ids[key] for key in keys if key in ids)
    if not wanted:
        return ibis.literal(False)
    return coded.key_id == wanted[0] if len(wanted) == 1 else coded.key_id.isin(wanted)


def _aggregates(coded: ir.Table, name: str, need: EventRequirement, ids: Mapping[str, int]) -> dict[str, ir.Value]:
    if isinstance(need, Flag):
        condition = _in(coded, ids, need.keys)
        if need.since is not None:
            condition = condition & (coded.date > date(need.since))
        return {name: condition.any()}
    if isinstance(need, DistinctKeys):
        return {name: ibis.ifelse(_in(coded, ids, need.keys), coded.key_id, ibis.null("int32")).nunique()}
    if isinstance(need, LatestDate):
        return {name: ibis.ifelse(_in(coded, ids, (need.key,)), coded.date, ibis.null("date")).max()}
    if isinstance(need, Smoking):
        status = ibis.cases(
            (_in(coded, ids, (need.current,)), 3), (_in(coded, ids, (need.ex,)), 2),
            (_in(coded, ids, (need.never,)), 1), else_=0,
        )
        categories = sorted({category for _, category in need.amounts})
        cigarettes = _in(coded, ids, (_cigarettes_key(name),))
        amount = ibis.cases(
            *[(_in(coded, ids, (_amount_key(name, category),)), category) for category in categories],
            (cigarettes & (coded.value > 0) & (coded.value < 10), LIGHT),
            (cigarettes & (coded.value >= 10) & (coded.value < 20), MODERATE),
            (cigarettes & (coded.value >= 20), HEAVY),
            else_=0,
        )
        day = _yyyymmdd(coded.date)
        return {
            f"{name}_status": ibis.ifelse(status > 0, day * 10 + status, ibis.null("int64")).max(),
            f"{name}_amount": ibis.ifelse(amount > 0, day * 10 + amount, ibis.null("int64")).max(),
            f"{name}_ever": (status >= 2).any(),
        }
    raise TypeError(f"not an aggregate requirement: {need!r}")


def _ordered(coded: ir.Table, name: str, need: LatestValue | LastValues, ids: Mapping[str, int]) -> ir.Table:
    rows = coded.filter((coded.key_id == ids[need.key]) & coded.value.notnull())
    if need.since is not None:
        rows = rows.filter(rows.date > date(need.since))
    order = ibis.row_number().over(group_by=rows.patient_id, order_by=[rows.date.desc(), rows.value.desc()])
    ranked = rows.mutate(_n=order)
    if isinstance(need, LatestValue):
        return ranked.filter(ranked._n == 0).select("patient_id", ranked.value.name(name))
    last = ranked.filter(ranked._n < need.count)
    return last.group_by("patient_id").aggregate(**{
        f"{name}_mean": last.value.mean(), f"{name}_sd": last.value.std(how="sample"),
        f"{name}_count": last.value.count(),
    })


def events_table(coded: ir.Table, needs: Mapping[str, Requirement]) -> ir.Table:
    """``flags_events``: one row per patient of the coded stream (:func:`coded_stream`, read from where it
    was materialised) with the columns of every event requirement."""
    needs = event_requirements(needs)
    ids = key_ids(needs)
    columns: dict[str, ir.Value] = {}
    ordered = []
    for name, need in needs.items():
        if isinstance(need, (LatestValue, LastValues)):
            ordered.append((name, need))
        else:
            columns.update(_aggregates(coded, name, need, ids))
    table = coded.group_by("patient_id").aggregate(**columns) if columns else coded.select("patient_id").distinct()
    for name, need in ordered:
        values = _ordered(coded, name, need, ids)
        joined = table.left_join(values, "patient_id")
        table = joined.select(*[joined[c] for c in table.columns], *[joined[c] for c in values.columns
                                                                     if c != "patient_id"])
    return table


# --- medications ----------------------------------------------------------------------------------------------


def medications_table(medications: ir.Table, needs: Mapping[str, Requirement], as_of: dt.date) -> ir.Table:
    """``flags_medications``: one row per patient with a prescription in the widest window of the
    requirements (on or before ``as_of``) and a column per medication requirement, in one pass."""
    needs = medication_requirements(needs)
    issued = medications.filter(medications.date <= date(as_of))
    starts = [need.since for need in needs.values()]
    if starts and all(start is not None for start in starts):
        issued = issued.filter(issued.date > date(min(starts)))
    columns: dict[str, ir.Value] = {}
    for name, need in needs.items():
        condition = ibis.literal(True)
        if need.since is not None:
            condition = issued.date > date(need.since)
        if isinstance(need, MedicationFlag):
            condition = condition & bnf_match(issued.bnf_code, need.keys)
            if need.repeat:
                condition = condition & issued.repeat
            columns[name] = condition.any()
        elif isinstance(need, DistinctMedicines):
            if need.repeat:
                condition = condition & issued.repeat
            columns[name] = ibis.ifelse(condition, issued.code, ibis.null("string")).nunique()
        else:
            classes = issued.bnf_code.substr(0, need.characters)
            columns[name] = ibis.ifelse(condition, classes, ibis.null("string")).nunique()
    return issued.group_by("patient_id").aggregate(**columns)

