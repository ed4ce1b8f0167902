"""A measure definition (:mod:`pcnhub.reference.measures`) compiled to one Ibis expression per measure.

:func:`months` lists the months measured; :func:`patient_months` is the base every measure stands on:
one row per patient registered on the last day of each month (``patient_id, practice_code, month,
month_index, age, age_months, sex, care_home``); :func:`practice_counts` compiles a definition to
``measure, practice_code, month, numerator, denominator, counted`` (numerator float64: a count or a sum;
denominator float64: a count, or a weighted sum; counted int64: the patients or rows behind the denominator,
for disclosure control), the ratio of sums' parts for each practice and month.

A weighted denominator (``weight = "<key>"``) adds each patient's weight from a table of age bands by sex
(:mod:`pcnhub.reference.weights`), given to :func:`practice_counts` as a small table (:func:`weight_table`);
a hospital side's ``diagnoses`` keeps the rows whose ICD-10 primary diagnosis starts with a code of the lists.

Conditions that look at other tables (events, prescriptions, latest values, distinct medicines) become
tables of the patient-months where they hold, left-joined to the base, from the events and prescriptions the
measures need, matched in one pass of each (:mod:`.requirements`), not from the big tables; windows are computed
in Python per month (:func:`pcnhub.analytics.pipeline.codes.months_before`) so that every engine gets the same
date literals.  Windows are half-open as in the pipeline: "within N months" of a month ending ``end``
is ``months_before(end, N) < date <= end``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.engines import memtable
from pcnhub.analytics.measures import requirements
from pcnhub.analytics.measures.requirements import effective_numerator
from pcnhub.analytics.pipeline.codes import bnf_match, icd10_match, months_before
from pcnhub.analytics.pipeline.portable import exact_sum, from_fixed, to_fixed
from pcnhub.reference.measures import Condition, Count, Measure, Preceded
from pcnhub.reference.weights import WeightRow

#: Conditions that look at another table (the rest are columns of the base).
TABLE_CONDITIONS: Final = ("events", "medications", "latest_value", "distinct_medicines")
#: 1 and 0 as doubles on every engine (a literal 1.0 is a DECIMAL on DuckDB, and Ibis writes no cast for it).
_ONE: Final = ibis.literal(1).cast("float64")
_ZERO: Final = ibis.literal(0).cast("float64")
#: The upper age of a weights table's open top band, in :func:`weight_table` (no one is this old).
_OPEN_AGE: Final = 1_000


@dataclass(frozen=True)
class Month:
    start: dt.date
    end: dt.date

    @property
    def index(self) -> int:
        return self.start.year * 12 + self.start.month - 1


def months(as_of: dt.date, count: int) -> list[Month]:
    """The ``count`` whole months ending with the last one complete on ``as_of`` (oldest first)."""
    if count < 1:
        raise ValueError("the number of months must be 1 or more")
    last_day = calendar.monthrange(as_of.year, as_of.month)[1]
    index = as_of.year * 12 + as_of.month - 1 - (0 if as_of.day == last_day else 1)
    found = []
    for i in range(index - count + 1, index + 1):
        year, month = divmod(i, 12)
        start = dt.date(year, month + 1, 1)
        found.append(Month(start, dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])))
    return found


def month_table(periods: list[Month]) -> ir.Table:
    """``month, month_end, month_index`` (months since year 0): the months as a small table."""
    return memtable(
        {"month": [m.start for m in periods], "month_end": [m.end for m in periods],
         "month_index": [m.index for m in periods]},
        {"month": "date", "month_end": "date", "month_index": "int64"},
    )


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _window_pairs(periods: list[Month], within: int | None) -> ir.Table:
    """``_i, month, _lo, _hi``: for each calendar month ``_i`` (months since year 0) of a date, the months
    measured whose window may hold it, with that window (``_lo`` null: ever).  A date of month ``i`` is in
    the window of month ``m`` only for ``i <= m <= i + N`` (``m = i + N`` through the day a month earlier
    is clamped to: the window of 30 June starts after 30 December), so rows are matched to their months by
    an equi-join on ``_i`` (then the dates tested), not by a range join: DuckDB answers a range join with a
    sort-merge join, several times slower.  ``within`` None: every month from the date's on (dates before
    the first month measured are given its index, :func:`_in_window`)."""
    first, last = periods[0].index, periods[-1].index
    by_index = {m.index: m for m in periods}
    pairs: list[tuple[int, Month]] = []
    for i in range(first if within is None else first - within, last + 1):
        reach = last if within is None else min(last, i + within)
        pairs.extend((i, by_index[m]) for m in range(max(i, first), reach + 1))
    return memtable(
        {"_i": [i for i, _ in pairs], "month": [m.start for _, m in pairs], "_mi": [m.index for _, m in pairs],
         "_lo": [None if within is None else months_before(m.end, within) for _, m in pairs],
         "_hi": [m.end for _, m in pairs]},
        {"_i": "int64", "month": "date", "_mi": "int64", "_lo": "date", "_hi": "date"},
    )


def _index_of(day: ir.DateValue, periods: list[Month], within: int | None) -> ir.IntegerValue:
    """The calendar month of ``day`` as :func:`_window_pairs` pairs it (before the first month measured: the
    first, when ``within`` is None)."""
    index = _month_number(day)
    return ibis.greatest(index, ibis.literal(periods[0].index, "int64")) if within is None else index


def _in_window(rows: ir.Table, date: str, periods: list[Month], within: int | None) -> ir.Table:
    """``rows`` with a ``month`` column: a row for each month whose window holds ``rows[date]`` (a row may
    fall in several), by :func:`_window_pairs`."""
    joined = rows.mutate(_i=_index_of(rows[date], periods, within)).join(_window_pairs(periods, within), "_i")
    held = joined[date] <= joined._hi
    if within is not None:
        held = held & (joined[date] > joined._lo)
    return joined.filter(held).drop("_i", "_mi", "_lo", "_hi")


def _until_next(rows: ir.Table, periods: list[Month], within: int | None, date: str | None = None,
                key: str = "patient_id") -> ir.Table:
    """``rows`` (``patient_id`` or another ``key``, ``_i``: a calendar month, and more) with a ``month``
    column: each row for the months from its own up to the patient's next row's (excluded), and within the
    window of ``within`` months of its ``date`` when given (see :func:`_window_pairs`; rows ordered by
    ``date``, else by ``_i``, unique for a patient; rows of one date in any order when only one is needed).  Of a patient's rows of one calendar month only the last
    spans any month, so the result has a row per patient-month and nothing needs grouping afterwards: the
    latest row of a month's window is the one whose span holds the month."""
    following = rows._i.lead().over(ibis.window(group_by=key, order_by=date or "_i"))
    spans = rows.mutate(_next=following)
    joined = spans.join(_window_pairs(periods, within), "_i")
    held = joined._next.isnull() | (joined._mi < joined._next)
    if date is not None:
        held = held & (joined[date] <= joined._hi)
        if within is not None:
            held = held & (joined[date] > joined._lo)
    return joined.filter(held).drop("_i", "_mi", "_lo", "_hi", "_next")


