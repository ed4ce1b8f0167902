"""A PCN's plans: its ARRS workforce plan with the claims made against it, and its weekly access plan.

Stored rows become the domain's objects and the domain does the sums and checks:

* :func:`arrs_plan` - the stored posts (:class:`~pcnhub.finance.models.ArrsPost`) as
  :class:`~pcnhub.domain.money.arrs.Post` projected by :func:`~pcnhub.domain.money.arrs.project`
  against the PCN's ARRS sum for the year (the year's weighted list from
  :func:`~pcnhub.finance.services.population_for`, the ARRS payments of the rates catalogue and any
  ICB override of them in force, as on the money page), with the monthly claims recorded
  (:class:`~pcnhub.finance.models.ArrsClaim`) against the projection and the year-end position.
* :func:`headcount` - average WTE per role in every catalogue year
  (:func:`~pcnhub.domain.money.arrs.headcount_by_year`) against the typical 50,000-patient plan of
  seed 003 scaled by each year's weighted list (:func:`~pcnhub.domain.money.arrs.compare_with_typical`).
* :func:`access_plan` - the stored sessions (:class:`~pcnhub.finance.models.AccessSession`) as
  :class:`~pcnhub.domain.access.Session` checked by :func:`~pcnhub.domain.access.check_plan` on a
  date, against the requirement for the registered (Extended Hours) or adjusted (Enhanced Access)
  population of the financial year containing the date.

A post costing nothing (allowed: a post whose cost is not known yet) has nothing to claim; the
domain's posts cost more than nothing, so it is left out of the projection and said so in the notes,
but still counts in the headcount.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from pcnhub.domain import access
from pcnhub.domain.money import arrs
from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.entitlements import (
    ZERO,
    Line,
    Member,
    Population,
    payment_line,
)
from pcnhub.domain.money.years import FinancialYear, catalogue_years, month_end
from pcnhub.finance import services
from pcnhub.finance.models import AccessSession, ArrsClaim, ArrsPost
from pcnhub.reference.arrs_roles import load_catalogue, load_typical_plan
from pcnhub.reference.rates import year_rates
from pcnhub.register.models import Organisation, Parentage
from pcnhub.register.services import icb_of

#: Worst first: the status of a figure made of several is the worst of theirs.
_STATUS_ORDER = (c.UNCERTAIN, c.DERIVED, c.VERIFIED)
PENNY = Decimal("0.01")


def gbp(amount: Decimal | None) -> str:
    """``£1,234.56`` (``-£12.00`` below nothing), or ``Not known``."""
    if amount is None:
        return "Not known"
    return f"-£{-amount:,.2f}" if amount < 0 else f"£{amount:,.2f}"


def worst_status(statuses) -> str:
    found = set(statuses)
    return next((s for s in _STATUS_ORDER if s in found), c.VERIFIED)


def catalogue() -> arrs.RolesCatalogue:
    return load_catalogue()


def role_name(key: str) -> str:
    """The catalogue name of a role key (the key itself if the catalogue no longer has it)."""
    found = catalogue().resolve(key)
    return catalogue().role(found).name if found else key


# --- Stored rows as domain objects --------------------------------------------------------------


def to_post(row: ArrsPost) -> arrs.Post | None:
    """The stored post as the domain's :class:`~pcnhub.domain.money.arrs.Post`; None if it costs nothing."""
    if row.annual_cost is None or row.annual_cost <= 0:
        return None
    return arrs.Post(row.role, Decimal(row.fte), row.start, row.end, Decimal(row.annual_cost), row.employment,
                     row.label)


def _headcount_post(row: ArrsPost) -> arrs.Post:
    """The post for counting heads, by role key: the cost plays no part (headcount_by_year does not
    read it), so a post costing nothing is counted too."""
    key = catalogue().resolve(row.role) or row.role
    return arrs.Post(key, Decimal(row.fte), row.start, row.end, Decimal(row.annual_cost) or Decimal(1),
                     row.employment, row.label)


