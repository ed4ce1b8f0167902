"""The Additional Roles Reimbursement Scheme (ARRS): roles catalogue objects and workforce-plan projection.

The catalogue (:class:`RolesCatalogue`) is built by :mod:`pcnhub.reference.arrs_roles`
from versioned package data; every figure in it carries a status
(:data:`VERIFIED`, :data:`DERIVED` or :data:`UNCERTAIN`) and a source.

:func:`project` turns a PCN's workforce plan (a list of :class:`Post`) into the
claims it can make in one financial year:

* each post is claimable only from its role's ``eligible_from`` date;
* a post-month claims ``min(annual_cost, max_per_wte x fte) / 12 x rate x
  days claimable / days in the month`` (pro rata when the post starts or ends
  mid-month);
* a role with no published maximum is claimed at its annual cost, with a
  ``maximum-unknown`` warning;
* money is computed exactly and rounded half up to pence.  Each post-month is a
  whole number of pence and totals are sums of those parts; the rounding is
  carried from month to month within a post, so a post's year total is its
  exact claim rounded once (70% x 37,810 x 9/12 = 19,850.25, not
  9 x 2,205.58 = 19,850.22).

The ARRS sum (the PCN's share of the national pot) is compared with the claims:
``headroom = arrs_sum - claims`` (negative means an overspend; reimbursement
stops at the sum).  Claims for a role reimbursed from a pot of its own (GPs in
2024/25) are also reported apart; the sum is taken to include that pot, as
:func:`pcnhub.domain.money.entitlements.arrs_sum` does.

Caps on numbers are checked only where the catalogue records them; a year whose
caps are unknown is said so in :attr:`Projection.notes`, never guessed.

Plain Python: no Django.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from functools import cached_property
from typing import Any, Final

from pcnhub.domain.money.catalogue import DERIVED, STATUSES, UNCERTAIN, VERIFIED  # noqa: F401 (re-exported)
from pcnhub.domain.money.years import FinancialYear, long_date, month_end

# How a post is filled.
EMPLOYED: Final = "employed"
SUB_CONTRACT: Final = "sub-contract"
EMPLOYMENTS: Final = (EMPLOYED, SUB_CONTRACT)

# Severities of a projection finding.  ERROR: the post could not be projected.
ERROR: Final = "error"
WARNING: Final = "warning"
INFO: Final = "info"
SEVERITIES: Final = (ERROR, WARNING, INFO)

# Rules of a projection finding.
ROLE_NOT_ELIGIBLE: Final = "role-not-eligible"
CAP_EXCEEDED: Final = "cap-exceeded"
SALARY_ABOVE_MAXIMUM: Final = "salary-above-maximum"
MAXIMUM_UNKNOWN: Final = "maximum-unknown"
SUM_EXCEEDED: Final = "sum-exceeded"
UNKNOWN_ROLE: Final = "unknown-role"

# Cap policies of a year.
CAPS_LISTED: Final = "listed"
CAPS_NONE: Final = "none"
CAPS_UNKNOWN: Final = "unknown"
CAP_POLICIES: Final = (CAPS_LISTED, CAPS_NONE, CAPS_UNKNOWN)

PENNY: Final = Decimal("0.01")


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")


def normalise_role_name(name: str) -> str:
    """A role name compared without case, with ``&`` as "and" and ``_``, ``-``, ``/`` as spaces."""
    text = str(name).casefold().replace("&", " and ")
    return " ".join(re.sub(r"[_\-/]", " ", text).split())


def money(value: Decimal) -> str:
    """£62,340.00."""
    return f"£{value:,.2f}"


def _number(value: Decimal) -> str:
    """A quantity without trailing zeros: 1, 0.5, 1.25."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---------------------------------------------------------------------------
# The catalogue


