"""Propose a configuration of networks: contiguous, within the size band, compact.

:func:`propose` groups practices (:class:`~pcnhub.domain.design.model.Unit`)
into networks so that every practice is in exactly one network, every network
is connected in the given adjacency graph, no network crosses a commissioner
area, practices sharing a pin stay together, and networks are within the band
where that is feasible and as compact as possible (population-weighted squared
distance to each network's centre).

Each area is split into pieces (connected parts of its graph of super-units,
pinned practices merged) and every piece is first given a heuristic solution
(:mod:`pcnhub.domain.design.heuristic`).  Pieces of at most ``exact_limit``
units are then solved exactly (:mod:`pcnhub.domain.design.exact`), with the
best heuristic solution found by starts at other numbers of networks
(:func:`_bound_solution`, as much work as the piece's size asks for:
:mod:`pcnhub.domain.design.effort`) as the bound.  Time left after the exact solves goes
to further seeded starts on the pieces not proven optimal, least compact first.
Every random choice uses a seeded RNG: for given inputs only the deadline
depends on the clock.

:func:`explain_feasibility` reports, per area, the total list size, the
feasible numbers of networks (``ceil(T/upper) <= k <= floor(T/lower)``) and
why an area cannot be split into in-band networks.

:func:`design` puts it together for the command line, the designer pages and
the bench: it builds the neighbour graph from the practices' points, proposes
networks on it, names them ("Network 1", ... by area, then west to east) and
measures them (:mod:`pcnhub.domain.design.metrics`), as a :class:`Design`.
Pure Python: no I/O.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from pcnhub.domain.contiguity import approximate_findings, check_contiguity
from pcnhub.domain.design.effort import BoundSearch, bound_search
from pcnhub.domain.design.exact import solve_exact
from pcnhub.domain.design.heuristic import restart, solve_heuristic, start
from pcnhub.domain.design.metrics import Metrics, metrics
from pcnhub.domain.design.model import (
    DESIGN_METHOD,
    EXACT,
    HEURISTIC,
    NETWORK_COUNT,
    NO_AREA,
    PINNED_PRACTICES,
    Piece,
    PieceResult,
    Proposal,
    Unit,
    components,
    default_k,
    k_range,
    make_piece,
    quality,
)
from pcnhub.domain.geography import NeighbourGraph, Point, build_graph
from pcnhub.domain.rules import (
    DEFAULT_BAND,
    INFO,
    LIST_SIZE_BAND,
    WARNING,
    Band,
    Finding,
)

# How a piece's bound is found: (super-units, total list size, band, fixed number of networks or None) -> plan.
BoundSearchRule = Callable[[int, int, Band, int | None], BoundSearch]

def explain_feasibility(
    units: Sequence[Unit], band: Band = DEFAULT_BAND, networks: int | None = None
) -> list[Finding]:
    """Per area: total list size, feasible numbers of networks, and why it is infeasible."""
    findings: list[Finding] = []
    by_area: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_area[unit.area or NO_AREA].append(unit)
    total_lo = total_hi = 0
    for area in sorted(by_area):
        members = by_area[area]
        total = sum(unit.list_size for unit in members)
        large = [unit for unit in members if unit.list_size > band.upper]
        rest = total - sum(unit.list_size for unit in large)
        lo, hi = k_range(rest, band)
        codes = tuple(unit.code for unit in members)
        for unit in large:
            findings.append(
                Finding(
                    LIST_SIZE_BAND,
                    WARNING,
                    f"{unit.code} has {unit.list_size:,} registered patients, above the upper limit "
                    f"of {band.upper:,}: it forms its own network",
                    None,
                    (unit.code,),
                )
            )
        if rest > 0 and lo > hi:
            findings.append(_infeasible_finding(area, rest, band, codes))
            lo = hi = max(1, default_k(rest, band))
        total_lo += lo + len(large)
        total_hi += hi + len(large)
        findings.append(
            Finding(
                NETWORK_COUNT,
                INFO,
                f"{area}: {len(members):,} practices, {total:,} registered patients; "
                f"{_k_text(lo + len(large), hi + len(large))} (band {band})",
                None,
                codes,
            )
        )
    if networks is not None and not total_lo <= networks <= total_hi:
        findings.append(
            Finding(
                NETWORK_COUNT,
                WARNING,
                f"{networks:,} networks were asked for, but {_k_text(total_lo, total_hi)} "
                f"can be formed within the band {band}",
            )
        )
    return findings


def _k_text(lo: int, hi: int) -> str:
    return (
        f"{lo:,} network{'s' if lo != 1 else ''}"
        if lo == hi
        else f"{lo:,} to {hi:,} networks"
    )


def _infeasible_finding(
    where: str, total: int, band: Band, codes: tuple[str, ...]
) -> Finding:
    if total < band.lower:
        why = f"below the lower limit of {band.lower:,}, so it is too small for one in-band network"
    else:
        lo, _hi = k_range(total, band)
        why = (
            f"which cannot be split into networks of {band}: at least {lo:,} networks are needed "
            f"to stay under {band.upper:,}, but {lo:,} networks need at least {lo * band.lower:,}"
        )
    return Finding(
        LIST_SIZE_BAND,
        WARNING,
        f"{where}: {total:,} registered patients, {why}",
        None,
        codes,
    )


def _symmetric(
    n: int, adjacency: Mapping[int, AbstractSet[int]], area_of: Sequence[str]
) -> dict[int, set[int]]:
    graph: dict[int, set[int]] = {i: set() for i in range(n)}
    for i, others in adjacency.items():
        for j in others:
            if not (0 <= i < n and 0 <= j < n):
                raise ValueError(
                    f"adjacency refers to unit {i if not 0 <= i < n else j}, not in 0..{n - 1}"
                )
            if i != j and area_of[i] == area_of[j]:
                graph[i].add(j)
                graph[j].add(i)
    return graph


# --------------------------------------------------------------------------- propose

#: The proposer's default time limit (seconds): it uses what it is given, so England's 6,155 practices, the
#: largest input, take this plus ~4 s of reading, placing and measuring: under 30 s in all.
DEFAULT_SECONDS = 25.0


def propose(
    units: Sequence[Unit],
    adjacency: Mapping[int, AbstractSet[int]],
    band: Band = DEFAULT_BAND,
    *,
    networks: int | None = None,
    seconds: float = DEFAULT_SECONDS,
    exact_limit: int = 60,
    search: BoundSearchRule = bound_search,
) -> Proposal:
    """Propose networks for the units; see the module docstring.

    ``search`` chooses, for each piece solved exactly, how its bound is found
    (:mod:`pcnhub.domain.design.effort`; the bench passes the legacy settings to compare).
    """
    started = time.perf_counter()
    units = list(units)
    n = len(units)
    area_of = [unit.area or NO_AREA for unit in units]
    graph = _symmetric(n, adjacency, area_of)
    findings: list[Finding] = list(explain_feasibility(units, band, None))
    findings = [
        f for f in findings if f.rule != LIST_SIZE_BAND
    ]  # size findings come per network below
    groups: list[list[int]] = []  # resulting networks as unit indices
    pieces: list[Piece] = []

    by_area: dict[str, list[int]] = defaultdict(list)
    for i, area in enumerate(area_of):
        by_area[area].append(i)
    pin_areas: dict[str, set[str]] = defaultdict(set)
    for unit, area in zip(units, area_of, strict=True):
        if unit.pinned is not None:
            pin_areas[unit.pinned].add(area)
    for pin in sorted(pin_areas):
        if len(pin_areas[pin]) > 1:
            findings.append(
                Finding(
                    PINNED_PRACTICES,
                    WARNING,
                    f"practices pinned to {pin} are in {len(pin_areas[pin])} commissioner areas; "
                    "a network cannot cross an area, so they are kept together only within each area",
                    None,
                    tuple(u.code for u in units if u.pinned == pin),
                )
            )

    for area in sorted(by_area):
        # Merge pinned practices into super-units.
        pinned: dict[str, list[int]] = defaultdict(list)
        supers: list[list[int]] = []
        for i in by_area[area]:
            if units[i].pinned is None:
                supers.append([i])
            else:
                pinned[units[i].pinned].append(i)
        for pin in sorted(pinned):
            inside = set(pinned[pin])
            sub = {i: graph[i] & inside for i in inside}
            comps = components(sorted(inside), sub)
            if len(comps) > 1:
                findings.append(
                    Finding(
                        PINNED_PRACTICES,
                        WARNING,
                        f"{area}: the practices pinned to {pin} are not connected to each other "
                        f"({len(comps)} separate groups), so they cannot all be in one network",
                        None,
                        tuple(units[i].code for i in sorted(inside)),
                    )
                )
            supers.extend(comps)
        # Super-units above the upper bound are their own networks.
        small = []
        for members in supers:
            pop = sum(units[i].list_size for i in members)
            if pop > band.upper:
                groups.append(members)
            else:
                small.append(members)
        owner = {i: s for s, members in enumerate(small) for i in members}
        snbrs: dict[int, set[int]] = {s: set() for s in range(len(small))}
        for s, members in enumerate(small):
            for i in members:
                for j in graph[i]:
                    t = owner.get(j)
                    if t is not None and t != s:
                        snbrs[s].add(t)
        comps = components(list(range(len(small))), snbrs)
        for number, comp in enumerate(comps):
            where = (
                area
                if len(comps) == 1
                else f"{area} (part {number + 1} of {len(comps)})"
            )
            piece = make_piece(where, [small[s] for s in comp], comp, snbrs, units)
            piece.area = area
            pieces.append(piece)

    _allocate_k(pieces, len(groups), networks, band, findings)

    results, solved = _solve_pieces(pieces, band, started, seconds, exact_limit, findings, search)
    method = EXACT if all(p.method == EXACT for p in solved) else HEURISTIC
    optimal = all(p.optimal for p in solved)
    for piece, result in zip(pieces, results, strict=True):
        for region in result:
            groups.append(sorted(i for s in region for i in piece.members[s]))

    # Verify: every unit exactly once, every network connected.
    seen = sorted(i for group in groups for i in group)
    if seen != list(range(n)):
        raise AssertionError(
            "internal error: the proposal does not cover every unit exactly once"
        )

    networks_out = []
    for group in groups:
        codes = tuple(sorted(units[i].code for i in group))
        networks_out.append(codes)
    order = sorted(range(len(groups)), key=lambda g: networks_out[g])
    for g in order:
        group, codes = groups[g], networks_out[g]
        pop = sum(units[i].list_size for i in group)
        if len(components(group, {i: graph[i] & set(group) for i in group})) > 1:
            findings.append(
                Finding(
                    DESIGN_METHOD,
                    WARNING,
                    f"network {', '.join(codes)} is not connected",
                    None,
                    codes,
                )
            )
        if not band.lower <= pop <= band.upper:
            side = "above the upper" if pop > band.upper else "below the lower"
            limit = band.upper if pop > band.upper else band.lower
            alone = (
                " (a single practice or pinned group too large to share)"
                if pop > band.upper
                else ""
            )
            findings.append(
                Finding(
                    LIST_SIZE_BAND,
                    WARNING,
                    f"network {', '.join(codes)} has {pop:,} registered patients, {side} limit "
                    f"of {limit:,}{alone}",
                    None,
                    codes,
                )
            )
    return Proposal(
        networks=tuple(networks_out[g] for g in order),
        findings=tuple(findings),
        method=method,
        optimal=optimal,
        seconds=time.perf_counter() - started,
        pieces=tuple(solved),
    )


# Share of the time limit for the first pass, which solves every piece by the heuristic.
HEURISTIC_SHARE = 0.3
# Seed of the first start with time left over (seeds 1-4 were the restarts before exact solves,
# and the bound search uses the first few), the most seeds per piece, and how many starts in a
# row may fail to improve.
FIRST_LATE_SEED = 5
MAX_STARTS = 24
STALE_STARTS = 4
# Least time (seconds) any one solve is given, even past the overall deadline.
MIN_SOLVE_SECONDS = 0.5


def _solve_pieces(
    pieces: list[Piece],
    band: Band,
    started: float,
    seconds: float,
    exact_limit: int,
    findings: list[Finding],
    search: BoundSearchRule = bound_search,
) -> tuple[list[list[list[int]]], list[PieceResult]]:
    """Solve every piece: a heuristic pass over all, then exact solves where they fit in time.

    The first pass gives every piece a heuristic solution within
    :data:`HEURISTIC_SHARE` of the time limit, so a slow exact solve can never
    leave a piece unsolved.  The rest of the time goes to exact solves of the
    pieces of at most ``exact_limit`` super-units, smallest first (most proven
    optima per second); each uses the best heuristic solution as the upper bound for
    reduced-cost fixing (after the starts ``search`` plans for the piece, which
    replace the heuristic solution when better, whatever the exact solve then
    does) and replaces it when proven optimal or no worse.  Any time left goes to
    further heuristic starts for the pieces not proven optimal (at most
    :data:`MAX_STARTS` each, stopping after :data:`STALE_STARTS` in a row fail
    to improve).
    """
    deadline = started + seconds
    first_pass_end = started + HEURISTIC_SHARE * seconds
    results: list[list[list[int]]] = []
    records: list[PieceResult] = []
    total_units = sum(len(p.pops) for p in pieces) or 1
    for piece in pieces:
        clock = time.perf_counter()
        # Time in proportion to size, from what is left of the first pass.
        left_units = total_units - sum(r.units for r in records)
        share = (first_pass_end - clock) * len(piece.pops) / max(1, left_units)
        regions = solve_heuristic(piece, band, clock + max(MIN_SOLVE_SECONDS, share))
        results.append(regions)
        records.append(
            PieceResult(piece.area, piece.where, len(piece.pops), len(regions), HEURISTIC, False,
                        time.perf_counter() - clock)
        )
    small = sorted(
        (i for i, p in enumerate(pieces) if len(p.pops) <= exact_limit),
        key=lambda i: (len(pieces[i].pops), i),
    )
    for position, i in enumerate(small):
        piece, clock = pieces[i], time.perf_counter()
        if clock >= deadline:
            break
        local_deadline = clock + max(
            MIN_SOLVE_SECONDS, (deadline - clock) / (len(small) - position)
        )
        spent = records[i].seconds
        plan = search(len(piece.pops), piece.total, band, piece.k if piece.k_fixed else None)
        for seed in range(1, plan.restarts + 1):  # the legacy settings only: restarts at the same count
            if quality(piece, results[i], band)[0] or time.perf_counter() > clock + 0.2 * (local_deadline - clock):
                break
            results[i] = restart(piece, band, local_deadline, seed, results[i])
        incumbent = _bound_solution(piece, band, plan, clock + plan.share * (local_deadline - clock), results[i])
        dev, cost = quality(piece, incumbent, band)
        if (dev, cost) < quality(piece, results[i], band):  # kept should the exact solve fail
            results[i] = incumbent
            r = records[i]
            records[i] = PieceResult(r.area, r.where, r.units, len(incumbent), HEURISTIC, False,
                                     spent + time.perf_counter() - clock)
        bound = cost if dev == 0 and (not piece.k_fixed or len(incumbent) == piece.k) else math.inf
        answer = solve_exact(piece, band, local_deadline, findings, bound,
                             incumbent if math.isfinite(bound) else (), plan.lp_columns)
        if answer is None:
            findings.append(
                Finding(
                    DESIGN_METHOD,
                    INFO,
                    f"{piece.where}: too many candidate networks to solve exactly in time; "
                    "the heuristic was used",
                )
            )
            continue
        regions, proven = answer
        if proven or quality(piece, regions, band) <= quality(piece, results[i], band):
            results[i] = regions
            records[i] = PieceResult(
                piece.area, piece.where, len(piece.pops), len(regions), EXACT, proven,
                spent + time.perf_counter() - clock,
            )
    # Time left: more heuristic starts for the pieces not proven optimal, least compact first.
    open_pieces = sorted(
        (i for i, r in enumerate(records) if not r.optimal),
        key=lambda i: (-quality(pieces[i], results[i], band)[1] / max(1, len(results[i])), i),
    )
    seed = FIRST_LATE_SEED
    failures = dict.fromkeys(open_pieces, 0)
    while time.perf_counter() < deadline and seed <= MAX_STARTS:
        open_pieces = [i for i in open_pieces if failures[i] < STALE_STARTS]
        if not open_pieces:
            break
        for position, i in enumerate(open_pieces):
            clock = time.perf_counter()
            if clock >= deadline:
                break
            share = (deadline - clock) / (len(open_pieces) - position)
            before = results[i]
            results[i] = restart(pieces[i], band, clock + max(share, 0.05), seed, before)
            failures[i] = 0 if results[i] is not before else failures[i] + 1
            if results[i] is not before:
                r = records[i]
                records[i] = PieceResult(r.area, r.where, r.units, len(results[i]), HEURISTIC, False,
                                         r.seconds + time.perf_counter() - clock)
        seed += 1
    return results, records


def _bound_solution(
    piece: Piece, band: Band, plan: BoundSearch, deadline: float, best: list[list[int]]
) -> list[list[int]]:
    """The cheapest in-band solution found by the starts the plan asks for (``best`` if none beats it).

    The exact objective chooses the number of networks freely, and the optimum
    is often at a number other than the heuristic's (more, smaller networks are
    more compact), so starts at other numbers give a tighter bound.  Walking
    (:func:`pcnhub.domain.design.effort.bound_search`), each seed starts at one
    network more than the best solution so far (at its count if it is not in
    band) and goes to more networks, one start each, stopping at a count whose
    start is not in band or after ``plan.stale`` counts in a row that do not
    improve the bound.  Otherwise (the legacy settings) every seed starts at
    every count.  Each start ends by ``plan.start_seconds``, the whole search
    by the deadline.
    """
    best_dev, best_cost = quality(piece, best, band)
    for seed in range(1, plan.seeds + 1):
        if plan.walk:
            # From one more network than the best solution (from its own count if it is not in band).
            first = len(best) + (best_dev == 0) if best else plan.lowest
            counts = range(min(max(first, plan.lowest), plan.highest + 1), plan.highest + 1)
        else:
            counts = plan.counts
        stale = 0
        for k in counts:
            now = time.perf_counter()
            if now > deadline:
                return best
            candidate = start(piece, band, min(deadline, now + plan.start_seconds), seed, k)
            dev, cost = quality(piece, candidate, band)
            if dev == 0 and (best_dev > 0 or cost < best_cost):
                best, best_dev, best_cost, stale = candidate, dev, cost, 0
            elif plan.walk:
                stale += 1
                if dev > 0 or stale >= plan.stale:
                    break
    return best


def _allocate_k(
    pieces: list[Piece],
    fixed: int,
    networks: int | None,
    band: Band,
    findings: list[Finding],
) -> None:
    for piece in pieces:
        piece.k = default_k(piece.total, band)
        lo, hi = k_range(piece.total, band)
        if lo > hi:
            findings.append(_infeasible_finding(piece.where, piece.total, band, ()))
    if networks is None:
        return
    ranges = []
    for piece in pieces:
        lo, hi = k_range(piece.total, band)
        ranges.append((lo, hi) if lo <= hi else (piece.k, piece.k))
    wanted = networks - fixed
    if not sum(r[0] for r in ranges) <= wanted <= sum(r[1] for r in ranges):
        lo = fixed + sum(r[0] for r in ranges)
        hi = fixed + sum(r[1] for r in ranges)
        findings.append(
            Finding(
                NETWORK_COUNT,
                WARNING,
                f"{networks:,} networks were asked for, but {_k_text(lo, hi)} can be formed within "
                f"the band {band} given the practices and their adjacency; the number was chosen freely",
            )
        )
        return
    ks = [min(max(p.k or 1, r[0]), r[1]) for p, r in zip(pieces, ranges, strict=True)]
    while sum(ks) != wanted:
        step = 1 if sum(ks) < wanted else -1
        best = min(
            (i for i in range(len(ks)) if ranges[i][0] <= ks[i] + step <= ranges[i][1]),
            key=lambda i: abs(
                pieces[i].total / (ks[i] + step) - (band.lower + band.upper) / 2
            ),
        )
        ks[best] += step
    for piece, k in zip(pieces, ks, strict=True):
        piece.k, piece.k_fixed = k, True


# --------------------------------------------------------------------------- named and measured


@dataclass(frozen=True)
class Design:
    """A proposal with its named networks, metrics and findings."""

    networks: tuple[tuple[str, tuple[str, ...], int], ...]  # (name, codes, list size)
    metrics: Metrics
    findings: tuple[Finding, ...]
    proposal: Proposal

    def to_dict(self) -> dict[str, Any]:
        return {
            "networks": [
                {"name": name, "practices": list(codes), "list_size": size} for name, codes, size in self.networks
            ],
            "metrics": self.metrics.to_dict(),
            "findings": [finding.to_dict() for finding in self.findings],
            "method": self.proposal.method,
            "optimal": self.proposal.optimal,
            "seconds": round(self.proposal.seconds, 3),
        }


#: Areas of up to this many practices are solved exactly (set partitioning, HiGHS) by default.
EXACT_LIMIT = 100


def design(
    points: Sequence[Point],
    units: Sequence[Unit],
    band: Band = DEFAULT_BAND,
    *,
    networks: int | None = None,
    seconds: float = DEFAULT_SECONDS,
    exact_limit: int = EXACT_LIMIT,
    approximate: Mapping[str, str] | None = None,
    search: BoundSearchRule = bound_search,
) -> tuple[Design, NeighbourGraph]:
    """Build the graph, propose networks, name them and measure them (``search``: see :func:`propose`).

    ``approximate`` (code -> how it was placed) adds an info finding on each network
    with practices placed only at a postcode sector or district mean.
    """
    graph = build_graph(points)
    placed = [
        Unit(u.code, u.list_size, float(graph.xy[i][0]), float(graph.xy[i][1]), u.pinned, u.area)
        for i, u in enumerate(units)
    ]
    proposal = propose(placed, graph.adjacency, band, networks=networks, seconds=seconds,
                       exact_limit=exact_limit, search=search)
    size = {u.code: u.list_size for u in placed}
    area = {u.code: u.area or "" for u in placed}

    def west(codes: Sequence[str]) -> tuple[str, float, str]:
        return (min(area[c] for c in codes), min(float(graph.xy[graph.index[c]][0]) for c in codes), codes[0])

    ordered = sorted(proposal.networks, key=west)
    named = tuple(
        (f"Network {number}", tuple(codes), sum(size[c] for c in codes)) for number, codes in enumerate(ordered, 1)
    )
    by_name = {name: codes for name, codes, _ in named}
    contiguity = check_contiguity(by_name, graph)
    if any(f.severity != INFO for f in contiguity):  # only notes on unlocated practices may come back
        raise AssertionError(f"internal error: the proposal is not contiguous: {contiguity}")
    notes = approximate_findings(by_name, approximate or {})
    result = Design(named, metrics(by_name, size, graph, band),
                    tuple(proposal.findings) + tuple(contiguity) + tuple(notes), proposal)
    return result, graph
