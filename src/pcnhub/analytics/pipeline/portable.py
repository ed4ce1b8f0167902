"""Arithmetic that gives the same bits on every engine, as Ibis expressions.

Addition, subtraction, multiplication, division and square roots of doubles are IEEE 754 operations: DuckDB and
Spark round them alike, so an expression built from them alone has the same bits on both.  Functions the engines
take from their own maths libraries do not: on 600,000 values, Spark's ``exp``, ``ln`` and ``pow`` differed from
DuckDB's (which are the C library's, as Python's ``math``) in the last bit about one time in ten, and so did one
QRISK3 score in a hundred.  Sums of doubles differ from run to run with the order the engine's threads add them in.

* :meth:`Stages.exp` and :meth:`Stages.ln` are computed here from those operations (range reduction by powers of
  two, which is exact, and a polynomial): within one unit in the last place of Python's ``math`` (measured on
  700,000 values; tested on 100,000 on each engine), and the same bits on every engine.
* :meth:`Stages.power` raises to a whole power by multiplying (and dividing), to any other power through ``exp``.
* :func:`exact_sum` adds up doubles as integers: each value split into its whole part and two 26-bit parts of
  its fraction, each part added up as an int64 (exact, so the order does not matter), and the three sums made
  one double again by the same operations on every engine.
* :func:`int64_sum` adds up int64 to an int64 on every engine (DuckDB's own sum of a BIGINT is a HUGEINT).

The constants are those of fdlibm's ``exp`` and ``log`` (Sun Microsystems, 1993; the sources of Java's
``StrictMath`` and of many C libraries): ``LN2_HI`` holds the high 32 bits of ln 2, so ``k * LN2_HI`` is exact
for any ``|k| < 2**21``, and ``LN2_LO`` the rest.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Final

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

LN2_HI: Final = 6.93147180369123816490e-01  # fdlibm e_exp.c ln2HI[0]
LN2_LO: Final = 1.90821492927058770002e-10  # fdlibm e_exp.c ln2LO[0]
INV_LN2: Final = 1.44269504088896338700e00  # fdlibm e_exp.c invln2
SQRT2: Final = math.sqrt(2.0)  # correctly rounded; SQRT2 / 2 is exact
#: exp(r) for |r| <= ln(2)/2 by its Taylor series to r**13 / 13!: the first term left out is below 5e-18
EXP_TERMS: Final = tuple(float(Fraction(1, math.factorial(n))) for n in range(14))
#: ln(m) = 2 atanh(s), s = (m - 1) / (m + 1), for sqrt(1/2) <= m < sqrt(2) (|s| < 0.1716): the series
#: 2 (s + s**3/3 + ... + s**23/23); the first term left out is below 1e-19 of the sum (fdlibm fits a
#: shorter polynomial to the same series; this one is its plain Taylor form, its coefficients 2 / (2j + 1))
LN_TERMS: Final = tuple(float(Fraction(2, 2 * j + 1)) for j in range(12))
#: exact_sum's split of a fraction: two parts of this many bits (the second rounded), 2**-52 in all
PART_BITS: Final = 26
#: :func:`to_fixed`'s binary places: a step of 2**-40 (about 9e-13), and room for sums below 2**23 (8 million)
FIXED_BITS: Final = 40


def _two_to(k: ir.IntegerValue) -> ir.FloatingValue:
    """2**k, exact on every engine for whole k in the range of doubles (C's and Java's ``pow`` are exact when
    the result is representable)."""
    return ibis.literal(2.0, "float64") ** k


def _horner(x: ir.FloatingValue, coefficients: tuple[float, ...]) -> ir.FloatingValue:
    """coefficients[0] + coefficients[1] x + ..., evaluated from the highest term down."""
    value = ibis.literal(coefficients[-1], "float64")
    for c in reversed(coefficients[:-1]):
        value = value * x + c
    return value


class Stages:
    """A table to which :meth:`exp`, :meth:`ln` and :meth:`power` add the values they read more than once as
    columns, one projection at a time, and return an expression of the result.

    Written as one expression, a polynomial repeats its argument in full at every term (a QRISK3 score would be
    700 KB of SQL, more than Spark's parser can hold); an argument read several times is a column of its own
    projection, which Ibis does not fold back into the one before (it would grow).  Each projection carries the
    table's columns along, which costs time, so there are as few as the sizes allow: an argument that is already a
    column is used as it is, the same value is added once, and the small steps are written out in full.
    Expressions given to the methods may use columns of the table as it was at any earlier step; :meth:`done`
    adds the final columns and leaves the steps out."""

    def __init__(self, table: ir.Table) -> None:
        self.table = table
        self._columns = list(table.columns)
        self._steps = 0
        self._added: dict[object, ir.Column] = {}

    def _add(self, **values: ir.Value) -> list[ir.Column]:
        names = {f"_step{self._steps}_{name}": value for name, value in values.items()}
        self._steps += 1
        self.table = self.table.mutate(**names)
        return [self.table[name] for name in names]

    def _column(self, value: ir.NumericValue) -> ir.FloatingValue:
        """``value`` as a double column: itself when it is one, else added (once for the same expression)."""
        if not value.type().is_float64():
            value = value.cast("float64")
        if isinstance(value.op(), ops.Field):
            return value
        if value.op() not in self._added:
            (self._added[value.op()],) = self._add(value=value)
        return self._added[value.op()]

    def exp(self, x: ir.NumericValue) -> ir.FloatingValue:
        """e**x, for |x| <= 700 (null for null)."""
        x = self._column(x)
        k = (x * INV_LN2 + 0.5).floor().cast("int64")
        kf = k.cast("float64")
        k, r = self._add(k=k, r=(x - kf * LN2_HI) - kf * LN2_LO)
        return _horner(r, EXP_TERMS) * _two_to(k)

    def ln(self, x: ir.NumericValue) -> ir.FloatingValue:
        """The natural logarithm of a positive normal double (null for null).

        ``x = m * 2**k`` with ``sqrt(1/2) <= m < sqrt(2)``: the engine's own ``ln`` guesses ``k`` (it may be one
        out near the boundaries, differently on each engine), then one exact comparison puts it right, so ``k``
        and ``m`` are the same everywhere.  Then fdlibm's ``log``: ``f = m - 1``, ``s = f / (2 + f)`` and
        ``ln(m) = f - f**2/2 + s * (f**2/2 + rest)``, the rounded terms kept small."""
        x = self._column(x)
        guess = (x.ln() * INV_LN2 + 0.5).floor().cast("int64")
        scaled = x / _two_to(guess)
        (k,) = self._add(k=guess + (scaled >= SQRT2).cast("int64") - (scaled < SQRT2 / 2).cast("int64"))
        (f,) = self._add(f=x / _two_to(k) - 1.0)  # the subtraction is exact (Sterbenz)
        s = f / (2.0 + f)
        z = s * s
        rest = z * _horner(z, LN_TERMS[1:])  # 2 atanh(s) = 2 s + s * rest
        half_square = 0.5 * f * f
        kf = k.cast("float64")
        return kf * LN2_HI - ((half_square - (s * (half_square + rest) + kf * LN2_LO)) - f)

    def power(self, base: ir.NumericValue | float, exponent: ir.NumericValue | float) -> ir.FloatingValue:
        """``base ** exponent``: a whole constant exponent by multiplying (a negative one then dividing 1 by the
        product), otherwise ``exp(exponent * ln(base))`` (a constant base's log from Python: one literal for
        every engine)."""
        if isinstance(exponent, (int, float)) and float(exponent).is_integer() and not isinstance(base, (int, float)):
            n = int(exponent)
            if n == 0:
                return ibis.literal(1.0, "float64")
            base = self._column(base)
            product = base
            for _ in range(abs(n) - 1):
                product = product * base
            return product if n > 0 else 1.0 / product
        log_base = math.log(base) if isinstance(base, (int, float)) else self.ln(base)
        return self.exp(exponent * log_base)

    def done(self, **columns: ir.Value) -> ir.Table:
        """The table with ``columns`` added (expressions of its steps) and without the steps' own columns."""
        return self.table.mutate(**columns).select(*self._columns, *columns)


