"""A scenario's comparison: every network it touches, before and after, by the rules of every other page.

:func:`compare` takes an area, a date and the changes (:mod:`pcnhub.domain.scenario`) and returns a
:class:`Comparison`.  The configuration before is the register's on the date (the landscape, cached); after is the
same with the changes applied.  For each network touched, both sides show:

* the rules: list-size band, one PCN per practice, coverage of the area, contiguity, governance (a new network's
  Clinical Director, payee and agreement are not recorded until the ICB records them);
* money: every entitlement line of the date's financial year with the ICB's overrides, from the practices' lists
  on the date.  The IIF forecast follows the patients: each practice brings its network's IIF points per patient
  (an opened practice none); care home beds stay with the network they are recorded for, and a network the
  changes make has none until the ICB records its aligned homes;
* ARRS: the sum on the network's weighted list, the posts' projected claims in the year (a network keeps its
  posts, a merged one has every part's, posts the scenario adds start on the effective date), the headroom and
  the posts that would fall outside the sum (the latest to start first); a change may end some of a role's posts
  instead (the latest to start first: ``domain.scenario.cut_posts``);
* access: minutes a week required against those planned (a network keeps its sessions, a merged one has every
  part's, plus the scenario's);
* maturity: the step each domain had reached; a network carries the development of every network it took whole
  and of the one most of its patients came from, at the lowest step of those (``domain.scenario.carried_steps``);
* population: registered, weighted and adjusted lists, the age profile (the latest quinary list sizes), and where
  the population health pipeline has the practices' patients, the risk tiers and each service specification's
  cohort (disclosure-controlled);
* spread: how far apart the practices are (straight line), and the drives between them that estimates
  (``reference/travel/``: a route factor and an average speed, there being no road network).

A list that grows keeps its weighting: its weighted and adjusted lists grow in proportion.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from pcnhub.designer import services as designer
from pcnhub.domain import rules
from pcnhub.domain import scenario as d
from pcnhub.domain.access import NETWORK_CONTRACT_DES_START, access_requirement
from pcnhub.domain.contiguity import with_contiguity
from pcnhub.domain.iif import Earned, pence
from pcnhub.domain.money import arrs
from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.entitlements import Entitlement, Population, entitlement
from pcnhub.domain.money.years import FinancialYear, catalogue_years
from pcnhub.finance import iif_output, plans
from pcnhub.finance.models import CareHomeBeds
from pcnhub.finance.services import default_year, overrides_for
from pcnhub.maturity import services as maturity
from pcnhub.measures import services as measures
from pcnhub.phm import services as phm
from pcnhub.reference.measures import UNITS
from pcnhub.reference import travel
from pcnhub.reference.rates import year_rates
from pcnhub.register import services as register
from pcnhub.register.models import ListSizeBand, Organisation, OrgKind

#: The age groups of the population profile: (label, lowest age, highest age or None).
AGE_GROUPS = (("0 to 17", 0, 17), ("18 to 64", 18, 64), ("65 to 79", 65, 79), ("80 and over", 80, None))


@dataclass
class Arrs:
    sum: Decimal | None
    claims: Decimal
    #: posts (label, start, projected claims in the year)
    posts: list[tuple[str, dt.date, Decimal]]

    @property
    def headroom(self) -> Decimal | None:
        return None if self.sum is None else self.sum - self.claims

    @property
    def outside(self) -> list[str]:
        return d.outside_sum(self.posts, self.headroom)


@dataclass
class AccessHours:
    required: int | None
    planned: int
    basis: str

    @property
    def shortfall(self) -> int | None:
        return None if self.required is None else max(0, self.required - self.planned)


@dataclass
class Development:
    #: domain name: step reached (-1 below Foundation; None not assessed)
    steps: dict[str, int | None]
    #: domain name: the step's name
    labels: dict[str, str]
    #: the networks whose development is carried (after), by name
    carried_from: list[str] = field(default_factory=list)


@dataclass
class People:
    registered: int
    weighted: int | None
    adjusted: int | None
    #: age group label: share of the registered list (0-1), from the quinary list sizes; {} if none recorded
    ages: dict[str, float]
    ages_date: dt.date | None
    #: risk tier label: Shown, and cohort name: Shown (from the pipeline's patients), {} without them
    tiers: dict[str, phm.Shown]
    cohorts: dict[str, phm.Shown]
    patients: phm.Shown | None
    #: where the age profile comes from: "list sizes", "patients" (the pipeline's), or "" (none)
    ages_from: str = ""


@dataclass(frozen=True)
class MeasureValue:
    """One of the main measures for a network: its value in the measures run's last month, from its practices'
    counts, and where that value sits among all PCNs' (percent rank, as the engine ranks them)."""

    id: str
    title: str
    unit: str
    direction: str
    value: float | None
    text: str
    percentile: float | None