@dataclass(frozen=True)
class DatedAmount:
    """A maximum reimbursable amount per WTE that applies from ``start`` until the next one.

    ``amount`` is ``None`` when no figure is known.  ``carried_from`` names the
    financial year of the published figure when this one is carried forward.
    """

    start: dt.date
    amount: Decimal | None
    status: str
    source: str
    note: str = ""
    carried_from: str | None = None

    def __post_init__(self) -> None:
        _check_status(self.status)


@dataclass(frozen=True)
class Amount:
    """A value looked up for a date, with its status, source and note (``value`` None = unknown)."""

    value: Decimal | None
    status: str
    source: str
    note: str = ""
    start: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "amount": _json_money(self.value),
            "from": self.start.isoformat() if self.start else None,
            "status": self.status,
            "source": self.source,
            "note": self.note,
        }


@dataclass(frozen=True)
class SeparatePot:
    """The role was reimbursed from a pot of its own (not the ARRS sum) up to and including ``until``."""

    until: dt.date
    name: str
    status: str
    source: str
    note: str = ""


@dataclass(frozen=True)
class Role:
    """One ARRS role: when it became reimbursable, its band and its dated maxima per WTE.

    ``max_per_wte`` is sorted by start date and covers every day from
    ``eligible_from`` (the loader fills years without a published figure).
    """

    key: str
    name: str
    eligible_from: dt.date
    eligible_status: str
    eligible_source: str
    band: str
    band_status: str
    band_source: str
    max_per_wte: tuple[DatedAmount, ...] = ()
    aliases: tuple[str, ...] = ()
    eligible_note: str = ""
    separate_pot: SeparatePot | None = None

    def __post_init__(self) -> None:
        _check_status(self.eligible_status)
        _check_status(self.band_status)
        starts = [entry.start for entry in self.max_per_wte]
        if starts != sorted(set(starts)):
            raise ValueError(f"role {self.key}: max_per_wte must be in date order, one entry per date")

    def in_separate_pot(self, day: dt.date) -> bool:
        return self.separate_pot is not None and day <= self.separate_pot.until


@dataclass(frozen=True)
class ReimbursementRate:
    """The share of actual salary + on-costs reimbursed from ``start``, for ``roles`` (None = every role)."""

    start: dt.date
    rate: Decimal
    roles: frozenset[str] | None
    status: str
    source: str
    note: str = ""

    def __post_init__(self) -> None:
        _check_status(self.status)
        if not Decimal(0) < self.rate <= Decimal(1):
            raise ValueError(f"a reimbursement rate must be more than 0 and at most 1, not {self.rate}")

    def applies_to(self, key: str) -> bool:
        return self.roles is None or key in self.roles


@dataclass(frozen=True)
class CapLimit:
    """At most ``wte`` of a role, or ``large_wte`` when the registered list is over ``large_list``."""

    role: str
    wte: Decimal
    large_list: int | None = None
    large_wte: Decimal | None = None

    def for_list(self, registered_list: int | None) -> Decimal:
        """The cap for a registered list; an unknown list gets the cap of a list not over ``large_list``."""
        if self.large_list is not None and self.large_wte is not None and registered_list is not None:
            if registered_list > self.large_list:
                return self.large_wte
        return self.wte


@dataclass(frozen=True)
class CapPolicy:
    """What is known of the caps on numbers in one financial year (see :data:`CAP_POLICIES`)."""

    year: FinancialYear
    policy: str
    status: str
    source: str
    note: str = ""
    limits: tuple[CapLimit, ...] = ()

    def __post_init__(self) -> None:
        _check_status(self.status)
        if self.policy not in CAP_POLICIES:
            raise ValueError(f"unknown cap policy {self.policy!r}; expected one of {', '.join(CAP_POLICIES)}")
        if self.limits and self.policy != CAPS_LISTED:
            raise ValueError(f"{self.year}: only a {CAPS_LISTED!r} cap policy has limits")

    def limit(self, key: str) -> CapLimit | None:
        return next((limit for limit in self.limits if limit.role == key), None)


