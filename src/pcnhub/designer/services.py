"""The configuration designer: an area's current PCN configuration on a date beside a proposal.

:func:`build` gathers everything the designer's page, downloads and API show, from the register:

* the practices of the area on the date (:func:`pcnhub.register.services.area_members`), each with
  its latest list size on or before the date and its location
  (:func:`pcnhub.register.locations.practice_locations`); practices that cannot be placed are listed
  with the reason and left out of the maps, the neighbour graph and the proposal;
* the current configuration (the register's PCNs on the date, checked against the rules), and a
  proposal made from the located practices by :func:`pcnhub.domain.design.propose.design` (contiguous,
  in band where feasible, compact) within a time limit;
* for both: the design metrics on one neighbour graph, the findings (rules, contiguity naming stray
  practices, feasibility), and per network its list size, whether it is in band, its Network
  Contract entitlement for the financial year of the date (the rates catalogue and the ICB's
  overrides, as on the money pages, applied to the members' list sizes shown) and its required
  weekly access time (:func:`pcnhub.domain.access.access_requirement`).

The proposal is the only costly step (up to ``PCNHUB_DESIGN_SECONDS``; 2 s for the demo's largest
ICB). :func:`propose_for` keeps it in the site's cache (a database table every worker shares, see
``CACHES`` in the settings) under a key of the area, date, band, number of networks, whether PCNs are
kept, the time limit, the register's fingerprint (:func:`pcnhub.register.services.register_fingerprint`:
any import or edit starts afresh) and every input of the proposer (practice codes, list sizes,
coordinates, pins), so nothing stale is ever shown and a repeated request computes nothing. Work is
bounded: while one request computes a proposal, an identical request waits for it rather than computing
it again (an "in progress" marker taken with the cache's atomic ``add``), and a user may have at most
``PCNHUB_DESIGN_PER_USER`` proposals computing at once; one more raises :class:`Busy` (answered 429).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache

from pcnhub.domain import rules
from pcnhub.domain.access import ENHANCED_ACCESS_START, NETWORK_CONTRACT_DES_START, access_requirement
from pcnhub.domain.design.continuity import Continuity, continuity
from pcnhub.domain.design.metrics import Change, Metrics, change, metrics
from pcnhub.domain.design.model import Unit
from pcnhub.domain.design.propose import Design, design, explain_feasibility
from pcnhub.domain.geography import NeighbourGraph, Point, build_graph
from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.entitlements import Entitlement, Member, Population, entitlement
from pcnhub.domain.money.years import FinancialYear, catalogue_years, long_date
from pcnhub.finance.services import overrides_for
from pcnhub.geo.postcodes import SOURCE as POSTCODE_SOURCE
from pcnhub.reference.rates import year_rates
from pcnhub.register import services as register
from pcnhub.register.locations import PracticeLocations
from pcnhub.register.models import BandPolicy, Organisation, OrgKind

#: The label of practices that are in no network (current configuration).
NO_NETWORK = "In no PCN"
CURRENT = "current"
PROPOSAL = "proposal"
#: Most networks that may be asked for, whatever the number of practices.
MAX_NETWORKS = 500


def design_seconds() -> float:
    """The proposal's time limit (``PCNHUB_DESIGN_SECONDS``, default 3 seconds)."""
    return float(getattr(settings, "PCNHUB_DESIGN_SECONDS", 3.0))


@dataclass
class PracticeView:
    code: str
    name: str
    registered: int | None
    weighted: int | None
    adjusted: int | None
    list_size_date: dt.date | None
    point: Point | None
    precision: str = ""
    unplaced: str = ""
    #: The address as the register has it (its post town names the place on the maps).
    address: str = ""

    @property
    def list_size(self) -> int:
        """Registered patients, 0 when no list size is recorded (as the landscape counts them)."""
        return self.registered or 0

    @property
    def member(self) -> Member:
        return Member(self.code, self.name, Population(self.list_size, self.weighted, self.adjusted))