@dataclass
class Side:
    """One network on one side of the comparison."""

    key: str
    name: str
    code: str | None
    practices: list[designer.PracticeView]
    findings: list[rules.Finding]
    money: Entitlement | None
    arrs: Arrs | None
    access: AccessHours
    development: Development
    people: People
    spread: d.Spread | None
    band: rules.Band
    measures: list[MeasureValue] = field(default_factory=list)

    @property
    def list_size(self) -> int:
        return sum(p.list_size for p in self.practices)

    @property
    def placing(self) -> str:
        return self.band.placing(self.list_size)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == rules.ERROR)

    @property
    def total(self) -> Decimal | None:
        return None if self.money is None else self.money.total


@dataclass
class Row:
    """A network the scenario touches: before (None: the scenario makes it) and after (None: it ends)."""

    key: str
    before: Side | None
    after: Side | None
    #: what becomes of it, in words ("Continues", "Ends: merged into ...", "New")
    fate: str
    #: the key of the network it merges into (None: it does not end by merging)
    into: str | None = None


@dataclass
class Comparison:
    area: Organisation
    date: dt.date
    year: FinancialYear
    year_known: bool
    changes: list[str]
    rows: list[Row]
    #: findings of the whole configuration (coverage, practices in two networks), before and after
    area_before: list[rules.Finding]
    area_after: list[rules.Finding]
    outcome: d.Outcome
    notes: list[str]
    seconds: float = 0.0
    #: every network's list size before and after (key: (before, after)), for the area's totals
    sizes: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    #: the month of the main measures (None without a measures run)
    measures_month: dt.date | None = None
    #: the date of the newest list sizes the comparison uses (None: none recorded by the date)
    lists_date: dt.date | None = None
    #: how the drives between practices are estimated, in words (``reference/travel/``)
    travel_basis: str = ""


def _grown(view: designer.PracticeView, registered: int) -> designer.PracticeView:
    """The practice with its list set to ``registered``, weighted and adjusted lists in proportion."""
    before = view.registered or 0

    def scaled(value: int | None) -> int | None:
        if value is None:
            return None
        return registered if before == 0 else round(value * registered / before)

    return dataclasses.replace(view, registered=registered, weighted=scaled(view.weighted),
                               adjusted=scaled(view.adjusted))


def _opened(code: str, name: str, registered: int) -> designer.PracticeView:
    return designer.PracticeView(code=code, name=name, registered=registered, weighted=None, adjusted=None,
                                 list_size_date=None, point=None)


def _population(members: Sequence[designer.PracticeView], beds: int) -> Population:
    with_weighted = any(p.weighted is not None for p in members)
    with_adjusted = any(p.adjusted is not None for p in members)
    return Population(
        registered=sum(p.list_size for p in members),
        weighted=sum(p.member.population.of(c.WEIGHTED) for p in members) if with_weighted else None,
        adjusted=sum(p.member.population.of(c.ADJUSTED) for p in members) if with_adjusted else None,
        care_home_beds=beds,
    )


def _ages(practice_ids: list[int], date: dt.date) -> tuple[dict[int, dict[int, int]], dict[int, dt.date]]:
    """Each practice's patients by lowest age of its quinary bands on its latest date by ``date`` (both sexes: the
    rows for all, else men and women added up)."""
    rows = (ListSizeBand.objects.filter(organisation_id__in=practice_ids, scheme=ListSizeBand.Scheme.QUINARY,
                                        date__lte=date)
            .values_list("organisation_id", "date", "sex", "age_from", "patients"))
    latest: dict[int, dt.date] = {}
    for org, day, *_ in rows:
        latest[org] = max(latest.get(org, day), day)
    by_sex: dict[tuple[int, str], dict[int, int]] = {}
    for org, day, sex, age, patients in rows:
        if day == latest[org]:
            cells = by_sex.setdefault((org, sex), {})
            cells[age] = cells.get(age, 0) + patients
    found: dict[int, dict[int, int]] = {}
    for org in latest:
        whole = by_sex.get((org, ListSizeBand.Sex.ALL))
        if whole is None:
            whole = {}
            for sex in (ListSizeBand.Sex.FEMALE, ListSizeBand.Sex.MALE):
                for age, patients in by_sex.get((org, sex), {}).items():
                    whole[age] = whole.get(age, 0) + patients
        found[org] = whole
    return found, latest