def patient_months(patients: ir.Table, periods: list[Month]) -> ir.Table:
    """One row per patient registered on the last day of each month, with age (whole years) on that day."""
    months = month_table(periods).select("month", "month_index")
    return _registered(registration(patients).cross_join(months))


def _month_number(day: ir.DateValue) -> ir.IntegerValue:
    """The calendar month of ``day`` as months since year 0 (:class:`Month`'s ``index``)."""
    return (day.year() * 12 + day.month() - 1).cast("int64")


#: The columns :func:`registration` adds (or finds, in a table it made that was kept).
_REGISTRATION: Final = ("_born", "_from", "_to")


def registration(patients: ir.Table) -> ir.Table:
    """``patients`` with the months (:func:`_month_number`) whose last day they are registered on: from
    ``_from`` (the month of registering: registered by its last day) to ``_to`` (the month of leaving if
    they leave on its last day, else the month before; null while registered), born in month ``_born``.
    A table that has them already is returned as it is: a run keeps (writes once) its patients with them and
    gives that as the ``patients`` table, so that each side reads three month numbers instead of working them
    out from three dates of every patient again (37 times at 1,000,000 patients)."""
    if all(c in patients.columns for c in _REGISTRATION):
        return patients
    left = patients.registered_to
    last_day = (left + ibis.interval(days=1)).month() != left.month()
    return patients.mutate(_born=_month_number(patients.birth_month), _from=_month_number(patients.registered_from),
                           _to=_month_number(left) - ibis.ifelse(last_day, 0, 1))