@dataclass
class Money:
    """A network's entitlement for the year (None when the catalogue does not cover the year)."""

    entitlement: Entitlement | None

    @property
    def known(self) -> bool:
        return self.entitlement is not None

    @property
    def total(self) -> Decimal | None:
        return None if self.entitlement is None else self.entitlement.total

    @property
    def to_pcn(self) -> Decimal | None:
        return None if self.entitlement is None else self.entitlement.total_to(c.TO_PCN)

    @property
    def to_practices(self) -> Decimal | None:
        return None if self.entitlement is None else self.entitlement.total_to(c.TO_PRACTICES)

    @property
    def core(self) -> Decimal | None:
        """Core PCN funding (one payment to 2023/24, on registered and adjusted lists from 2024/25)."""
        if self.entitlement is None:
            return None
        lines = [line for line in self.entitlement.lines if line.payment.key.startswith("core") and line.known]
        return sum((line.amount for line in lines), Decimal(0)) if lines else None

    @property
    def not_known(self) -> list[str]:
        return [] if self.entitlement is None else [line.payment.name for line in self.entitlement.not_known]

    @property
    def not_counted(self) -> list[str]:
        """Amounts shown apart from the total: a designed network has no IIF achievement, so its IIF maximum."""
        if self.entitlement is None:
            return []
        return [f"{line.payment.name} (maximum £{line.amount:,.2f})" for line in self.entitlement.not_counted]


@dataclass
class Access:
    """Required weekly access minutes (None before the Network Contract DES)."""

    minutes: int | None
    scheme: str
    basis: str

    @property
    def hours_text(self) -> str:
        if self.minutes is None:
            return "No requirement"
        hours, rest = divmod(self.minutes, 60)
        return f"{hours:,} h {rest:02d} min"


@dataclass
class NetworkView:
    number: int
    name: str
    code: str | None
    practices: list[PracticeView]
    band: rules.Band
    money: Money
    access: Access
    colour: str = ""
    #: For a proposed network: the current network it continues (most patients kept together), or None.
    continues: str | None = None
    #: For a proposed network that continues a current one: how much of it stays, in words ("" if none).
    continuity: str = ""

    @property
    def label(self) -> str:
        """The short label drawn on the map and shown in the tables (colour is never the only cue)."""
        return str(self.number)

    @property
    def list_size(self) -> int:
        return sum(p.list_size for p in self.practices)

    @property
    def in_band(self) -> bool:
        return self.band.lower <= self.list_size <= self.band.upper

    @property
    def band_text(self) -> str:
        if self.in_band:
            return "In band"
        if self.list_size < self.band.lower:
            return f"Below by {self.band.lower - self.list_size:,}"
        return f"Above by {self.list_size - self.band.upper:,}"

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.practices]

    @property
    def stands_in(self) -> str:
        """Where the registered list stands in for a list not recorded, for a download ("" when none does)."""
        sized = [p for p in self.practices if p.registered is not None]
        said = []
        for attr, label in (("weighted", "weighted list"), ("adjusted", "adjusted population")):
            missing = sum(1 for p in sized if getattr(p, attr) is None)
            if missing:
                whose = "" if missing == len(sized) else f" of {missing} of {len(sized)} practices"
                said.append(f"no {label} recorded{whose}: the registered list stands in")
        return "; ".join(said)


@dataclass
class Side:
    key: str
    title: str
    networks: list[NetworkView]
    metrics: Metrics | None
    findings: list[rules.Finding]
    #: practices of the area in no network on this side
    uncovered: list[PracticeView] = field(default_factory=list)
    #: for the proposal: who moves from the current configuration
    change: Change | None = None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == rules.ERROR)

    @property
    def not_contiguous(self) -> list[rules.Finding]:
        """Findings of networks in several pieces (a warning, or an exception where one is recorded)."""
        return [f for f in self.findings if f.rule == rules.CONTIGUITY and f.severity != rules.INFO]


@dataclass
class DesignView:
    area: Organisation
    date: dt.date
    band: rules.Band
    networks_asked: int | None
    seconds: float
    year: FinancialYear
    year_known: bool
    practices: list[PracticeView]
    current: Side
    proposal: Side | None
    graph: NeighbourGraph | None
    design: Design | None
    notes: list[str]
    icb: Organisation | None
    keep: bool = False
    #: The band policy the band came from (None: the DES band, or a band asked for).
    policy: BandPolicy | None = None

    @property
    def located(self) -> list[PracticeView]:
        return [p for p in self.practices if p.point is not None]

    @property
    def unplaced(self) -> list[PracticeView]:
        return [p for p in self.practices if p.point is None]

    @property
    def approximate(self) -> list[PracticeView]:
        return [p for p in self.practices if p.precision in ("sector", "district")]

    @property
    def unsized(self) -> list[PracticeView]:
        return [p for p in self.practices if p.registered is None]

    @property
    def total(self) -> int:
        return sum(p.list_size for p in self.practices)

    @property
    def sides(self) -> list[Side]:
        return [self.current] + ([self.proposal] if self.proposal else [])

    @property
    def source(self) -> str:
        return POSTCODE_SOURCE


