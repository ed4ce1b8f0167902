"""Load the Network Contract rates catalogue (``network_contract/YYYY-YY.toml``) into :class:`YearRates`."""

from __future__ import annotations

import datetime as dt
import dataclasses
import functools
import tomllib
from decimal import Decimal
from importlib import resources
from typing import Any

from pcnhub.domain import iif as d
from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.years import FinancialYear, catalogue_years
from pcnhub.reference import iif
from pcnhub.reference.catalogue_files import figure, year_file

_FOLDER = "network_contract"
_REQUIRED = ("key", "name", "basis", "status", "source")
_KNOWN = set(_REQUIRED) | {
    "rate", "pot", "per", "from", "to", "paid_to", "schedule", "maximum", "note", "points", "average_list",
    "revision", "alternatives", "paid_from", "document",
}
_DOCUMENT_FIELDS = {"title", "year", "publisher", "section", "note"}
_EXPLAINED = "explained.toml"
_ALTERNATIVE_FIELDS = {"value", "from", "unit", "source", "note"}


class CatalogueError(ValueError):
    """A catalogue file that cannot be used: names the file and the payment."""


def _decimal(value: Any, where: str) -> Decimal:
    return figure(value, where, CatalogueError)


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise CatalogueError(f"{where}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _date(value: Any, year: FinancialYear, where: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise CatalogueError(f"{where}: {value!r} is not a date (write 2022-10-01)")
    if not year.start <= value <= year.end:
        raise CatalogueError(f"{where}: {value} is outside {year}")
    return value


def _alternatives(entries: Any, year: FinancialYear, where: str) -> tuple[c.Alternative, ...]:
    """Other published figures of a payment: each needs a source and a value or a start date."""
    if not isinstance(entries, list):
        raise CatalogueError(f"{where} alternatives: write a list like [{{ value = 0.729, source = \"...\" }}]")
    out = []
    for number, entry in enumerate(entries, 1):
        here = f"{where} alternative {number}"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{here}: {entry!r} is not a table with value and source")
        unknown = set(entry) - _ALTERNATIVE_FIELDS
        if unknown:
            raise CatalogueError(f"{here}: unknown fields {', '.join(sorted(unknown))}")
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            raise CatalogueError(f"{here}: missing source (say who published the other figure)")
        if "value" not in entry and "from" not in entry:
            raise CatalogueError(f"{here}: missing value (or from, for another start date)")
        out.append(c.Alternative(
            source=source,
            value=_decimal(entry["value"], f"{here} value") if "value" in entry else None,
            start=_date(entry["from"], year, f"{here} from") if "from" in entry else None,
            unit=str(entry.get("unit", "")), note=str(entry.get("note", "")),
        ))
    return tuple(out)


def _document(entry: Any, where: str) -> c.Document:
    """A document reference: title and year; a section only as the sources give it, else a note saying why."""
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: write document = {{ title = \"...\", year = \"2023/24\", ... }}")
    unknown = set(entry) - _DOCUMENT_FIELDS
    if unknown:
        raise CatalogueError(f"{where}: unknown fields {', '.join(sorted(unknown))}")
    for name in ("title", "year"):
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise CatalogueError(f"{where}: missing {name}")
    try:
        FinancialYear.parse(entry["year"])
    except ValueError as err:
        raise CatalogueError(f"{where}: year {entry['year']!r} ({err})") from None
    section, note = str(entry.get("section", "")).strip(), str(entry.get("note", "")).strip()
    if not section and not note:
        raise CatalogueError(f"{where}: without a section, say in note why (no section number is invented)")
    return c.Document(entry["title"].strip(), entry["year"], str(entry.get("publisher", "")).strip(), section, note)


def parse_year(data: dict[str, Any], file: str) -> c.YearRates:
    """Validate one year's catalogue data (as read from TOML) and build :class:`YearRates`."""
    try:
        year = FinancialYear.parse(data["year"])
    except (KeyError, ValueError) as err:
        raise CatalogueError(f"{file}: the file needs a year like \"2023/24\" ({err})") from None
    national = {}
    for basis, entry in (data.get("national") or {}).items():
        where = f"{file} [national.{basis}]"
        _choice(basis, c.POPULATION_BASES, where)
        for name in ("value", "status", "source"):
            if name not in entry:
                raise CatalogueError(f"{where}: missing {name}")
        national[basis] = c.Sourced(
            _decimal(entry["value"], where), _choice(entry["status"], c.STATUSES, where), entry["source"],
            entry.get("note", ""),
        )
    default_document = _document(data["document"], f"{file} [document]") if "document" in data else None
    payments = []
    seen = set()
    for number, entry in enumerate(data.get("payments") or [], 1):
        where = f"{file} payment {number} ({entry.get('key', '?')})"
        missing = [name for name in _REQUIRED if not entry.get(name)]
        if missing:
            raise CatalogueError(f"{where}: missing {', '.join(missing)}")
        unknown = set(entry) - _KNOWN
        if unknown:
            raise CatalogueError(f"{where}: unknown fields {', '.join(sorted(unknown))}")
        if entry["key"] in seen:
            raise CatalogueError(f"{where}: the key {entry['key']!r} appears twice")
        seen.add(entry["key"])
        basis = _choice(entry["basis"], c.BASES, where)
        if "rate" in entry and "pot" in entry:
            raise CatalogueError(f"{where}: give a rate or a pot, not both")
        if "pot" in entry and entry["basis"] not in national:
            raise CatalogueError(f"{where}: a pot needs the national {basis} population in [national.{basis}]")
        start = _date(entry.get("from", year.start), year, f"{where} from")
        end = _date(entry.get("to", year.end), year, f"{where} to")
        if end < start or start.day != 1 or (end + dt.timedelta(days=1)).day != 1:
            raise CatalogueError(f"{where}: the period {start} to {end} must be whole months")
        revision = None
        if "revision" in entry:
            rev = entry["revision"]
            if "rate" not in entry or "date" not in rev or "previous_rate" not in rev:
                raise CatalogueError(f"{where}: a revision needs the rate, revision.date and revision.previous_rate")
            revision = c.Revision(_date(rev["date"], year, f"{where} revision.date"),
                                  _decimal(rev["previous_rate"], f"{where} revision.previous_rate"))
        paid_from = None
        if "paid_from" in entry:
            paid_from = _date(entry["paid_from"], year, f"{where} paid_from")
            if not start <= paid_from <= end or paid_from.day != 1:
                raise CatalogueError(f"{where}: paid_from {paid_from} must be the first day of a month from {start} to {end}")
        if basis == c.POINTS and "rate" in entry and ("points" not in entry or "average_list" not in entry):
            raise CatalogueError(f"{where}: an IIF rate needs points and average_list")
        payments.append(c.Payment(
            key=entry["key"], name=entry["name"], basis=basis, start=start, end=end,
            status=_choice(entry["status"], c.STATUSES, where), source=entry["source"],
            rate=_decimal(entry["rate"], f"{where} rate") if "rate" in entry else None,
            pot=_decimal(entry["pot"], f"{where} pot") if "pot" in entry else None,
            per=_choice(entry.get("per", c.PER_YEAR), (c.PER_YEAR, c.PER_PERIOD), f"{where} per"),
            paid_to=_choice(entry.get("paid_to", c.TO_PCN), (c.TO_PCN, c.TO_PRACTICES), f"{where} paid_to"),
            schedule=_choice(entry.get("schedule", c.MONTHLY), c.SCHEDULES, f"{where} schedule"),
            maximum=bool(entry.get("maximum", False)), note=entry.get("note", ""),
            points=_decimal(entry["points"], f"{where} points") if "points" in entry else None,
            average_list=_decimal(entry["average_list"], f"{where} average_list") if "average_list" in entry else None,
            revision=revision,
            alternatives=_alternatives(entry.get("alternatives", []), year, where), paid_from=paid_from,
            document=_document(entry["document"], f"{where} document") if "document" in entry else default_document,
        ))
    return c.YearRates(year, tuple(payments), national, file)


@functools.cache
def year_rates(year: FinancialYear) -> c.YearRates:
    """The catalogue of one financial year; ValueError if the catalogue does not cover it."""
    data, file = year_file(_FOLDER, year, "rates catalogue", catalogue_years())
    rates = parse_year(data, file)
    if rates.year != year:
        raise CatalogueError(f"{file}: says year {rates.year}, expected {year}")
    return with_iif(with_explanations(rates, explanations()))


@functools.cache
def explanations() -> dict[str, Any]:
    """The parsed ``network_contract/explained.toml``: what each payment is for and who is paid."""
    path = resources.files("pcnhub.reference").joinpath(_FOLDER, _EXPLAINED)
    return tomllib.loads(path.read_text(encoding="utf-8"))


def explained(data: dict[str, Any], payment: c.Payment, year: FinancialYear) -> c.Explained:
    """A payment's purpose and payee for ``year`` (a ``by_year`` entry wins); CatalogueError if any is missing."""
    where = f"{_FOLDER}/{_EXPLAINED} payments.{payment.key}"
    entry = (data.get("payments") or {}).get(payment.key)
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: missing (every payment says what it is for)")
    entry = {**entry, **(entry.get("by_year") or {}).get(year.label, {})}
    payee_key = "practices_payee" if payment.paid_to == c.TO_PRACTICES else "pcn_payee"
    payee = entry.get("payee") or (data.get(payee_key) or {}).get("payee")
    for name, value in (("purpose", entry.get("purpose")), ("source", entry.get("source")), ("payee", payee)):
        if not isinstance(value, str) or not value.strip():
            raise CatalogueError(f"{where}: missing {name}")
    must = "practice" if payment.paid_to == c.TO_PRACTICES else "nominated payee"
    if must not in payee.lower():
        raise CatalogueError(f"{where}: the payee {payee!r} does not match paid_to {payment.paid_to!r}")
    sources = [entry["source"]]
    payee_source = (data.get(payee_key) or {}).get("source")
    if "payee" not in entry and payee_source:
        sources.append(payee_source)
    return c.Explained(entry["purpose"].strip(), payee.strip(), "; ".join(sources))


def with_explanations(rates: c.YearRates, data: dict[str, Any]) -> c.YearRates:
    """Every payment with what it is for and who is paid; each must also cite its document."""
    out = []
    for payment in rates.payments:
        if payment.document is None:
            raise CatalogueError(f"{rates.file} payment {payment.key}: no document (give [document] or document =)")
        out.append(dataclasses.replace(payment, explained=explained(data, payment, rates.year)))
    return dataclasses.replace(rates, payments=tuple(out))


def with_iif(rates: c.YearRates) -> c.YearRates:
    """The IIF line with its points, value of a point and average PCN list from the IIF catalogue.

    The IIF catalogue (``reference/iif/``) is the one source of those figures: a rates file may not
    give them itself.  A year the IIF catalogue does not cover (2019/20) keeps its line as it is.
    """
    line = rates.payment("iif")
    if line is None or rates.year not in iif.catalogue_years():
        return rates
    if any(value is not None for value in (line.points, line.rate, line.average_list)):
        raise CatalogueError(f"{rates.file}: the iif line may not give points, rate or average_list; "
                             "they come from reference/iif/")
    year = iif.iif_year(rates.year)
    figures = (year.total_points, year.point_value, year.average_list)
    maximum = d.maximum(year, 0)
    how = ("the IIF maximum: total points x value of a point x list / national average PCN list, from the "
           f"Investment and Impact Fund catalogue for {year.year}")
    if maximum.amount is None:
        how += f"; {maximum.how}, so the maximum cannot be computed"
    filled = dataclasses.replace(
        line, points=year.total_points.value, rate=year.point_value.value, average_list=year.average_list.value,
        status=d.worst(*(f.status for f in figures)), note="; ".join(filter(None, [how, line.note])))
    return dataclasses.replace(rates, payments=tuple(filled if p is line else p for p in rates.payments))


def all_years() -> list[c.YearRates]:
    return [year_rates(year) for year in catalogue_years()]
