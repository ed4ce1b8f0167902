"""Network money from the register: each PCN's entitlement for a financial year, and area and England totals.

A PCN's population for a year is taken from the register (see :func:`population_for`): its member
practices on the year's list date (1 January before the year), their list sizes on that date, and
the care home beds recorded for the year. The ICB's rate overrides in force (:func:`overrides_for`)
replace catalogue rates. Everything is computed in bulk: an area or all of England costs the same
handful of queries as one PCN (one of memberships, one of list sizes, one of beds, one of
overrides and one per level of geography).

The Investment and Impact Fund counted in each PCN's total is the IIF computed from its indicators in the
measures output (:func:`pcnhub.finance.iif_output.earned`, labelled "computed from n indicators, as of
<date>"); a PCN and year without it shows the IIF's maximum apart, not counted.

What the pages ask for again and again (a PCN's years, an area's PCNs, a PCN's year, England's figures by
ICB) is kept in the site's cache (:func:`_cached`) under :func:`money_fingerprint` (the register's
fingerprint and that of the rate overrides and care home beds: everything the computation reads), the
measures output's fingerprint and the rates catalogue's own digest, so any import, edit, override, new
measures run or new catalogue computes afresh.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Q

from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money import rounding
from pcnhub.domain.money.entitlements import (
    ZERO,
    Entitlement,
    Member,
    Override,
    Population,
    entitlement,
    pence,
)
from pcnhub.domain.money.years import FinancialYear, catalogue_years, long_date
from pcnhub.finance import iif_output
from pcnhub.finance.models import CareHomeBeds, RateOverride
from pcnhub.reference.rates import year_rates
from pcnhub.register import lineage
from pcnhub.register.models import (
    ListSize,
    Membership,
    Organisation,
    OrgKind,
)
from pcnhub.register.services import cached, children_ids, data_fingerprint, icb_of, icbs_of


def default_year(day: dt.date | None = None) -> FinancialYear:
    """The year containing ``day`` (default: today) if the catalogue covers it, else the nearest catalogue year
    (the first for a day before it, the latest for one after)."""
    years = catalogue_years()
    current = FinancialYear.containing(day or dt.date.today())
    if current in years:
        return current
    return years[0] if current.start < years[0].start else years[-1]


def parse_year(text: str | None) -> FinancialYear:
    """A catalogue year from "2023/24" or "2023-24" (blank: :func:`default_year`); ValueError otherwise."""
    if text is None or not str(text).strip():
        return default_year()
    return catalogue_year(FinancialYear.parse(text))


def catalogue_year(year: FinancialYear) -> FinancialYear:
    """``year`` if the rates catalogue covers it; ValueError naming the years it covers otherwise."""
    if year not in catalogue_years():
        covered = ", ".join(y.label for y in catalogue_years())
        raise ValueError(f"the rates catalogue has no {year}; it covers {covered}")
    return year


# --- The cache -------------------------------------------------------------------------------

#: The names network money is cached under start with this.
MONEY_KEY = "money:"


def money_fingerprint() -> str:
    """A short text that changes whenever anything network money is computed from does: the register's
    fingerprint (organisations, geography, memberships, list sizes and every import; any row saved one at a
    time, see :func:`pcnhub.register.services.data_fingerprint`), and the number of rows,
    the highest id and the latest change of the rate overrides and care home beds (beds are updated in
    place, so their latest change counts)."""
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT {i}, COUNT(*), MAX({quote('id')}), MAX({quote(stamp)}) FROM {quote(model._meta.db_table)}"
        for i, (model, stamp) in enumerate(((RateOverride, "created_at"), (CareHomeBeds, "updated_at"))))
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = sorted(cursor.fetchall())
    return data_fingerprint() + "|" + "-".join(f"{count}.{last or 0}.{stamp or ''}" for _, count, last, stamp in rows)


@functools.cache
def catalogue_digest(year: FinancialYear) -> str:
    """The rates catalogue of ``year`` as read (a new release of its file gives another digest)."""
    return hashlib.sha256(repr(year_rates(year)).encode()).hexdigest()[:16]


def _cached(name: str, parts: list, years: Iterable[FinancialYear], compute):
    """``compute()``, kept in the site's cache under ``name``, ``parts``, the catalogue of ``years``, the
    measures output (the IIF counted) and :func:`money_fingerprint`."""
    digests = [[catalogue_digest(y), iif_output.digest(y)] for y in years]
    return cached(MONEY_KEY + name, [parts, digests, iif_output.fingerprint()], compute, money_fingerprint())


# --- Results -----------------------------------------------------------------------------------


@dataclass
class PcnMoney:
    """A PCN's entitlement for one year, with the population behind it and the overrides used."""

    pcn: Organisation
    year: FinancialYear
    entitlement: Entitlement
    members: list[Member]
    as_of: dt.date | None
    notes: list[str]
    overrides: dict[str, Override]
    icb: Organisation | None = None
    member_date: dt.date | None = None

    @property
    def population(self) -> Population:
        return self.entitlement.population

    @property
    def has_members(self) -> bool:
        return bool(self.members)

    @property
    def registered(self) -> int:
        return self.population.registered

    @property
    def total(self) -> Decimal:
        return self.entitlement.total

    @property
    def to_pcn(self) -> Decimal:
        return self.entitlement.total_to(c.TO_PCN)

    @property
    def to_practices(self) -> Decimal:
        return self.entitlement.total_to(c.TO_PRACTICES)

    @property
    def arrs(self) -> Decimal:
        return sum((line.amount for line in self.entitlement.lines if line.known and line.payment.key.startswith("arrs")), ZERO)

    @property
    def whole(self) -> rounding.Whole:
        """The entitlement in whole pounds that add up (see :mod:`pcnhub.domain.money.rounding`)."""
        return rounding.whole(self.entitlement)

    @property
    def per_head(self) -> Decimal | None:
        return self.entitlement.per_head()

    @property
    def not_known(self) -> list[str]:
        return [line.payment.name for line in self.entitlement.not_known]

    @property
    def uncertain(self) -> list[str]:
        return [line.payment.name for line in self.entitlement.lines if line.status == c.UNCERTAIN]

    @property
    def not_counted(self) -> list[str]:
        return [line.payment.name for line in self.entitlement.not_counted]

    @property
    def iif_text(self) -> str:
        """How the IIF is in the total: "computed from ...", "maximum, not counted", or "not known"."""
        return iif_text(self.entitlement)