# --- Inputs ------------------------------------------------------------------------------------


def _whole(value: float | None) -> int | None:
    return None if value is None else int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def practice_views(practices: list[Organisation], located: PracticeLocations, date: dt.date) -> list[PracticeView]:
    """The practices with their lists on ``date`` (latest by then) and locations."""
    sizes = register.list_sizes_on([p.pk for p in practices], date)
    out = []
    for p in sorted(practices, key=lambda p: p.code):
        size = sizes.get(p.pk)
        out.append(PracticeView(
            code=p.code, name=p.name,
            registered=size.registered if size else None,
            weighted=_whole(size.weighted) if size else None,
            adjusted=_whole(size.adjusted) if size else None,
            list_size_date=size.date if size else None,
            point=located.points.get(p.code),
            precision=located.precision.get(p.code, ""),
            unplaced=located.unplaced.get(p.code, ""),
            address=p.address,
        ))
    return out


def _money(members: list[PracticeView], rates, overrides) -> Money:
    if rates is None:
        return Money(None)
    with_weighted = any(p.weighted is not None for p in members)
    with_adjusted = any(p.adjusted is not None for p in members)
    population = Population(
        registered=sum(p.list_size for p in members),
        weighted=sum(p.member.population.of(c.WEIGHTED) for p in members) if with_weighted else None,
        adjusted=sum(p.member.population.of(c.ADJUSTED) for p in members) if with_adjusted else None,
    )
    return Money(entitlement(rates, population, overrides=overrides, members=[p.member for p in members]))


def _access(members: list[PracticeView], date: dt.date) -> Access:
    if date < NETWORK_CONTRACT_DES_START:
        return Access(None, "none", "")
    registered = sum(p.list_size for p in members)
    adjusted = sum(p.adjusted if p.adjusted is not None else p.list_size for p in members)
    known = any(p.adjusted is not None for p in members)
    result = access_requirement(date, registered, adjusted if known else None)
    return Access(result.required_minutes_per_week, result.scheme.value, result.population_basis)


# --- The proposal (cached, computed once, bounded per user) ----------------------------------------

#: How long past its time limit an "in progress" marker or a user's slot lasts: the proposer stops at its
#: time limit, then checks feasibility; a worker killed in between frees both when this has passed.
OVERRUN_SECONDS = 30
#: How often a request waiting for an identical proposal that another request is computing looks for it.
WAIT_POLL_SECONDS = 0.1


class Busy(Exception):
    """The user already has as many proposals computing as they may (answered 429)."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Request:
    """What a proposal is asked for with, besides its inputs: the key's readable part."""

    area: str
    date: dt.date
    band: rules.Band
    networks: int | None
    keep: bool
    seconds: float


def cache_key(request: Request, fingerprint: str, points: list[Point], units: list[Unit]) -> str:
    """The cache key of a proposal: the request, the register's fingerprint and the proposer's every input."""
    payload = json.dumps({
        "area": request.area, "date": request.date.isoformat(), "band": [request.band.lower, request.band.upper],
        "k": request.networks, "keep": request.keep, "seconds": request.seconds, "register": fingerprint,
        "units": [[u.code, u.list_size, p.lat, p.lon, u.pinned, u.area] for p, u in zip(points, units, strict=True)],
    }, sort_keys=True)
    return "pcnhub-design-" + hashlib.sha256(payload.encode()).hexdigest()


def _lifetime(seconds: float) -> int:
    return math.ceil(seconds) + OVERRUN_SECONDS


def per_user() -> int:
    return int(getattr(settings, "PCNHUB_DESIGN_PER_USER", 1))


@contextmanager
def _user_slot(user: str | None, seconds: float) -> Iterator[None]:
    """One of the user's ``PCNHUB_DESIGN_PER_USER`` slots for computing a proposal, or :class:`Busy`."""
    if user is None:
        yield
        return
    lifetime = _lifetime(seconds)
    for i in range(per_user()):
        slot = f"pcnhub-design-user-{user}-{i}"
        if cache.add(slot, True, lifetime):
            try:
                yield
            finally:
                cache.delete(slot)
            return
    limit = per_user()
    raise Busy(
        f"You already have {limit:,} proposal{'s' if limit != 1 else ''} being computed, the most one person may "
        f"have at once. Wait for {'it' if limit == 1 else 'them'} to finish (up to {lifetime:,} seconds), "
        "then try again: a proposal once computed is shown at once.",
        lifetime,
    )


