"""Codelists and dates as Ibis expressions: the building blocks every step shares.

* :func:`codelist_table` is a small table ``(code, key)`` of SNOMED CT codelists, joined to ``events``
  (by the measures; the pipeline's one pass over events is :mod:`.flags`).
* :class:`Flag` and :class:`MedicationFlag` are the flags steps ask :mod:`.flags` for (a flag is a set of
  codelists, optionally only after a date).
* :func:`bnf_match` is true for a BNF code in a BNF prefix list (``Codelist.matches`` as an expression);
  :func:`icd10_match` the same for an ICD-10 code (``hospital.diagnosis``) in ICD-10 lists.
* :func:`months_before` / :func:`years_before` compute window starts in Python, so that every engine
  gets the same date literal.

Windows are half-open: "in the 12 months before ``as_of``" means ``start < date <= as_of`` with
``start = months_before(as_of, 12)`` (the convention of :mod:`pcnhub.analytics.prevalence`); "ever"
means ``date <= as_of`` (later records are ignored).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.engines import memtable
from pcnhub.reference import codelists as cl


def months_before(day: dt.date, months: int) -> dt.date:
    """``day`` moved back ``months`` calendar months (the day clamped to the month's length)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def years_before(day: dt.date, years: float) -> dt.date:
    """``day`` moved back ``years`` (whole or half years, as months)."""
    return months_before(day, round(years * 12))


def date(day: dt.date) -> ir.DateScalar:
    return ibis.date(day.year, day.month, day.day)


@functools.cache
def _codelist_rows(keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    rows = set()
    for key in keys:
        codelist = cl.codelist(key)
        if codelist.system != "snomedct" or codelist.match != "exact":
            raise ValueError(f"codelist {key} is not an exact SNOMED CT list")
        rows.update((code, key) for code in codelist.codes)
    return tuple(sorted(rows))


def codelist_table(keys: Iterable[str]) -> ir.Table:
    """``(code string, key string)``: every code of the SNOMED CT codelists ``keys`` (a code may be in two)."""
    rows = _codelist_rows(tuple(sorted(set(keys))))
    return memtable({"code": [r[0] for r in rows], "key": [r[1] for r in rows]}, {"code": "string", "key": "string"})


@dataclass(frozen=True)
class Flag:
    """A patient has the flag when a code of ``keys`` is recorded on or before as_of and after ``since``."""

    keys: tuple[str, ...]
    since: dt.date | None = None


def bnf_match(column: ir.StringValue, keys: Iterable[str]) -> ir.BooleanValue:
    """True where the BNF code ``column`` starts with a prefix of one of the BNF codelists ``keys``."""
    prefixes = sorted({code for key in keys for code in _bnf_codes(key)})
    return ibis.or_(*[column.startswith(prefix) for prefix in prefixes])


def icd10_match(column: ir.StringValue, keys: Iterable[str]) -> ir.BooleanValue:
    """True where the ICD-10 code ``column`` starts with a code of one of the ICD-10 lists ``keys`` (False
    where it is null)."""
    prefixes = sorted({code for key in keys for code in _codes_of(key, "icd10")})
    return column.notnull() & ibis.or_(*[column.startswith(prefix) for prefix in prefixes])


def _codes_of(key: str, system: str) -> frozenset[str]:
    codelist = cl.codelist(key)
    if codelist.system != system:
        raise ValueError(f"codelist {key} is not an {system} list")
    return codelist.codes


def _bnf_codes(key: str) -> frozenset[str]:
    codelist = cl.codelist(key)
    if codelist.system != "bnf":
        raise ValueError(f"codelist {key} is not a BNF list")
    return codelist.codes


@dataclass(frozen=True)
class MedicationFlag:
    """Prescribed a drug of the BNF lists ``keys`` after ``since`` (and on or before as_of); ``repeat``:
    only repeat issues count."""

    keys: tuple[str, ...]
    since: dt.date | None = None
    repeat: bool = True


def with_flags(population: ir.Table, flags: ir.Table, names: Iterable[str]) -> ir.Table:
    """``population`` left-joined with a flags table; missing flags are False."""
    names = list(names)
    joined = population.left_join(flags.select("patient_id", *names), "patient_id")
    return joined.select(
        *[joined[c] for c in population.columns],
        *[joined[name].fill_null(False).name(name) for name in names],
    )


def left_join(base: ir.Table, *others: ir.Table, key: str = "patient_id") -> ir.Table:
    """``base`` left-joined with each of ``others`` on ``key``, keeping ``base``'s key column only."""
    for other in others:
        joined = base.left_join(other, key)
        base = joined.select(*[joined[c] for c in base.columns], *[joined[c] for c in other.columns if c != key])
    return base