def iif_text(entitlement: Entitlement) -> str:
    """How an entitlement's IIF is in its total, in a few words (blank in a year without the IIF)."""
    line = entitlement.iif
    if line is None:
        return ""
    if line.earned is not None:
        return f"counted: {line.earned.describe().split(';')[0]}"
    if line.known:
        return "maximum, not counted in the total"
    return "not known"


class MoneyTotals:
    """The totals of the money of many PCNs, ``rows``."""

    rows: list[PcnMoney]

    @property
    def registered(self) -> int:
        return sum(r.registered for r in self.rows)

    @property
    def total(self) -> Decimal:
        return sum((r.total for r in self.rows), ZERO)

    @property
    def to_pcn(self) -> Decimal:
        return sum((r.to_pcn for r in self.rows), ZERO)

    @property
    def to_practices(self) -> Decimal:
        return sum((r.to_practices for r in self.rows), ZERO)

    @property
    def arrs(self) -> Decimal:
        return sum((r.arrs for r in self.rows), ZERO)

    @property
    def per_head(self) -> Decimal | None:
        return pence(self.total / self.registered) if self.registered else None

    @property
    def whole(self) -> rounding.Whole:
        """The rows' whole pounds, summed: each row as on its own page, the total the sum of them."""
        return sum((r.whole for r in self.rows), rounding.ZERO_WHOLE)

    @property
    def heads(self) -> list[Decimal]:
        """Each PCN's entitlement per registered patient (those with registered patients)."""
        return [r.per_head for r in self.rows if r.per_head is not None]

    @property
    def iif_counted(self) -> int:
        """PCNs whose total counts an IIF computed from the measures."""
        return sum(1 for r in self.rows if r.entitlement.iif is not None and r.entitlement.iif.earned is not None)

    @property
    def iif_not_counted(self) -> int:
        """PCNs whose IIF maximum is shown apart, not counted."""
        return sum(1 for r in self.rows if r.entitlement.not_counted)