def propose_for(request: Request, points: list[Point], units: list[Unit], user: str | None = None) -> Design:
    """The proposal for these practices: from the cache, else computed once (see the module docstring).

    ``user`` identifies whose slot a computation takes (None: no limit, for callers that are not a request).
    """
    from pcnhub.register.services import register_fingerprint

    key = cache_key(request, register_fingerprint(), points, units)
    found = cache.get(key)
    if found is not None:
        return found
    with _user_slot(user, request.seconds):
        marker = key + "-in-progress"
        lifetime = _lifetime(request.seconds)
        deadline = time.monotonic() + lifetime
        while True:
            if cache.add(marker, True, lifetime):
                try:
                    found, _ = design(points, units, request.band, networks=request.networks,
                                      seconds=request.seconds)
                    cache.set(key, found, settings.PCNHUB_DESIGN_CACHE_SECONDS)
                finally:
                    cache.delete(marker)
                return found
            # Another request is computing this very proposal: wait for it (bounded by its lifetime).
            while time.monotonic() < deadline:
                time.sleep(WAIT_POLL_SECONDS)
                found = cache.get(key)
                if found is not None:
                    return found
                if cache.get(marker) is None:
                    break  # it failed or its worker died: compute it here
            else:
                raise Busy("The same proposal is being computed for someone else and has not finished; "
                           "try again in a moment.", lifetime)