def wte(value: Decimal) -> str:
    """A WTE without trailing zeros: 1, 0.5, 1.25."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def to_session(row: AccessSession) -> access.Session:
    return access.Session(row.day, row.start, row.end, row.site, row.staff_type, row.agreed)


def stored_posts(pcn: Organisation) -> list[ArrsPost]:
    return list(ArrsPost.objects.filter(pcn=pcn).order_by("start", "role", "id"))


def stored_sessions(pcn: Organisation) -> list[AccessSession]:
    return list(AccessSession.objects.filter(pcn=pcn).order_by("day", "start", "site", "id"))


# --- Population and the ARRS sum ----------------------------------------------------------------


@dataclass
class PopulationUsed:
    """The PCN's population of a year as :func:`services.population_for` gives it."""

    year: FinancialYear
    population: Population
    members: list[Member]
    as_of: dt.date | None
    notes: list[str]

    @property
    def weighted(self) -> int:
        return self.population.of(c.WEIGHTED)

    @property
    def weighted_recorded(self) -> bool:
        return self.population.weighted is not None


def population_used(pcn: Organisation, year: FinancialYear) -> PopulationUsed:
    population, members, as_of, notes = services.population_for(pcn, year)
    return PopulationUsed(year, population, members, as_of, list(notes))


@dataclass
class ArrsSum:
    """The PCN's ARRS sum for a year: the ARRS payments of the catalogue on its weighted list."""

    amount: Decimal | None
    status: str
    lines: list[Line]
    weighted: int

    @property
    def overridden(self) -> bool:
        return any(line.override for line in self.lines)


def arrs_sum(pcn: Organisation, used: PopulationUsed) -> ArrsSum:
    """The ARRS payments (the GP pot of 2024/25 included) of ``used.year`` on the PCN's population,
    with the ICB's overrides in force; None if any of them is not known."""
    year = used.year
    rates = year_rates(year)
    overrides = services.overrides_for(icb_of(pcn, year.start), rates)
    lines = [payment_line(rates, p, used.population, overrides.get(p.key))
             for p in rates.payments if p.key.startswith("arrs")]
    known = bool(lines) and all(line.known for line in lines)
    amount = sum((line.amount for line in lines), ZERO) if known else None
    return ArrsSum(amount, worst_status(line.status for line in lines), lines, used.weighted)


# --- The ARRS plan of a year --------------------------------------------------------------------


@dataclass
class PostRow:
    """A stored post with its year: the projection (None if it costs nothing) and its maximum per WTE."""

    row: ArrsPost
    role: arrs.Role | None
    projection: arrs.PostProjection | None
    maximum: arrs.Amount | None
    in_year: bool

    @property
    def name(self) -> str:
        return self.role.name if self.role else self.row.role

    @property
    def claims(self) -> Decimal:
        return self.projection.claims if self.projection else ZERO

    @property
    def describe(self) -> str:
        return self.row.label or f"{self.name} {wte(self.row.fte)} WTE from {self.row.start.isoformat()}"


@dataclass
class MonthRow:
    month: dt.date
    projected: Decimal
    claimed: Decimal | None  # None: no claim recorded for the month
    expected: Decimal  # the claims recorded, and the projection for each post-month without one
    by_role: dict[str, Decimal]

    @property
    def difference(self) -> Decimal | None:
        return None if self.claimed is None else self.claimed - self.projected


