"""The Investment and Impact Fund (IIF): indicators, points and money, in plain Python.

The catalogue of a financial year (:class:`IIFYear`, read from ``reference/iif/*.toml`` by
:mod:`pcnhub.reference.iif`) is passed in.  For one indicator of a PCN:

* achievement = numerator / denominator (after the personalised care adjustments and exclusions,
  which the caller has already taken out of the denominator), as a percentage or a rate per 1,000;
* points = 0 at or below the lower threshold, all the indicator's points at or above the upper
  threshold, linear between (for an indicator where lower is better the thresholds run the other
  way: 0 at or above the lower threshold, all at or below the upper one);
* GBP = points x value of a point x list-size adjustment (PCN list / national average PCN list)
  x prevalence adjustment (PCN prevalence / national prevalence, for prevalence-adjusted indicators).

A figure the catalogue does not know (a year's value of a point, an indicator's thresholds) makes the
answer unknown (``None``) with the reason, never a guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any, Final

from pcnhub.domain.money.years import FinancialYear

VERIFIED: Final = "verified"
DERIVED: Final = "derived"
UNCERTAIN: Final = "uncertain"
STATUSES: Final = (VERIFIED, DERIVED, UNCERTAIN)

UP: Final = "up"  # higher achievement is better
DOWN: Final = "down"  # lower achievement is better
DIRECTIONS: Final = (UP, DOWN)

PERCENT: Final = "percent"
PER_1000: Final = "per_1000"
#: What numerator / denominator is multiplied by to be compared with the thresholds.
UNIT_SCALES: Final = {PERCENT: Decimal(100), PER_1000: Decimal(1000)}

#: How the pages and commands say a catalogue figure is unknown (never 0).
NOT_PUBLISHED: Final = "not published in the sources held"

PENNY: Final = Decimal("0.01")
#: Points, achievement and adjustments are reported to this many decimal places (money to the penny).
FIGURE: Final = Decimal("0.0001")
ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)


class IIFError(ValueError):
    """Input the IIF cannot be computed on: names the year, the indicator and the figure."""


def pence(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Alternative:
    """Another published figure, recorded beside the one used."""

    value: Decimal
    source: str
    note: str = ""


@dataclass(frozen=True)
class Figure:
    """A year's figure with its source and status; ``value`` None when it is not known."""

    value: Decimal | None
    status: str
    source: str
    note: str = ""
    alternatives: tuple[Alternative, ...] = ()

    @property
    def known(self) -> bool:
        return self.value is not None

    def to_dict(self) -> dict[str, Any]:
        return {"value": _number(self.value), "status": self.status, "source": self.source, "note": self.note,
                "alternatives": [{"value": float(a.value), "source": a.source, "note": a.note}
                                 for a in self.alternatives]}


@dataclass(frozen=True)
class Aspiration:
    """The year's aspiration payment rule: ``share`` of the previous year's achievement, paid in advance."""

    status: str
    source: str
    share: Decimal | None = None
    timing: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"share": _number(self.share), "timing": self.timing, "status": self.status,
                "source": self.source, "note": self.note}


@dataclass(frozen=True)
class Indicator:
    """One IIF indicator of one year (see ``reference/iif/README.md`` for every field)."""

    id: str
    name: str
    status: str
    source: str
    description: str = ""
    domain: str = ""
    area: str = ""
    points: Decimal | None = None
    lower: Decimal | None = None
    upper: Decimal | None = None
    unit: str = PERCENT
    direction: str = UP
    prevalence_adjusted: bool | None = None
    denominator: str = ""
    exclusions: str = ""
    service: str = ""
    measure: str = ""
    measure_note: str = ""
    worklist: str = ""
    published_id: bool = True
    note: str = ""
    alternatives: Mapping[str, tuple[Alternative, ...]] = field(default_factory=dict)

    @property
    def scored(self) -> bool:
        """Whether points, lower and upper thresholds are all known."""
        return None not in (self.points, self.lower, self.upper)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "description": self.description, "domain": self.domain,
            "area": self.area, "points": _number(self.points), "lower": _number(self.lower),
            "upper": _number(self.upper), "unit": self.unit, "direction": self.direction,
            "prevalence_adjusted": self.prevalence_adjusted, "denominator": self.denominator,
            "exclusions": self.exclusions, "service": self.service, "measure": self.measure or None,
            "measure_note": self.measure_note, "worklist": self.worklist or None,
            "published_id": self.published_id, "status": self.status, "source": self.source, "note": self.note,
            "alternatives": {name: [{"value": float(a.value), "source": a.source, "note": a.note} for a in values]
                             for name, values in self.alternatives.items()},
        }