def map_cells(xy):
    """The practices' map cells (:func:`pcnhub.designer.maps.cells`, 0.2-0.4 s for an ICB of 470 practices), kept
    in the cache under their points: the current map and the proposal's share them, and so does every request
    for the same area and date."""
    from pcnhub.designer import maps

    key = "pcnhub-design-territory-" + hashlib.sha256(xy.tobytes() + str(xy.shape).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = maps.cells(xy)
        cache.set(key, found, settings.PCNHUB_DESIGN_CACHE_SECONDS)
    return found


# --- Building the view -------------------------------------------------------------------------


def _unique_names(rows) -> dict[int, str]:
    counts = Counter(r.pcn.name for r in rows)
    return {r.pcn.pk: r.pcn.name if counts[r.pcn.name] == 1 else f"{r.pcn.name} ({r.pcn.code})" for r in rows}


def build(area: Organisation, date: dt.date, band: rules.Band | None = None,
          networks: int | None = None, seconds: float | None = None, keep: bool = False,
          user: str | None = None) -> DesignView:
    """The designer's view of ``area`` on ``date`` (see the module docstring), for networks of ``band`` (None: the
    area's band policy, else the DES band).

    ``keep``: the practices of each current PCN that is in the band and contiguous are pinned
    together, so the proposal reworks only the PCNs that do not meet the rules (and may add
    practices to the kept ones).

    ``user``: who asks (their proposals computing at once are limited, see :func:`propose_for`).

    Raises ValueError when ``networks`` is outside 1 to the number of located practices, and :class:`Busy`
    when the user may not start another proposal now.
    """
    seconds = design_seconds() if seconds is None else seconds
    asked = band
    view = register.landscape(area, date, band)  # locates the area's practices once, for both
    band = view.band
    practices = practice_views(view.practices, view.locations, date)
    by_code = {p.code: p for p in practices}
    located = [p for p in practices if p.point is not None]
    if networks is not None and not 1 <= networks <= max(1, min(len(located), MAX_NETWORKS)):
        raise ValueError(
            f"The number of networks must be between 1 and {max(1, min(len(located), MAX_NETWORKS)):,} "
            f"(the number of practices that can be placed on the map), not {networks:,}"
        )
    year = FinancialYear.containing(date)
    year_known = year in catalogue_years()
    rates = year_rates(year) if year_known else None
    icb = register.ancestor_of_kind(area, OrgKind.ICB)  # whose rate overrides are in force
    overrides = overrides_for(icb, rates) if year_known else {}
    notes: list[str] = []

    graph = build_graph([p.point for p in located]) if located else None

    # Current configuration.
    names = _unique_names(view.networks)
    current_networks = []
    for number, row in enumerate(view.networks, 1):
        ms = [by_code[m.practice.code] for m in row.members if m.practice.code in by_code]
        current_networks.append(NetworkView(number, names[row.pcn.pk], row.pcn.code, ms, band,
                                            _money(ms, rates, overrides), _access(ms, date)))
    uncovered = [by_code[p.code] for p in view.uncovered if p.code in by_code]
    config = {n.name: n.codes for n in current_networks}
    sizes = {p.code: p.list_size for p in practices}
    current_findings = list(view.result.findings)  # the landscape's rules and contiguity findings
    current_metrics = None
    if graph is not None:
        current_metrics = metrics(config, sizes, graph, band)
    current = Side(CURRENT, f"Current configuration on {long_date(date)}", current_networks,
                   current_metrics, current_findings, uncovered)

    # Proposal.
    proposal = None
    result = None
    if located:
        points = [p.point for p in located]
        # One commissioner area: the proposal never crosses it (and its findings name it).
        pins = _kept(current) if keep else {}
        units = [Unit(p.code, p.list_size, 0.0, 0.0, pins.get(p.code), area.code) for p in located]
        result = propose_for(Request(area.code, date, band, networks, keep, seconds), points, units, user)
        proposed = []
        for number, (name, codes, _size) in enumerate(result.networks, 1):
            ms = [by_code[code] for code in codes]
            proposed.append(NetworkView(number, name, None, ms, band, _money(ms, rates, overrides), _access(ms, date)))
        moved = change(config, {n.name: n.codes for n in proposed}, sizes)
        kept = continuity(config, {n.name: n.codes for n in proposed}, moved.continues)
        numbers = {n.name: n.label for n in proposed}
        for n in proposed:
            n.continues = moved.continues.get(n.name)
            if n.name in kept:
                n.continuity = continuity_text(kept[n.name], numbers)
        findings = list(result.findings)
        seen = {f.message for f in findings}
        extra = [f for f in explain_feasibility(units, band, networks)
                 if f.message not in seen and (f.rule == rules.LIST_SIZE_BAND or f.severity != rules.INFO)]
        proposal = Side(PROPOSAL, "Proposal", proposed, result.metrics, extra + findings, change=moved)
        if keep:
            notes.append(f"{len(set(pins.values())):,} current PCN{'s' if len(set(pins.values())) != 1 else ''} "
                         "in the band and contiguous kept together; the proposal reworks the rest.")

    # What stands in for what.
    if [p for p in practices if p.point is None]:
        notes.append("Practices without a location are left out of the maps, the neighbour graph and the proposal.")
    unsized = [p.code for p in practices if p.registered is None]
    if unsized:
        notes.append(f"No list size is recorded on or before {long_date(date)} for {_names(unsized)}: "
                     "counted as 0 patients.")
    counted = [p for p in practices if p.registered is not None]
    for attr, label in (("weighted", "weighted list"), ("adjusted", "adjusted population")):
        missing = [p.code for p in counted if getattr(p, attr) is None]
        if missing and len(missing) == len(counted):
            notes.append(f"No {label} is recorded: the registered list stands in for it.")
        elif missing:
            notes.append(f"No {label} is recorded for {_names(missing)}: their registered list stands in for it.")
    if year_known:
        notes.append(f"Entitlements are for {year} (the financial year of {long_date(date)}), from the rates "
                     "catalogue" + (f" with {icb.name}'s rate overrides in force" if overrides else "")
                     + ", applied to the list sizes shown here (the money pages use each PCN's members on the "
                     "year's list date). Care home beds are not known for a proposal and count as 0 on both sides; "
                     "ARRS and IIF amounts are the most that can be earned.")
    else:
        covered = ", ".join(y.label for y in catalogue_years())
        notes.append(f"The rates catalogue has no {year} (it covers {covered}): entitlements are not known.")
    if date < NETWORK_CONTRACT_DES_START:
        notes.append("There was no network access requirement before the Network Contract DES began on "
                     f"{long_date(NETWORK_CONTRACT_DES_START)}.")
    elif date < ENHANCED_ACCESS_START:
        notes.append("Access hours: Extended Hours Access, 30 minutes a week per 1,000 registered patients.")
    else:
        notes.append("Access hours: Enhanced Access, 60 minutes a week per 1,000 PCN adjusted population"
                     + ("" if any(p.adjusted is not None for p in practices)
                        else " (the registered list stands in for it)") + ".")

    return DesignView(area, date, band, networks, seconds, year, year_known, practices, current, proposal,
                      graph, result, notes, icb, keep, view.policy if asked is None else None)


def _practices_text(count: int) -> str:
    return f"{count:,} practice{'s' if count != 1 else ''}"


def continuity_text(c: Continuity, numbers: dict[str, str]) -> str:
    """"Continues BRENTWOOD PCN: 4 of its 6 practices stay; 2 move to network 5 (Network 5); 1 joins from X".

    ``numbers``: proposed network name -> its number on the map."""
    if c.whole:
        return f"Continues {c.network}: all {_practices_text(c.of)} stay, none join."
    text = f"Continues {c.network}: {c.stay:,} of its {_practices_text(c.of)} stay"
    if c.moved_to:
        moves = []
        for name, count in c.moved_to.items():
            where = f"network {numbers[name]} ({name})" if name in numbers else "no proposed network (not on the map)"
            moves.append(f"{count:,} {'move' if count != 1 else 'moves'} to {where}")
        text += "; " + ", ".join(moves)
    if c.joined_from:
        joins = [f"{count:,} from {name or 'no current PCN'}" for name, count in c.joined_from.items()]
        total = sum(c.joined_from.values())
        text += f"; {_practices_text(total)} {'join' if total != 1 else 'joins'} ({', '.join(joins)})"
    return text + "."


def _kept(current: Side) -> dict[str, str]:
    """Practice code -> current PCN, for the PCNs in the band and not split (their practices are pinned)."""
    split = {f.network for f in current.not_contiguous}
    return {code: n.code or n.name for n in current.networks
            if n.in_band and n.name not in split and n.codes for code in n.codes}


def _names(codes: list[str], limit: int = 8) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f" and {len(codes) - limit} more" if len(codes) > limit else "")