@dataclass(frozen=True)
class RolesCatalogue:
    """Every ARRS role, the reimbursement rates and the caps on numbers by year.

    Roles are looked up by key, name or alias, without case (see
    :func:`normalise_role_name`): "Clinical Pharmacist", "clinical_pharmacist",
    "SPLW" and "Social Prescriber" all work.
    """

    roles: tuple[Role, ...]
    rates: tuple[ReimbursementRate, ...]
    caps: tuple[CapPolicy, ...]
    covered_until: dt.date
    version: int = 1
    file: str = "roles.toml"

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for role in self.roles:
            for name in (role.key, role.name, *role.aliases):
                normal = normalise_role_name(name)
                if seen.get(normal, role.key) != role.key:
                    raise ValueError(f"role name {name!r} is used by both {seen[normal]} and {role.key}")
                seen[normal] = role.key

    @cached_property
    def _by_name(self) -> dict[str, Role]:
        table: dict[str, Role] = {}
        for role in self.roles:
            for name in (role.key, role.name, *role.aliases):
                table[normalise_role_name(name)] = role
        return table

    def keys(self) -> tuple[str, ...]:
        return tuple(role.key for role in self.roles)

    def resolve(self, name: str) -> str | None:
        """The key of the role called ``name`` (key, name or alias, any case), or None."""
        role = self._by_name.get(normalise_role_name(name))
        return role.key if role else None

    def role(self, name: str) -> Role:
        """The role called ``name``; KeyError listing the known keys if there is none."""
        role = self._by_name.get(normalise_role_name(name))
        if role is None:
            raise KeyError(f"{name!r} is not an ARRS role; known roles: {', '.join(self.keys())}")
        return role

    def eligible(self, key: str, day: dt.date) -> bool:
        """Whether the role could be claimed for on ``day``."""
        return day >= self.role(key).eligible_from

    def max_per_wte(self, key: str, day: dt.date) -> Amount:
        """The maximum reimbursable amount per WTE (salary + on-costs) on ``day``.

        ``value`` is None when unknown; past the catalogue's last year the last
        figure is carried forward and marked uncertain.
        """
        role = self.role(key)
        if day < role.eligible_from:
            return Amount(
                None,
                role.eligible_status,
                role.eligible_source,
                f"{role.name} is not reimbursable before {long_date(role.eligible_from)}",
            )
        entry = [candidate for candidate in role.max_per_wte if candidate.start <= day][-1:]
        if not entry:
            return Amount(None, UNCERTAIN, role.band_source, f"no published maximum; {role.band}")
        found = entry[0]
        if day > self.covered_until and found.amount is not None:
            carried = found.carried_from or FinancialYear.containing(found.start).label
            return Amount(found.amount, UNCERTAIN, found.source, f"carried forward from {carried}", found.start)
        return Amount(found.amount, found.status, found.source, found.note, found.start)

    def reimbursement(self, key: str, day: dt.date) -> ReimbursementRate | None:
        """The rate entry in force for the role on ``day``, or None before the scheme covered it."""
        key = self.role(key).key
        found = [rate for rate in self.rates if rate.start <= day and rate.applies_to(key)]
        return max(found, key=lambda rate: rate.start) if found else None

    def reimbursement_rate(self, key: str, day: dt.date) -> Decimal | None:
        """The share of salary + on-costs reimbursed (0.70, 1.00) on ``day``; None if no rate applies."""
        entry = self.reimbursement(key, day)
        return entry.rate if entry else None

    def cap_policy(self, year: FinancialYear) -> CapPolicy | None:
        return next((policy for policy in self.caps if policy.year == year), None)

    def cap(self, key: str, year: FinancialYear, registered_list: int | None = None) -> Decimal | None:
        """The most WTE of the role a PCN may claim for in ``year``; None when no cap is known.

        With ``registered_list`` None a list-dependent cap is the one for a list
        not over the threshold (the smaller).
        """
        policy = self.cap_policy(year)
        limit = policy.limit(self.role(key).key) if policy else None
        return limit.for_list(registered_list) if limit else None


