"""What a network is entitled to in a financial year, payment by payment and month by month.

``entitlement(rates, population)`` applies one year's catalogue (:class:`YearRates`)
to a network's list sizes.  Amounts are computed in :class:`~decimal.Decimal` and
rounded to the penny (half up); the monthly schedule of a payment always adds up to
its amount.  A commissioner's :class:`Override` replaces a catalogue rate and is
reported with the line.  A payment whose rate is not known has no amount and is
listed in ``Entitlement.not_known`` rather than counted as nothing.

The Investment and Impact Fund is paid on achievement: the total counts the IIF computed from the PCN's
indicators (:class:`pcnhub.domain.iif.Earned`, given as ``iif``) and, where none is given, shows the IIF's
maximum apart (``Line.counted`` false, listed in ``Entitlement.not_counted``), never adding it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from pcnhub.domain import iif as d
from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.years import FinancialYear

PENNY: Final = Decimal("0.01")
MONTHS_IN_YEAR: Final = 12
ZERO: Final = Decimal(0)
#: How a line of the IIF's maximum says why it is not in the total.
IIF_NOT_COUNTED: Final = ("maximum, not counted in the total: the IIF is paid on achievement, and no achievement "
                          "is computed for this network and year")


def pence(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Population:
    """The list sizes payments are based on; weighted and adjusted default to the registered list."""

    registered: int
    weighted: int | None = None
    adjusted: int | None = None
    care_home_beds: int = 0

    def __post_init__(self) -> None:
        for name in ("registered", "weighted", "adjusted", "care_home_beds"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(f"{name} must be a whole number, not {value!r}")
            if value is not None and value < 0:
                raise ValueError(f"{name} cannot be negative ({value})")

    def of(self, basis: str) -> int:
        """The quantity a rate on ``basis`` multiplies (IIF points use the registered list)."""
        if basis == c.WEIGHTED:
            return self.registered if self.weighted is None else self.weighted
        if basis == c.ADJUSTED:
            return self.registered if self.adjusted is None else self.adjusted
        if basis == c.CARE_HOME_BEDS:
            return self.care_home_beds
        return self.registered

    def stands_in(self, basis: str) -> str:
        """What a download says of a quantity on ``basis``: "" when the list itself is recorded, else e.g. "no weighted
        list recorded: the registered list stands in"."""
        name = {c.WEIGHTED: "weighted", c.ADJUSTED: "adjusted"}.get(basis)
        if name is None or getattr(self, name) is not None:
            return ""
        return f"no {c.BASIS_LABELS[basis]} recorded: the registered list stands in"

    def defaulted(self) -> list[str]:
        """The lists that were not given and stand in as the registered list."""
        return [name for name in ("weighted", "adjusted") if getattr(self, name) is None]

    def to_dict(self) -> dict[str, int]:
        return {"registered": self.registered, "weighted": self.of(c.WEIGHTED), "adjusted": self.of(c.ADJUSTED),
                "care_home_beds": self.care_home_beds}


@dataclass(frozen=True)
class Member:
    """A member practice, for the participation payment that is paid to each practice."""

    code: str
    name: str
    population: Population


@dataclass(frozen=True)
class Override:
    """A commissioner's rate for one payment of one year in their ICB."""

    rate: Decimal
    by: str
    at: dt.datetime | dt.date
    reason: str = ""

    def describe(self) -> str:
        when = self.at.strftime("%d %B %Y")
        return f"ICB override by {self.by} on {when}" + (f": {self.reason}" if self.reason else "")


@dataclass(frozen=True)
class Line:
    """One payment's entitlement."""

    payment: c.Payment
    quantity: int
    rate: Decimal | None
    status: str
    how: str
    amount: Decimal | None
    schedule: tuple[tuple[dt.date, Decimal], ...]
    override: Override | None = None
    practices: tuple[tuple[Member, Decimal], ...] = ()
    #: False for an amount shown apart from the total (the IIF's maximum, when no achievement is computed)
    counted: bool = True
    #: the IIF computed from the network's indicators, when this line counts it
    earned: d.Earned | None = None

    @property
    def known(self) -> bool:
        return self.amount is not None

    @property
    def maximum(self) -> bool:
        """Whether the amount is the most that can be earned (not an IIF computed from achievement)."""
        return self.payment.maximum and self.earned is None

    def to_dict(self) -> dict[str, Any]:
        p = self.payment
        return {
            "key": p.key,
            "name": p.name,
            "basis": p.basis,
            "quantity": self.quantity,
            "rate": None if self.rate is None else float(self.rate),
            "per": p.per,
            "from": p.start.isoformat(),
            "to": p.end.isoformat(),
            "amount": None if self.amount is None else float(self.amount),
            "paid_to": p.paid_to,
            "schedule": p.schedule,
            "maximum": self.maximum,
            "counted": self.counted,
            "computed": self.earned is not None,
            "status": self.status,
            "source": self.override.describe() if self.override else p.source,
            "catalogue_source": p.source,
            "note": "; ".join(filter(None, [self.how, p.note])),
            "override": None if self.override is None else {
                "rate": float(self.override.rate), "by": self.override.by,
                "at": self.override.at.isoformat(), "reason": self.override.reason,
            },
            "practices": [{"code": m.code, "name": m.name, "amount": float(a)} for m, a in self.practices],
            "paid_from": None if p.paid_from is None else p.paid_from.isoformat(),
            "alternatives": [alternative_dict(a) for a in p.alternatives],
        }


