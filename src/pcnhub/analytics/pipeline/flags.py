"""One pass over ``events`` and one over ``medications``: what every step needs from them, per patient.

Each step that reads the record declares what it needs as data, a function ``needs(as_of)`` of its module
returning ``{name: requirement}``; :func:`requirements` merges them (a name two steps declare must be the
same requirement) and the pipeline computes them all at once:

* events: :func:`coded_stream` joins the events on or before ``as_of`` **once** to :func:`union_table`, one
  row per code of every codelist any requirement uses, with int64 bitmasks saying which requirements the
  code serves (:func:`layout`: a bit per flag, per codelist of a distinct count, per codelist of the other
  requirements, packed into as few mask columns as hold them whatever their windows).  Each row's masks keep
  only the bits of the windows its date is in (one ``CASE`` on the date a column), and rows left with no bit
  are dropped.  The result, ``patient_id, date, value`` and the masks, is the narrow coded stream (kept once by
  the pipeline); :func:`events_table` makes from it ``flags_events``, one row per patient with a coded event and
  a column (or three) per requirement: the flags and counts from the plain bitwise or of each mask column (no
  window left to filter by), the ordered values from the rows of their codelist.
* medications: :func:`medications_table` reads the prescriptions on or before ``as_of`` **once** and makes
  ``flags_medications``, one row per patient with a prescription some requirement uses and a column per
  requirement.

Event requirements (windows are half-open, as in :mod:`.codes`: ``since < date <= as_of``; ``since`` None:
any time on or before ``as_of``):

* :class:`Flag` (``codes.Flag``): a code of the codelists ``keys`` recorded: boolean.
* :class:`DistinctKeys`: how many of the codelists ``keys`` have a code recorded: int (eFI deficit groups).
* :class:`LatestDate`: the date of the latest code of codelist ``key``: date.
* :class:`LatestValue`: the latest non-null value of codelist ``key`` (on the same day, the highest): double.
* :class:`LastValues`: the last ``count`` non-null values of codelist ``key`` (latest first; the same day in
  descending value): ``<name>_mean``, ``<name>_sd`` (sample) and ``<name>_count``, added up in that order
  (the standard deviation by Welford's update), so that every engine and run gives the same bits.
* :class:`Smoking`: the smoking status and amount encoding QRISK3 reads (``qrisk3.smoking_category``):
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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Union

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.engines import memtable
from pcnhub.analytics.pipeline.codes import Flag, MedicationFlag, _codelist_rows, bnf_match, date

__all__ = [
    "DistinctClasses", "DistinctKeys", "DistinctMedicines", "Flag", "LastValues", "LatestDate", "LatestValue",
    "MedicationFlag", "Smoking", "coded_stream", "events_table", "medications_table", "requirements",
    "stream_reads", "union_table",
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

#: Bits used of each int64 mask column (the sign bit is left alone).
WORD_BITS: Final = 62


def _labels(name: str, need: EventRequirement) -> list[tuple[tuple, dt.date | None, frozenset[str]]]:
    """The bits a requirement needs: ``(label, since, codes)``; a flag has one bit in its window's masks, a
    distinct count one bit per codelist, the others a membership bit (windows applied to the rows)."""
    def codes(*keys: str) -> frozenset[str]:
        return frozenset(code for code, _ in _codelist_rows(tuple(sorted(set(keys)))))

    if isinstance(need, Flag):
        return [((name,), need.since, codes(*need.keys))]
    if isinstance(need, DistinctKeys):
        return [((name, key), None, codes(key)) for key in sorted(set(need.keys))]
    if isinstance(need, Smoking):
        smoking = codes(need.current, need.ex, need.never)
        bits = [((name, status), None, codes(key))
                for status, key in (("current", need.current), ("ex", need.ex), ("never", need.never))]
        for category in sorted({category for _, category in need.amounts}):
            amount = frozenset(code for code, c in need.amounts if c == category) & smoking
            bits.append(((name, "amount", category), None, amount))
        bits.append(((name, "cigarettes"), None, frozenset({need.cigarettes}) & smoking))
        return bits
    return [((name,), None, codes(need.key))]


Windows = dict[dt.date | None, int]


@functools.cache
def _layout_of(needs: tuple[tuple[str, EventRequirement], ...]) -> tuple[
        dict[tuple, tuple[str, int]], dict[str, Windows], dict[str, dict[str, int]]]:
    bits = [bit for name, need in needs for bit in _labels(name, need)]
    places: dict[tuple, tuple[str, int]] = {}
    columns: dict[str, Windows] = {}
    masks: dict[str, dict[str, int]] = {}
    for index, (label, since, codes) in enumerate(bits):
        column, bit = f"m{index // WORD_BITS}", 1 << (index % WORD_BITS)
        places[label] = (column, index % WORD_BITS)
        windows = columns.setdefault(column, {})
        windows[since] = windows.get(since, 0) | bit
        for code in codes:
            row = masks.setdefault(code, {})
            row[column] = row.get(column, 0) | bit
    return places, columns, masks


def layout(needs: Mapping[str, Requirement]) -> tuple[dict[tuple, tuple[str, int]], dict[str, Windows]]:
    """Where each bit is: ``{label: (mask column, bit)}`` (labels ``(name,)``; a distinct count's ``(name, key)``;
    smoking's ``(name, "current")``, ..., ``(name, "amount", category)``, ``(name, "cigarettes")``) and the mask
    columns with the bits of each window start: ``{column: {since: bits}}`` (``since`` None: any time)."""
    places, columns, _ = _layout_of(_frozen(needs))
    return places, columns


def _frozen(needs: Mapping[str, Requirement]) -> tuple[tuple[str, EventRequirement], ...]:
    return tuple(sorted(event_requirements(needs).items()))


def union_table(needs: Mapping[str, Requirement]) -> ir.Table:
    """``(code string, m0 int64, ...)``: one row per code of any codelist of the event requirements, with the
    bitmasks of the requirements it serves (a code in two codelists, or serving two requirements, has the bits
    of each)."""
    _, columns, masks = _layout_of(_frozen(needs))
    codes = sorted(masks)
    data = {"code": codes, **{column: [masks[code].get(column, 0) for code in codes] for column in columns}}
    return memtable(data, {"code": "string", **{column: "int64" for column in columns}})


def coded_stream(events: ir.Table, needs: Mapping[str, Requirement], as_of: dt.date) -> ir.Table:
    """The one join of ``events``: ``patient_id, date, value`` and the mask columns of the events on or before
    ``as_of`` with a code a requirement uses (one row per event), each mask keeping only the bits of the windows
    the event's date is in; events left with no bit are dropped."""
    lists = union_table(needs)
    _, columns = layout(needs)
    recent = events.filter(events.date <= date(as_of))
    joined = recent.join(lists, recent.code == lists.code)
    masks = {column: _in_window(joined[column], joined.date, windows) for column, windows in columns.items()}
    coded = joined.select(joined.patient_id, joined.date, joined.value, **masks)
    if any(since is not None for windows in columns.values() for since in windows):
        coded = coded.filter(ibis.or_(*[coded[column] != 0 for column in columns]))
    return coded


def _in_window(mask: ir.IntegerValue, day: ir.DateValue, windows: Windows) -> ir.IntegerValue:
    """``mask`` with only the bits whose window (``since < day``; None: any time) holds ``day``."""
    starts = sorted((since for since in windows if since is not None), reverse=True)
    if not starts:
        return mask
    every = functools.reduce(lambda a, b: a | b, windows.values())
    cases, open_bits = [], every
    for since in starts:  # the latest start first: a day after it is in every window
        cases.append((day > date(since), ibis.literal(open_bits, "int64")))
        open_bits &= ~windows[since]
    return mask & ibis.cases(*cases, else_=ibis.literal(open_bits, "int64"))


def stream_reads(needs: Mapping[str, Requirement]) -> int:
    """How many times :func:`events_table` reads the coded stream: once for every flag, count, date and smoking
    status, and once more for each latest value and last values (ranked on their own rows).  Read more than
    once, the stream is worth keeping (computed once); read once, it is better left inside the one query."""
    return 1 + sum(isinstance(need, (LatestValue, LastValues)) for need in event_requirements(needs).values())


def _yyyymmdd(day: ir.DateValue) -> ir.IntegerValue:
    return day.year().cast("int64") * 10000 + day.month().cast("int64") * 100 + day.day().cast("int64")


def _has(table: ir.Table, place: tuple[str, int]) -> ir.BooleanValue:
    column, bit = place
    return (table[column].fill_null(0) & (1 << bit)) != 0


def _smoking(coded: ir.Table, name: str, need: Smoking, places: Mapping[tuple, tuple[str, int]]) -> dict:
    def has(*label) -> ir.BooleanValue:
        return _has(coded, places[(name, *label)])

    status = ibis.cases((has("current"), 3), (has("ex"), 2), (has("never"), 1), else_=0)
    categories = sorted({category for _, category in need.amounts})
    cigarettes = has("cigarettes")
    amount = ibis.cases(
        *[(has("amount", category), category) for category in categories],
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


def _ordered(coded: ir.Table, name: str, need: LatestValue | LastValues, place: tuple[str, int]) -> ir.Table:
    rows = coded.filter(_has(coded, place) & coded.value.notnull())
    if need.since is not None:
        rows = rows.filter(rows.date > date(need.since))
    order = ibis.row_number().over(group_by=rows.patient_id, order_by=[rows.date.desc(), rows.value.desc()])
    ranked = rows.mutate(_n=order)
    if isinstance(need, LatestValue):
        return ranked.filter(ranked._n == 0).select("patient_id", ranked.value.name(name))
    last = ranked.filter(ranked._n < need.count)
    values = last.group_by("patient_id").aggregate(
        _c=last.value.count(), **{f"_v{k}": last.value.max(where=last._n == k) for k in range(need.count)}
    )
    return _mean_sd(values, name, need.count)


def _mean_sd(values: ir.Table, name: str, count: int) -> ir.Table:
    """The mean and sample standard deviation of ``_v0``, ``_v1``, ... (latest first; nulls after the last),
    computed in that order, with the update of Welford's algorithm (DuckDB's ``stddev_samp``): the same bits
    on every engine and in every run, whatever order an aggregate would have met the rows in."""
    total, mean, squares = ibis.literal(0.0), ibis.literal(0.0), ibis.literal(0.0)
    for k in range(count):
        x = values[f"_v{k}"]
        moved = mean + (x - mean) / (k + 1)
        squares = ibis.ifelse(x.isnull(), squares, squares + (x - moved) * (x - mean))
        total = ibis.ifelse(x.isnull(), total, total + x)
        mean = ibis.ifelse(x.isnull(), mean, moved)
        values = values.mutate(_t=total, _m=mean, _s=squares)
        total, mean, squares = values._t, values._m, values._s
    n = values._c
    return values.select(
        "patient_id",
        **{f"{name}_mean": ibis.ifelse(n > 0, total / n.cast("float64"), ibis.null("float64")),
           f"{name}_sd": ibis.ifelse(n > 1, (squares / (n - 1).cast("float64")).sqrt(), ibis.null("float64")),
           f"{name}_count": n},
    )


def events_table(coded: ir.Table, needs: Mapping[str, Requirement]) -> ir.Table:
    """``flags_events``: one row per patient of the coded stream (:func:`coded_stream`, kept as a table when
    read more than once: :func:`stream_reads`) with the columns of every event requirement.

    The flags and distinct counts come from one aggregate, the bitwise or of each mask column (the stream's
    masks hold only the bits of the windows each row is in); latest dates and smoking are aggregates of the same
    pass; latest values and last values are ranked on the rows of their codelist only."""
    needs = event_requirements(needs)
    places, columns = layout(needs)
    aggregates: dict[str, ir.Value] = {column: coded[column].bit_or() for column in columns}
    for name, need in needs.items():
        if isinstance(need, LatestDate):
            aggregates[name] = coded.date.max(where=_has(coded, places[(name,)]))
        elif isinstance(need, Smoking):
            aggregates.update(_smoking(coded, name, need, places))
    masks = coded.group_by("patient_id").aggregate(**aggregates)
    selected: dict[str, ir.Value] = {}
    for name, need in needs.items():
        if isinstance(need, Flag):
            selected[name] = _has(masks, places[(name,)])
        elif isinstance(need, DistinctKeys):
            counts = [_has(masks, places[(name, key)]).cast("int32") for key in sorted(set(need.keys))]
            selected[name] = functools.reduce(lambda a, b: a + b, counts).cast("int32")
        elif isinstance(need, LatestDate):
            selected[name] = masks[name]
        elif isinstance(need, Smoking):
            selected.update({f"{name}_{part}": masks[f"{name}_{part}"] for part in ("status", "amount", "ever")})
    table = masks.select("patient_id", **selected)
    for name, need in needs.items():
        if isinstance(need, (LatestValue, LastValues)):
            values = _ordered(coded, name, need, places[(name,)])
            joined = table.left_join(values, "patient_id")
            table = joined.select(*[joined[c] for c in table.columns],
                                  *[joined[c] for c in values.columns if c != "patient_id"])
    return table


# --- medications ----------------------------------------------------------------------------------------------


def medications_table(medications: ir.Table, needs: Mapping[str, Requirement], as_of: dt.date) -> ir.Table:
    """``flags_medications``: one row per patient with a prescription some requirement uses (on or before
    ``as_of``) and a column per medication requirement, in one pass.

    The prescriptions are first folded into each patient's products (``code`` and ``bnf_code``) with the date of
    the latest issue and of the latest repeat issue: a product issued after a window's start is one whose latest
    issue is after it, so every requirement is then decided on the products (a few per patient, not every
    issue) and the BNF codelists are matched once a product, not once an issue."""
    needs = medication_requirements(needs)
    issued = medications.filter(medications.date <= date(as_of))
    # only the rows some requirement can use: those in the widest window, and before it the rows of the
    # requirements without a window (e.g. a drug ever prescribed), so that the other conditions are
    # evaluated on the recent rows only
    starts = [need.since for need in needs.values() if need.since is not None]
    ever = [need for need in needs.values() if need.since is None]
    if starts and not any(not isinstance(need, MedicationFlag) for need in ever):
        keep = issued.date > date(min(starts))
        for need in ever:
            match = bnf_match(issued.bnf_code, need.keys)
            keep = keep | ((match & issued.repeat) if need.repeat else match)
        issued = issued.filter(keep)
    products = issued.group_by("patient_id", "code", "bnf_code").aggregate(
        _last=issued.date.max(), _last_repeat=issued.date.max(where=issued.repeat))
    columns: dict[str, ir.Value] = {}
    for name, need in needs.items():
        repeat_only = need.repeat if isinstance(need, (MedicationFlag, DistinctMedicines)) else False
        last = products._last_repeat if repeat_only else products._last
        condition = last.notnull() if need.since is None else (last > date(need.since)).fill_null(False)
        if isinstance(need, MedicationFlag):
            columns[name] = (condition & bnf_match(products.bnf_code, need.keys).fill_null(False)).any()
        elif isinstance(need, DistinctMedicines):
            columns[name] = ibis.ifelse(condition, products.code, ibis.null("string")).nunique()
        else:
            classes = products.bnf_code.substr(0, need.characters)
            columns[name] = ibis.ifelse(condition, classes, ibis.null("string")).nunique()
    return products.group_by("patient_id").aggregate(**columns)