# ---------------------------------------------------------------------------
# The typical plan


@dataclass(frozen=True)
class FundingFigure:
    """Funding of the typical network in one year (GBP), from the plan's national pot."""

    year: str
    amount: Decimal
    national_pot_m: Decimal | None
    status: str
    source: str
    note: str = ""


@dataclass(frozen=True)
class TypicalPlan:
    """A typical network's FTE per role per year, for a network of ``list_size`` patients."""

    list_size: int
    fte: tuple[tuple[str, str, Decimal], ...]  # (role key, year label, FTE)
    funding: tuple[FundingFigure, ...]
    status: str
    source: str
    note: str = ""
    names: tuple[tuple[str, str], ...] = ()  # (name in the plan, role key)

    def years(self) -> list[str]:
        return list(dict.fromkeys(year for _, year, _ in self.fte))

    def roles(self) -> list[str]:
        return list(dict.fromkeys(role for role, _, _ in self.fte))

    def fte_for(self, role: str, year: str) -> Decimal:
        return next((fte for key, label, fte in self.fte if key == role and label == year), Decimal(0))

    def scaled(self, year: str, weighted: Decimal | int) -> dict[str, Decimal]:
        """The plan's FTE per role in ``year`` scaled by ``weighted / list_size``, to 2 dp."""
        factor = Decimal(weighted) / Decimal(self.list_size)
        return {
            role: (fte * factor).quantize(PENNY, ROUND_HALF_UP) for role, label, fte in self.fte if label == year
        }


# ---------------------------------------------------------------------------
# Posts and the projection


@dataclass(frozen=True)
class Post:
    """One post of a workforce plan.

    ``annual_cost`` is what the PCN pays a year for the post at its ``fte``
    (salary + on-costs); ``end`` None means open-ended (the last day in post
    otherwise).  ``role`` is a role key (names and aliases work too).
    """

    role: str
    fte: Decimal
    start: dt.date
    end: dt.date | None
    annual_cost: Decimal
    employment: str = EMPLOYED
    label: str = ""

    def __post_init__(self) -> None:
        for name in ("fte", "annual_cost"):
            value = getattr(self, name)
            if isinstance(value, float) or isinstance(value, bool):
                raise TypeError(f"{name} must be a Decimal (or int or str), not {type(value).__name__}")
            try:
                number = Decimal(value)
            except (InvalidOperation, TypeError, ValueError):
                raise ValueError(f"{name} {value!r} is not a number") from None
            if not number.is_finite() or number <= 0:
                raise ValueError(f"{name} must be more than 0, not {value}")
            object.__setattr__(self, name, number)
        if self.end is not None and self.end < self.start:
            raise ValueError(f"the post ends ({self.end}) before it starts ({self.start})")
        if self.employment not in EMPLOYMENTS:
            raise ValueError(f"employment must be one of {', '.join(EMPLOYMENTS)}, not {self.employment!r}")

    def in_post(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def describe(self, role_name: str | None = None) -> str:
        """The label, or e.g. "Clinical pharmacist 0.5 WTE from 2021-04-01"."""
        return self.label or f"{role_name or self.role} {_number(self.fte)} WTE from {self.start.isoformat()}"


@dataclass(frozen=True)
class Finding:
    """Something to know about a projection; ``post`` is the index of the post in the plan (0-based)."""

    severity: str
    rule: str
    message: str
    post: int | None = None
    role: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}; expected one of {', '.join(SEVERITIES)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "post": self.post,
            "role": self.role,
        }