@dataclass(frozen=True)
class IIFYear:
    """One financial year's IIF: the value of a point, the national average PCN list, the indicators."""

    year: FinancialYear
    point_value: Figure
    average_list: Figure
    total_points: Figure
    aspiration: Aspiration
    indicators: tuple[Indicator, ...]
    note: str = ""
    file: str = ""

    def indicator(self, indicator_id: str) -> Indicator:
        wanted = indicator_id.strip().upper()
        for indicator in self.indicators:
            if indicator.id.upper() == wanted:
                return indicator
        known = ", ".join(i.id for i in self.indicators) or "none"
        raise IIFError(f"{self.year}: no IIF indicator {indicator_id!r}; the catalogue has {known}")

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year.label, "point_value": self.point_value.to_dict(),
                "average_list": self.average_list.to_dict(), "total_points": self.total_points.to_dict(),
                "aspiration": self.aspiration.to_dict(), "note": self.note,
                "indicators": [i.to_dict() for i in self.indicators]}


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def worst(*statuses: str) -> str:
    """The least sure of some statuses (uncertain, then derived, then verified)."""
    for status in (UNCERTAIN, DERIVED):
        if status in statuses:
            return status
    return VERIFIED


def _count(value: Any, name: str, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise IIFError(f"{where}: {name} {value!r} is not a number")
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise IIFError(f"{where}: {name} {value!r} is not a number") from None
    if not number.is_finite():
        raise IIFError(f"{where}: {name} {value} is not a number")
    if number < 0:
        raise IIFError(f"{where}: {name} cannot be negative ({value})")
    return number


def achievement(indicator: Indicator, numerator: Any, denominator: Any, *, where: str = "") -> Decimal:
    """numerator / denominator on the indicator's scale (a percentage or a rate per 1,000)."""
    where = where or indicator.id
    top = _count(numerator, "numerator", where)
    bottom = _count(denominator, "denominator", where)
    if bottom == 0:
        raise IIFError(f"{where}: the denominator is 0, so there is no achievement to score")
    if indicator.unit == PERCENT and top > bottom:
        raise IIFError(f"{where}: the numerator ({numerator}) cannot be more than the denominator ({denominator})")
    return top / bottom * UNIT_SCALES[indicator.unit]


def points(indicator: Indicator, achieved: Decimal) -> Decimal:
    """Points for an achievement: 0 at or beyond the lower threshold, all at the upper, linear between."""
    if not indicator.scored:
        raise IIFError(f"{indicator.id}: points and thresholds are not all known, so no points can be given")
    assert indicator.points is not None and indicator.lower is not None and indicator.upper is not None
    lower, upper, available = indicator.lower, indicator.upper, indicator.points
    if indicator.direction == DOWN:
        # Lower is better: the lower threshold is the larger (worse) number.
        if achieved >= lower:
            return ZERO
        if achieved <= upper:
            return available
        return available * (lower - achieved) / (lower - upper)
    if achieved <= lower:
        return ZERO
    if achieved >= upper:
        return available
    return available * (achieved - lower) / (upper - lower)


def ratio(part: Any, whole: Any, names: tuple[str, str], where: str) -> Decimal:
    """An adjustment ``part / whole``; both must be given, the whole positive."""
    top = _count(part, names[0], where)
    bottom = _count(whole, names[1], where)
    if bottom == 0:
        raise IIFError(f"{where}: {names[1]} must be more than 0")
    return top / bottom


@dataclass(frozen=True)
class Result:
    """One indicator's achievement, points and money for a PCN."""

    year: FinancialYear
    indicator: Indicator
    numerator: Decimal
    denominator: Decimal
    achievement: Decimal
    points: Decimal
    value_per_point: Decimal | None
    list_adjustment: Decimal
    prevalence_adjustment: Decimal
    gbp: Decimal | None
    status: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        i = self.indicator
        return {
            "year": self.year.label, "indicator": i.id, "name": i.name,
            "numerator": float(self.numerator), "denominator": float(self.denominator),
            "achievement": float(self.achievement.quantize(FIGURE, rounding=ROUND_HALF_UP)), "unit": i.unit,
            "lower": _number(i.lower), "upper": _number(i.upper), "direction": i.direction,
            "points": float(self.points.quantize(FIGURE, rounding=ROUND_HALF_UP)), "max_points": _number(i.points),
            "value_per_point": _number(self.value_per_point),
            "list_size_adjustment": float(self.list_adjustment.quantize(FIGURE, rounding=ROUND_HALF_UP)),
            "prevalence_adjustment": float(self.prevalence_adjustment.quantize(FIGURE, rounding=ROUND_HALF_UP)),
            "gbp": _number(self.gbp), "status": self.status, "source": i.source, "notes": list(self.notes),
        }


def score(catalogue: IIFYear, indicator_id: str, numerator: Any, denominator: Any, *,
          list_size: Any = None, average_list_size: Any = None,
          prevalence: Any = None, national_prevalence: Any = None) -> Result:
    """Achievement, points and GBP of one indicator for one PCN.

    The list-size adjustment uses ``average_list_size`` when given, else the catalogue's national
    average; without ``list_size`` it is 1 (an average PCN).  The prevalence adjustment applies when
    both prevalences are given (in the same unit); giving them for an indicator the catalogue says is
    not prevalence-adjusted is an error.
    """
    indicator = catalogue.indicator(indicator_id)
    where = f"{catalogue.year} {indicator.id}"
    achieved = achievement(indicator, numerator, denominator, where=where)
    earned = points(indicator, achieved)
    notes: list[str] = []
    statuses = [indicator.status]

    list_adjustment = ONE
    if list_size is not None:
        if average_list_size is None:
            if not catalogue.average_list.known:
                raise IIFError(f"{where}: the catalogue has no national average PCN list for {catalogue.year}; "
                               "give the average list size")
            average_list_size = catalogue.average_list.value
            statuses.append(catalogue.average_list.status)
        list_adjustment = ratio(list_size, average_list_size, ("list size", "average list size"), where)
    elif average_list_size is not None:
        raise IIFError(f"{where}: an average list size needs the PCN's list size too")
    else:
        notes.append("no list size given: shown for a PCN of the national average list")

    prevalence_adjustment = ONE
    given = (prevalence is not None, national_prevalence is not None)
    if any(given) and not all(given):
        raise IIFError(f"{where}: the prevalence adjustment needs both the PCN and the national prevalence")
    if all(given):
        if indicator.prevalence_adjusted is False:
            raise IIFError(f"{where}: {indicator.id} is not prevalence-adjusted in {catalogue.year}")
        prevalence_adjustment = ratio(prevalence, national_prevalence, ("prevalence", "national prevalence"), where)
        if indicator.prevalence_adjusted is None:
            notes.append("whether this indicator is prevalence-adjusted is not known; the adjustment given was applied")
            statuses.append(UNCERTAIN)
    elif indicator.prevalence_adjusted:
        notes.append("prevalence-adjusted indicator, but no prevalence given: shown at national prevalence")

    value = catalogue.point_value.value
    gbp = None
    if value is None:
        notes.append(f"the value of an IIF point in {catalogue.year} is {NOT_PUBLISHED}, so no amount")
        statuses.append(UNCERTAIN)
    else:
        statuses.append(catalogue.point_value.status)
        gbp = pence(earned * value * list_adjustment * prevalence_adjustment)
    return Result(catalogue.year, indicator, _count(numerator, "numerator", where),
                  _count(denominator, "denominator", where), achieved, earned, value, list_adjustment,
                  prevalence_adjustment, gbp, worst(*statuses), tuple(notes))


@dataclass(frozen=True)
class Maximum:
    """The most a PCN can earn in a year: total points x value of a point x list-size adjustment."""

    amount: Decimal | None
    status: str
    how: str


def maximum(catalogue: IIFYear, list_size: int) -> Maximum:
    """A PCN's IIF maximum (every indicator at its upper threshold, national prevalence)."""
    if list_size < 0:
        raise IIFError(f"{catalogue.year}: the list size cannot be negative ({list_size})")
    missing = [name for name, figure in (("the value of a point", catalogue.point_value),
                                         ("the total points", catalogue.total_points),
                                         ("the national average PCN list", catalogue.average_list))
               if not figure.known]
    if missing:
        return Maximum(None, UNCERTAIN, f"{' and '.join(missing)} in {catalogue.year} not known")
    total, value, average = catalogue.total_points.value, catalogue.point_value.value, catalogue.average_list.value
    assert total is not None and value is not None and average is not None
    if not average:
        return Maximum(None, UNCERTAIN, f"the national average PCN list in {catalogue.year} is 0")
    status = worst(catalogue.total_points.status, catalogue.point_value.status, catalogue.average_list.status)
    how = f"{total:,} points x GBP {value:,} a point x list {list_size:,} / average PCN list {average:,}"
    return Maximum(pence(maximum_amount(total, value, list_size, average)), status, how)


def maximum_amount(total_points: Decimal, value: Decimal, list_size: int | Decimal, average_list: Decimal) -> Decimal:
    """The IIF maximum, unrounded: every point of the year x the value of a point x the list-size adjustment
    (PCN list / national average PCN list), at national prevalence.  The one formula: :func:`maximum` and the
    rates catalogue's IIF line (:mod:`pcnhub.domain.money.entitlements`) both use it."""
    return total_points * value * Decimal(list_size) / average_list


@dataclass(frozen=True)
class Counts:
    """One indicator's figures for a PCN, as the measures engine will give them."""

    numerator: Any
    denominator: Any
    prevalence: Any = None
    national_prevalence: Any = None


@dataclass(frozen=True)
class PCNResult:
    """Every indicator given for one PCN, and the total money where every part is known."""

    year: FinancialYear
    results: tuple[Result, ...]
    not_given: tuple[str, ...]

    @property
    def total_points(self) -> Decimal:
        return sum((r.points for r in self.results), ZERO)

    @property
    def gbp(self) -> Decimal | None:
        if any(r.gbp is None for r in self.results):
            return None
        return sum((r.gbp for r in self.results if r.gbp is not None), ZERO)

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year.label, "indicators": [r.to_dict() for r in self.results],
                "total_points": float(self.total_points.quantize(FIGURE, rounding=ROUND_HALF_UP)),
                "gbp": _number(self.gbp), "status": worst(*(r.status for r in self.results)),
                "not_given": list(self.not_given)}