@dataclass
class YearEnd:
    """Where the year ends: the claims recorded against the ARRS sum (and the projection)."""

    claimed: Decimal
    projected: Decimal
    expected: Decimal
    arrs_sum: Decimal | None
    months_claimed: int
    projected_in_claimed_months: Decimal = ZERO

    @property
    def unclaimed(self) -> Decimal | None:
        """The sum less the claims recorded (negative: claimed over the sum)."""
        return None if self.arrs_sum is None else self.arrs_sum - self.claimed

    @property
    def over(self) -> bool:
        return self.unclaimed is not None and self.unclaimed < 0

    @property
    def reimbursable(self) -> Decimal:
        """The claims recorded that the sum can pay."""
        return self.claimed if self.arrs_sum is None else min(self.claimed, self.arrs_sum)

    @property
    def expected_headroom(self) -> Decimal | None:
        return None if self.arrs_sum is None else self.arrs_sum - self.expected

    @property
    def against_projection(self) -> Decimal:
        """The claims recorded less the projection of the months they were recorded for."""
        return self.claimed - self.projected_in_claimed_months


@dataclass
class ArrsPlan:
    pcn: Organisation
    year: FinancialYear
    used: PopulationUsed
    sum: ArrsSum
    projection: arrs.Projection
    posts: list[PostRow]
    months: list[MonthRow]
    claims: list[ArrsClaim]
    year_end: YearEnd
    notes: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # role keys with claims in the year, in plan order

    def claim_projection(self, claim: ArrsClaim) -> Decimal:
        """The projected claim of the claim's post in the claim's month."""
        for row in self.posts:
            if row.row.pk == claim.post_id and row.projection is not None:
                return row.projection.monthly[self.year.months().index(claim.month)]
        return ZERO


def in_year(row: ArrsPost, year: FinancialYear) -> bool:
    return row.start <= year.end and (row.end is None or row.end >= year.start)


def _maximum(row: ArrsPost, role: arrs.Role | None, projection: arrs.PostProjection | None,
             year: FinancialYear) -> arrs.Amount | None:
    """The maximum per WTE the post's claims in the year use (the first, if it changes in the year)."""
    if role is None:
        return None
    if projection is not None and projection.maxima:
        return projection.maxima[0]
    day = max(year.start, row.start, role.eligible_from)
    if day > year.end:
        day = max(year.start, row.start)
    return catalogue().max_per_wte(role.key, day)


#: ODS code of NHS England's London region.
LONDON_REGION = "Y56"
LONDON_NOTE = ("This PCN is in London: the maxima shown are the national figures, because London weightings of the "
               "ARRS maximum reimbursable amounts are not in pcnhub's sources (uncertain); London posts may be able "
               "to claim more.")


def in_london(pcn: Organisation, date: dt.date) -> bool:
    """Is the PCN's ICB in the London region on ``date``?"""
    icb = icb_of(pcn, date)
    if icb is None:
        return False
    return Parentage.objects.filter(child=icb, parent__code=LONDON_REGION).exists()