@dataclass(frozen=True)
class PostProjection:
    """One post's year: months in post, claims by month (pence) and the maxima used."""

    index: int
    post: Post
    role: Role | None
    months_in_post: Decimal
    claimable_months: Decimal
    monthly: tuple[Decimal, ...]
    cost_in_year: Decimal
    separate_pot_claims: Decimal = Decimal("0.00")
    maxima: tuple[Amount, ...] = ()

    @property
    def claims(self) -> Decimal:
        return sum(self.monthly, Decimal("0.00"))

    @property
    def unreimbursed(self) -> Decimal:
        """What the post costs in the year less what it claims."""
        return self.cost_in_year - self.claims

    def to_dict(self) -> dict[str, Any]:
        post = self.post
        return {
            "post": self.index,
            "label": post.label,
            "role": self.role.key if self.role else post.role,
            "role_name": self.role.name if self.role else None,
            "fte": float(post.fte),
            "start": post.start.isoformat(),
            "end": post.end.isoformat() if post.end else None,
            "employment": post.employment,
            "annual_cost": _json_money(post.annual_cost),
            "months_in_post": float(self.months_in_post),
            "claimable_months": float(self.claimable_months),
            "cost_in_year": _json_money(self.cost_in_year),
            "claims": _json_money(self.claims),
            "separate_pot_claims": _json_money(self.separate_pot_claims),
            "unreimbursed": _json_money(self.unreimbursed),
            "max_per_wte": [amount.to_dict() for amount in self.maxima],
        }


@dataclass(frozen=True)
class MonthClaims:
    month: dt.date
    claims: Decimal