def _age_group(age: int) -> str:
    return next(label for label, low, high in AGE_GROUPS if age >= low and (high is None or age <= high))


#: The main measures of a comparison: those the measures engine derives from recorded activity (status
#: "derived"), where lower or higher is better.
MAIN_STATUS: Final = "derived"


class _MainMeasures:
    """The measures run's last month: the practices' counts and every PCN's value, read once."""

    def __init__(self, practice_codes: list[str]) -> None:
        self.out = measures.output()
        self.definitions = []
        self.by_practice: dict[tuple[str, str], measures.Value] = {}
        self.pcns: dict[str, dict[str, float]] = {}
        if self.out is None:
            return
        self.definitions = [x for x in self.out.definitions
                            if x.status == MAIN_STATUS and x.direction in ("lower", "higher") and x.unit in UNITS]
        wanted = {x.id for x in self.definitions}
        for v in measures.measures_latest(self.out, "practice", practice_codes):
            if v.measure in wanted:
                self.by_practice[(v.measure, v.org_code)] = v
        for v in measures.measures_latest(self.out, "pcn"):
            if v.measure in wanted and not v.suppressed and v.value is not None:
                self.pcns.setdefault(v.measure, {})[v.org_code] = v.value

    def of(self, codes: list[str], own: str | None) -> list[MeasureValue]:
        """Each main measure for the practices ``codes`` (the ratio of their summed counts), ranked among every
        PCN but ``own``; not known when a practice has no count that month or its count is suppressed."""
        out = []
        for x in self.definitions:
            rows = [self.by_practice.get((x.id, code)) for code in codes]
            if not codes or any(r is None or r.suppressed or r.numerator is None or not r.denominator
                                for r in rows):
                out.append(MeasureValue(x.id, x.title, x.unit, x.direction, None, "Not known", None))
                continue
            value = sum(r.numerator for r in rows) / sum(r.denominator for r in rows) * UNITS[x.unit]
            others = [v for code, v in self.pcns.get(x.id, {}).items() if code != own]
            rank = 100 * sum(1 for v in others if v < value) / len(others) if others else None
            out.append(MeasureValue(x.id, x.title, x.unit, x.direction, value, measures.format_value(x.unit, value),
                                    rank))
        return out

    @property
    def month(self) -> dt.date | None:
        return None if self.out is None else self.out.last_month


class _Context:
    """What every side needs, read once."""

    def __init__(self, area: Organisation, date: dt.date) -> None:
        self.area = area
        self.date = date
        self.year = default_year(date)  # the date's, else the nearest the rates catalogue has (a note says so)
        self.year_known = self.year in catalogue_years()
        self.rates = year_rates(self.year) if self.year_known else None
        icb = register.ancestor_of_kind(area, OrgKind.ICB)
        self.overrides = overrides_for(icb, self.rates) if self.year_known else {}
        self.view = register.cached_landscape(area, date)
        self.band = self.view.band
        self.practices = {p.code: p for p in designer.practice_views(self.view.practices, self.view.locations, date)}
        self.orgs = {p.code: p for p in self.view.practices}
        self.pcns = {r.pcn.code: r.pcn for r in self.view.networks}
        self.earned = iif_output.earned(self.year) if self.year_known else {}
        beds = CareHomeBeds.objects.filter(pcn__code__in=list(self.pcns), year=self.year.label)
        self.beds = dict(beds.values_list("pcn__code", "beds"))
        self.out = phm.output()
        self.counts = phm.practice_counts(self.out, sorted(self.practices)) if self.out is not None else {}
        self.mx = maturity.matrix()
        self.measures = _MainMeasures(sorted(self.practices))

    def iif_points(self, key: str, registered: int) -> Decimal | None:
        """A network's IIF points per patient before the changes (None: no IIF computed for it)."""
        earned = self.earned.get(key)
        if earned is None or registered <= 0:
            return None
        return earned.adjusted_points / registered