def exact_sum(value: ir.NumericValue, where: ir.BooleanValue | None = None) -> ir.FloatingValue:
    """The sum of ``value`` (rows where ``where``), the same bits in every run and on every engine.

    Each value ``v`` is split exactly into ``floor(v)`` and its fraction, the fraction into two parts of
    :data:`PART_BITS` bits (the second rounded to the nearest: 2**-52 in all, exact for any ``|v| >= 1``); the
    three parts are added up as int64 (an exact sum, whatever the order) and made one double by the same
    operations everywhere.  For ``|v| < 2**53``; a sum over up to 2**37 rows."""
    v = value.cast("float64")
    whole = v.floor().cast("int64")
    scale = float(2**PART_BITS)
    high = (v - whole.cast("float64")) * scale  # exact: the fraction, scaled by a power of two
    middle = high.floor().cast("int64")
    low = ((high - middle.cast("float64")) * scale + 0.5).floor().cast("int64")
    total = whole.sum(where=where).cast("float64")
    fraction = middle.sum(where=where).cast("float64") / scale + low.sum(where=where).cast("float64") / scale**2
    return total + fraction


def int64_sum(column: ir.IntegerValue) -> ir.IntegerValue:
    """A sum of int64 as an int64 on every engine: DuckDB sums a BIGINT to a HUGEINT, which its Parquet writer
    writes as a double (Spark's counts file had ``counted`` int64, DuckDB's double), and Ibis drops a cast of the
    sum to int64 as a no-op (its type for the sum is int64 already), so the sum goes by way of a decimal."""
    return column.sum().cast("decimal(38, 0)").cast("int64")


def to_fixed(value: ir.NumericValue) -> ir.IntegerValue:
    """A non-negative double as an int64 count of 2**-:data:`FIXED_BITS` (rounded to the nearest), for running sums
    (window sums) that :func:`exact_sum` cannot be: integers add up exactly in any order, on any engine.  For
    values and sums below 2**23."""
    return (value.cast("float64") * float(2**FIXED_BITS) + 0.5).floor().cast("int64")


def from_fixed(value: ir.IntegerValue) -> ir.FloatingValue:
    """The double of a :func:`to_fixed` sum (rounded to the nearest double alike on every engine)."""
    return value.cast("float64") / float(2**FIXED_BITS)