@dataclass(frozen=True)
class Projection:
    """A workforce plan's ARRS claims in one financial year, against the PCN's ARRS sum.

    ``headroom`` (None without a sum) is the sum less the claims, negative for
    an overspend; ``reimbursed`` is the claims the sum can pay.
    ``separate_pot_claims`` is the part of the claims for roles reimbursed from
    a pot of their own (GPs in 2024/25), which the sum is taken to include.
    """

    year: FinancialYear
    arrs_sum: Decimal | None
    posts: tuple[PostProjection, ...]
    monthly: tuple[MonthClaims, ...]
    warnings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    registered_list: int | None = None

    @property
    def claims(self) -> Decimal:
        return sum((month.claims for month in self.monthly), Decimal("0.00"))

    @property
    def separate_pot_claims(self) -> Decimal:
        return sum((post.separate_pot_claims for post in self.posts), Decimal("0.00"))

    @property
    def headroom(self) -> Decimal | None:
        return None if self.arrs_sum is None else self.arrs_sum - self.claims

    @property
    def reimbursed(self) -> Decimal:
        """The claims, capped at the ARRS sum when it is known."""
        return self.claims if self.arrs_sum is None else min(self.claims, self.arrs_sum)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able data; money as numbers rounded to 2 dp, months as "YYYY-MM"."""
        return {
            "year": self.year.label,
            "arrs_sum": _json_money(self.arrs_sum),
            "registered_list": self.registered_list,
            "claims": _json_money(self.claims),
            "separate_pot_claims": _json_money(self.separate_pot_claims),
            "headroom": _json_money(self.headroom),
            "reimbursed": _json_money(self.reimbursed),
            "monthly": [
                {"month": f"{month.month:%Y-%m}", "claims": _json_money(month.claims)} for month in self.monthly
            ],
            "posts": [post.to_dict() for post in self.posts],
            "warnings": [finding.to_dict() for finding in self.warnings],
            "notes": list(self.notes),
        }


def _json_money(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(PENNY, ROUND_HALF_UP))


def _pence(value: Fraction) -> Decimal:
    """A non-negative exact amount rounded half up to pence."""
    pence = (value * 100 + Fraction(1, 2)).__floor__()
    return Decimal(pence).scaleb(-2)


def _days(first: dt.date, last: dt.date) -> int:
    return (last - first).days + 1 if first <= last else 0


@dataclass
class _PostWork:
    """What :func:`project` gathers about one post while walking its months."""

    not_eligible: Fraction = Fraction(0)  # months in post before the role was reimbursable
    above_maximum: Amount | None = None
    unknown_maximum: bool = False
    no_rate: bool = False
    maxima: list[Amount] = field(default_factory=list)


def project(
    year: FinancialYear,
    posts: Sequence[Post],
    arrs_sum: Decimal | None,
    catalogue: RolesCatalogue,
    registered_list: int | None = None,
) -> Projection:
    """Project the plan's ARRS claims in ``year`` against ``arrs_sum`` (None = not known); see the module notes."""
    months = year.months()
    findings: list[Finding] = []
    notes: list[str] = []
    results: list[PostProjection] = []
    for index, post in enumerate(posts):
        key = catalogue.resolve(post.role)
        if key is None:
            findings.append(
                Finding(
                    ERROR,
                    UNKNOWN_ROLE,
                    f"{post.role!r} is not an ARRS role; the post is left out "
                    f"(known roles: {', '.join(catalogue.keys())})",
                    index,
                    post.role,
                )
            )
            results.append(_empty_projection(index, post, months))
            continue
        role = catalogue.role(key)
        result, work = _project_post(index, post, role, catalogue, months)
        results.append(result)
        findings.extend(_post_findings(index, post, role, year, work, result))
        for amount in work.maxima:
            if amount.value is not None and amount.note.startswith("carried forward"):
                notes.append(
                    f"{role.name}: the maximum {money(amount.value)} per WTE used in {year} is "
                    f"{amount.note} ({amount.status})"
                )
    findings.extend(_cap_findings(year, posts, results, catalogue, registered_list, notes))
    monthly = tuple(
        MonthClaims(month, sum((result.monthly[i] for result in results), Decimal("0.00")))
        for i, month in enumerate(months)
    )
    projection = Projection(year, arrs_sum, tuple(results), monthly, (), (), registered_list)
    if arrs_sum is None:
        notes.append("ARRS sum not known: headroom not computed and the sum not checked")
    elif projection.headroom is not None and projection.headroom < 0:
        findings.append(
            Finding(
                WARNING,
                SUM_EXCEEDED,
                f"claims of {money(projection.claims)} exceed the ARRS sum of {money(arrs_sum)} "
                f"by {money(-projection.headroom)}; reimbursement stops at the sum",
            )
        )
    if projection.separate_pot_claims:
        pots = sorted(
            {r.role.separate_pot.name for r in results if r.separate_pot_claims and r.role and r.role.separate_pot}
        )
        notes.append(
            f"{money(projection.separate_pot_claims)} of the claims are paid from the separate "
            f"{', '.join(pots)} pot; the ARRS sum is taken to include that pot"
        )
    return Projection(
        year,
        arrs_sum,
        tuple(results),
        monthly,
        tuple(findings),
        tuple(dict.fromkeys(notes)),
        registered_list,
    )


def _empty_projection(index: int, post: Post, months: list[dt.date]) -> PostProjection:
    in_post = sum((_month_fraction(post, month) for month in months), Fraction(0))
    cost = _pence(Fraction(post.annual_cost) * in_post / 12)
    zero = Decimal("0.00")
    return PostProjection(index, post, None, _months(in_post), zero, (zero,) * len(months), cost)


def _month_fraction(post: Post, month: dt.date) -> Fraction:
    last = month_end(month)
    days = _days(max(month, post.start), min(last, post.end or last))
    return Fraction(days, last.day)


def _months(value: Fraction) -> Decimal:
    return _pence(value)


