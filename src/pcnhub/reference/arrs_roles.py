"""Load the ARRS roles catalogue and the typical 50k-network plan from package data.

``arrs/roles.toml`` lists every role with its eligibility date, band note and
published maxima per WTE, the reimbursement rates and the caps on numbers by
year; ``arrs/typical_50k_plan.csv`` (with ``typical_50k_plan.toml``) is the
typical plan of seed 003.  Every entry is validated: a missing or bad value is
an :class:`~pcnhub.domain.errors.InputError` naming the file and the entry
(e.g. ``roles.toml, field role clinical_pharmacist.max_per_wte[2].amount``).

Financial years 2019/20-2025/26 without a published maximum for a role get the
latest earlier figure, marked "uncertain" with the note "carried forward from
YYYY/YY", or an unknown amount when there is none earlier.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import tomllib
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any, Final

from pcnhub.domain.errors import InputError, Problems
from pcnhub.domain.money.arrs import (
    CAP_POLICIES,
    CAPS_LISTED,
    STATUSES,
    UNCERTAIN,
    CapLimit,
    CapPolicy,
    DatedAmount,
    FundingFigure,
    ReimbursementRate,
    Role,
    RolesCatalogue,
    SeparatePot,
    TypicalPlan,
    normalise_role_name,
)
from pcnhub.domain.money.years import FinancialYear, catalogue_years

PACKAGE: Final = "pcnhub.reference"
ROLES_FILE: Final = "roles.toml"
PLAN_FILE: Final = "typical_50k_plan.toml"
_KEY: Final = re.compile(r"[a-z][a-z0-9_]*")


def data_text(name: str) -> str:
    """The text of a file in the package's ``arrs`` folder."""
    return resources.files(PACKAGE).joinpath("arrs", name).read_text(encoding="utf-8")


@functools.cache
def load_catalogue() -> RolesCatalogue:
    """The packaged roles catalogue (read and validated once)."""
    return parse_catalogue(data_text(ROLES_FILE), ROLES_FILE)


@functools.cache
def load_typical_plan() -> TypicalPlan:
    """The packaged typical plan of a 50,000-patient network, role names mapped to catalogue keys."""
    return parse_typical_plan(data_text(PLAN_FILE), PLAN_FILE, load_catalogue())