def _gbp(amount: Decimal) -> str:
    return f"GBP {amount:,.2f}"


def alternative_dict(alternative: c.Alternative) -> dict[str, Any]:
    """Another published figure, as JSON."""
    return {
        "value": None if alternative.value is None else float(alternative.value),
        "from": None if alternative.start is None else alternative.start.isoformat(),
        "unit": alternative.unit,
        "source": alternative.source,
        "note": alternative.note,
    }


@dataclass(frozen=True)
class Entitlement:
    """A network's payments for one year."""

    year: FinancialYear
    population: Population
    lines: tuple[Line, ...]
    members: tuple[Member, ...] = field(default=())

    @property
    def counted(self) -> list[Line]:
        """The lines in the total: known, and not shown apart."""
        return [line for line in self.lines if line.known and line.counted]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.counted), ZERO)

    def total_to(self, paid_to: str) -> Decimal:
        return sum((line.amount for line in self.counted if line.payment.paid_to == paid_to), ZERO)

    @property
    def not_known(self) -> list[Line]:
        return [line for line in self.lines if not line.known]

    @property
    def not_counted(self) -> list[Line]:
        """Known amounts shown apart from the total (the IIF's maximum where no achievement is computed)."""
        return [line for line in self.lines if line.known and not line.counted]

    @property
    def iif(self) -> Line | None:
        """The Investment and Impact Fund's line (None in a year without one)."""
        return next((line for line in self.lines if line.payment.basis == c.POINTS), None)

    def line(self, key: str) -> Line | None:
        return next((line for line in self.lines if line.payment.key == key), None)

    def monthly(self) -> list[tuple[dt.date, Decimal]]:
        """Money due each month of the year (monthly payments, and claims if fully claimed evenly)."""
        by_month = {month: ZERO for month in self.year.months()}
        for line in self.lines:
            for month, amount in line.schedule:
                if month in by_month:
                    by_month[month] += amount
        return sorted(by_month.items())

    @property
    def after_year_end(self) -> Decimal:
        """Money paid after the year (IIF and CAIP, at most)."""
        return sum((line.amount for line in self.counted if line.payment.schedule == c.YEAR_END), ZERO)

    def per_head(self) -> Decimal | None:
        if not self.population.registered:
            return None
        return pence(self.total / self.population.registered)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year.label,
            "population": self.population.to_dict(),
            "defaulted_to_registered": self.population.defaulted(),
            "payments": [line.to_dict() for line in self.lines],
            "total": float(self.total),
            "total_to_pcn": float(self.total_to(c.TO_PCN)),
            "total_to_practices": float(self.total_to(c.TO_PRACTICES)),
            "paid_after_year_end": float(self.after_year_end),
            "not_known": [line.payment.key for line in self.not_known],
            "not_counted": [line.payment.key for line in self.not_counted],
            "monthly": [{"month": month.strftime("%Y-%m"), "amount": float(amount)} for month, amount in self.monthly()],
        }


def _amount(payment: c.Payment, rate: Decimal, quantity: int) -> Decimal:
    """The unrounded amount of ``rate`` on ``quantity`` over the payment's period."""
    if payment.basis == c.POINTS:
        if payment.points is None or not payment.average_list:
            raise ValueError(f"{payment.key}: an IIF amount needs points and the average list")
        return d.maximum_amount(payment.points, rate, quantity, payment.average_list)
    if payment.per == c.PER_PERIOD:
        return rate * quantity
    return rate * quantity * len(payment.months()) / MONTHS_IN_YEAR