def _money(ctx: _Context, members: list[designer.PracticeView], beds: int, iif: Earned | None) -> Entitlement | None:
    if ctx.rates is None or not members:
        return None
    population = _population(members, beds)
    return entitlement(ctx.rates, population, overrides=ctx.overrides, members=[p.member for p in members], iif=iif)


def _arrs_sum(money: Entitlement | None) -> Decimal | None:
    if money is None:
        return None
    lines = [line for line in money.lines if line.payment.key.startswith("arrs")]
    if not lines or not all(line.known for line in lines):
        return None
    return sum((line.amount for line in lines), Decimal(0))


def _stored_posts(pcn: Organisation) -> list[tuple[arrs.Post, str]]:
    out = []
    for row in plans.stored_posts(pcn):
        post = plans.to_post(row)
        if post is not None:
            out.append((post, row.label or plans.role_name(row.role)))
    return out


def _arrs(ctx: _Context, money: Entitlement | None, posts: list[tuple[arrs.Post, str]], registered: int) -> Arrs | None:
    if not ctx.year_known:
        return None
    total = _arrs_sum(money)
    projection = arrs.project(ctx.year, [p for p, _ in posts], total, plans.catalogue(), registered)
    listed = [(label, post.start, result.claims)
              for (post, label), result in zip(posts, projection.posts, strict=True)]
    return Arrs(total, projection.claims, listed)


def _cut(posts: list[tuple[arrs.Post, str]], role: str, wte: Decimal, on: dt.date, network: str,
         changes: Sequence[d.Change], index: int) -> list[tuple[arrs.Post, str]]:
    """The posts after ``wte`` whole-time of ``role`` end on ``on`` (``domain.scenario.cut_posts``): each cut post
    ends the day before (one not started by then never starts), and what is kept of the last continues from ``on``
    at its share of the cost.  A :class:`~pcnhub.domain.scenario.ScenarioError` naming the change when the network
    has too few."""
    keys = [(plans.catalogue().resolve(p.role) or p.role, p.fte, p.start, p.end) for p, _ in posts]
    try:
        cuts = d.cut_posts(keys, role, wte, on)
    except d.NotEnoughPosts as err:
        raise d.ScenarioError(index, changes[index], f"{network} has {err.held} WTE of {plans.role_name(role)} "
                              f"running on or after {on:%-d %B %Y}, less than the {wte} WTE to end") from None
    out: list[tuple[arrs.Post, str] | None] = list(posts)
    for cut in cuts:
        post, label = posts[cut.index]
        last = on - dt.timedelta(days=1)
        out[cut.index] = None if post.start >= on else (
            dataclasses.replace(post, end=last), f"{label} (last day {last:%-d %B %Y})")
        if cut.kept > 0:
            share = cut.kept / post.fte
            out.append((dataclasses.replace(post, fte=cut.kept, start=max(on, post.start),
                                            annual_cost=post.annual_cost * share),
                        f"{label} ({format(cut.kept.normalize(), 'f')} WTE continues)"))
    return [p for p in out if p is not None]


def _access(ctx: _Context, members: list[designer.PracticeView], planned: int) -> AccessHours:
    if ctx.date < NETWORK_CONTRACT_DES_START:
        return AccessHours(None, planned, "none")
    registered = sum(p.list_size for p in members)
    known = any(p.adjusted is not None for p in members)
    adjusted = sum(p.adjusted if p.adjusted is not None else p.list_size for p in members)
    result = access_requirement(ctx.date, registered, adjusted if known else None)
    return AccessHours(result.required_minutes_per_week, planned, result.population_basis)


def _planned_minutes(pcn: Organisation, date: dt.date) -> int:
    if date < NETWORK_CONTRACT_DES_START:
        return 0
    return plans.access_plan(pcn, date).result.planned_minutes_per_week


def _steps(ctx: _Context, pcn: Organisation) -> dict[str, int | None]:
    assessment = maturity.latest_assessment(pcn, "pcn")
    if assessment is None or assessment.matrix != ctx.mx.key:
        return {domain.name: None for domain in ctx.mx.domains}
    score = maturity.score_of(assessment, ctx.mx, "pcn")
    return {s.domain.name: (-1 if s.step_reached is None else s.step_reached) for s in score.domains}


