"""Demo plans for ``make run``: ARRS workforce plans, some 2024/25 claims and weekly access plans of
three PCNs of Mid and South Essex ICB (QH8): Benfleet (U27924, the demo PCN user's), Canvey (U84454)
and Rayleigh and District (U30335).

Everything is computed from the register and the reference files, nothing typed in:

* Posts follow the typical 50,000-patient plan of seed 003 (2019/20-2023/24) scaled by the PCN's
  weighted list of 2023/24: each year's rise in a role's WTE is a new post from the start of the
  year (or the day the role became reimbursable). Later years add the roles that came after the
  typical plan (care coordinator, pharmacy technician, health and wellbeing coach, GP, advanced
  practitioner). A post's annual cost is 96% of its role's maximum reimbursable amount per WTE on
  the day it starts; a role without a published maximum costs the lowest maximum of a role in the
  same Agenda for Change band. On Benfleet one clinical pharmacist costs 5% over the maximum of March 2025 and one
  social prescribing link worker left in September 2023, so the page shows those cases.
* Claims: Benfleet's posts claim what the projection says for April to December 2024, except
  September, which is short by 2% for the first post (a month with unpaid leave).
* Access: Enhanced Access sessions (18:30-20:00 on weekdays, Saturday blocks) at the member
  practices, added until the plan meets the requirement on the PCN's 2025/26 adjusted population,
  plus one commissioner-agreed Saturday 08:00-09:00 session; Canvey's plan stops one weekday
  evening short of the requirement, so its page shows a shortfall.

Idempotent: a PCN that already has posts (or sessions) keeps them and gets no demo ones; a post
that already has claims gets no demo claims.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from decimal import ROUND_HALF_UP, Decimal
from typing import TextIO

from django.db import transaction

from pcnhub.domain import access
from pcnhub.domain.money.years import FinancialYear, catalogue_years
from pcnhub.finance import plans
from pcnhub.finance.models import AccessSession, ArrsClaim, ArrsPost, Employment
from pcnhub.reference.arrs_roles import load_typical_plan
from pcnhub.register.models import Organisation, OrgKind

#: (code, ARRS plan, access plan stops one evening short) of each demo PCN.
DEMO_PCNS = (("U27924", True, False), ("U84454", True, True), ("U30335", True, False))
DEMO_CLAIMS_PCN = "U27924"
CLAIMS_YEAR = FinancialYear(2024)
CLAIM_MONTHS = 9  # April to December 2024
COST_SHARE = Decimal("0.96")
OVER_MAXIMUM = Decimal("1.05")
TENTH = Decimal("0.1")
#: Roles after the typical plan: (year, role key, WTE per 50,000 weighted patients, start month offset).
LATER_POSTS = (
    (2021, "care_coordinator", Decimal(1), 0),
    (2022, "pharmacy_technician", Decimal(1), 3),
    (2023, "health_and_wellbeing_coach", Decimal(1), 0),
    (2024, "care_coordinator", Decimal(1), 0),
    (2024, "gp", Decimal(1), 0),
    (2025, "advanced_practitioner", Decimal(1), 0),
)


def _tenths(value: Decimal) -> Decimal:
    return value.quantize(TENTH, ROUND_HALF_UP)


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.month - 1 + months
    return dt.date(day.year + total // 12, total % 12 + 1, 1)


def _band(text: str) -> int | None:
    found = re.search(r"band (?:up to )?(\d+)", text)
    return int(found[1]) if found else None


def annual_maximum(role_key: str, day: dt.date) -> Decimal | None:
    """The role's maximum per WTE on ``day``; failing that, the lowest of the roles in its band."""
    cat = plans.catalogue()
    own = cat.max_per_wte(role_key, day).value
    if own is not None:
        return own
    band = _band(cat.role(role_key).band)
    if band is None:
        return None
    same = [cat.max_per_wte(r.key, day).value for r in cat.roles
            if r.key != role_key and _band(r.band) == band and day >= r.eligible_from]
    same = [v for v in same if v is not None]
    return min(same) if same else None


def _start(year: FinancialYear, role_key: str, offset: int = 0) -> dt.date:
    eligible = plans.catalogue().role(role_key).eligible_from
    first = max(year.start, eligible)
    return max(first, _add_months(year.start, offset))


def demo_posts(weighted: int) -> list[dict]:
    """The demo posts of a PCN with this weighted list (see the module notes)."""
    plan = load_typical_plan()
    scale = Decimal(weighted) / Decimal(plan.list_size)
    years = {y.label: y for y in catalogue_years()}
    posts: list[dict] = []
    for index, role in enumerate(plan.roles()):
        held = Decimal(0)
        for label in plan.years():
            target = _tenths(plan.fte_for(role, label) * scale)
            rise = target - held
            if rise <= 0:
                continue
            year = years[label]
            posts.append({"role": role, "fte": rise, "start": _start(year, role, index % 3), "end": None})
            held = target
    for start_year, role, per_50k, offset in LATER_POSTS:
        fte = _tenths(per_50k * scale)
        if fte > 0:
            posts.append({"role": role, "fte": fte, "start": _start(FinancialYear(start_year), role, offset), "end": None})
    for post in posts:
        maximum = annual_maximum(post["role"], post["start"])
        post["annual_cost"] = ((maximum or Decimal(0)) * post["fte"] * COST_SHARE).quantize(plans.PENNY, ROUND_HALF_UP)
        post["employment"] = Employment.SUB_CONTRACT if post["role"] == "first_contact_physiotherapist" else Employment.EMPLOYED
    return [p for p in posts if p["annual_cost"] > 0]