def _registered(joined: ir.Table, *keep: str) -> ir.Table:
    """The rows of ``joined`` (:func:`registration`'s columns and a ``month, month_index``) whose patient is
    registered on the month's last day, as :func:`patient_months`'s columns (and ``keep``).  Compared as
    month numbers, computed once a patient, not as dates a row (the month's last day of 12.6 million
    prescriptions at 1,000,000 patients: 0.3 s a side)."""
    at = joined.month_index
    registered = (joined._from <= at) & (joined._to.isnull() | (at <= joined._to)) & (joined._born <= at)
    rows = joined.filter(registered)
    age_months = rows.month_index - rows._born
    return rows.select(
        "patient_id", "practice_code", "month", "month_index", age=(age_months // 12).cast("int64"),
        age_months=age_months, sex=rows.sex, care_home=rows.care_home, *keep,
    )


def registered_on(rows: ir.Table, patients: ir.Table, periods: list[Month]) -> ir.Table:
    """``rows`` (``patient_id, month`` and more) whose patient is registered at the month's end, with the columns
    of :func:`patient_months`: the registered patient-months of a few rows without building every patient's."""
    extra = [c for c in rows.columns if c not in ("patient_id", "month")]
    # the month's index from the month itself, not by joining the months table: with that join in the query,
    # DuckDB's join order builds every patient's registered months (patients x months, a range join) and joins
    # the rows to them (1.8 s a side at 1,000,000 patients, instead of a join on patient_id)
    with_month = rows.mutate(month_index=_month_number(rows.month))
    joined = with_month.join(registration(patients), "patient_id")
    return _registered(joined, *extra)


# --- conditions ----------------------------------------------------------------------------------------


def latest_values(codelist: str, within: int | None, tables: dict[str, ir.Table], periods: list[Month]) -> ir.Table:
    """``patient_id, month, value``: the latest value of the codelist in each month's window (the highest of
    that day), by two group-bys (a day's highest, then the latest day's) rather than a window function."""
    coded = requirements.coded(tables, (codelist,)).select("patient_id", "date", "value")
    coded = _dated(coded.filter(coded.value.notnull()), periods, within)
    daily = coded.group_by("patient_id", "date").aggregate(value=coded.value.max())
    # each day's reading is the latest from its month until the month of the patient's next reading
    daily = daily.mutate(_i=_index_of(daily.date, periods, within))
    return _until_next(daily, periods, within, "date").select("patient_id", "month", "value")


def _dated(rows: ir.Table, periods: list[Month], within: int | None) -> ir.Table:
    """``rows`` dated on or before the last month's end (and, with ``within``, after the first window's start)."""
    rows = rows.filter(rows.date <= periods[-1].end)
    if within is not None:
        rows = rows.filter(rows.date > months_before(periods[0].end, within))
    return rows


def _condition_rows(condition: Condition, tables: dict[str, ir.Table], periods: list[Month]) -> ir.Table:
    """The records an ``events`` or ``medications`` condition looks at, dated within its windows
    (:func:`_dated`): ``patient_id, date, key`` (the codelist of each code, the resolving one included) for
    codes, ``patient_id, date`` for prescriptions (of the BNF lists; repeats only if asked)."""
    if condition.kind == "events":
        keys = condition.codelists + ((condition.resolved_by,) if condition.resolved_by else ())
        coded = requirements.coded(tables, keys).select("patient_id", "date", "key")
        return _dated(coded, periods, condition.within_months)
    medications = requirements.prescriptions(tables)
    chosen = bnf_match(medications.bnf_code, condition.codelists)
    if condition.repeat_only:
        chosen = chosen & medications.repeat
    return _dated(medications.filter(chosen).select("patient_id", "date"), periods, condition.within_months)


def _flag_table(condition: Condition, tables: dict[str, ir.Table], periods: list[Month],
                latest: Callable[[str, int | None], ir.Table] | None = None) -> ir.Table:
    """``patient_id, month``: the patient-months where a table condition holds (``negate`` ignored);
    ``latest``: where a ``latest_value`` condition takes its latest values (:func:`latest_values`)."""
    within = condition.within_months
    if condition.kind == "events":
        coded = _condition_rows(condition, tables, periods)
        if condition.resolved_by is None and within is None:
            # ever: from the month of the first code on (no patient-month repeated, nothing to make distinct)
            first = coded.group_by("patient_id").aggregate(date=coded.date.min())
            return _in_window(first, "date", periods, None).select("patient_id", "month")
        if condition.resolved_by is None:
            return _present(coded, periods, within)
        if within is None:
            return _unresolved(coded, condition, periods)
        rows = _in_window(coded, "date", periods, within)
        found = rows.group_by("patient_id", "month").aggregate(
            _d=ibis.ifelse(rows.key.isin(list(condition.codelists)), rows.date, ibis.null("date")).max(),
            _r=ibis.ifelse(rows.key == condition.resolved_by, rows.date, ibis.null("date")).max(),
        )
        held = found._d.notnull() & (found._r.isnull() | (found._r < found._d))
        return found.filter(held).select("patient_id", "month")
    if condition.kind == "medications":
        return _present(_condition_rows(condition, tables, periods), periods, within)
    medications = requirements.prescriptions(tables)
    if condition.kind == "distinct_medicines":
        issued = medications.filter(medications.repeat & (medications.date <= periods[-1].end))
        if within is not None:
            issued = issued.filter(issued.date > months_before(periods[0].end, within))
        # only patients with that many products over all the windows together can have them in one window:
        # the others are left out before each issue is matched to the months whose window holds it
        # (from a scan of its own: as one expression with the issues below, the engine would keep every
        # issue in memory to read them twice)
        scanned = issued.filter(issued.bnf_code.notnull())
        enough = scanned.group_by("patient_id").aggregate(_n=scanned.bnf_code.nunique())
        enough = enough.filter(enough._n >= condition.at_least).select("patient_id")
        issued = issued.semi_join(enough, "patient_id")
        rows = _in_window(issued.select("patient_id", "date", "bnf_code"), "date", periods, within)
        counted = rows.group_by("patient_id", "month").aggregate(_n=rows.bnf_code.nunique())
        return counted.filter(counted._n >= condition.at_least).select("patient_id", "month")
    if condition.kind == "latest_value":
        latest = latest_values(condition.value, within, tables, periods) if latest is None else latest(
            condition.value, within)
        return latest.filter(_between(latest.value, condition)).select("patient_id", "month")
    raise ValueError(f"not a table condition: {condition.kind}")


def _present(rows: ir.Table, periods: list[Month], within: int | None) -> ir.Table:
    """``patient_id, month``: the months whose window holds one of the patient's ``rows`` (``patient_id, date``):
    each row for the months up to the next row's (:func:`_until_next`), so each patient-month once with
    nothing to make distinct (a row of a later date is in every window an earlier one is in, from its month)."""
    rows = rows.select("patient_id", "date", _i=_index_of(rows.date, periods, within))
    return _until_next(rows, periods, within, "date").select("patient_id", "month")


def _resolution(coded: ir.Table, condition: Condition, periods: list[Month]) -> ir.Table:
    """``patient_id, _i, _d, _r, _held``: as of each of a patient's months of codes (``_i``, the first month
    measured for those before it), the latest code of ``condition.codelists`` (``_d``) and of
    ``condition.resolved_by`` (``_r``) so far (running maxima), and whether the first is recorded and not
    resolved on or after it (``_held``)."""
    monthly = coded.group_by("patient_id", _i=_index_of(coded.date, periods, None)).aggregate(
        _d=ibis.ifelse(coded.key.isin(list(condition.codelists)), coded.date, ibis.null("date")).max(),
        _r=ibis.ifelse(coded.key == condition.resolved_by, coded.date, ibis.null("date")).max(),
    )
    so_far = ibis.cumulative_window(group_by="patient_id", order_by="_i")
    state = monthly.mutate(_d=monthly._d.max().over(so_far), _r=monthly._r.max().over(so_far))
    return state.mutate(_held=state._d.notnull() & (state._r.isnull() | (state._r < state._d)))


def _unresolved(coded: ir.Table, condition: Condition, periods: list[Month]) -> ir.Table:
    """``patient_id, month``: where a code of ``condition.codelists`` was ever recorded and not followed by one
    of ``condition.resolved_by`` on or after it, by month's end (:func:`_resolution`), held from each month of
    codes until the patient's next month of codes."""
    # held or not, each month of codes ends the span of the one before
    spans = _until_next(_resolution(coded, condition, periods), periods, None)
    return spans.filter(spans._held).select("patient_id", "month")


def _between(value: ir.NumericValue, condition: Condition) -> ir.BooleanValue:
    held = value.notnull()
    if condition.minimum is not None:
        held = held & (value >= condition.minimum)
    if condition.maximum is not None:
        held = held & (value <= condition.maximum)
    return held


# --- table conditions as spans of months --------------------------------------------------------------


def spannable(condition: Condition) -> bool:
    """Whether :func:`_spans` gives the months where ``condition`` holds as spans: codes or prescriptions
    present in a window of months (or ever), or a code recorded and not resolved (ever); not negated."""
    if condition.negate or condition.within_months is not None and condition.within_months < 1:
        return False
    if condition.kind == "events":
        return condition.resolved_by is None or condition.within_months is None
    return condition.kind == "medications"


def _reach(periods: list[Month], within: int) -> ir.Table:
    """``_i, _t``: for each calendar month ``_i`` a date of which a window of ``within`` months may hold, the start
    (excluded) of the window of month ``_i + within``, in month ``_i`` (clamped as :func:`months_before` clamps,
    as :func:`_window_pairs`' ``_lo``): a date of month ``_i`` is in the windows of the months ``_i`` to
    ``_i + within`` if later than ``_t``, else of ``_i`` to ``_i + within - 1``."""
    months = range(periods[0].index - within, periods[-1].index + 1)
    return memtable({"_i": list(months), "_t": [months_before(_month_end(i + within), within) for i in months]},
                    {"_i": "int64", "_t": "date"})


def _month_end(index: int) -> dt.date:
    """The last day of the calendar month ``index`` (:class:`Month`'s ``index``)."""
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def _spans(condition: Condition, tables: dict[str, ir.Table], periods: list[Month]) -> ir.Table:
    """``patient_id, _lo, _hi``: the months (:class:`Month` ``index``, first to last measured) where a
    :func:`spannable` condition holds, as spans that do not overlap: the months of :func:`_flag_table`, a few
    rows a patient instead of one a month (a screening code held for 42 months: 24 rows)."""
    first, last = periods[0].index, periods[-1].index
    within = condition.within_months
    rows = _condition_rows(condition, tables, periods)
    if condition.resolved_by is not None:
        # the state as of each month of codes (_unresolved), held until the patient's next month of codes
        state = _resolution(rows, condition, periods)
        state = state.mutate(_next=state._i.lead().over(ibis.window(group_by="patient_id", order_by="_i")))
        held = state.filter(state._held)
        return held.select("patient_id", _lo=held._i,
                           _hi=(held._next - 1).fill_null(ibis.literal(last, "int64")))
    if within is None:
        # ever: from the month of the first (or the first month measured) on
        found = rows.group_by("patient_id").aggregate(date=rows.date.min())
        return found.select("patient_id", _lo=_index_of(found.date, periods, None),
                            _hi=ibis.literal(last, "int64"))
    # each row from its month to the last month whose window holds it, cut at the month of the patient's next row
    # (a later row holds every month from its own that an earlier one does): spans that do not overlap
    rows = rows.select("patient_id", "date", _i=_month_number(rows.date))
    rows = rows.mutate(_next=rows._i.lead().over(ibis.window(group_by="patient_id", order_by="date")))
    joined = rows.join(_reach(periods, within), "_i")
    reach = joined._i + within - ibis.ifelse(joined.date > joined._t, 0, 1)
    spans = joined.select("patient_id", _lo=ibis.greatest(joined._i, ibis.literal(first, "int64")),
                          _hi=ibis.least(reach, (joined._next - 1).fill_null(reach), ibis.literal(last, "int64")))
    return spans.filter(spans._lo <= spans._hi)


class FlagSource:
    """The patient-months where a table condition holds (:func:`_flag_table`), each condition computed once
    however many sides and measures use it (``not`` left aside: the table is where the condition itself
    holds), and the latest values of a codelist (:func:`latest_values`), each computed once.  ``keep``: what
    to do with a new table before it is reused, e.g. write it to Parquet
    (:func:`pcnhub.analytics.engines.materialise`) so that the engine does not compute it again."""

    def __init__(self, tables: dict[str, ir.Table], periods: list[Month],
                 keep: Callable[[ir.Table], ir.Table] | None = None) -> None:
        self.tables, self.periods, self.keep = tables, periods, keep
        self.found: dict[Condition | tuple[str, Condition], ir.Table] = {}
        self.values: dict[tuple[str, int | None], ir.Table] = {}

    def _kept(self, table: ir.Table) -> ir.Table:
        return self.keep(table) if self.keep is not None else table

    def latest(self, codelist: str, within: int | None) -> ir.Table:
        """``patient_id, month, value`` (:func:`latest_values`)."""
        if (codelist, within) not in self.values:
            self.values[codelist, within] = self._kept(latest_values(codelist, within, self.tables, self.periods))
        return self.values[codelist, within]

    def spans(self, condition: Condition) -> ir.Table:
        """``patient_id, _lo, _hi`` (:func:`_spans`) of a :func:`spannable` condition."""
        key = ("spans", condition)
        if key not in self.found:
            self.found[key] = self._kept(_spans(condition, self.tables, self.periods))
        return self.found[key]

    def __call__(self, condition: Condition) -> ir.Table:
        key = replace(condition, negate=False)
        if key not in self.found:
            self.found[key] = self._kept(_flag_table(key, self.tables, self.periods, self.latest))
        return self.found[key]


def flag_source(tables: dict[str, ir.Table], periods: list[Month],
                keep: Callable[[ir.Table], ir.Table] | None = None) -> FlagSource:
    """A :class:`FlagSource` of the tables for the months."""
    return FlagSource(tables, periods, keep)


class _Compiler:
    """Collects the table conditions of a measure and builds its boolean expressions over the joined base."""

    def __init__(self, flags: FlagSource) -> None:
        self.flag_table = flags
        self.flags: dict[Condition, str] = {}
        #: The latest values joined (a column per codelist and window, however many conditions test them).
        self.values: dict[tuple[str, int | None], str] = {}
        #: Table conditions known to hold on every row (the side started from them).
        self.held: dict[Condition, bool] = {}

    def collect(self, condition: Condition) -> None:
        if condition.kind == "latest_value" and condition not in self.held:
            self.values.setdefault((condition.value, condition.within_months), f"_lv{len(self.values)}")
        elif condition.kind in TABLE_CONDITIONS and condition not in self.flags and condition not in self.held:
            self.flags[condition] = f"_c{len(self.flags)}"
        for part in condition.parts:
            self.collect(part)

    def join(self, base: ir.Table) -> ir.Table:
        """``base`` with a boolean column per table condition (False where it does not hold) and a column per
        latest value tested (null where there is none)."""
        for condition, name in self.flags.items():
            flags = self.flag_table(condition).mutate(**{name: ibis.literal(True)})
            joined = base.left_join(flags, ["patient_id", "month"])
            base = joined.select(*[joined[c] for c in base.columns], joined[name].fill_null(False).name(name))
        for (codelist, within), name in self.values.items():
            latest = self.flag_table.latest(codelist, within).rename({name: "value"})
            joined = base.left_join(latest, ["patient_id", "month"])
            base = joined.select(*[joined[c] for c in base.columns], joined[name])
        return base

    def expression(self, base: ir.Table, condition: Condition) -> ir.BooleanValue:
        kind = condition.kind
        if condition in self.held:
            held = ibis.literal(True)
        elif kind == "latest_value":
            held = _between(base[self.values[condition.value, condition.within_months]], condition).fill_null(False)
        elif kind in TABLE_CONDITIONS:
            held = base[self.flags[condition]]
        elif kind == "age":
            # in months since birth (whole years are months // 12: a float division on DuckDB)
            held = base.age_months >= 12 * int(condition.minimum)
            if condition.maximum is not None:
                held = held & (base.age_months < 12 * int(condition.maximum))
        elif kind == "sex":
            held = base.sex == condition.value
        elif kind == "care_home":
            held = base.care_home
        elif kind == "feature":
            held = _between(base[f"_f_{condition.value}"], condition).fill_null(False)
        elif kind == "any":
            held = ibis.or_(*[self.expression(base, part) for part in condition.parts])
        else:  # all
            held = ibis.and_(*[self.expression(base, part) for part in condition.parts])
        return ~held if condition.negate else held

    def all_of(self, base: ir.Table, conditions: tuple[Condition, ...]) -> ir.BooleanValue:
        if not conditions:
            return ibis.literal(True)
        return ibis.and_(*[self.expression(base, c) for c in conditions])


# --- counting ------------------------------------------------------------------------------------------


#: The most sides :func:`_fused_sums` sums together (a bit each of a 64-bit number).
_FUSED_AT_MOST: Final = 62
#: The tables whose rows a side counts one by one (events are counted once a patient and day).
_ROW_TABLES: Final = ("hospital", "medications")


def _row_choice(count: Count, tables: dict[str, ir.Table]
                ) -> tuple[ir.Table, ir.DateValue, ir.BooleanValue, ir.FloatingValue]:
    """The table of a hospital or prescriptions side, the date a row counts on (a stay's start, an issue's
    date), which of its rows the side counts, and each row's value (1, or the column summed)."""
    if count.count == "hospital":
        hospital = tables["hospital"]
        chosen = hospital.kind.isin(list(count.kinds))
        if count.max_stay_days is not None:
            chosen = chosen & hospital.end.notnull() & (hospital.end <= hospital.start + ibis.interval(
                days=count.max_stay_days))
        if count.discharged or count.sum == "stay_days":
            chosen = chosen & hospital.end.notnull()
        if count.diagnoses:
            chosen = chosen & icd10_match(hospital.diagnosis, count.diagnoses)
        value = hospital.end.delta(hospital.start, unit="day").cast("float64") if count.sum == "stay_days" else _ONE
        return hospital, hospital.start, chosen, value
    medications = requirements.prescriptions(tables)
    chosen = bnf_match(medications.bnf_code, count.codelists) if count.codelists else ibis.literal(True)
    value = medications.cost.fill_null(_ZERO) if count.sum == "cost" else _ONE
    return medications, medications.date, chosen, value.cast("float64")


def _rows_per_patient_month(count: Count, tables: dict[str, ir.Table], periods: list[Month],
                            grouped: bool = True) -> ir.Table:
    """``patient_id, month, _v``: the rows a side counts (or the column it sums), by patient and month
    (``grouped``: one row per patient-month, summed; else a row per counted row: cheaper when nothing is
    joined to the patient-months, e.g. 12.6 million prescriptions in 6 million patient-months)."""
    if count.count in _ROW_TABLES:
        table, date, chosen, value = _row_choice(count, tables)
        rows = table.filter(chosen).select("patient_id", date=date, _x=value)
    else:  # events
        coded = requirements.coded(tables, count.codelists).select("patient_id", "date")
        rows = coded.distinct().mutate(_x=_ONE)
    # the calendar month of the date, not a range join with the months
    rows = rows.filter((rows.date >= periods[0].start) & (rows.date <= periods[-1].end))
    if count.preceded_by is not None:
        rows = preceded(rows, count.preceded_by, tables, periods)
    if not grouped:
        return rows.select("patient_id", month=rows.date.truncate("M"), _v=rows._x)
    return rows.group_by("patient_id", month=rows.date.truncate("M")).aggregate(_v=exact_sum(rows._x))


def preceded(rows: ir.Table, condition: Preceded, tables: dict[str, ir.Table], periods: list[Month]) -> ir.Table:
    """``rows`` (``patient_id, date``, dated within ``periods``) kept where the patient has a code of
    ``condition.codelists`` dated on the row's day or in the ``within_days`` days before it (``preceded_by``;
    one such code is enough, and one code may precede several rows)."""
    coded = requirements.coded(tables, condition.codelists)
    earlier = coded.select(_pid=coded.patient_id, _pdate=coded.date)
    first = periods[0].start - dt.timedelta(days=condition.within_days)
    earlier = earlier.filter((earlier._pdate >= first) & (earlier._pdate <= periods[-1].end))
    held = [rows.patient_id == earlier._pid, earlier._pdate <= rows.date,
            earlier._pdate >= rows.date - ibis.interval(days=condition.within_days)]
    return rows.semi_join(earlier, held)


def _candidates(condition: Condition, flags: FlagSource, tables: dict[str, ir.Table],
                periods: list[Month]) -> ir.Table | None:
    """``patient_id, month``: a set of patient-months outside which ``condition`` cannot hold (None when it
    could hold anywhere: an age, a sex, a feature, a condition that must not hold)."""
    if condition.negate:
        return None
    if condition.kind in TABLE_CONDITIONS:
        return flags(condition)
    if condition.kind == "care_home":
        patients = tables["patients"]
        months = month_table(periods).select("month")
        return patients.filter(patients.care_home).select("patient_id").cross_join(months)
    if condition.kind == "any":
        parts = [_candidates(part, flags, tables, periods) for part in condition.parts]
        if any(part is None for part in parts):
            return None
        return ibis.union(*[part.select("patient_id", "month") for part in parts], distinct=True)
    if condition.kind == "all":
        for part in condition.parts:
            found = _candidates(part, flags, tables, periods)
            if found is not None:
                return found
    return None


def weight_table(rows: Iterable[WeightRow]) -> ir.Table:
    """``_w_sex, _w_from, _w_to, _w``: a weights table's rows (:mod:`pcnhub.reference.weights`) as a small table
    (the open top band ends at :data:`_OPEN_AGE`)."""
    rows = list(rows)
    return memtable(
        {"_w_sex": [r.sex for r in rows], "_w_from": [r.age_from for r in rows],
         "_w_to": [_OPEN_AGE if r.age_to is None else r.age_to for r in rows], "_w": [r.weight for r in rows]},
        {"_w_sex": "string", "_w_from": "int64", "_w_to": "int64", "_w": "float64"},
    )


def _weighted(frame: ir.Table, weights: ir.Table) -> ir.Table:
    """``frame`` (patient-months with ``age`` and ``sex``) with ``_x``: each patient's weight that month (a
    patient-month in no band of the table is left out; the measures loader keeps weighted sides to its ages)."""
    joined = frame.join(weights, (frame.sex == weights._w_sex) & (frame.age_months >= 12 * weights._w_from)
                        & (frame.age_months < 12 * weights._w_to))
    return joined.select(*[joined[c] for c in frame.columns], _x=joined._w)


def _side_sums(
    side: Count,
    name: str,
    base: ir.Table,
    tables: dict[str, ir.Table],
    periods: list[Month],
    features: ir.Table | None,
    needed: list[str],
    flags: FlagSource,
    weights: Mapping[str, ir.Table] | None = None,
    flagged: AbstractSet[Condition] = frozenset(),
) -> ir.Table:
    """``practice_code, month, <name>``: one side's sum for each practice and month (only where non-zero
    rows exist); for a weighted side also ``<name>_n``, the patient-months summed.  The side starts from the patient-months that can count: the rows it counts (hospital,
    prescriptions, events) or the candidates of a condition that must hold (:func:`_candidates`), kept where
    the patient is registered at the month's end (:func:`registered_on`); the conditions are then tested on
    those rows only.  Only a side with nothing to start from reads every registered patient-month (``base``)."""
    patients = tables["patients"]
    if side.weight is not None and (weights is None or side.weight not in weights):
        raise ValueError(f"the weights table {side.weight} is needed (practice_counts' weights)")
    weight = None if side.weight is None else weights[side.weight]
    if side.count == "patients" and (_demographic(side.where) or side.weight is not None and not side.where):
        return _demographic_sums(side.where, patients, periods, name, weight)
    spanned = _spanned(side) if side.count == "patients" and not needed else None
    if spanned is not None and spanned[0] not in flagged:
        condition, rest = spanned
        return _demographic_sums(rest, patients, periods, name, weight, spans=flags.spans(condition))
    compiler = _Compiler(flags)
    frame = base
    if side.count == "patients":
        for condition in side.where:
            found = _candidates(condition, flags, tables, periods)
            if found is not None:
                frame = registered_on(found.select("patient_id", "month"), patients, periods)
                if condition.kind in TABLE_CONDITIONS:  # the candidates are where it holds: no test needed
                    compiler.held[condition] = True
                break
    for condition in side.where:
        compiler.collect(condition)
    if side.count != "patients":
        # rows are summed by patient-month first only where table conditions are joined to them
        rows = _rows_per_patient_month(side, tables, periods, grouped=bool(compiler.flags or compiler.values))
        frame = registered_on(rows, patients, periods)
        value = frame._v
    else:
        value = _ONE
    if weight is not None:
        frame = _weighted(frame, weight)
    else:
        frame = frame.mutate(_x=value)
    frame = compiler.join(frame)
    if needed:
        if features is None:
            raise ValueError(f"the measure needs the pipeline's {', '.join(needed)} (patient features)")
        chosen = features.select("patient_id", **{f"_f_{n}": features[n] for n in needed})
        joined = frame.left_join(chosen, "patient_id")
        frame = joined.select(*[joined[c] for c in frame.columns], *[joined[f"_f_{n}"] for n in needed])
    frame = frame.filter(compiler.all_of(frame, side.where))
    sums = {name: exact_sum(frame._x)}
    if side.weight is not None:
        sums[f"{name}_n"] = frame.count()
    return frame.group_by("practice_code", "month").aggregate(**sums)


#: Conditions on the patient alone that :func:`_demographic_sums` counts without patient-months.
_DEMOGRAPHIC: Final = ("age", "sex", "care_home")


def _demographic(where: tuple[Condition, ...]) -> bool:
    return bool(where) and all(c.kind in _DEMOGRAPHIC and not (c.kind == "age" and c.negate) for c in where)


def _table_conditions(where: Iterable[Condition]) -> Iterator[Condition]:
    """The table conditions of ``where``, those within ``any`` and ``all`` included."""
    for condition in where:
        if condition.kind in TABLE_CONDITIONS:
            yield condition
        yield from _table_conditions(condition.parts)


def _spanned(side: Count) -> tuple[Condition, tuple[Condition, ...]] | None:
    """A patients side that :func:`_demographic_sums` counts from the spans of its one table condition
    (:func:`spannable`) and its conditions on the patient alone: that condition and the others; else None."""
    found = [c for c in side.where if c.kind in TABLE_CONDITIONS]
    rest = tuple(c for c in side.where if c.kind not in TABLE_CONDITIONS)
    if len(found) != 1 or not spannable(found[0]) or side.preceded_by is not None or (rest and not _demographic(rest)):
        return None
    return found[0], rest


def _demographic_sums(where: tuple[Condition, ...], patients: ir.Table, periods: list[Month], name: str,
                      weights: ir.Table | None = None, spans: ir.Table | None = None) -> ir.Table:
    """``practice_code, month, <name>``: the registered patients who meet ``where`` (ages, sex, care home;
    :func:`_demographic`) each month, from each patient's span of months (registered on the month's last day
    and of the ages asked for, :func:`registered_on`'s rules as month arithmetic): +1 where a span starts, -1
    after it ends, running totals by practice.  A row per patient instead of one per patient-month (21.8
    million at 1,000,000 patients over 24 months).  With ``weights`` (:func:`weight_table`), a span per patient
    and age band of their sex, adding the band's weight, and ``<name>_n``, the patient-months weighed.  With
    ``spans`` (``patient_id, _lo, _hi``: :func:`_spans` of a table condition), only the months of a patient's
    spans count, a span at a time: the patients of ``where`` for whom the condition holds, without the
    patient-months where it does (:func:`_spanned`)."""
    first, last = periods[0].index, periods[-1].index
    rows = patients
    for condition in where:
        if condition.kind != "age":
            held = rows.sex == condition.value if condition.kind == "sex" else rows.care_home
            rows = rows.filter(~held if condition.negate else held)

    rows = registration(rows)
    extra_low, extra_high = [], []
    if spans is not None:
        spans = spans.select("patient_id", _slo=spans._lo, _shi=spans._hi)
        joined = spans.join(rows, "patient_id")
        rows = joined.select(*[joined[c] for c in rows.columns], joined._slo, joined._shi)
        extra_low, extra_high = [rows._slo], [rows._shi]
    born = rows._born
    # registered on a month's last day (see registration): while registered, up to the last month measured
    low = [ibis.literal(first, "int64"), rows._from, born, *extra_low]
    high = [ibis.literal(last, "int64"), rows._to.fill_null(ibis.literal(last, "int64")), *extra_high]
    for condition in where:
        if condition.kind == "age":
            low.append(born + 12 * int(condition.minimum))
            if condition.maximum is not None:
                high.append(born + 12 * int(condition.maximum) - 1)
    spans = rows.select("practice_code", "sex", _born=born, _lo=ibis.greatest(*low), _hi=ibis.least(*high))
    if weights is None:
        spans = spans.mutate(_v=_ONE)
    else:
        # each patient's months computed once, before the join with the bands of their sex (not for every band)
        spans = spans.join(weights, spans.sex == weights._w_sex)
        spans = spans.select("practice_code", _lo=ibis.greatest(spans._lo, spans._born + 12 * spans._w_from),
                             _hi=ibis.least(spans._hi, spans._born + 12 * spans._w_to - 1),
                             _v=to_fixed(spans._w))  # weights added up as integers, exactly
    spans = spans.filter(spans._lo <= spans._hi)
    starts = spans.group_by("practice_code", _i=spans._lo).aggregate(_d=spans._v.sum(), _c=spans.count())
    ends = spans.group_by("practice_code", _i=spans._hi + 1).aggregate(_d=-spans._v.sum(), _c=-spans.count())
    changes = ibis.union(starts, ends)
    changes = changes.group_by("practice_code", "_i").aggregate(_d=changes._d.sum(), _c=changes._c.sum())
    so_far = ibis.cumulative_window(group_by="practice_code", order_by="_i")
    totals = changes.mutate(_n=changes._d.sum().over(so_far), _k=changes._c.sum().over(so_far))
    counted = _until_next(totals, periods, None, key="practice_code")
    counted = counted.filter(counted._k > 0)
    sums = {name: counted._n.cast("float64") if weights is None else from_fixed(counted._n)}
    if weights is not None:
        sums[f"{name}_n"] = counted._k
    return counted.select("practice_code", "month", **sums)


def _fusable(side: Count) -> bool:
    """Whether a side counts rows of a table (hospital, prescriptions) with conditions on the patient alone
    (age, sex, care home): such sides of one table can be summed together (:func:`_fused_sums`)."""
    def alone(condition: Condition) -> bool:
        return condition.kind in _DEMOGRAPHIC or (condition.kind in ("any", "all") and all(map(alone, condition.parts)))

    return (side.count in _ROW_TABLES and side.preceded_by is None and side.weight is None
            and all(alone(c) for c in side.where))


def _fused_sums(sides: list[Count], tables: dict[str, ir.Table], periods: list[Month]) -> ir.Table:
    """``practice_code, month, _s0, _s1, ...``: the sums of :func:`_fusable` sides of one table (at most
    :data:`_FUSED_AT_MOST`), in one pass of its rows: one read and one join with the patients, instead of one a
    side (10 hospital sides of 7 measures at 1,000,000 patients).  Which sides count a row is a number with a
    bit a side, and the values (1, days in hospital, cost) are a column each, however many sides sum them:
    the join carries a few columns, not one a side.  A practice-month where no side counts a row has no row,
    and a side's sum is 0 where it counts none of the practice-month's rows (as after :func:`practice_counts`'
    join)."""
    if len(sides) > _FUSED_AT_MOST:
        raise ValueError(f"{len(sides)} sides: at most {_FUSED_AT_MOST} are summed together")
    choices = [_row_choice(side, tables) for side in sides]
    table, date = choices[0][:2]
    values: list[ir.FloatingValue] = []
    which = []  # the value column of each side
    for _, _, _, value in choices:
        found = next((i for i, known in enumerate(values) if known.equals(value)), None)
        if found is None:
            values.append(value)
            found = len(values) - 1
        which.append(found)
    bits = sum((ibis.ifelse(chosen, ibis.literal(1 << i, "int64"), ibis.literal(0, "int64"))
                for i, (_, _, chosen, _) in enumerate(choices)), ibis.literal(0, "int64"))
    rows = table.filter(ibis.or_(*[chosen for _, _, chosen, _ in choices])
                        & (date >= periods[0].start) & (date <= periods[-1].end))
    rows = rows.select("patient_id", month=date.truncate("M"), _bits=bits,
                       **{f"_v{k}": value for k, value in enumerate(values)})
    frame = registered_on(rows, tables["patients"], periods)
    compiler = _Compiler(FlagSource(tables, periods))  # no table condition: nothing is looked up
    sums = {}
    for i, side in enumerate(sides):
        counted = ((frame._bits & (1 << i)) != 0) & compiler.all_of(frame, side.where)
        sums[f"_s{i}"] = exact_sum(frame[f"_v{which[i]}"], where=counted)
    summed = frame.group_by("practice_code", "month").aggregate(**sums)
    return summed.select("practice_code", "month", **{c: summed[c].fill_null(_ZERO) for c in sums})


class SideSource:
    """The practice sums of each side (:func:`_side_sums`), each computed once however many measures count it
    (e.g. the prescribing cost of two measures), and the :func:`_fusable` sides of ``measures`` summed
    together, a table at a time (:func:`_fused_sums`), when one of them is first asked for.  ``keep``: as
    :class:`FlagSource`'s.  The tables are ``practice_code, month, _s`` (and ``_s_n`` for a weighted side)."""

    def __init__(self, tables: dict[str, ir.Table], periods: list[Month], flags: FlagSource,
                 measures: Iterable[Measure] = (), keep: Callable[[ir.Table], ir.Table] | None = None) -> None:
        self.tables, self.periods, self.flags, self.keep = tables, periods, flags, keep
        self.found: dict[Count, ir.Table] = {}
        by_table: dict[str, list[Count]] = {}
        for measure in measures:
            for side in (effective_numerator(measure), measure.denominator):
                if _fusable(side) and side not in by_table.get(side.count, []):
                    by_table.setdefault(side.count, []).append(side)
        # a table's sides in groups of at most _FUSED_AT_MOST; a side alone is summed as any other
        chunks = [sides[start:start + _FUSED_AT_MOST] for sides in by_table.values()
                  for start in range(0, len(sides), _FUSED_AT_MOST)]
        self.groups: list[list[Count]] = [chunk for chunk in chunks if len(chunk) > 1]
        #: The table conditions whose patient-months another side of ``measures`` needs: a side counted from the
        #: spans of one of these (:func:`_spanned`) would compute the condition twice, so it is not.
        self.flagged: set[Condition] = {
            replace(condition, negate=False) for measure in measures
            for side in (effective_numerator(measure), measure.denominator)
            if _spanned(side) is None for condition in _table_conditions(side.where)}
        #: How many sides of ``measures`` each side is: one counted once is not kept (written and read again) but
        #: summed in its measure's query (a query less to compile and run for most sides).
        self.uses = Counter(side for measure in measures for side in (effective_numerator(measure), measure.denominator))

    def _kept(self, table: ir.Table) -> ir.Table:
        return self.keep(table) if self.keep is not None else table

    def __call__(self, side: Count, base: ir.Table, features: ir.Table | None, needed: list[str],
                 weights: Mapping[str, ir.Table] | None) -> ir.Table:
        if side not in self.found:
            group = next((sides for sides in self.groups if side in sides), [])
            if group:
                fused = self._kept(_fused_sums(group, self.tables, self.periods))
                for i, member in enumerate(group):
                    self.found[member] = fused.select("practice_code", "month", _s=fused[f"_s{i}"])
            else:
                sums = _side_sums(side, "_s", base, self.tables, self.periods, features, needed, self.flags, weights,
                                  self.flagged)
                self.found[side] = sums if self.uses[side] == 1 else self._kept(sums)
        return self.found[side]


def registered_counts(patients: ir.Table, periods: list[Month]) -> ir.Table:
    """``practice_code, month, registered``: every practice and month with a registered patient, and how many
    (the denominator of a measure of every registered patient; computed once for all measures), from each
    patient's span of months (:func:`_demographic_sums`), not from every patient-month."""
    sums = _demographic_sums((), patients, periods, "registered")
    return sums.select("practice_code", "month", registered=sums.registered.cast("int64"))


def practice_counts(
    measure: Measure,
    base: ir.Table,
    tables: dict[str, ir.Table],
    periods: list[Month],
    features: ir.Table | None = None,
    registered: ir.Table | None = None,
    flags: FlagSource | None = None,
    weights: Mapping[str, ir.Table] | None = None,
    sides: SideSource | None = None,
) -> ir.Table:
    """``measure, practice_code, month, numerator, denominator, counted``: the measure's sums for each practice
    and month (every practice and month with a registered patient: ``registered``, :func:`registered_counts`
    unless given; zero where nothing counts).  Each side is summed on its own from the patient-months that
    can count (see :func:`_side_sums`), never by joining every condition to every registered patient-month;
    ``sides`` (a :class:`SideSource` shared by the measures of a run) sums each side once and the sides of one
    table together.  ``weights``: ``{key: weight_table(rows)}`` for a weighted denominator; ``counted`` is the
    denominator itself unless it is weighted, then the patient-months weighed."""
    numerator, denominator = effective_numerator(measure), measure.denominator
    # the events and prescriptions the measure needs, matched in one pass of each (a run gives them matched once)
    tables = requirements.with_matched(tables, [measure], periods)
    needed = sorted(measure.features())
    if needed and features is None:
        raise ValueError(f"measure {measure.id} needs the pipeline's {', '.join(needed)} (patient features)")
    registered = registered_counts(tables["patients"], periods) if registered is None else registered
    flags = flag_source(tables, periods) if flags is None else flags
    sides = SideSource(tables, periods, flags, [measure]) if sides is None else sides
    if denominator.count == "patients" and not denominator.where and denominator.weight is None:
        # every registered patient: the practice-month counts, no condition to test
        den = registered.select("practice_code", "month", _den=registered.registered)
    else:
        den = sides(denominator, base, features, sorted({f for c in denominator.where for f in c.features()}),
                    weights)
        den = den.rename(_den="_s", **({"_den_n": "_s_n"} if denominator.weight is not None else {}))
    num = sides(numerator, base, features, sorted({f for c in numerator.where for f in c.features()}), weights)
    num = num.select("practice_code", "month", _num=num._s)
    frame = registered.select("practice_code", "month")
    weighted = denominator.weight is not None
    for sums, columns in ((num, ["_num"]), (den, ["_den", "_den_n"] if weighted else ["_den"])):
        joined = frame.left_join(sums, ["practice_code", "month"])
        frame = joined.select(*[joined[c] for c in frame.columns], *[joined[c] for c in columns])
    counted = frame._den_n if weighted else frame._den
    return frame.select(
        ibis.literal(measure.id).name("measure"), "practice_code", "month",
        numerator=frame._num.cast("float64").fill_null(_ZERO),
        denominator=frame._den.cast("float64").fill_null(_ZERO),
        counted=counted.cast("float64").fill_null(_ZERO).round().cast("int64"),
    )