def _labels(ctx: _Context, steps: dict[str, int | None]) -> dict[str, str]:
    names = {domain.name: domain for domain in ctx.mx.domains}
    out = {}
    for name, step in steps.items():
        if step is None:
            out[name] = "Not assessed"
        elif step < 0:
            out[name] = "Not yet at Foundation"
        else:
            out[name] = names[name].steps[step].name
    return out


def _people(ctx: _Context, members: list[designer.PracticeView], ages: dict[int, dict[int, int]],
            ages_dates: dict[int, dt.date]) -> People:
    """The network's lists, age profile (the quinary list sizes; failing those, the pipeline's patients) and, where
    the pipeline has its practices' patients, risk tiers and cohorts (sums disclosure-controlled)."""
    population = _population(members, 0)
    by_age: dict[str, int] = {label: 0 for label, *_ in AGE_GROUPS}
    sized = [p for p in members if p.list_size > 0]
    orgs = [ctx.orgs.get(p.code) for p in sized]
    banded = [org for org in orgs if org is not None and ages.get(org.pk)]
    counts = [ctx.counts[p.code] for p in members if p.code in ctx.counts]
    dates = []
    ages_from = ""
    # an age profile only from every practice with patients: one practice's ages never stand for a network's
    if sized and len(banded) == len(sized):
        for org in banded:
            dates.append(ages_dates[org.pk])
            for age, patients in ages[org.pk].items():
                by_age[_age_group(age)] += patients
        ages_from = "list sizes"
    elif sized and all(p.code in ctx.counts for p in sized):
        for found in counts:
            for low, patients in found.ages.items():
                by_age[_age_group(low)] += patients
        ages_from = "patients"
    counted = sum(by_age.values())
    shares = {label: n / counted for label, n in by_age.items()} if counted else {}
    if not sized or not all(p.code in ctx.counts for p in sized):  # tiers and cohorts of every practice, or none
        return People(population.registered, population.weighted, population.adjusted, shares,
                      max(dates) if dates else None, {}, {}, None, ages_from)
    labels = {key: label for key, label, *_ in phm.RISK_TIERS}
    tiers = {labels[key]: phm.shown_count(sum(c.tiers[key] for c in counts)) for key in labels}
    cohorts = {cohort.name: phm.shown_count(sum(c.cohorts[key] for c in counts)) for key, cohort in phm.COHORTS.items()}
    return People(population.registered, population.weighted, population.adjusted, shares,
                  max(dates) if dates else None, tiers, cohorts, phm.shown_count(sum(c.patients for c in counts)),
                  ages_from)


def _spread(members: list[designer.PracticeView]) -> d.Spread | None:
    return d.spread([(p.point.lat, p.point.lon) for p in members if p.point is not None], travel.road())


