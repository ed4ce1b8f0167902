"""Whole pounds that add up, and the spread of per-head figures (issue 16: money explained).

Summary figures and per-year tables show whole pounds: pence on a six-figure entitlement suggest a
precision the rates and list sizes do not have. Rates per patient keep their pence (``£1.761``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from pcnhub.domain.money import catalogue as c

ROUNDING_NOTE = ("Amounts are rounded to the nearest pound; the payments are rounded so that they add up to the "
                 "rounded total, and a total of many networks is the sum of their rounded figures. "
                 "Rates per patient keep their pence.")


def round_pound(amount: Decimal) -> int:
    """``amount`` to the nearest pound, halves up."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def whole_pounds(amounts: Sequence[Decimal]) -> list[int]:
    """Each amount in whole pounds, adding up to the rounded sum (largest remainder: the amounts with the
    largest pence are rounded up, the others down; ties go to the earlier amount)."""
    if not amounts:
        return []
    target = round_pound(sum(amounts, Decimal(0)))
    floors = [int(a.quantize(Decimal(1), rounding=ROUND_FLOOR)) for a in amounts]
    extra = target - sum(floors)
    order = sorted(range(len(amounts)), key=lambda i: (-(amounts[i] - floors[i]), i))
    for i in order[:extra]:
        floors[i] += 1
    return floors


@dataclass(frozen=True)
class Whole:
    """An entitlement in whole pounds: each counted line (adding up to ``total``), and the lines shown apart."""

    lines: dict[str, int]
    total: int
    to_pcn: int
    to_practices: int
    arrs: int
    after_year_end: int

    def __add__(self, other: Whole) -> Whole:
        return Whole({}, self.total + other.total, self.to_pcn + other.to_pcn,
                     self.to_practices + other.to_practices, self.arrs + other.arrs,
                     self.after_year_end + other.after_year_end)


ZERO_WHOLE = Whole({}, 0, 0, 0, 0, 0)


def whole(entitlement) -> Whole:
    """An :class:`~pcnhub.domain.money.entitlements.Entitlement` in whole pounds that add up."""
    counted = entitlement.counted
    parts = dict(zip((line.payment.key for line in counted), whole_pounds([line.amount for line in counted])))
    lines = {**{line.payment.key: round_pound(line.amount) for line in entitlement.not_counted}, **parts}

    def of(test) -> int:
        return sum(parts[line.payment.key] for line in counted if test(line.payment))

    return Whole(lines, sum(parts.values()), of(lambda p: p.paid_to == c.TO_PCN),
                 of(lambda p: p.paid_to == c.TO_PRACTICES), of(lambda p: p.key.startswith("arrs")),
                 of(lambda p: p.schedule == c.YEAR_END))


def gbp_whole(amount: int | None) -> str:
    """``£1,234`` (whole pounds), or ``Not known``."""
    if amount is None:
        return "Not known"
    return f"-£{-amount:,}" if amount < 0 else f"£{amount:,}"


# --- Spread ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """Lowest, quartiles, median and highest of some values (quartiles by linear interpolation between the
    sorted values, as a spreadsheet's QUARTILE.INC)."""

    count: int
    lowest: Decimal
    lower_quartile: Decimal
    median: Decimal
    upper_quartile: Decimal
    highest: Decimal


def quantile(ordered: Sequence[Decimal], q: Decimal) -> Decimal:
    """The ``q`` quantile (0 to 1) of sorted values, interpolating linearly."""
    where = (len(ordered) - 1) * q
    low = int(where)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (where - low)


def spread(values: Sequence[Decimal]) -> Spread | None:
    """The spread of ``values`` (None when there are none)."""
    ordered = sorted(values)
    if not ordered:
        return None
    return Spread(len(ordered), ordered[0], quantile(ordered, Decimal("0.25")), quantile(ordered, Decimal("0.5")),
                  quantile(ordered, Decimal("0.75")), ordered[-1])


def position(value: Decimal, values: Sequence[Decimal]) -> int:
    """Where ``value`` stands among ``values``, highest first: 1 + how many are higher (ties share a place)."""
    return 1 + sum(1 for v in values if v > value)