def pcn_money(catalogue: IIFYear, counts: Mapping[str, Counts], *, list_size: int,
              average_list_size: Any = None) -> PCNResult:
    """The IIF of one PCN from each indicator's numerator, denominator and prevalence.

    This is the seam for the measures engine: it gives ``counts`` per indicator id; indicators of the
    year that are scored but not given are listed in ``not_given`` (and earn nothing here).
    """
    results = tuple(
        score(catalogue, indicator_id, c.numerator, c.denominator, list_size=list_size,
              average_list_size=average_list_size, prevalence=c.prevalence, national_prevalence=c.national_prevalence)
        for indicator_id, c in counts.items()
    )
    given = {r.indicator.id for r in results}
    not_given = tuple(i.id for i in catalogue.indicators if i.scored and i.id not in given)
    return PCNResult(catalogue.year, results, not_given)


def aspiration_payment(catalogue: IIFYear, previous_year_gbp: Any) -> Decimal | None:
    """The aspiration payment: the year's share of the PCN's previous-year achievement; None if not known."""
    earned = _count(previous_year_gbp, "previous year's achievement", f"{catalogue.year} aspiration")
    if catalogue.aspiration.share is None:
        return None
    return pence(earned * catalogue.aspiration.share)


def reconcile(earned_gbp: Any, aspiration_paid: Any) -> Decimal:
    """Year-end reconciliation: what is still owed to the PCN (negative: what it pays back)."""
    earned = _count(earned_gbp, "achievement payment", "reconciliation")
    paid = _count(aspiration_paid, "aspiration paid", "reconciliation")
    return pence(earned - paid)