def iif_summary(counted: int, not_counted: int, pcns: int) -> str:
    """How the IIF is in a total of many PCNs, in a sentence ("" when no PCN has an IIF line)."""
    if not counted and not not_counted:
        return ""
    parts = [f"counted for {counted} of {pcns} PCNs (computed from the measures)"] if counted else []
    if not_counted:
        parts.append(f"for {not_counted} of {pcns} PCNs only its maximum is known, shown apart on each PCN's "
                     "page and not counted")
    return "Investment and Impact Fund: " + "; ".join(parts) + "."


@dataclass
class AreaMoney(MoneyTotals):
    """Every PCN of an area (or of England's ICB) in one year, with totals."""

    area: Organisation | None
    year: FinancialYear
    rows: list[PcnMoney] = field(default_factory=list)

    @property
    def practices(self) -> int:
        return sum(len(r.members) for r in self.rows)


@dataclass
class EnglandMoney(MoneyTotals):
    """Every PCN in England in one year, grouped by ICB (``unplaced``: PCNs the register places in no ICB)."""

    year: FinancialYear
    areas: list[AreaMoney]
    unplaced: AreaMoney

    @property
    def groups(self) -> list[AreaMoney]:
        return self.areas + ([self.unplaced] if self.unplaced.rows else [])

    @property
    def rows(self) -> list[PcnMoney]:
        return [r for g in self.groups for r in g.rows]


# --- Populations -------------------------------------------------------------------------------


@dataclass
class _Resolved:
    population: Population
    members: list[Member]
    payees: list[Member]
    as_of: dt.date | None
    notes: list[str]
    member_date: dt.date | None
    practice_ids: list[int]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _names(codes: list[str], limit: int = 5) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f" and {len(codes) - limit} more" if len(codes) > limit else "")


def _whole(value: float | None) -> int | None:
    return None if value is None else int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _applies(start: dt.date | None, end: dt.date | None, day: dt.date) -> bool:
    return (start is None or start <= day) and (end is None or end >= day)


def _homes(rows: list[tuple], year: FinancialYear) -> dict[int, dict[int, tuple[dt.date, tuple]]]:
    """Where each practice counts in ``year``: ``{pcn_id: {practice_id: (date, membership row)}}``.

    A practice counts for the PCN(s) it belonged to on the list date; if it was in no PCN then, on
    the year's start; failing that, on the first day in the year it joined one. So a practice that
    moves during the year counts once, for the PCN it was in first.
    """
    by_practice: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        by_practice[row[1]].append(row)
    homes: dict[int, dict[int, tuple[dt.date, tuple]]] = defaultdict(dict)
    for practice_rows in by_practice.values():
        later = sorted({r[4] for r in practice_rows if r[4] is not None and year.start < r[4] <= year.end})
        for day in (year.list_date, year.start, *later):
            found = [r for r in practice_rows if _applies(r[4], r[5], day)]
            if found:
                for r in found:
                    homes[r[0]].setdefault(r[1], (day, r))
                break
    return homes