def _project_post(
    index: int, post: Post, role: Role, catalogue: RolesCatalogue, months: list[dt.date]
) -> tuple[PostProjection, _PostWork]:
    work = _PostWork()
    exact = Fraction(0)
    separate = Fraction(0)
    rounded = Decimal("0.00")
    in_post = Fraction(0)
    claimable = Fraction(0)
    cost = Fraction(0)
    monthly: list[Decimal] = []
    fte, annual_cost = Fraction(post.fte), Fraction(post.annual_cost)
    for month in months:
        last = month_end(month)
        month_days = last.day
        first_in, last_in = max(month, post.start), min(last, post.end or last)
        days_in = _days(first_in, last_in)
        first_claim = max(first_in, role.eligible_from)
        days_claim = _days(first_claim, last_in)
        in_post += Fraction(days_in, month_days)
        cost += annual_cost * Fraction(days_in, 12 * month_days)
        work.not_eligible += Fraction(days_in - days_claim, month_days)
        if days_claim:
            rate = catalogue.reimbursement_rate(role.key, first_claim)
            maximum = catalogue.max_per_wte(role.key, first_claim)
            if maximum not in work.maxima:
                work.maxima.append(maximum)
            if rate is None:
                work.no_rate = True
            else:
                base = annual_cost
                if maximum.value is None:
                    work.unknown_maximum = True
                else:
                    limit = Fraction(maximum.value) * fte
                    if annual_cost > limit and work.above_maximum is None:
                        work.above_maximum = maximum
                    base = min(annual_cost, limit)
                claim = base * Fraction(rate) * Fraction(days_claim, 12 * month_days)
                exact += claim
                claimable += Fraction(days_claim, month_days)
                if role.in_separate_pot(first_claim):
                    separate += claim
        now = _pence(exact)
        monthly.append(now - rounded)
        rounded = now
    result = PostProjection(
        index,
        post,
        role,
        _months(in_post),
        _months(claimable),
        tuple(monthly),
        _pence(cost),
        _pence(separate),
        tuple(work.maxima),
    )
    return result, work


def _post_findings(
    index: int, post: Post, role: Role, year: FinancialYear, work: _PostWork, result: PostProjection
) -> list[Finding]:
    findings = []
    what = post.describe(role.name)
    if work.not_eligible:
        findings.append(
            Finding(
                WARNING,
                ROLE_NOT_ELIGIBLE,
                f"{what}: {role.name} posts are reimbursable from {long_date(role.eligible_from)}; "
                f"the {_number(_months(work.not_eligible))} months in post before then are not claimable",
                index,
                role.key,
            )
        )
    if work.no_rate:
        findings.append(
            Finding(
                WARNING,
                ROLE_NOT_ELIGIBLE,
                f"{what}: no reimbursement rate is recorded for {role.name} in {year}; not claimable",
                index,
                role.key,
            )
        )
    if work.above_maximum is not None and work.above_maximum.value is not None:
        maximum = work.above_maximum.value
        limit = (maximum * post.fte).quantize(PENNY, ROUND_HALF_UP)
        findings.append(
            Finding(
                WARNING,
                SALARY_ABOVE_MAXIMUM,
                f"{what}: the annual cost {money(post.annual_cost)} is above the maximum {money(limit)} "
                f"for {_number(post.fte)} WTE ({money(maximum)} per WTE); the excess is not reimbursed",
                index,
                role.key,
            )
        )
    if work.unknown_maximum:
        findings.append(
            Finding(
                WARNING,
                MAXIMUM_UNKNOWN,
                f"{what}: no published maximum reimbursable amount for {role.name} ({role.band}); "
                f"the claim is counted at the annual cost {money(post.annual_cost)} and is uncertain",
                index,
                role.key,
            )
        )
    return findings