def compare(area: Organisation, date: dt.date, changes: Sequence[d.Change]) -> Comparison:
    """The scenario's comparison (see the module docs); :class:`pcnhub.domain.scenario.ScenarioError` for a change
    that cannot apply."""
    started = time.perf_counter()
    ctx = _Context(area, date)
    view = ctx.view
    notes: list[str] = []
    before_networks = [register.to_domain(r) for r in view.networks]
    loose = [rules.PracticeEntry(p.code, p.name, ctx.practices[p.code].registered) for p in view.uncovered
             if p.code in ctx.practices]
    configuration = [*before_networks, rules.Network(name="", practices=tuple(loose))]
    outcome = d.apply(configuration, changes)
    shares = d.contributions(outcome, before_networks)

    # the practices after: sizes changed, opened ones added
    after_views = dict(ctx.practices)
    for code, registered in outcome.sizes.items():
        if code in outcome.opened:
            after_views[code] = _opened(code, outcome.opened[code], registered)
        else:
            after_views[code] = _grown(after_views[code], registered)
    if ctx.measures.definitions:
        month = ctx.measures.month
        notes.append(f"The main measures are of {month:%B %Y} (the measures run's last month), each the ratio of its "
                     "practices' published counts (rounded to 5, small counts suppressed: a network with a "
                     "suppressed practice count is not known), placed among every other PCN's value.")
    if ctx.counts and len(ctx.counts) < len(ctx.practices):
        notes.append(f"The population health data hold the patients of {len(ctx.counts):,} of the area's "
                     f"{len(ctx.practices):,} practices: a network's risk tiers, cohorts (and ages, where no list "
                     "sizes by age are recorded) are shown only when they cover every one of its practices.")
    if outcome.opened:
        notes.append("A practice that opens has no location yet: it is left out of the contiguity check and the "
                     "spread, and has no patient data.")
    if any(code not in outcome.opened for code in outcome.sizes):
        notes.append("A list that grows or falls keeps its weighting: its weighted and adjusted lists change in "
                     "proportion.")

    # the rules, before (the landscape's) and after (checked afresh, with contiguity)
    area_codes = [p.code for p in view.practices if p.code not in outcome.closed] + list(outcome.opened)
    after_networks = list(outcome.networks)
    after_loose = [rules.PracticeEntry(p.code, p.name, after_views[p.code].registered) for p in view.uncovered
                   if p.code in after_views and not any(p.code in {m.code for m in n.practices}
                                                        for n in after_networks)]
    if after_loose:
        after_networks.append(rules.Network(name="", practices=tuple(after_loose)))
    checked = rules.check_configuration(after_networks, area_codes, ctx.band)
    points = [p.point for p in after_views.values() if p.point is not None and p.code in set(area_codes)]
    checked = with_contiguity(checked, points)
    before_findings = {n.code or n.name: list(n.findings) for n in view.result.networks}
    after_findings = {n.code or n.name: list(n.findings) for n in checked.networks}
    area_before = [f for f in view.result.findings if f.network is None]
    area_after = [f for f in checked.findings if f.network is None]

    ages, ages_dates = _ages([o.pk for o in ctx.orgs.values()], date)
    rows_by_key = {r.pcn.code: r for r in view.networks}
    sides_before: dict[str, Side] = {}
    posts_of: dict[str, list[tuple[arrs.Post, str]]] = {}
    minutes_of: dict[str, int] = {}
    steps_of: dict[str, dict[str, int | None]] = {}
    names_before = {d.key_of(n): n.name for n in before_networks}

    def before_side(key: str) -> Side:
        row = rows_by_key[key]
        members = [ctx.practices[m.practice.code] for m in row.members if m.practice.code in ctx.practices]
        beds = ctx.beds.get(key, 0)
        money = _money(ctx, members, beds, ctx.earned.get(key))
        posts_of[key] = _stored_posts(row.pcn)
        minutes_of[key] = _planned_minutes(row.pcn, date)
        steps_of[key] = _steps(ctx, row.pcn)
        registered = sum(p.list_size for p in members)
        return Side(key, row.pcn.name, key, members, before_findings.get(key, []), money,
                    _arrs(ctx, money, posts_of[key], registered), _access(ctx, members, minutes_of[key]),
                    Development(steps_of[key], _labels(ctx, steps_of[key])),
                    _people(ctx, members, ages, ages_dates), _spread(members), ctx.band,
                    ctx.measures.of([p.code for p in members], key))

    for key in outcome.touched:
        if key in rows_by_key:
            sides_before[key] = before_side(key)
    # the networks that give practices to a touched network are touched too (they lose them)
    for key, contributed in shares.items():
        if key in outcome.touched:
            for source in contributed:
                if source and source not in sides_before and source in rows_by_key:
                    sides_before[source] = before_side(source)

    def after_side(network: rules.Network) -> Side:
        key = d.key_of(network)
        members = [after_views[p.code] for p in network.practices]
        contributed = shares.get(key, {})
        carried = d.carried_from(contributed)
        whole = [k for k in contributed if k and contributed[k][0] >= contributed[k][1] > 0]
        beds = sum(ctx.beds.get(k, 0) for k in {*whole, *([key] if key in rows_by_key else [])})
        iif = _iif_after(ctx, network, contributed, members)
        money = _money(ctx, members, beds, iif)
        posts = [p for k in {*whole, *([key] if key in rows_by_key else [])} for p in posts_of.get(k, [])]
        for i, added in enumerate(outcome.posts.get(key, ()), 1):
            role = plans.catalogue().resolve(added.role) or added.role
            start = date if ctx.year.start <= date <= ctx.year.end else ctx.year.start
            if added.wte < 0:
                posts = _cut(posts, role, -added.wte, start, network.name, changes, added.index)
                continue
            posts.append((arrs.Post(role, added.wte, start, None, added.annual_cost * added.wte),
                          f"Added by the scenario: {added.wte} WTE {plans.role_name(role)} ({i})"))
        planned = sum(minutes_of.get(k, 0) for k in {*whole, *([key] if key in rows_by_key else [])})
        planned += outcome.minutes.get(key, 0)
        steps = d.carried_steps([steps_of[k] for k in carried if k in steps_of]) if carried else {
            domain.name: None for domain in ctx.mx.domains}
        registered = sum(p.list_size for p in members)
        opened_here = any(p.code in outcome.opened for p in members)  # no measures for a practice that opens
        return Side(key, network.name, network.code, members, after_findings.get(key, []), money,
                    _arrs(ctx, money, posts, registered), _access(ctx, members, max(0, planned)),
                    Development(steps, _labels(ctx, steps), [names_before.get(k, k) for k in carried]),
                    _people(ctx, members, ages, ages_dates), _spread(members), ctx.band,
                    ctx.measures.of([] if opened_here else [p.code for p in members], network.code))

    rows = []
    for key in dict.fromkeys([*sides_before, *outcome.touched]):
        network = outcome.network(key)
        after = after_side(network) if network is not None else None
        before = sides_before.get(key)
        into = None
        if before is None:
            fate = "New network"
        elif after is None:
            into = next((k for k, contributed in shares.items() if key in contributed and
                         contributed[key][0] >= contributed[key][1] > 0), None)
            fate = f"Ends: merged into {outcome.network(into).name}" if into else "Ends: no practice left"
        else:
            fate = "Continues" + (f", renamed {after.name}" if after.name != before.name else "")
        rows.append(Row(key, before, after, fate, into))
    if any(r.before is None for r in rows):
        notes.append("A network the scenario makes has no Clinical Director, nominated payee or network agreement "
                     "recorded: the rules warn until the ICB records them.")
    if not ctx.year_known:
        covered = ", ".join(y.label for y in catalogue_years())
        notes.append(f"The rates catalogue has no {ctx.year} (it covers {covered}): money is not known.")
    elif not ctx.year.start <= date <= ctx.year.end:
        notes.append(f"The rates catalogue has no {FinancialYear.containing(date)}: money, ARRS and the IIF are "
                     f"{ctx.year}'s rates on the lists of {date.day} {date:%B %Y}, and posts the scenario adds "
                     f"count for the whole of {ctx.year}.")
    sizes = {d.key_of(n): (sum(p.list_size or 0 for p in n.practices), None) for n in before_networks}
    for n in outcome.networks:
        key = d.key_of(n)
        sizes[key] = (sizes.get(key, (None, None))[0], sum(after_views[p.code].list_size for p in n.practices))
    names = {**{p.code: p.name for p in after_views.values()}, **names_before}
    return Comparison(area, date, ctx.year, ctx.year_known, [ch.describe(names) for ch in changes], rows,
                      area_before, area_after, outcome, notes, round(time.perf_counter() - started, 3), sizes,
                      ctx.measures.month if ctx.measures.definitions else None,
                      max((p.list_size_date for p in ctx.practices.values() if p.list_size_date), default=None),
                      travel.road().basis)


def _iif_after(ctx: _Context, network: rules.Network, contributed: dict[str, tuple[int, int]],
               members: list[designer.PracticeView]) -> Earned | None:
    """The IIF forecast of a network after the changes: its practices' patients, each at the IIF points per patient
    of the network they come from (None when a part has no IIF computed, or practices open: then the maximum
    shows, not counted)."""
    if not ctx.year_known or not ctx.earned:
        return None
    if not contributed or "" in contributed:
        return None
    earned = [ctx.earned.get(k) for k in contributed]
    if any(e is None for e in earned):
        return None
    points = Decimal(0)
    for key, (brought, had) in contributed.items():
        per_patient = ctx.iif_points(key, had)
        if per_patient is None:
            return None
        points += per_patient * brought
    # a list that grew brings more patients than it had: the points follow today's lists
    before = sum(b for b, _ in contributed.values())
    now = sum(p.list_size for p in members)
    if before and now != before:
        points = points * now / before
    first = earned[0]
    value = first.value_per_point
    indicators = tuple(sorted({i for e in earned for i in e.indicators}))
    not_counted = tuple(sorted({i for e in earned for i in e.not_counted}))
    return Earned(pence(points * value), points, value, indicators, not_counted, min(e.as_of for e in earned),
                  first.status)