def arrs_plan(pcn: Organisation, year: FinancialYear, used: PopulationUsed | None = None) -> ArrsPlan:
    """The PCN's ARRS plan in ``year``: projection, claims recorded per month, year-end position."""
    cat = catalogue()
    used = used or population_used(pcn, year)
    total = arrs_sum(pcn, used)
    rows = stored_posts(pcn)
    posts, projected_rows = [], []
    for row in rows:
        post = to_post(row)
        if post is not None:
            posts.append(post)
            projected_rows.append(row)
    projection = arrs.project(year, posts, total.amount, cat, used.population.registered)
    by_pk = {row.pk: result for row, result in zip(projected_rows, projection.posts, strict=True)}
    notes: list[str] = []
    if in_london(pcn, year.start):
        notes.append(LONDON_NOTE)
    post_rows = []
    for row in rows:
        key = cat.resolve(row.role)
        role = cat.role(key) if key else None
        result = by_pk.get(row.pk)
        during = in_year(row, year)
        if result is None and during:
            notes.append(f"{row.label or role_name(row.role)}: the annual cost is £0.00, so the post has nothing "
                         "to claim and is left out of the projection.")
        post_rows.append(PostRow(row, role, result, _maximum(row, role, result, year), during))

    months = year.months()
    claims = list(
        ArrsClaim.objects.filter(post__pcn=pcn, month__gte=year.start, month__lte=year.end)
        .select_related("post", "submitted_by").order_by("month", "post__start", "post_id")
    )
    claimed: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    claimed_post_month: dict[tuple[int, dt.date], Decimal] = {}
    for claim in claims:
        claimed[claim.month] += claim.amount
        claimed_post_month[(claim.post_id, claim.month)] = claim.amount
    roles: list[str] = []
    for row in post_rows:
        key = row.role.key if row.role else row.row.role
        if row.projection is not None and row.claims and key not in roles:
            roles.append(key)
    month_rows = []
    for i, month in enumerate(months):
        by_role: dict[str, Decimal] = {key: ZERO for key in roles}
        expected = ZERO
        for row in post_rows:
            projected = row.projection.monthly[i] if row.projection is not None else ZERO
            key = row.role.key if row.role else row.row.role
            if key in by_role:
                by_role[key] += projected
            expected += claimed_post_month.get((row.row.pk, month), projected)
        month_rows.append(MonthRow(month, projection.monthly[i].claims,
                                   claimed.get(month), expected, by_role))
    year_end = YearEnd(
        claimed=sum(claimed.values(), ZERO),
        projected=projection.claims,
        expected=sum((m.expected for m in month_rows), ZERO),
        arrs_sum=total.amount,
        months_claimed=len(claimed),
        projected_in_claimed_months=sum((m.projected for m in month_rows if m.claimed is not None), ZERO),
    )
    return ArrsPlan(pcn, year, used, total, projection, post_rows, month_rows, claims, year_end, notes, roles)


# --- Headcount against the typical plan ---------------------------------------------------------


@dataclass
class HeadcountRow:
    role: str
    name: str
    planned: dict[str, Decimal]  # year label: average WTE
    typical: dict[str, Decimal]  # year label: typical WTE scaled (only years the typical plan covers)


@dataclass
class Headcount:
    years: list[FinancialYear]
    typical_years: list[str]
    rows: list[HeadcountRow]
    weighted: dict[str, int]  # year label: weighted list the typical plan is scaled by
    list_size: int
    source: str
    notes: list[str] = field(default_factory=list)
    #: year label: "" when the weighted list is recorded, else what stands in for it (for the download)
    stands_in: dict[str, str] = field(default_factory=dict)

    def planned_total(self, label: str) -> Decimal:
        return sum((r.planned.get(label, ZERO) for r in self.rows), ZERO)

    def compared(self, label: str) -> bool:
        """Is the year compared with the typical plan (covered by it, with a weighted list to scale by)?"""
        return label in self.typical_years and bool(self.weighted.get(label))

    def typical_total(self, label: str) -> Decimal | None:
        if not self.compared(label):
            return None
        return sum((r.typical.get(label, ZERO) for r in self.rows), ZERO)


def headcount(pcn: Organisation, posts: list[ArrsPost] | None = None,
              known: dict[str, PopulationUsed] | None = None) -> Headcount:
    """Average WTE per role in each catalogue year, and the typical plan scaled by each year's weighted list.

    ``known`` holds populations already looked up (by year label), so a page does not ask twice.
    """
    cat = catalogue()
    plan = load_typical_plan()
    years = catalogue_years()
    rows = posts if posts is not None else stored_posts(pcn)
    domain_posts = [_headcount_post(row) for row in rows]
    planned = arrs.headcount_by_year(domain_posts, years)
    typical: dict[str, dict[str, Decimal]] = {}
    weighted: dict[str, int] = {}
    stands_in: dict[str, str] = {}
    notes: list[str] = []
    for year in years:
        if year.label not in plan.years():
            continue
        used = (known or {}).get(year.label) or population_used(pcn, year)
        weighted[year.label] = used.weighted
        stands_in[year.label] = used.population.stands_in(c.WEIGHTED)
        if not used.weighted:
            notes.append(f"{year}: no patients are recorded for {pcn.name}'s member practices, so the typical "
                         "plan is not scaled for the year.")
            continue
        for item in arrs.compare_with_typical(domain_posts, [year], used.weighted, plan, cat):
            if item.role in plan.roles():  # roles after the typical plan have no typical figure
                typical.setdefault(item.role, {})[year.label] = item.typical_fte
    keys = list(dict.fromkeys([*plan.roles(), *(k for y in years for k in planned[y.label])]))
    out = []
    for key in keys:
        row = HeadcountRow(key, role_name(key), {y.label: planned[y.label][key] for y in years if key in planned[y.label]},
                           {label: fte for label, fte in typical.get(key, {}).items()})
        if row.planned or any(row.typical.values()):
            out.append(row)
    return Headcount(years, list(plan.years()), out, weighted, plan.list_size, plan.source, notes, stands_in)