# --- Achievement over the year to date, and its forecast ----------------------------------------------------

#: How a side of a measure adds up over the year: ``flow`` counts things dated in each month (referrals,
#: admissions), summed over the year to date; ``snapshot`` counts the patients as they stand at each month's
#: end, so the latest month is the year to date.
FLOW: Final = "flow"
SNAPSHOT: Final = "snapshot"
KINDS: Final = (FLOW, SNAPSHOT)
#: The IIF year runs from April to March.
FIRST_MONTH: Final = 4
MONTHS_IN_YEAR: Final = 12

FLOW_METHOD: Final = ("linear extrapolation of the cumulative numerator: its average a month over the {k} months "
                      "of the year so far, times {n} months")
SNAPSHOT_METHOD: Final = ("least-squares straight line through the {k} monthly achievements of the year so far, "
                          "read at the year's last month (month {n})")
ONE_MONTH_METHOD: Final = "one month of the year so far: no trend, the year end is taken to be as now"


def year_months(year: FinancialYear) -> list[dt.date]:
    """The first days of the IIF year's months, April to March."""
    return [dt.date(year.start_year + (FIRST_MONTH - 1 + i) // MONTHS_IN_YEAR, (FIRST_MONTH - 1 + i) % MONTHS_IN_YEAR + 1, 1)
            for i in range(MONTHS_IN_YEAR)]


@dataclass(frozen=True)
class MonthCounts:
    """One month's numerator and denominator of an indicator's measure for a PCN (None: suppressed)."""

    month: dt.date
    numerator: Decimal | None
    denominator: Decimal | None


@dataclass(frozen=True)
class Forecast:
    """The year-end achievement, points and GBP the trajectory so far points to."""

    achievement: Decimal | None
    points: Decimal | None
    gbp: Decimal | None
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {"achievement": _figure(self.achievement), "points": _figure(self.points), "gbp": _number(self.gbp),
                "method": self.method}


@dataclass(frozen=True)
class Achievement:
    """One indicator of a PCN over the IIF year to date: counts, achievement, points, GBP, forecast."""

    year: FinancialYear
    indicator: Indicator
    months: tuple[MonthCounts, ...]
    numerator: Decimal | None
    denominator: Decimal | None
    achievement: Decimal | None
    points: Decimal | None
    gbp: Decimal | None
    forecast: Forecast
    to_act_on: int | None
    to_upper: int | None
    status: str
    notes: tuple[str, ...] = ()
    #: list-size x prevalence adjustment the GBP was computed with
    adjustment: Decimal = ONE

    def to_dict(self) -> dict[str, Any]:
        i = self.indicator
        return {
            "indicator": i.id, "name": i.name, "measure": i.measure, "measure_note": i.measure_note,
            "worklist": i.worklist or None, "unit": i.unit, "direction": i.direction,
            "lower": _number(i.lower), "upper": _number(i.upper), "max_points": _number(i.points),
            "prevalence_adjusted": i.prevalence_adjusted,
            "months": [{"month": m.month.isoformat(), "numerator": _number(m.numerator),
                        "denominator": _number(m.denominator)} for m in self.months],
            "numerator": _number(self.numerator), "denominator": _number(self.denominator),
            "achievement": _figure(self.achievement), "points": _figure(self.points), "gbp": _number(self.gbp),
            "forecast": self.forecast.to_dict(), "to_act_on": self.to_act_on, "to_upper_threshold": self.to_upper,
            "status": self.status, "notes": list(self.notes),
        }


def _figure(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(FIGURE, rounding=ROUND_HALF_UP))


def trend_at(values: list[Decimal], at: int) -> Decimal:
    """The least-squares straight line through ``values`` (at 1, 2, ... k) read at ``at``."""
    k = len(values)
    if k == 1:
        return values[0]
    xs = [Decimal(i) for i in range(1, k + 1)]
    mean_x, mean_y = sum(xs) / k, sum(values) / k
    slope = (sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, values, strict=True))
             / sum((x - mean_x) ** 2 for x in xs))
    return mean_y + slope * (Decimal(at) - mean_x)