class _Reader:
    """Typed access to TOML tables; each bad value is a problem naming the entry."""

    def __init__(self, file: str) -> None:
        self.problems = Problems(file)
        self.sources: dict[str, str] = {}

    def add(self, where: str, message: str) -> None:
        self.problems.add(None, where.removeprefix("."), message)

    def get(
        self,
        table: dict[str, Any],
        key: str,
        where: str,
        kinds: type | tuple[type, ...],
        *,
        required: bool = True,
        default: Any = None,
    ) -> Any:
        if key not in table:
            if required:
                self.add(f"{where}.{key}", "is missing")
            return default
        value = table[key]
        if isinstance(kinds, tuple) and dt.date in kinds or kinds is dt.date:
            if type(value) is not dt.date:
                self.add(f"{where}.{key}", f"{value!r} is not a date (write it like 2020-04-01, unquoted)")
                return default
            return value
        if isinstance(value, bool) or not isinstance(value, kinds):
            self.add(f"{where}.{key}", f"{value!r} has the wrong type")
            return default
        return value

    def only(self, table: dict[str, Any], allowed: Sequence[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                self.add(f"{where}.{key}", f"unknown entry (expected {', '.join(allowed)})")

    def text(self, table: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = self.get(table, key, where, str, required=required, default="")
        if required and isinstance(value, str) and not value.strip() and key in table:
            self.add(f"{where}.{key}", "is blank")
        return value

    def status(self, table: dict[str, Any], where: str) -> str:
        value = self.text(table, "status", where)
        if value and value not in STATUSES:
            self.add(f"{where}.status", f"{value!r} is not one of {', '.join(STATUSES)}")
            return UNCERTAIN
        return value or UNCERTAIN

    def source(self, table: dict[str, Any], where: str) -> str:
        value = self.text(table, "source", where)
        if value and value not in self.sources:
            self.add(f"{where}.source", f"{value!r} is not in [sources] (known: {', '.join(self.sources)})")
        return self.sources.get(value, value)

    def amount(self, table: dict[str, Any], key: str, where: str, *, required: bool = True) -> Decimal | None:
        value = self.get(table, key, where, (int, str), required=required)
        if value is None:
            return None
        try:
            number = Decimal(str(value).replace(",", ""))
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or number <= 0:
            self.add(f"{where}.{key}", f"{value!r} is not an amount more than 0")
            return None
        return number

    def tables(self, table: dict[str, Any], key: str, where: str) -> list[tuple[str, dict[str, Any]]]:
        """The list of tables under ``key`` with their "where" names (``key[i]``)."""
        value = self.get(table, key, where, list, default=[])
        found = []
        for number, item in enumerate(value):
            name = f"{where}.{key}[{number}]" if where else f"{key}[{number}]"
            if isinstance(item, dict):
                found.append((name, item))
            else:
                self.add(name, f"{item!r} is not a table")
        return found


def _parse_toml(text: str, file: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError.single(file, f"the file is not valid TOML ({err})") from None


def parse_catalogue(
    text: str, file: str = ROLES_FILE, years: Sequence[FinancialYear] | None = None
) -> RolesCatalogue:
    """Validate the text of a roles file and build the catalogue (years to fill: 2019/20-2025/26)."""
    years = list(years or catalogue_years())
    data = _parse_toml(text, file)
    read = _Reader(file)
    read.only(data, ("version", "reviewed", "sources", "reimbursement", "caps", "role"), "file")
    version = read.get(data, "version", "file", int, default=0)
    read.get(data, "reviewed", "file", dt.date)
    sources = read.get(data, "sources", "file", dict, default={})
    for key, value in sources.items():
        if isinstance(value, str) and value.strip():
            read.sources[key] = value
        else:
            read.add(f"sources.{key}", f"{value!r} is not a source description")

    role_tables = read.tables(data, "role", "")
    roles = [_role(read, where, table, years) for where, table in role_tables]
    keys = [role.key for role in roles if role is not None]
    seen: dict[str, str] = {}
    for where, table in role_tables:
        key = table.get("key")
        where = f"role {key}" if isinstance(key, str) and key else where
        names = [key, table.get("name"), *(table.get("aliases") or [])]
        for name in names:
            if not isinstance(name, str):
                continue
            normal = normalise_role_name(name)
            if normal in seen and seen[normal] != key:
                read.add(where, f"the name {name!r} is also used by role {seen[normal]}")
            seen.setdefault(normal, str(key))
    rates = [_rate(read, where, table, keys) for where, table in read.tables(data, "reimbursement", "")]
    caps = [_caps(read, where, table, keys) for where, table in read.tables(data, "caps", "")]
    cap_years = [policy.year for policy in caps if policy is not None]
    for year in years:
        if cap_years.count(year) != 1:
            read.add("caps", f"{year} must have exactly one [[caps]] entry, not {cap_years.count(year)}")
    read.problems.raise_if_any()
    catalogue = RolesCatalogue(
        tuple(role for role in roles if role is not None),
        tuple(rate for rate in rates if rate is not None),
        tuple(policy for policy in caps if policy is not None),
        max(year.end for year in years),
        version,
        file,
    )
    for role in catalogue.roles:
        if catalogue.reimbursement(role.key, role.eligible_from) is None:
            read.add(f"role {role.key}", f"no [[reimbursement]] rate applies from {role.eligible_from}")
    read.problems.raise_if_any()
    return catalogue


_ROLE_ENTRIES: Final = (
    "key",
    "name",
    "aliases",
    "eligible_from",
    "band",
    "max_per_wte",
    "separate_pot",
)


def _role(read: _Reader, where: str, table: dict[str, Any], years: Sequence[FinancialYear]) -> Role | None:
    key = read.text(table, "key", where)
    if key and not _KEY.fullmatch(key):
        read.add(f"{where}.key", f"{key!r} is not a role key (lower case letters, digits and _)")
    where = f"role {key}" if key else where
    read.only(table, _ROLE_ENTRIES, where)
    name = read.text(table, "name", where)
    aliases = read.get(table, "aliases", where, list, required=False, default=[])
    for number, alias in enumerate(aliases):
        if not isinstance(alias, str) or not alias.strip():
            read.add(f"{where}.aliases[{number}]", f"{alias!r} is not a name")
    eligible = _inline(read, table, "eligible_from", where, ("date", "status", "source", "note"))
    eligible_from = read.get(eligible, "date", f"{where}.eligible_from", dt.date) if eligible is not None else None
    band = _inline(read, table, "band", where, ("text", "status", "source", "note"))
    separate = _separate_pot(read, table, where)
    amounts: list[DatedAmount] = []
    for entry_where, entry in read.tables(table, "max_per_wte", where):
        read.only(entry, ("from", "amount", "status", "source", "note"), entry_where)
        start = read.get(entry, "from", entry_where, dt.date)
        amount = read.amount(entry, "amount", entry_where)
        status = read.status(entry, entry_where)
        source = read.source(entry, entry_where)
        note = read.text(entry, "note", entry_where, required=False)
        if start is None or amount is None:
            continue
        if isinstance(eligible_from, dt.date) and start < eligible_from:
            read.add(f"{entry_where}.from", f"{start} is before the role is eligible ({eligible_from})")
        if amounts and start <= amounts[-1].start:
            read.add(f"{entry_where}.from", f"{start} is not after the entry before it ({amounts[-1].start})")
            continue
        amounts.append(DatedAmount(start, amount, status, source, note))
    if not key or not name or eligible is None or band is None or not isinstance(eligible_from, dt.date):
        return None
    band_text = read.text(band, "text", f"{where}.band")
    band_status = read.status(band, f"{where}.band")
    band_source = read.source(band, f"{where}.band")
    eligible_status = read.status(eligible, f"{where}.eligible_from")
    eligible_source = read.source(eligible, f"{where}.eligible_from")
    eligible_note = read.text(eligible, "note", f"{where}.eligible_from", required=False)
    filled = fill_years(amounts, eligible_from, years, band_text, band_status, band_source)
    return Role(
        key,
        name,
        eligible_from,
        eligible_status,
        eligible_source,
        band_text,
        band_status,
        band_source,
        filled,
        tuple(alias for alias in aliases if isinstance(alias, str)),
        eligible_note,
        separate,
    )


def _inline(
    read: _Reader, table: dict[str, Any], key: str, where: str, allowed: Sequence[str], *, required: bool = True
) -> dict[str, Any] | None:
    value = read.get(table, key, where, dict, required=required)
    if value is not None:
        read.only(value, allowed, f"{where}.{key}")
    return value


def _separate_pot(read: _Reader, table: dict[str, Any], where: str) -> SeparatePot | None:
    allowed = ("until", "name", "status", "source", "note")
    value = _inline(read, table, "separate_pot", where, allowed, required=False)
    if value is None:
        return None
    at = f"{where}.separate_pot"
    until = read.get(value, "until", at, dt.date)
    name = read.text(value, "name", at)
    status, source = read.status(value, at), read.source(value, at)
    note = read.text(value, "note", at, required=False)
    return SeparatePot(until, name, status, source, note) if until is not None else None


def fill_years(
    published: Sequence[DatedAmount],
    eligible_from: dt.date,
    years: Sequence[FinancialYear],
    band: str,
    band_status: str,
    band_source: str,
) -> tuple[DatedAmount, ...]:
    """The published maxima plus an entry from the start of each year that does not start with one.

    The entry carries the latest earlier published figure forward (status
    "uncertain", note "carried forward from YYYY/YY"), or is unknown (None) with
    the band note when nothing was published before.
    """
    filled = list(published)
    for year in years:
        if year.end < eligible_from:
            continue
        begin = max(year.start, eligible_from)
        if any(entry.start == begin for entry in published):
            continue
        earlier = [entry for entry in published if entry.start < begin]
        if earlier:
            last = earlier[-1]
            carried = FinancialYear.containing(last.start).label
            filled.append(
                DatedAmount(begin, last.amount, UNCERTAIN, last.source, f"carried forward from {carried}", carried)
            )
        else:
            filled.append(
                DatedAmount(begin, None, UNCERTAIN, band_source, f"no published maximum; {band} ({band_status})")
            )
    return tuple(sorted(filled, key=lambda entry: entry.start))


def _rate(read: _Reader, where: str, table: dict[str, Any], keys: Sequence[str]) -> ReimbursementRate | None:
    read.only(table, ("from", "percent", "roles", "status", "source", "note"), where)
    start = read.get(table, "from", where, dt.date)
    percent = read.get(table, "percent", where, int)
    if percent is not None and not 0 < percent <= 100:
        read.add(f"{where}.percent", f"{percent} is not a percentage more than 0 and at most 100")
        percent = None
    roles = read.get(table, "roles", where, (str, list))
    chosen: frozenset[str] | None = None
    if isinstance(roles, str) and roles != "all":
        read.add(f"{where}.roles", f"{roles!r} is neither \"all\" nor a list of role keys")
    elif isinstance(roles, list):
        for role in roles:
            if role not in keys:
                read.add(f"{where}.roles", f"{role!r} is not a role key of this file")
        chosen = frozenset(role for role in roles if isinstance(role, str))
    status, source = read.status(table, where), read.source(table, where)
    note = read.text(table, "note", where, required=False)
    if start is None or percent is None or roles is None:
        return None
    return ReimbursementRate(start, Decimal(percent) / 100, chosen, status, source, note)


def _caps(read: _Reader, where: str, table: dict[str, Any], keys: Sequence[str]) -> CapPolicy | None:
    read.only(table, ("year", "policy", "status", "source", "note", "limits"), where)
    year_text = read.text(table, "year", where)
    year = _year(read, year_text, f"{where}.year")
    where = f"caps {year_text}" if year else where
    policy = read.text(table, "policy", where)
    if policy and policy not in CAP_POLICIES:
        read.add(f"{where}.policy", f"{policy!r} is not one of {', '.join(CAP_POLICIES)}")
        policy = ""
    status, source = read.status(table, where), read.source(table, where)
    note = read.text(table, "note", where, required=False)
    limits = []
    for limit_where, limit in read.tables(table, "limits", where) if "limits" in table else []:
        if policy != CAPS_LISTED:
            read.add(limit_where, f"only a {CAPS_LISTED!r} policy has limits")
        read.only(limit, ("role", "wte", "large_list", "large_wte"), limit_where)
        role = read.text(limit, "role", limit_where)
        if role and role not in keys:
            read.add(f"{limit_where}.role", f"{role!r} is not a role key of this file")
        wte = read.amount(limit, "wte", limit_where)
        large_list = read.get(limit, "large_list", limit_where, int, required=False)
        large_wte = read.amount(limit, "large_wte", limit_where, required=large_list is not None)
        if role and wte is not None:
            limits.append(CapLimit(role, wte, large_list, large_wte))
    if year is None or not policy:
        return None
    return CapPolicy(year, policy, status, source, note, tuple(limits))


def _year(read: _Reader, text: str, where: str) -> FinancialYear | None:
    if not text:
        return None
    try:
        return FinancialYear.parse(text)
    except ValueError as err:
        read.add(where, str(err))
        return None


def parse_typical_plan(text: str, file: str, catalogue: RolesCatalogue, csv_text: str | None = None) -> TypicalPlan:
    """Validate the typical plan's TOML (and the CSV it names) and build the plan."""
    data = _parse_toml(text, file)
    read = _Reader(file)
    read.only(data, ("version", "file", "list_size", "status", "source", "note", "role_keys", "funding"), "file")
    read.get(data, "version", "file", int)
    csv_name = read.text(data, "file", "file")
    list_size = read.get(data, "list_size", "file", int, default=0)
    status = read.status(data, "file")
    source = read.text(data, "source", "file")
    note = read.text(data, "note", "file", required=False)
    role_keys = read.get(data, "role_keys", "file", dict, default={})
    for name, key in role_keys.items():
        if not isinstance(key, str) or catalogue.resolve(key) != key:
            read.add(f"role_keys.{name}", f"{key!r} is not a role key of the roles catalogue")
    funding = []
    for where, entry in read.tables(data, "funding", ""):
        read.only(entry, ("year", "amount", "national_pot_m", "status", "note"), where)
        year = _year(read, read.text(entry, "year", where), f"{where}.year")
        amount = read.amount(entry, "amount", where)
        pot = read.amount(entry, "national_pot_m", where, required=False)
        entry_status = read.status(entry, where)
        entry_note = read.text(entry, "note", where, required=False)
        if year is not None and amount is not None:
            funding.append(FundingFigure(year.label, amount, pot, entry_status, source, entry_note))
    read.problems.raise_if_any()
    if csv_text is None:
        csv_text = data_text(csv_name)
    fte = _plan_rows(csv_text, csv_name, role_keys)
    plan_years = list(dict.fromkeys(year for _, year, _ in fte))
    if [figure.year for figure in funding] != plan_years:
        raise InputError.single(file, f"the [[funding]] years must be the plan's years ({', '.join(plan_years)})")
    names = tuple((name, key) for name, key in role_keys.items())
    return TypicalPlan(list_size, tuple(fte), tuple(funding), status, source, note, names)


def _plan_rows(text: str, file: str, role_keys: dict[str, str]) -> list[tuple[str, str, Decimal]]:
    problems = Problems(file)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    if not rows or [cell.strip().casefold() for cell in rows[0][:1]] != ["role"]:
        problems.fail(1, None, "the header must start with a role column")
    years: list[str] = []
    for title in rows[0][1:]:
        try:
            years.append(FinancialYear.parse(title).label)
        except ValueError as err:
            problems.add(1, title, str(err))
    found: list[tuple[str, str, Decimal]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        name = row[0].strip()
        key = role_keys.get(name)
        if key is None:
            problems.add(number, "role", f"{name!r} has no entry in [role_keys]")
        if len(row) != len(rows[0]):
            problems.add(number, None, f"{len(row)} cells; the header has {len(rows[0])}")
            continue
        for year, cell in zip(years, row[1:], strict=False):
            value = _non_negative(cell)
            if value is None:
                problems.add(number, year, f"{cell!r} is not an FTE of 0 or more")
            elif key is not None:
                found.append((key, year, value))
    problems.raise_if_any()
    return sorted(found, key=lambda item: years.index(item[1]))


def _non_negative(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None