def _resolve(pcn_ids: Iterable[int] | None, rates: c.YearRates) -> dict[int, _Resolved]:
    """Populations of the PCNs (all PCNs with members in the year if ``pcn_ids`` is None), in bulk."""
    year = rates.year
    window = Q(start__isnull=True) | Q(start__lte=year.end), Q(end__isnull=True) | Q(end__gte=year.list_date)
    memberships = Membership.objects.filter(*window)
    beds_rows = CareHomeBeds.objects.filter(year=year.label)
    if pcn_ids is not None:
        ids = list(pcn_ids)
        # Every membership in the year of the practices that were ever in these PCNs during it.
        practices = Membership.objects.filter(*window, pcn_id__in=ids).values("practice_id")
        memberships = memberships.filter(practice_id__in=practices)
        beds_rows = beds_rows.filter(pcn_id__in=ids)
    rows = list(memberships.values_list(
        "pcn_id", "practice_id", "practice__code", "practice__name", "start", "end", "des_signed"
    ).order_by("practice_id", "start", "pcn_id"))
    homes = _homes(rows, year)
    wanted = set(homes) if pcn_ids is None else set(ids) & set(homes)
    chosen: dict[int, list[tuple[dt.date, tuple]]] = {
        pcn_id: sorted(homes[pcn_id].values(), key=lambda item: item[1][2]) for pcn_id in wanted
    }

    practice_ids = {r[1] for members in chosen.values() for _, r in members}
    latest_day = max((day for members in chosen.values() for day, _ in members), default=year.list_date)
    sizes: dict[int, list[tuple]] = defaultdict(list)
    size_rows = ListSize.objects.filter(date__lte=latest_day)
    if pcn_ids is not None:
        size_rows = size_rows.filter(organisation_id__in=practice_ids)
    for org_id, day, registered, weighted, adjusted in size_rows.values_list(
        "organisation_id", "date", "registered", "weighted", "adjusted"
    ).order_by("organisation_id", "date"):
        sizes[org_id].append((day, registered, weighted, adjusted))
    size_dates = {org_id: [s[0] for s in rows] for org_id, rows in sizes.items()}

    def size_on(practice_id: int, day: dt.date):
        i = bisect.bisect_right(size_dates.get(practice_id, []), day)
        return sizes[practice_id][i - 1] if i else None

    # Practices with no list size on or before their date: their earliest one after it.
    missing = {r[1] for members in chosen.values() for day, r in members if size_on(r[1], day) is None}
    later: dict[int, tuple] = {}
    if missing:
        for org_id, day, registered, weighted, adjusted in ListSize.objects.filter(
            organisation_id__in=list(missing)
        ).values_list("organisation_id", "date", "registered", "weighted", "adjusted").order_by("organisation_id", "-date"):
            later[org_id] = (day, registered, weighted, adjusted)

    beds = {b.pcn_id: b for b in beds_rows}
    has_beds_payment = any(p.basis == c.CARE_HOME_BEDS for p in rates.payments)
    result: dict[int, _Resolved] = {}
    for pcn_id, member_rows in chosen.items():
        notes: list[str] = []
        days = sorted({day for day, _ in member_rows})
        if days != [year.list_date]:
            counted = [r[2] for day, r in member_rows if day == year.list_date]
            for day in days:
                if day == year.list_date:
                    continue
                codes = [r[2] for d, r in member_rows if d == day]
                if not counted and len(days) == 1:
                    why = "the start of the year" if day == year.start else "the first day in the year it had members"
                    notes.append(f"No member practices are recorded on {long_date(year.list_date)} (the list date of "
                                 f"{year}): the members on {long_date(day)}, {why}, are used.")
                else:
                    why = "the start of the year" if day == year.start else "when it joined"
                    notes.append(f"{_names(codes)} {'was' if len(codes) == 1 else 'were'} in no PCN on "
                                 f"{long_date(year.list_date)} (the list date of {year}): counted from "
                                 f"{long_date(day)}, {why}.")
        members: list[Member] = []
        payees: list[Member] = []
        used: Counter[dt.date] = Counter()
        after: list[str] = []
        none: list[str] = []
        no_weighted: list[str] = []
        no_adjusted: list[str] = []
        not_signed: list[str] = []
        for day, (_, practice_id, code, name, _start, _end, des_signed) in member_rows:
            size = size_on(practice_id, day)
            if size is None and practice_id in later:
                size = later[practice_id]
                after.append(code)
            if size is None:
                none.append(code)
                population = Population(0)
            else:
                used[size[0]] += 1
                weighted, adjusted = _whole(size[2]), _whole(size[3])
                if weighted is None:
                    no_weighted.append(code)
                if adjusted is None:
                    no_adjusted.append(code)
                population = Population(size[1], weighted, adjusted)
            member = Member(code, name, population)
            members.append(member)
            if des_signed:
                payees.append(member)
            else:
                not_signed.append(code)
        first = days[0]
        if used:
            dates = "; ".join(
                f"{long_date(d)} ({_count(n, 'practice')})" if len(used) > 1 else long_date(d)
                for d, n in sorted(used.items(), reverse=True)
            )
            notes.append(f"List sizes dated {dates} are used (each practice's latest on or before "
                         f"{long_date(first) if len(days) == 1 else 'the date it is counted from'}"
                         + (", or its earliest after it if it has none before" if after else "") + ").")
        if after:
            notes.append(f"No list size on or before {long_date(first) if len(days) == 1 else 'that date'} is "
                         f"recorded for {_names(after)}: the earliest one after it is used.")
        if none:
            notes.append(f"No list size is recorded for {_names(none)}: counted as 0 patients.")
        counted = len(member_rows) - len(none)
        for missing_codes, label in ((no_weighted, "weighted list"), (no_adjusted, "adjusted population")):
            if missing_codes and counted:
                if len(missing_codes) == counted:
                    notes.append(f"No {label} is recorded: the registered list stands in for it.")
                else:
                    notes.append(f"No {label} is recorded for {_names(missing_codes)}: "
                                 "their registered list stands in for it.")
        if not_signed:
            notes.append(f"{_names(not_signed)} {'has' if len(not_signed) == 1 else 'have'} not signed the Network "
                         "Contract DES: counted in the population, but paid no participation payment.")
        bed_row = beds.get(pcn_id)
        if has_beds_payment and bed_row is None:
            notes.append(f"No care home beds are recorded for {year}: the care home premium is counted on 0 beds.")
        with_weighted = any(m.population.weighted is not None for m in members)
        with_adjusted = any(m.population.adjusted is not None for m in members)
        population = Population(
            registered=sum(m.population.registered for m in members),
            weighted=sum(m.population.of(c.WEIGHTED) for m in members) if with_weighted else None,
            adjusted=sum(m.population.of(c.ADJUSTED) for m in members) if with_adjusted else None,
            care_home_beds=bed_row.beds if bed_row else 0,
        )
        result[pcn_id] = _Resolved(
            population, members, payees, max(used) if used else None, notes, first, [r[1] for _, r in member_rows]
        )
    return result