def _whole(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def _money(catalogue: IIFYear, indicator: Indicator, achieved: Decimal, adjustments: Decimal,
           notes: list[str]) -> tuple[Decimal | None, Decimal | None]:
    if not indicator.scored:
        notes.append(f"{indicator.id}'s points or thresholds for {catalogue.year} are not known, so no points")
        return None, None
    earned = points(indicator, achieved)
    value = catalogue.point_value.value
    return earned, None if value is None else pence(earned * value * adjustments)


def year_to_date(catalogue: IIFYear, indicator_id: str, months: list[MonthCounts], *, numerator_kind: str,
                 denominator_kind: str, list_size: Any = None, average_list_size: Any = None,
                 prevalence: Any = None, national_prevalence: Any = None) -> Achievement:
    """An indicator's achievement over the months given (the IIF year so far, oldest first), with the
    points, GBP (through :func:`score`) and a forecast of the year end; see :data:`FLOW_METHOD` and
    :data:`SNAPSHOT_METHOD` for how the forecast is made."""
    indicator = catalogue.indicator(indicator_id)
    for kind in (numerator_kind, denominator_kind):
        if kind not in KINDS:
            raise IIFError(f"{indicator.id}: {kind!r} is not one of {', '.join(KINDS)}")
    months = sorted(months, key=lambda m: m.month)
    wanted = set(year_months(catalogue.year))
    if any(m.month not in wanted for m in months):
        raise IIFError(f"{catalogue.year} {indicator.id}: a month given is outside the IIF year (April to March)")
    notes: list[str] = []
    unknown = Forecast(None, None, None, "no forecast without the year's counts")
    if not months or any(m.numerator is None or m.denominator is None for m in months):
        why = "no month of the year yet" if not months else "a month's count is suppressed (too small to show)"
        return Achievement(catalogue.year, indicator, tuple(months), None, None, None, None, None, unknown, None,
                           None, UNCERTAIN, (f"no achievement: {why}",))
    k, n = len(months), MONTHS_IN_YEAR
    latest = months[-1]

    def side(kind: str, values: list[Decimal]) -> Decimal:
        return sum(values, ZERO) if kind == FLOW else values[-1]

    top = side(numerator_kind, [m.numerator for m in months])  # type: ignore[misc]
    bottom = side(denominator_kind, [m.denominator for m in months])  # type: ignore[misc]
    if bottom == 0:
        return Achievement(catalogue.year, indicator, tuple(months), top, bottom, None, None, None, unknown, None,
                           None, UNCERTAIN, ("no achievement: the denominator is 0",))
    result = score(catalogue, indicator.id, top, bottom, list_size=list_size, average_list_size=average_list_size,
                   prevalence=prevalence, national_prevalence=national_prevalence) if indicator.scored else None
    achieved = achievement(indicator, top, bottom, where=f"{catalogue.year} {indicator.id}")
    adjustments = ONE if result is None else result.list_adjustment * result.prevalence_adjustment
    earned, gbp = (result.points, result.gbp) if result else _money(catalogue, indicator, achieved, adjustments, notes)
    if result:
        notes.extend(result.notes)

    scale = UNIT_SCALES[indicator.unit]
    if numerator_kind == FLOW:
        grown = top * n / k
        end_bottom = bottom * n / k if denominator_kind == FLOW else bottom
        ahead = grown / end_bottom * scale
        method = FLOW_METHOD.format(k=k, n=n)
    else:
        monthly = [m.numerator / m.denominator * scale for m in months if m.denominator]  # type: ignore[operator]
        ahead = trend_at(monthly, n) if len(monthly) > 1 else achieved
        method = SNAPSHOT_METHOD.format(k=k, n=n) if len(monthly) > 1 else ONE_MONTH_METHOD
    ahead = max(ZERO, min(ahead, scale) if indicator.unit == PERCENT else ahead)
    ahead_points, ahead_gbp = _money(catalogue, indicator, ahead, adjustments, []) if indicator.scored else (None, None)
    forecast = Forecast(ahead, ahead_points, ahead_gbp, method)

    up = indicator.direction == UP
    to_act_on = _whole(bottom - top) if up else _whole(top)
    to_upper = None
    if indicator.upper is not None:
        target = indicator.upper * bottom / scale
        to_upper = max(0, _whole(target - top) if up else _whole(top - target))
    statuses = [indicator.status] + ([result.status] if result else [UNCERTAIN])
    if latest.month != max(wanted):
        notes.append(f"year to date: {k} of {n} months, to {latest.month:%B %Y}")
    return Achievement(catalogue.year, indicator, tuple(months), top, bottom, achieved, earned, gbp, forecast,
                       to_act_on, to_upper, worst(*statuses), tuple(notes), adjustments)


# --- What the entitlement counts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Earned:
    """The IIF a PCN has earned in a year so far: the GBP of the indicators that could be computed (points x
    value of a point x list-size and prevalence adjustments).  The entitlement counts this, never the maximum."""

    amount: Decimal
    #: sum of each indicator's points x its adjustments: the amount at another value of a point
    adjusted_points: Decimal
    value_per_point: Decimal
    indicators: tuple[str, ...]
    #: the year's other indicators: not computed from the patient data, or without points or thresholds
    not_counted: tuple[str, ...]
    as_of: dt.date
    status: str

    def at(self, value: Decimal) -> Decimal:
        """The amount at ``value`` a point (an ICB's override of the catalogue's value)."""
        return self.amount if value == self.value_per_point else pence(self.adjusted_points * value)

    def describe(self) -> str:
        n = len(self.indicators)
        text = f"computed from {n} indicator{'' if n == 1 else 's'}, as of {self.as_of.day} {self.as_of:%B %Y}"
        if self.not_counted:
            text += (f"; {', '.join(self.not_counted)} not counted (not computed from the patient data, or their "
                     "points or thresholds not known)")
        return text


def earned_to_date(catalogue: IIFYear, rows: Sequence[Achievement], as_of: dt.date) -> Earned | None:
    """What the entitlement counts of the year's IIF: the indicators of ``rows`` with GBP, as of the last day
    counted; None when none has GBP (no counts, or the value of a point or the points not known)."""
    value = catalogue.point_value.value
    counted = [r for r in rows if r.gbp is not None and r.points is not None]
    if value is None or not counted:
        return None
    ids = tuple(r.indicator.id for r in counted)
    return Earned(
        amount=sum((r.gbp for r in counted if r.gbp is not None), ZERO),
        adjusted_points=sum((r.points * r.adjustment for r in counted if r.points is not None), ZERO),
        value_per_point=value, indicators=ids,
        not_counted=tuple(i.id for i in catalogue.indicators if i.id not in ids), as_of=as_of,
        status=worst(catalogue.point_value.status, *(r.status for r in counted)))