# --- The access plan on a date ------------------------------------------------------------------


def population_year(date: dt.date) -> tuple[FinancialYear, str | None]:
    """The financial year whose population an access requirement on ``date`` uses, with a note if
    the catalogue does not cover the year and the nearest covered one stands in."""
    years = catalogue_years()
    year = FinancialYear.containing(date)
    if year in years:
        return year, None
    nearest = years[-1] if year > years[-1] else years[0]
    return nearest, (f"{date:%d %B %Y} is in {year}, which the register's money years do not cover "
                     f"({years[0]} to {years[-1]}): the population of {nearest} is used.")


@dataclass
class SessionRow:
    row: AccessSession
    result: access.SessionResult
    findings: list[access.Finding]

    @property
    def errors(self) -> bool:
        return any(f.severity == access.ERROR for f in self.findings)


@dataclass
class AccessPlan:
    pcn: Organisation
    date: dt.date
    used: PopulationUsed
    result: access.AccessResult
    sessions: list[SessionRow]
    notes: list[str]

    @property
    def errors(self) -> list[access.Finding]:
        return [f for f in self.result.findings if f.severity == access.ERROR]

    @property
    def warnings(self) -> list[access.Finding]:
        return [f for f in self.result.findings if f.severity != access.ERROR]

    @property
    def minutes_by_day(self) -> list[tuple[str, int, int]]:
        """(day name, counted minutes, not counted minutes) for each day of the week."""
        days = [[0, 0] for _ in access.DAY_NAMES]
        for s in self.sessions:
            days[s.row.day][0] += s.result.counted_minutes
            days[s.row.day][1] += s.result.not_counted_minutes
        return [(name, counted, not_counted) for name, (counted, not_counted) in zip(access.DAY_NAMES, days)]


def access_plan(pcn: Organisation, date: dt.date) -> AccessPlan:
    """The PCN's weekly sessions checked against the access requirement on ``date``.

    ValueError for a date before the Network Contract DES began (1 July 2019).
    """
    access.scheme_on(date)  # ValueError before the DES
    year, note = population_year(date)
    used = population_used(pcn, year)
    rows = stored_sessions(pcn)
    population = used.population
    result = access.check_plan(date, population.registered, population.adjusted, [to_session(r) for r in rows])
    by_session: dict[int, list[access.Finding]] = defaultdict(list)
    for finding in result.findings:
        if finding.session is not None:
            by_session[finding.session].append(finding)
    sessions = [SessionRow(row, res, by_session.get(i, [])) for i, (row, res) in enumerate(zip(rows, result.sessions))]
    notes = ([note] if note else []) + used.notes
    return AccessPlan(pcn, date, used, result, sessions, notes)


def month_label(month: dt.date) -> str:
    return f"{month:%B %Y}"


def post_in_month(row: ArrsPost, month: dt.date) -> bool:
    return row.start <= month_end(month) and (row.end is None or row.end >= month)