def population_for(pcn: Organisation, year: FinancialYear) -> tuple[Population, list[Member], dt.date | None, list[str]]:
    """The PCN's population for ``year``: (population, member practices, list-size date, notes).

    Members are those on the year's list date (1 January before it); if it had none then, those at
    the year's start (or on the first day in the year it had members). Each member's list size is
    its latest on or before that date (failing that, its earliest after); weighted and adjusted
    lists not recorded stand in as the registered list; care home beds are the year's record (0 if
    none). The notes say which dates and defaults were used.
    """
    resolved = _resolve([pcn.pk], year_rates(year)).get(pcn.pk)
    if resolved is None:
        return Population(0), [], None, [f"{pcn.name} has no member practices recorded in {year}."]
    return resolved.population, resolved.members, resolved.as_of, resolved.notes


# --- Overrides ---------------------------------------------------------------------------------


def _usable(payment: c.Payment | None) -> bool:
    """Can a rate override apply to this payment? (an IIF rate needs the year's points.)"""
    if payment is None:
        return False
    return payment.basis != c.POINTS or (payment.points is not None and bool(payment.average_list))


def who(user) -> str:
    if user is None:
        return "a deleted user"
    return user.get_full_name() or user.get_username()


def _override(row: RateOverride) -> Override:
    return Override(rate=row.rate, by=who(row.created_by), at=row.created_at, reason=row.reason)