def _number_labels(pcn: Organisation, posts: list[dict]) -> None:
    seen: dict[str, int] = {}
    for post in posts:
        seen[post["role"]] = seen.get(post["role"], 0) + 1
        post["label"] = f"{plans.role_name(post['role'])} {seen[post['role']]}"


@transaction.atomic
def _load_posts(pcn: Organisation, out: TextIO) -> int:
    if ArrsPost.objects.filter(pcn=pcn).exists():
        out.write(f"  {pcn.code} {pcn.name}: ARRS plan already recorded\n")
        return 0
    used = plans.population_used(pcn, FinancialYear(2023))
    posts = demo_posts(used.weighted)
    _number_labels(pcn, posts)
    if pcn.code == DEMO_CLAIMS_PCN:
        for post in posts:
            if post["role"] == "clinical_pharmacist" and post["start"].year >= 2020:
                latest = annual_maximum(post["role"], CLAIMS_YEAR.end) or Decimal(0)
                post["annual_cost"] = (latest * post["fte"] * OVER_MAXIMUM).quantize(plans.PENNY, ROUND_HALF_UP)
                post["label"] += " (senior)"
                break
        for post in posts:
            if post["role"] == "social_prescribing_link_worker":
                post["end"] = dt.date(2023, 9, 30)
                break
    ArrsPost.objects.bulk_create([ArrsPost(pcn=pcn, **post) for post in posts])
    out.write(f"  {pcn.code} {pcn.name}: {len(posts)} ARRS posts (weighted list {used.weighted:,})\n")
    return len(posts)


@transaction.atomic
def _load_claims(pcn: Organisation, out: TextIO) -> int:
    plan = plans.arrs_plan(pcn, CLAIMS_YEAR)
    months = CLAIMS_YEAR.months()[:CLAIM_MONTHS]
    claims = []
    first = True
    for row in plan.posts:
        if row.projection is None or row.row.claims.exists():
            continue
        for i, month in enumerate(months):
            amount = row.projection.monthly[i]
            if not amount:
                continue
            if first and month.month == 9:
                amount = (amount * Decimal("0.98")).quantize(plans.PENNY, ROUND_HALF_UP)
            claims.append(ArrsClaim(post=row.row, month=month, amount=amount))
        if row.claims:
            first = False
    ArrsClaim.objects.bulk_create(claims)
    out.write(f"  {pcn.code} {pcn.name}: {len(claims)} ARRS claims for {CLAIMS_YEAR}\n")
    return len(claims)


def demo_sessions(sites: list[str], required: int, short: bool) -> list[AccessSession]:
    """Enhanced Access sessions until ``required`` minutes a week count (one evening fewer if ``short``)."""
    sites = sites or ["Main site"]
    staff = ("GP", "Practice nurse", "Clinical pharmacist", "Physician associate")
    template = []
    for day in access.WEEKDAYS:
        for i, site in enumerate(sites):
            template.append((day, dt.time(18, 30), dt.time(20, 0), site, staff[(day + i) % len(staff)]))
    hub = sites[0]
    for start, end in ((dt.time(9, 0), dt.time(13, 0)), (dt.time(13, 0), dt.time(17, 0))):
        for member in staff:
            template.append((access.SATURDAY, start, end, hub, member))
    chosen: list[AccessSession] = []
    counted = 0
    for day, start, end, site, member in template * 4:
        if counted >= required:
            break
        chosen.append(AccessSession(day=day, start=start, end=end, site=site, staff_type=member))
        counted += (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if short and chosen:
        chosen.pop(0)
    chosen.append(AccessSession(day=access.SATURDAY, start=dt.time(8, 0), end=dt.time(9, 0), site=hub,
                                staff_type="GP", agreed=True))
    return chosen


@transaction.atomic
def _load_sessions(pcn: Organisation, short: bool, out: TextIO) -> int:
    if AccessSession.objects.filter(pcn=pcn).exists():
        out.write(f"  {pcn.code} {pcn.name}: access plan already recorded\n")
        return 0
    year = catalogue_years()[-1]
    used = plans.population_used(pcn, year)
    population = used.population
    required = access.required_minutes(year.start, population.registered, population.adjusted)
    sites = [m.name.title() for m in used.members[:3]]
    # The agreed Saturday hour counts too, so it is left out of what the weekday sessions must give.
    sessions = demo_sessions(sites, max(0, required - 60), short)
    for s in sessions:
        s.pcn = pcn
    AccessSession.objects.bulk_create(sessions)
    result = access.check_plan(year.start, population.registered, population.adjusted, [plans.to_session(s) for s in sessions])
    out.write(f"  {pcn.code} {pcn.name}: {len(sessions)} access sessions, {result.planned_minutes_per_week:,} of "
              f"{result.required_minutes_per_week:,} minutes a week\n")
    return len(sessions)


def load_plans_demo(out: TextIO = sys.stdout) -> None:
    """Load the demo plans (see the module notes); PCNs missing from the register are skipped."""
    out.write("demo plans:\n")
    for code, with_posts, short in DEMO_PCNS:
        pcn = Organisation.objects.filter(code=code, kind=OrgKind.PCN).first()
        if pcn is None:
            out.write(f"  {code}: not in the register, skipped\n")
            continue
        if with_posts:
            _load_posts(pcn, out)
        if code == DEMO_CLAIMS_PCN:
            _load_claims(pcn, out)
        _load_sessions(pcn, short, out)
