"""The rates catalogue as plain objects: each payment of a financial year with its rate, basis, period and source.

The files are in :mod:`pcnhub.reference` (``network_contract/*.toml``) and read by
:mod:`pcnhub.reference.rates`; this module only describes what they hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from pcnhub.domain.money.years import FinancialYear

# What a rate multiplies.
REGISTERED: Final = "registered"  # registered (raw) list at 1 January
WEIGHTED: Final = "weighted"  # contractor weighted (Carr-Hill) list
ADJUSTED: Final = "adjusted"  # PCN adjusted population
CARE_HOME_BEDS: Final = "care_home_beds"  # CQC-registered beds in aligned care homes
POINTS: Final = "points"  # IIF points
BASES: Final = (REGISTERED, WEIGHTED, ADJUSTED, CARE_HOME_BEDS, POINTS)
POPULATION_BASES: Final = (REGISTERED, WEIGHTED, ADJUSTED)
BASIS_LABELS: Final = {
    REGISTERED: "registered list",
    WEIGHTED: "weighted list",
    ADJUSTED: "adjusted population",
    CARE_HOME_BEDS: "care home beds",
    POINTS: "IIF points",
}

# How a rate applies over time.
PER_YEAR: Final = "year"  # annual rate, paid pro rata over the months of the period
PER_PERIOD: Final = "period"  # the amount for the whole period

# Who receives the money.
TO_PCN: Final = "pcn"
TO_PRACTICES: Final = "practices"

# When it is paid.
MONTHLY: Final = "monthly"
CLAIMS: Final = "claims"
YEAR_END: Final = "year_end"
SCHEDULES: Final = (MONTHLY, CLAIMS, YEAR_END)

# How sure the figure is.
VERIFIED: Final = "verified"
DERIVED: Final = "derived"
UNCERTAIN: Final = "uncertain"
STATUSES: Final = (VERIFIED, DERIVED, UNCERTAIN)


@dataclass(frozen=True)
class Sourced:
    """A national figure (population) with where it comes from."""

    value: Decimal
    status: str
    source: str
    note: str = ""


@dataclass(frozen=True)
class Revision:
    """A mid-year change of rate: ``previous_rate`` applied until ``date``; the new rate is back-dated."""

    date: dt.date
    previous_rate: Decimal


@dataclass(frozen=True)
class Alternative:
    """Another published figure for a payment, recorded beside the one the calculation uses.

    ``value`` is another rate (or, with ``unit``, another amount, e.g. a sum per PCN) and ``start``
    another date the payment is said to start from; at least one of them is given.
    """

    source: str
    value: Decimal | None = None
    start: dt.date | None = None
    unit: str = ""
    note: str = ""


@dataclass(frozen=True)
class Document:
    """The NHS document a payment comes from: its title, year and, where our sources give one, section.

    Without a section, ``note`` says why (no section number is invented).
    """

    title: str
    year: str
    publisher: str = ""
    section: str = ""
    note: str = ""

    def cite(self) -> str:
        """``Title (publisher), section 8.1`` or ``Title (publisher); section not given``: for people."""
        text = self.title if self.year in self.title else f"{self.title} {self.year}"
        if self.publisher:
            text += f" ({self.publisher})"
        return f"{text}, section {self.section}" if self.section else f"{text}; section not given"


@dataclass(frozen=True)
class Explained:
    """What a payment is for and who is paid, in plain words, with the source of the wording."""

    purpose: str
    payee: str
    source: str


@dataclass(frozen=True)
class Payment:
    """One payment line of a year's catalogue (see ``reference/network_contract/README.md``)."""

    key: str
    name: str
    basis: str
    start: dt.date
    end: dt.date
    status: str
    source: str
    rate: Decimal | None = None
    pot: Decimal | None = None
    per: str = PER_YEAR
    paid_to: str = TO_PCN
    schedule: str = MONTHLY
    maximum: bool = False
    note: str = ""
    points: Decimal | None = None
    average_list: Decimal | None = None
    revision: Revision | None = None
    alternatives: tuple[Alternative, ...] = ()
    paid_from: dt.date | None = None  # first month paid; earlier months of the period are paid then as arrears
    document: Document | None = None  # the NHS document the payment comes from
    explained: Explained | None = None  # what it is for and who is paid

    def months(self) -> list[dt.date]:
        """The first day of each month the payment covers."""
        out = []
        day = dt.date(self.start.year, self.start.month, 1)
        while day <= self.end:
            out.append(day)
            day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return out


@dataclass(frozen=True)
class YearRates:
    """Every payment of one financial year, with the national populations that turn pots into rates."""

    year: FinancialYear
    payments: tuple[Payment, ...]
    national: dict[str, Sourced] = field(default_factory=dict)
    file: str = ""

    def payment(self, key: str) -> Payment | None:
        return next((p for p in self.payments if p.key == key), None)

    def catalogue_rate(self, payment: Payment) -> tuple[Decimal | None, str, str]:
        """The payment's rate per unit as the catalogue gives it, its status and how it was found.

        A pot is shared by the payment's basis over the national population of that basis.
        """
        if payment.rate is not None:
            return payment.rate, payment.status, ""
        if payment.pot is not None:
            national = self.national.get(payment.basis)
            if national is None or not national.value:
                return None, UNCERTAIN, f"no national {BASIS_LABELS[payment.basis]} to share the pot"
            status = UNCERTAIN if UNCERTAIN in (payment.status, national.status) else DERIVED
            how = f"GBP {payment.pot:,.0f} / {national.value:,.0f} national {BASIS_LABELS[payment.basis]}"
            return payment.pot / national.value, status, how
        return None, UNCERTAIN, "rate not known"