def _overrides_by_icb(icb_ids: Iterable[int], rates: c.YearRates) -> dict[int, dict[str, Override]]:
    year = rates.year
    latest: dict[int, dict[str, RateOverride]] = defaultdict(dict)
    rows = RateOverride.objects.filter(icb_id__in=list(icb_ids), year=year.label).select_related("created_by")
    for row in rows.order_by("created_at", "id"):
        latest[row.icb_id][row.payment] = row
    return {
        icb: {key: _override(row) for key, row in by_key.items() if row.rate is not None and _usable(rates.payment(key))}
        for icb, by_key in latest.items()
    }


def overrides_for(icb: Organisation | None, rates: c.YearRates) -> dict[str, Override]:
    """The ICB's rate overrides in force for the year of ``rates``: the latest row of each payment, unless it
    withdraws."""
    if icb is None:
        return {}
    return _overrides_by_icb([icb.pk], rates).get(icb.pk, {})


# --- Entitlements ------------------------------------------------------------------------------


def _money(pcn_ids: Iterable[int] | None, rates: c.YearRates,
           pcns: dict[int, Organisation] | None = None) -> list[PcnMoney]:
    """Entitlements of the PCNs with members in the year of ``rates`` (all of England if ``pcn_ids`` is None)."""
    year = rates.year
    resolved = _resolve(pcn_ids, rates)
    if pcns is None:
        pcns = Organisation.objects.in_bulk(list(resolved))
    icbs = icbs_of({p: r.practice_ids for p, r in resolved.items()}, year.start)
    overrides = _overrides_by_icb({i.pk for i in icbs.values()}, rates)
    earned = iif_output.earned(year) if rates.payment("iif") is not None else {}
    out = []
    for pcn_id, r in resolved.items():
        icb = icbs.get(pcn_id)
        in_force = overrides.get(icb.pk, {}) if icb else {}
        result = entitlement(rates, r.population, overrides=in_force, members=r.payees,
                             iif=earned.get(pcns[pcn_id].code))
        out.append(PcnMoney(pcns[pcn_id], year, result, r.members, r.as_of, list(r.notes), in_force, icb, r.member_date))
    out.sort(key=lambda m: (m.pcn.name, m.pcn.code))
    return out


def _empty(pcn: Organisation, rates: c.YearRates) -> PcnMoney:
    population = Population(0)
    year = rates.year
    icb = icb_of(pcn, year.start)
    in_force = overrides_for(icb, rates)
    result = entitlement(rates, population, overrides=in_force)
    return PcnMoney(pcn, year, result, [], None, [f"{pcn.name} has no member practices recorded in {year}."],
                    in_force, icb, None)


def _pcn_entitlement(pcn: Organisation, year: FinancialYear) -> PcnMoney:
    """The PCN's money in ``year``; in a year before (or after) it had its code, that of the same network under
    the code it had then (:func:`pcnhub.register.lineage.same_network`), named in a note."""
    rates = year_rates(year)
    found = _money([pcn.pk], rates, {pcn.pk: pcn})
    if found:
        return found[0]
    for org, start, end in lineage.same_network(pcn):
        if org.pk == pcn.pk or (start is not None and start > year.end) or (end is not None and end < year.start):
            continue
        earlier = _money([org.pk], rates, {org.pk: org})
        if earlier:
            money = earlier[0]
            money.notes.insert(0, f"In {year} this network was {org.name} ({org.code}), the same network under "
                                  f"another code: its member practices then are counted.")
            return replace(money, pcn=pcn)
    return _empty(pcn, rates)


def pcn_entitlement(pcn: Organisation, year: FinancialYear) -> PcnMoney:
    """A PCN's entitlement for ``year``, with the population, notes and overrides behind it (cached)."""
    return _cached("pcn", [pcn.pk, year.label], [year], lambda: _pcn_entitlement(pcn, year))