def _cap_findings(
    year: FinancialYear,
    posts: Sequence[Post],
    results: Sequence[PostProjection],
    catalogue: RolesCatalogue,
    registered_list: int | None,
    notes: list[str],
) -> list[Finding]:
    keys = list(dict.fromkeys(result.role.key for result in results if result.role))
    if not keys:
        return []
    policy = catalogue.cap_policy(year)
    if policy is None:
        notes.append(f"no cap information for {year}: caps on numbers not checked")
        return []
    if policy.policy == CAPS_NONE:
        notes.append(f"no caps on numbers in {year}" + (f" ({policy.note})" if policy.note else ""))
        return []
    if policy.policy == CAPS_UNKNOWN:
        notes.append(f"caps on numbers in {year} are not known ({policy.note}): not checked")
        return []
    findings = []
    for key in keys:
        limit = policy.limit(key)
        if limit is None:
            continue
        role = catalogue.role(key)
        cap = limit.for_list(registered_list)
        if registered_list is None and limit.large_list is not None:
            notes.append(
                f"registered list not given: the {role.name} cap for a list of {limit.large_list:,} or fewer "
                f"({_number(limit.wte)} WTE) is applied"
            )
        own = [post for post, result in zip(posts, results, strict=True) if result.role and result.role.key == key]
        first = max(year.start, role.eligible_from)
        days = {first, *(post.start for post in own if first <= post.start <= year.end)}
        peak = max(sum((post.fte for post in own if post.in_post(day)), Decimal(0)) for day in days)
        if peak > cap:
            findings.append(
                Finding(
                    WARNING,
                    CAP_EXCEEDED,
                    f"{_number(peak)} WTE of {role.name} in post in {year}, over the cap of {_number(cap)} WTE "
                    f"({policy.note}); claims above the cap may not be reimbursed (they are not reduced here)",
                    None,
                    key,
                )
            )
    return findings


# ---------------------------------------------------------------------------
# Headcount and the typical plan


def headcount_by_year(posts: Iterable[Post], years: Iterable[FinancialYear]) -> dict[str, dict[str, Decimal]]:
    """Average WTE in post over each year, per role: sum of fte x days in post / days in the year (2 dp).

    The average (rather than the WTE on 31 March) shows a post that starts in
    the autumn as half a post, as its claims are.  Roles are keyed as the posts
    name them; roles with no time in post in a year are left out.
    """
    posts = list(posts)
    table: dict[str, dict[str, Decimal]] = {}
    for year in years:
        year_days = _days(year.start, year.end)
        totals: dict[str, Fraction] = {}
        for post in posts:
            days = _days(max(year.start, post.start), min(year.end, post.end or year.end))
            if days:
                totals[post.role] = totals.get(post.role, Fraction(0)) + Fraction(post.fte) * days / year_days
        table[year.label] = {role: _pence(value) for role, value in totals.items()}
    return table


@dataclass(frozen=True)
class PlanComparison:
    """A role's average WTE in a year against the typical plan scaled to the PCN's weighted list."""

    year: str
    role: str
    typical_fte: Decimal
    planned_fte: Decimal

    @property
    def difference(self) -> Decimal:
        return self.planned_fte - self.typical_fte

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "role": self.role,
            "typical_fte": float(self.typical_fte),
            "planned_fte": float(self.planned_fte),
            "difference": float(self.difference),
        }


def compare_with_typical(
    posts: Iterable[Post],
    years: Iterable[FinancialYear],
    weighted: Decimal | int,
    plan: TypicalPlan,
    catalogue: RolesCatalogue | None = None,
) -> list[PlanComparison]:
    """The plan's average WTE per role against ``plan`` scaled by ``weighted / plan.list_size``.

    Only years the typical plan covers are compared.  With a catalogue, post
    roles given by name are matched to their keys.
    """
    posts = list(posts)
    if catalogue is not None:
        posts = [_with_key(post, catalogue) for post in posts]
    years = [year for year in years if year.label in plan.years()]
    counts = headcount_by_year(posts, years)
    rows = []
    for year in years:
        typical = plan.scaled(year.label, weighted)
        planned = counts[year.label]
        for role in [*typical, *(role for role in planned if role not in typical)]:
            rows.append(
                PlanComparison(year.label, role, typical.get(role, Decimal("0.00")), planned.get(role, Decimal("0.00")))
            )
    return rows


def _with_key(post: Post, catalogue: RolesCatalogue) -> Post:
    key = catalogue.resolve(post.role)
    if key is None or key == post.role:
        return post
    return Post(key, post.fte, post.start, post.end, post.annual_cost, post.employment, post.label)