def _schedule(payment: c.Payment, amount: Decimal, quantity: int, rate: Decimal,
              overridden: bool) -> tuple[tuple[dt.date, Decimal], ...]:
    """Split ``amount`` over the months it is paid in; the parts add up to ``amount`` exactly."""
    months = payment.months()
    if payment.schedule == c.YEAR_END:
        return ()
    count = len(months)
    revision = None if overridden else payment.revision
    parts: list[Decimal] = []
    if revision is None:
        parts = [pence(amount / count)] * count
    else:
        # Before the revision the previous rate is paid; the first month on or after it pays the arrears.
        old_monthly = pence(_amount(payment, revision.previous_rate, quantity) / count)
        new_monthly = pence(amount / count)
        changed = next((i for i, m in enumerate(months) if m >= revision.date), count - 1)
        parts = [old_monthly] * changed + [new_monthly] * (count - changed)
        parts[changed] += (new_monthly - old_monthly) * changed
    parts[-1] += amount - sum(parts)
    if payment.paid_from is not None:
        # The period starts before payments do: the months before ``paid_from`` are paid with its first payment.
        first = next(i for i, m in enumerate(months) if m >= payment.paid_from)
        parts = [sum(parts[:first + 1], ZERO)] + parts[first + 1:]
        months = months[first:]
    return tuple(zip(months, parts))


def payment_line(rates: c.YearRates, payment: c.Payment, population: Population,
                 override: Override | None = None, members: Sequence[Member] = (),
                 iif: d.Earned | None = None) -> Line:
    """Apply one payment to a population (and, for payments to practices, to each member); the IIF's line
    counts ``iif`` when given, else shows its maximum apart from the total."""
    quantity = population.of(payment.basis)
    if override is not None:
        rate, status, how = override.rate, c.VERIFIED, ""
    else:
        rate, status, how = rates.catalogue_rate(payment)
        if payment.basis == c.POINTS and rate is not None and (payment.points is None or not payment.average_list):
            rate, status, how = None, c.UNCERTAIN, "points not known"
    if payment.basis == c.POINTS and iif is not None:
        # The value of a point the IIF was computed with, or the ICB's in its place.
        rate = iif.value_per_point if override is None else override.rate
        status = iif.status if override is None else d.worst(c.VERIFIED, iif.status)
        full = payment.points is not None and bool(payment.average_list)
        most = f"up to {_gbp(pence(_amount(payment, rate, quantity)))} at full achievement" if full else ""
        how = "; ".join(filter(None, [iif.describe(), most]))
        return Line(payment, quantity, rate, status, how, iif.at(rate), (), override, earned=iif)
    if rate is None:
        return Line(payment, quantity, None, status, how, None, (), counted=payment.basis != c.POINTS)
    if payment.basis == c.POINTS:
        return Line(payment, quantity, rate, status, "; ".join(filter(None, [IIF_NOT_COUNTED, how])),
                    pence(_amount(payment, rate, quantity)), (), override, counted=False)
    shares: tuple[tuple[Member, Decimal], ...] = ()
    if payment.paid_to == c.TO_PRACTICES and members:
        shares = tuple((m, pence(_amount(payment, rate, m.population.of(payment.basis)))) for m in members)
        amount = sum((share for _, share in shares), ZERO)
    else:
        amount = pence(_amount(payment, rate, quantity))
    return Line(payment, quantity, rate, status, how, amount,
                _schedule(payment, amount, quantity, rate, override is not None), override, shares)


def entitlement(rates: c.YearRates, population: Population | None = None, *,
                overrides: Mapping[str, Override] | None = None,
                members: Sequence[Member] = (), iif: d.Earned | None = None) -> Entitlement:
    """A network's entitlement for the year of ``rates``.

    Give either the network's ``population`` or its ``members`` (whose lists are
    added up; the participation payment is then split by practice).  ``iif``: the Investment and Impact
    Fund computed from the network's indicators, counted in the total; without it the IIF's maximum is
    shown apart, not counted.
    """
    if population is None:
        if not members:
            raise ValueError("give the network's population or its member practices")
        population = Population(
            registered=sum(m.population.registered for m in members),
            weighted=sum(m.population.of(c.WEIGHTED) for m in members),
            adjusted=sum(m.population.of(c.ADJUSTED) for m in members),
            care_home_beds=sum(m.population.care_home_beds for m in members),
        )
    overrides = overrides or {}
    unknown = set(overrides) - {p.key for p in rates.payments}
    if unknown:
        raise ValueError(f"no payment {', '.join(sorted(unknown))} in {rates.year}")
    if iif is not None and not rates.year.start <= iif.as_of <= rates.year.end:
        raise ValueError(f"the IIF computed as of {iif.as_of} is not of {rates.year}")
    lines = tuple(payment_line(rates, p, population, overrides.get(p.key), members, iif) for p in rates.payments)
    return Entitlement(rates.year, population, lines, tuple(members))


def arrs_sum(rates: c.YearRates, weighted: int) -> Decimal | None:
    """The ARRS sum of a network with ``weighted`` patients (the GP pot of 2024/25 included), or None if unknown."""
    population = Population(registered=weighted, weighted=weighted)
    lines = [payment_line(rates, p, population) for p in rates.payments if p.key.startswith("arrs")]
    if not lines or any(not line.known for line in lines):
        return None
    return sum((line.amount for line in lines), ZERO)