def pcn_years(pcn: Organisation) -> list[PcnMoney]:
    """The PCN's entitlement in every year of the catalogue, 2019/20 onwards (cached, as one)."""
    years = catalogue_years()
    return _cached("pcn-years", [pcn.pk], years, lambda: [_pcn_entitlement(pcn, year) for year in years])


def area_pcn_ids(area: Organisation, year: FinancialYear) -> set[int]:
    """PCNs placed in the area, and PCNs with a member practice in the area, during ``year``."""
    inside = children_ids({area.pk})
    kinds = dict(Organisation.objects.filter(pk__in=inside).values_list("pk", "kind"))
    pcn_ids = {pk for pk, kind in kinds.items() if kind == OrgKind.PCN}
    practice_ids = [pk for pk, kind in kinds.items() if kind == OrgKind.PRACTICE]
    window = Q(start__isnull=True) | Q(start__lte=year.end), Q(end__isnull=True) | Q(end__gte=year.list_date)
    pcn_ids |= set(Membership.objects.filter(*window, practice_id__in=practice_ids).values_list("pcn_id", flat=True))
    return pcn_ids


def area_entitlements(area: Organisation, year: FinancialYear) -> AreaMoney:
    """Every PCN of an area (region, ICB, sub-ICB location or place) in ``year``, with totals (cached)."""
    return _cached("area", [area.pk, year.label], [year],
                   lambda: AreaMoney(area, year, _money(area_pcn_ids(area, year), year_rates(year))))


def england_entitlements(year: FinancialYear) -> EnglandMoney:
    """Every PCN in England in ``year``, grouped by ICB; the England total is the sum of every PCN's."""
    rows = _money(None, year_rates(year))
    groups: dict[int, AreaMoney] = {}
    unplaced = AreaMoney(None, year)
    for row in rows:
        if row.icb is None:
            unplaced.rows.append(row)
        else:
            groups.setdefault(row.icb.pk, AreaMoney(row.icb, year)).rows.append(row)
    areas = sorted(groups.values(), key=lambda g: (g.area.name, g.area.code))
    return EnglandMoney(year, areas, unplaced)


@dataclass(frozen=True)
class Figures:
    """The totals of a group of PCNs (an ICB, those placed in none, or England), without the PCNs: what the
    England page shows, small enough to keep in the cache (England's every PCN takes longer to unpickle
    than to compute)."""

    code: str | None
    name: str
    pcns: int
    practices: int
    registered: int
    total: Decimal
    to_pcn: Decimal
    to_practices: Decimal
    arrs: Decimal
    per_head: Decimal | None
    iif_counted: int = 0
    iif_not_counted: int = 0
    whole: rounding.Whole = rounding.ZERO_WHOLE  # the PCNs' whole pounds, summed
    heads: tuple[Decimal, ...] = ()  # each PCN's entitlement per registered patient

    @classmethod
    def of(cls, code: str | None, name: str, money: MoneyTotals, practices: int) -> Figures:
        return cls(code, name, len(money.rows), practices, money.registered, money.total, money.to_pcn,
                   money.to_practices, money.arrs, money.per_head, money.iif_counted, money.iif_not_counted,
                   money.whole, tuple(money.heads))

    @property
    def iif_summary(self) -> str:
        return iif_summary(self.iif_counted, self.iif_not_counted, self.pcns)


@dataclass(frozen=True)
class EnglandFigures:
    year: FinancialYear
    groups: list[Figures]
    england: Figures


def england_figures(year: FinancialYear) -> EnglandFigures:
    """England's network money in ``year`` by ICB (see :func:`england_entitlements`), as totals only (cached)."""

    def compute() -> EnglandFigures:
        money = england_entitlements(year)
        groups = [Figures.of(g.area.code if g.area else None, g.area.name if g.area else "Not placed in an ICB",
                             g, g.practices) for g in money.groups]
        return EnglandFigures(year, groups, Figures.of(None, "England", money, sum(g.practices for g in groups)))

    # "england-whole": figures cached before the whole pounds and per-head values were kept lack them.
    return _cached("england-whole", [year.label], [year], compute)