# --- Plain data for the API, the JSON download and the configuration CSV ----------------------------


def _amount(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def network_dict(n: NetworkView) -> dict:
    return {
        "label": n.label,
        "name": n.name,
        "code": n.code,
        "list_size": n.list_size,
        "in_band": n.in_band,
        "practices": [{"code": p.code, "name": p.name, "list_size": p.registered} for p in n.practices],
        "entitlement": None if not n.money.known else {
            "total": _amount(n.money.total), "to_pcn": _amount(n.money.to_pcn),
            "to_practices": _amount(n.money.to_practices), "core": _amount(n.money.core),
            "not_known": n.money.not_known, "not_counted": n.money.not_counted,
        },
        "access_minutes_per_week": n.access.minutes,
        "access_basis": n.access.basis,
        "continues": n.continues,
        "continuity": n.continuity,
    }


def side_dict(side: Side) -> dict:
    return {
        "networks": [network_dict(n) for n in side.networks],
        "uncovered": [p.code for p in side.uncovered],
        "metrics": side.metrics.to_dict() if side.metrics else None,
        "findings": [f.to_dict() for f in side.findings],
        **({"change": side.change.to_dict()} if side.change else {}),
    }


def design_dict(v: DesignView) -> dict:
    return {
        "area": {"code": v.area.code, "name": v.area.name, "kind": v.area.kind},
        "date": v.date.isoformat(),
        "band": v.band.to_dict(),
        "networks_asked": v.networks_asked,
        "keep": v.keep,
        "year": v.year.label,
        "practices": len(v.practices),
        "list_size": v.total,
        "unplaced": [{"code": p.code, "name": p.name, "reason": p.unplaced} for p in v.unplaced],
        "approximate": [{"code": p.code, "precision": p.precision} for p in v.approximate],
        "location_source": POSTCODE_SOURCE,
        "current": side_dict(v.current),
        "proposal": None if v.proposal is None else {
            **side_dict(v.proposal),
            "method": v.design.proposal.method,
            "optimal": v.design.proposal.optimal,
            "seconds": round(v.design.proposal.seconds, 3),
        },
        "notes": v.notes,
    }


CONFIGURATION_HEADERS = ["pcn", "practice_code", "practice_name", "list_size"]


def configuration_rows(side: Side) -> list[list]:
    """The side as a configuration CSV (what ``pcnhub check FILE.csv`` reads), one row a practice."""
    return [[n.name, p.code, p.name, p.list_size] for n in side.networks for p in n.practices]
