"""Propose a configuration of networks: contiguous, within the size band, compact.

:func:`propose` groups practices (:class:`Unit`) into networks so that every
practice is in exactly one network, every network is connected in the given
adjacency graph, no network crosses a commissioner area, practices sharing a
pin stay together, and networks are within the band where that is feasible
and as compact as possible (population-weighted squared distance to each
network's centre).

Areas (and connected pieces of an area's graph) of at most ``exact_limit``
units are solved exactly: every connected group within the band that is no
costlier than the best heuristic solution (found by starts at every feasible
number of networks) is enumerated once each; for each number of networks the
LP relaxation of set partitioning is solved by column generation over them,
numbers whose LP value is above the best solution are ruled out, columns are
thinned by reduced-cost fixing, and the rest is solved with HiGHS
(:func:`scipy.optimize.milp`).  Larger pieces use a heuristic: a
feasibility-aware recursive bisection (spanning-tree cuts whose two sides can
each hold their share of the networks in band by totals, as in GerryChain's
recursive_tree_part), with seeded growth, other seeds and other numbers of
networks as further starts; repair passes (single moves, ejection chains);
then merge-and-resplit improvement (the ReCom move) and single boundary moves.
Time left after the exact solves goes to further seeded starts on the pieces
not proven optimal, least compact first.  Every random choice uses a seeded
RNG: for given inputs only the deadline depends on the clock.

The exact objective chooses the number of networks freely (when not fixed),
and more, smaller networks are more compact; the heuristic keeps the middle
number of :func:`_default_k`, so the two can differ in their network counts.

:func:`explain_feasibility` reports, per area, the total list size, the
feasible numbers of networks (``ceil(T/upper) <= k <= floor(T/lower)``) and
why an area cannot be split into in-band networks.  Pure Python: no I/O.
"""

from __future__ import annotations

import heapq
import math
from array import array
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from random import Random

import numpy as np
from scipy.optimize import LinearConstraint, linprog, milp
from scipy.sparse import coo_array, csr_array, hstack, vstack

from pcnhub.domain.rules import (
    DEFAULT_BAND,
    INFO,
    LIST_SIZE_BAND,
    WARNING,
    Band,
    Finding,
)

# Finding rule ids of the proposer (size findings use rules.LIST_SIZE_BAND).
NETWORK_COUNT = "network-count"
PINNED_PRACTICES = "pinned-practices"
DESIGN_METHOD = "design-method"

EXACT = "exact"
HEURISTIC = "heuristic"

# Most connected candidate groups enumerated for one exact solve before
# falling back to the heuristic.  Measured with propose on one area alone in a process
# (England 2022 map): area 00T (49 practices) has 37.6 million groups no costlier than its best
# heuristic solution, enumerated in 58 s and proven optimal in 214 s in all, peak resident
# memory 3.6 GB (about 95 bytes per group); 02H (57 practices) 37.0 million, 223 s, 3.5 GB.
# Time limits bound this: at the web page's 3 s limit enumeration stops near 2 million.
ENUMERATION_CAP = 50_000_000
NO_AREA = "(no area)"


@dataclass(frozen=True)
class Unit:
    """A practice: ODS code, list size, location (x, y in km), optional pin and area."""

    code: str
    list_size: int
    x: float
    y: float
    pinned: str | None = None
    area: str | None = None

    def __post_init__(self) -> None:
        if self.list_size < 0:
            raise ValueError(
                f"list size of {self.code} cannot be negative: {self.list_size}"
            )


@dataclass(frozen=True)
class PieceResult:
    """How one piece (an area, or a connected part of one) was solved."""

    area: str
    where: str
    units: int  # super-units (practices, pinned groups merged)
    networks: int
    method: str  # EXACT or HEURISTIC
    optimal: bool  # proven optimal (exact solve finished within its time limit)
    seconds: float


@dataclass(frozen=True)
class Proposal:
    """Proposed networks (tuples of practice codes), findings and how they were found."""

    networks: tuple[tuple[str, ...], ...]
    findings: tuple[Finding, ...]
    method: str
    optimal: bool
    seconds: float
    pieces: tuple[PieceResult, ...] = ()


# --------------------------------------------------------------------------- feasibility


def k_range(total: int, band: Band) -> tuple[int, int]:
    """The feasible numbers of in-band networks for a total list size (empty if lo > hi)."""
    if total <= 0:
        return (0, 0)
    lo = math.ceil(total / band.upper) if band.upper > 0 else math.inf
    hi = (
        total // band.lower if band.lower > 0 else total
    )  # lower 0: at most one per patient
    return (int(lo) if lo != math.inf else 1, int(hi) if lo != math.inf else 0)


def _default_k(total: int, band: Band) -> int:
    lo, hi = k_range(total, band)
    middle = (band.lower + band.upper) / 2 or 1
    k = max(1, round(total / middle))
    return min(max(k, lo), hi) if lo <= hi else max(1, k)


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
            lo = hi = max(1, _default_k(rest, band))
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


# --------------------------------------------------------------------------- the graph of super-units


@dataclass
class _Piece:
    """A connected set of super-units solved on its own (indices are local)."""

    where: str
    members: list[list[int]]  # unit indices per super-unit
    pops: list[int]
    xy: np.ndarray  # weighted centre per super-unit
    weights: np.ndarray  # effective weights (>= 1e-9)
    inner: np.ndarray  # sum of w * |p - centre|^2 of each super-unit's own units
    nbrs: list[set[int]]
    k: int | None = None
    k_fixed: bool = False
    area: str = ""
    _tables: tuple | None = None

    def tables(self) -> tuple[list[list[tuple[int, float]]], list[float], list[float], list[float], list[float]]:
        """Plain-Python copies for the tree cuts: (neighbours with distances, w, w*x, w*y, w*|p|^2 + inner)."""
        if self._tables is None:
            xy, w = self.xy.tolist(), self.weights.tolist()
            near = [
                sorted((t, math.dist(xy[v], xy[t])) for t in self.nbrs[v]) for v in range(len(xy))
            ]
            self._tables = (
                near,
                w,
                [w[v] * xy[v][0] for v in range(len(w))],
                [w[v] * xy[v][1] for v in range(len(w))],
                [w[v] * (xy[v][0] ** 2 + xy[v][1] ** 2) + float(self.inner[v]) for v in range(len(w))],
            )
        return self._tables

    @property
    def total(self) -> int:
        return sum(self.pops)


def _components(
    nodes: Sequence[int], nbrs: Mapping[int, AbstractSet[int]]
) -> list[list[int]]:
    remaining = set(nodes)
    out = []
    for start in nodes:
        if start not in remaining:
            continue
        remaining.discard(start)
        comp, stack = [start], [start]
        while stack:
            v = stack.pop()
            for w in nbrs.get(v, ()):
                if w in remaining:
                    remaining.discard(w)
                    comp.append(w)
                    stack.append(w)
        out.append(sorted(comp))
    return out


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


def propose(
    units: Sequence[Unit],
    adjacency: Mapping[int, AbstractSet[int]],
    band: Band = DEFAULT_BAND,
    *,
    networks: int | None = None,
    seconds: float = 30.0,
    exact_limit: int = 60,
) -> Proposal:
    """Propose networks for the units; see the module docstring."""
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
    pieces: list[_Piece] = []

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
            comps = _components(sorted(inside), sub)
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
        comps = _components(list(range(len(small))), snbrs)
        for number, comp in enumerate(comps):
            where = (
                area
                if len(comps) == 1
                else f"{area} (part {number + 1} of {len(comps)})"
            )
            piece = _make_piece(where, [small[s] for s in comp], comp, snbrs, units)
            piece.area = area
            pieces.append(piece)

    _allocate_k(pieces, len(groups), networks, band, findings)

    results, solved = _solve_pieces(pieces, band, started, seconds, exact_limit, findings)
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
        if len(_components(group, {i: graph[i] & set(group) for i in group})) > 1:
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
# Heuristic restarts before an exact solve, to tighten its bound.
BOUND_STARTS = 4
# Most heuristic starts per piece with time left over, and how many in a row may fail to improve.
MAX_STARTS = 24
STALE_STARTS = 4
# Least time (seconds) any one solve is given, even past the overall deadline.
MIN_SOLVE_SECONDS = 0.5


def _quality(piece: _Piece, regions: list[list[int]], band: Band) -> tuple[int, float]:
    """(total deviation from the band, compactness cost): smaller is better."""
    dev = sum(_dev(sum(piece.pops[s] for s in region), band) for region in regions)
    return dev, sum(_cost(piece, region) for region in regions)


def _solve_pieces(
    pieces: list[_Piece],
    band: Band,
    started: float,
    seconds: float,
    exact_limit: int,
    findings: list[Finding],
) -> tuple[list[list[list[int]]], list[PieceResult]]:
    """Solve every piece: a heuristic pass over all, then exact solves where they fit in time.

    The first pass gives every piece a heuristic solution within
    :data:`HEURISTIC_SHARE` of the time limit, so a slow exact solve can never
    leave a piece unsolved.  The rest of the time goes to exact solves of the
    pieces of at most ``exact_limit`` super-units, smallest first (most proven
    optima per second); each uses its heuristic solution as the upper bound for
    reduced-cost fixing (after :data:`BOUND_STARTS` quick restarts to tighten
    it) and replaces it when proven optimal or no worse.  Any time left goes to
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
        regions = _solve_heuristic(piece, band, clock + max(MIN_SOLVE_SECONDS, share))
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
        for seed in range(1, BOUND_STARTS + 1):  # a tighter bound fixes more columns
            if _quality(piece, results[i], band)[0] or time.perf_counter() > clock + 0.2 * (local_deadline - clock):
                break
            results[i] = _restart(piece, band, local_deadline, seed, results[i])
        incumbent = _bound_solution(piece, band, clock + 0.3 * (local_deadline - clock), results[i])
        dev, cost = _quality(piece, incumbent, band)
        bound = cost if dev == 0 and (not piece.k_fixed or len(incumbent) == piece.k) else math.inf
        answer = _solve_exact(piece, band, local_deadline, findings, bound,
                              incumbent if math.isfinite(bound) else ())
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
        if proven or _quality(piece, regions, band) <= (dev, cost):
            results[i] = regions
            records[i] = PieceResult(
                piece.area, piece.where, len(piece.pops), len(regions), EXACT, proven,
                records[i].seconds + time.perf_counter() - clock,
            )
    # Time left: more heuristic starts for the pieces not proven optimal, least compact first.
    open_pieces = sorted(
        (i for i, r in enumerate(records) if not r.optimal),
        key=lambda i: (-_quality(pieces[i], results[i], band)[1] / max(1, len(results[i])), i),
    )
    seed = BOUND_STARTS + 1
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
            results[i] = _restart(pieces[i], band, clock + max(share, 0.05), seed, before)
            failures[i] = 0 if results[i] is not before else failures[i] + 1
            if results[i] is not before:
                r = records[i]
                records[i] = PieceResult(r.area, r.where, r.units, len(results[i]), HEURISTIC, False,
                                         r.seconds + time.perf_counter() - clock)
        seed += 1
    return results, records


def _bound_solution(
    piece: _Piece, band: Band, deadline: float, best: list[list[int]]
) -> list[list[int]]:
    """The cheapest in-band solution found by starts at every feasible number of networks.

    The exact objective chooses the number of networks freely, and the optimum
    is often at a number other than the heuristic's (more, smaller networks are
    more compact), so starts at each number (seeds in turn, round robin, at
    most :data:`BOUND_SEEDS` each, until the deadline) give a much tighter
    bound for reduced-cost fixing, and a tighter bound prunes the enumeration.
    ``best`` when the number is fixed or nothing beats it.
    """
    if piece.k_fixed:
        return best
    lo, hi = k_range(piece.total, band)
    counts = [k for k in range(max(1, lo), min(hi, len(piece.pops)) + 1)]
    best_dev, best_cost = _quality(piece, best, band)
    for seed in range(1, BOUND_SEEDS + 1):
        for k in counts:
            if time.perf_counter() > deadline:
                return best
            candidate = _start(piece, band, deadline, seed, k)
            dev, cost = _quality(piece, candidate, band)
            if dev == 0 and (best_dev > 0 or cost < best_cost):
                best, best_dev, best_cost = candidate, dev, cost
    return best


# Most seeds per number of networks when looking for the exact solve's bound.
BOUND_SEEDS = 6


def _make_piece(
    where: str,
    supers: list[list[int]],
    comp: list[int],
    snbrs: Mapping[int, AbstractSet[int]],
    units: Sequence[Unit],
) -> _Piece:
    local = {s: k for k, s in enumerate(comp)}
    pops, xy, weights, inner = [], [], [], []
    for members in supers:
        w = np.array([max(units[i].list_size, 1e-9) for i in members])
        p = np.array([(units[i].x, units[i].y) for i in members], dtype=float)
        centre = (w[:, None] * p).sum(axis=0) / w.sum()
        pops.append(sum(units[i].list_size for i in members))
        xy.append(centre)
        weights.append(w.sum())
        inner.append(float((w * ((p - centre) ** 2).sum(axis=1)).sum()))
    nbrs = [{local[t] for t in snbrs[s]} for s in comp]
    return _Piece(
        where, supers, pops, np.array(xy), np.array(weights), np.array(inner), nbrs
    )


def _allocate_k(
    pieces: list[_Piece],
    fixed: int,
    networks: int | None,
    band: Band,
    findings: list[Finding],
) -> None:
    for piece in pieces:
        piece.k = _default_k(piece.total, band)
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


# --------------------------------------------------------------------------- exact


@dataclass
class _Candidates:
    """Enumerated candidate networks: bit masks (bit s = super-unit s) and their list sizes."""

    masks: array | list[int]  # array("Q") when there are at most 64 super-units
    pops: array

    def __len__(self) -> int:
        return len(self.pops)


def _enumerate(
    piece: _Piece, upper: int, cap: int, deadline: float = math.inf, max_cost: float = math.inf
) -> _Candidates | None:
    """Every connected set of super-units with total at most upper, each exactly once.

    Depth-first with an exclusion set (as in Wernicke's ESU and Komusiewicz's
    enumeration of connected subgraphs): from each root, only super-units
    after it; at each step a super-unit of the extension set is either added
    (its neighbours join the extension) or excluded from every later branch,
    so no set is reached twice and no table of sets seen is needed.

    With a finite ``max_cost``, sets whose compactness cost exceeds it are neither kept nor
    grown: the cost (weighted sum of squares about the weighted centre, plus each super-unit's
    own spread) never falls when a super-unit is added, so no superset of such a set costs
    less, and no solution costing at most ``max_cost`` can use one (every cost is >= 0).  The
    same holds for the total, so a super-unit that cannot be added is excluded from the branch.

    None when there are more than ``cap`` such sets or the deadline passes first.
    """
    n = len(piece.pops)
    nbr_mask = [sum(1 << t for t in piece.nbrs[s]) for s in range(n)]
    pops = [int(v) for v in piece.pops]
    w = [float(v) for v in piece.weights]
    wx = [float(piece.weights[s] * piece.xy[s, 0]) for s in range(n)]
    wy = [float(piece.weights[s] * piece.xy[s, 1]) for s in range(n)]
    wq = [float(piece.weights[s] * (piece.xy[s] ** 2).sum() + piece.inner[s]) for s in range(n)]
    limit = max_cost * (1 + _FIXING_TOLERANCE) + _FIXING_TOLERANCE if math.isfinite(max_cost) else math.inf
    masks: array | list[int] = array("Q") if n <= 64 else []
    totals = array("q")
    add_mask, add_total = masks.append, totals.append

    class _Stop(Exception):
        pass

    def grow(mask: int, pop: int, sw: float, sx: float, sy: float, sq: float, ext: int, banned: int) -> None:
        while ext:
            low = ext & -ext
            ext ^= low
            u = low.bit_length() - 1
            new_pop = pop + pops[u]
            if new_pop <= upper:
                nw, nx, ny, nq = sw + w[u], sx + wx[u], sy + wy[u], sq + wq[u]
                if nq - (nx * nx + ny * ny) / nw <= limit:
                    new = mask | low
                    add_mask(new)
                    add_total(new_pop)
                    if len(totals) % _DEADLINE_CHECK_EVERY == 0 and (
                        len(totals) > cap or time.perf_counter() > deadline
                    ):
                        raise _Stop
                    grow(new, new_pop, nw, nx, ny, nq, (ext | nbr_mask[u]) & ~new & ~banned, banned)
            banned |= low  # later branches of this set never contain u

    try:
        for root in range(n):
            start = 1 << root
            add_mask(start)
            add_total(pops[root])
            before = (start << 1) - 1  # the root and every super-unit before it
            grow(start, pops[root], w[root], wx[root], wy[root], wq[root], nbr_mask[root] & ~before, before)
    except _Stop:
        return None
    if len(totals) > cap:
        return None
    return _Candidates(masks, totals)


# How often (in enumerated sets) the enumeration looks at the clock.
_DEADLINE_CHECK_EVERY = 4096


def _cost(piece: _Piece, members: Sequence[int]) -> float:
    w = piece.weights[members]
    p = piece.xy[members]
    centre = (w[:, None] * p).sum(axis=0) / w.sum()
    return float(
        (w * ((p - centre) ** 2).sum(axis=1)).sum() + piece.inner[members].sum()
    )


# Relative slack in reduced-cost fixing, so rounding never drops the optimal column.
_FIXING_TOLERANCE = 1e-7


class _Pool:
    """Enumerated candidate networks as packed bit rows (one row per candidate, bit s = super-unit s).

    Built from :func:`_enumerate`'s masks; keeps memory to a few bytes per
    candidate (the masks' dict is dropped) and computes sums over members for
    every candidate at once (:meth:`dot`), for costs and LP pricing.
    """

    def __init__(self, piece: _Piece, found: _Candidates) -> None:
        n = len(piece.pops)
        self.n, self.width = n, (n + 7) // 8
        self.size = len(found)
        if isinstance(found.masks, array):  # 64-bit masks: their little-endian bytes, truncated
            packed = np.frombuffer(found.masks, dtype=np.uint64).astype("<u8").view(np.uint8).reshape(self.size, 8)
            self.packed = np.ascontiguousarray(packed[:, : self.width])
        else:
            self.packed = np.frombuffer(
                b"".join(m.to_bytes(self.width, "little") for m in found.masks), dtype=np.uint8
            ).reshape(self.size, self.width)
        self.pops = np.frombuffer(found.pops, dtype=np.int64).copy()
        w, xy = piece.weights, piece.xy
        values = np.column_stack([w, w * xy[:, 0], w * xy[:, 1], w * (xy**2).sum(axis=1) + piece.inner])
        self.costs = np.empty(self.size)
        for chunk, sums in self._sums(values, None):
            # Weighted sum of squares about the weighted centre, plus each super-unit's own spread.
            self.costs[chunk] = np.maximum(sums[:, 3] - (sums[:, 1] ** 2 + sums[:, 2] ** 2) / sums[:, 0], 0.0)

    def bits(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """0/1 matrix (candidates x super-units) of the given rows."""
        return np.unpackbits(self.packed[rows], axis=1, count=self.n, bitorder="little")

    def dot(self, values: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """For each candidate (of ``rows``, default all): the sum of ``values`` over its members.

        By table lookup: for each byte of the packed rows, the sum of the values
        of every possible byte (256 entries), then one gather per byte.
        """
        count = self.size if rows is None else rows.size
        out = np.empty((count,) + values.shape[1:])
        for chunk, sums in self._sums(values, rows):
            out[chunk] = sums.reshape((-1,) + values.shape[1:])
        return out

    def _sums(self, values: np.ndarray, rows: np.ndarray | None):
        """(slice, sums of values over the members of each candidate in it), block by block."""
        padded = np.zeros((8 * self.width,) + values.shape[1:])
        padded[: self.n] = values
        tables = _BYTE_BITS @ padded.reshape(self.width, 8, -1)  # (width, 256, columns)
        count = self.size if rows is None else rows.size
        for first in range(0, count, _POOL_CHUNK):
            chunk = slice(first, min(count, first + _POOL_CHUNK))
            packed = self.packed[chunk] if rows is None else self.packed[rows[chunk]]
            sums = np.zeros((packed.shape[0], tables.shape[2]))
            for byte in range(self.width):
                sums += tables[byte][packed[:, byte]]
            yield chunk, sums

    def matrix(self, rows: np.ndarray) -> csr_array:
        """Sparse super-unit x candidate 0/1 matrix of the given candidates."""
        units, columns = [np.zeros(0, dtype=np.intp)], [np.zeros(0, dtype=np.intp)]
        for first in range(0, rows.size, _POOL_CHUNK):
            column, unit = np.nonzero(self.bits(rows[first : first + _POOL_CHUNK]))
            units.append(unit)
            columns.append(column + first)
        data = (np.ones(sum(u.size for u in units)), (np.concatenate(units), np.concatenate(columns)))
        return coo_array(data, shape=(self.n, rows.size)).tocsr()

    def covers(self, rows: np.ndarray) -> bool:
        """Whether every super-unit is in at least one of the given candidates."""
        if rows.size == 0:
            return False
        seen = np.bitwise_or.reduce(self.packed[rows], axis=0)
        return bool(np.unpackbits(seen, count=self.n, bitorder="little").all())

    def members(self, row: int) -> list[int]:
        return np.flatnonzero(self.bits(np.array([row]))[0]).tolist()


# Bit b of each byte value 0..255, as a 256 x 8 matrix (little-endian bit order, as packed).
_BYTE_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little").astype(np.float64)
# Candidates per block in _Pool.dot (bounds the temporary 0/1 matrix to ~40 MB for 60 super-units).
_POOL_CHUNK = 1 << 17


def _column_generation(
    pool: _Pool, index: np.ndarray, objective: np.ndarray, k: int | None, deadline: float,
    start: np.ndarray, cutoff: float = math.inf, most: int = 1,
) -> tuple[float, np.ndarray | None, float] | None:
    """The LP relaxation of set partitioning over the candidates ``index``, by column generation.

    Solves the LP over a few columns (``start`` and the cheapest) plus an
    artificial column per row at a cost above any solution's (so the restricted
    LP is always feasible), prices every candidate with the duals (reduced cost
    ``c_j - a_j.y``, less the count row's dual when the number of networks is
    fixed) and adds the most negative, until none is negative.  Returns (LP
    value, reduced cost of every candidate in ``index``, most negative reduced
    cost left (<= 0, within rounding)); with those duals any 0/1 solution that
    uses column ``j`` costs at least ``value + c_j - a_j.y``.  If artificial
    columns are still used at the end, a phase-1 LP (the artificial columns'
    total, by column generation too) decides whether the LP is feasible.
    None if it is infeasible or the deadline passes.

    With a ``cutoff``, stops as soon as the Lagrangian bound of a round (LP
    value plus ``most`` networks times the least reduced cost: no 0/1 solution
    with at most ``most`` networks costs less) is above it, and returns
    (that bound, None, least reduced cost).
    """
    n = pool.n
    if index.size == 0:
        return None
    objective = objective[index]
    cheapest = np.argsort(objective, kind="stable")
    used = np.union1d(start, cheapest[: _RESTRICTED_COLUMNS_PER_UNIT * n])
    artificial = 10.0 * (n * float(objective.max(initial=0.0)) + 1.0)
    answer = _price_and_solve(pool, index, objective, k, deadline, used, artificial, cutoff, most)
    if answer is None:
        return None
    value, reduced, least, used, artificial_used = answer
    if reduced is None or artificial_used <= _FIXING_TOLERANCE:
        return value, reduced, least
    # Artificial columns still in use: phase 1 (their total alone) decides whether the LP is feasible.
    phase_one = _price_and_solve(pool, index, np.zeros_like(objective), k, deadline, used, 1.0)
    if phase_one is None or phase_one[4] > _FIXING_TOLERANCE:
        return None  # the deadline, or infeasible
    # Feasible after all: the artificial cost was too small, so solve again with a far larger one.
    answer = _price_and_solve(pool, index, objective, k, deadline, phase_one[3], artificial * 1e6)
    if answer is None or answer[4] > _FIXING_TOLERANCE:
        return None
    return answer[:3]


def _price_and_solve(
    pool: _Pool, index: np.ndarray, objective: np.ndarray, k: int | None, deadline: float,
    used: np.ndarray, artificial_cost: float, cutoff: float = math.inf, most: int = 1,
) -> tuple[float, np.ndarray | None, float, np.ndarray, float] | None:
    """Column generation for one LP (see :func:`_column_generation`).

    Returns (value, reduced costs over ``index``, least reduced cost (<= 0),
    the columns used, total of the artificial columns); None after the deadline;
    (Lagrangian bound, None, ...) once that bound is above ``cutoff``.
    """
    n = pool.n
    slack = np.eye(n + (k is not None))
    if k is not None:
        slack = np.column_stack([slack, -slack[:, -1]])  # the count row may need to go either way
    b_eq = np.append(np.ones(n), [k] if k is not None else [])
    while True:
        columns = pool.matrix(index[used])
        if k is not None:
            columns = vstack([columns, csr_array(np.ones((1, used.size)))])
        a_eq = hstack([columns, csr_array(slack)]).tocsr()
        c = np.append(objective[used], np.full(slack.shape[1], artificial_cost))
        lp = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if lp.status != 0 or time.perf_counter() > deadline:
            return None
        duals = lp.eqlin.marginals
        reduced = objective - pool.dot(duals[:n], index) - (duals[n] if k is not None else 0.0)
        least = float(reduced.min())
        if least >= -_FIXING_TOLERANCE * max(1.0, abs(lp.fun)):
            return float(lp.fun), reduced, min(least, 0.0), used, float(lp.x[used.size:].sum())
        if lp.fun + most * least > cutoff:
            return float(lp.fun + most * least), None, least, used, math.inf
        negative = np.flatnonzero(reduced < 0)
        if negative.size > _PRICED_COLUMNS:
            negative = negative[np.argpartition(reduced[negative], _PRICED_COLUMNS)[:_PRICED_COLUMNS]]
        used = np.union1d(used, negative)


# Columns added per pricing round of the column generation.
_PRICED_COLUMNS = 1_000


def _solve_exact(
    piece: _Piece,
    band: Band,
    deadline: float,
    findings: list[Finding],
    bound: float,
    incumbent: Sequence[Sequence[int]] = (),
) -> tuple[list[list[int]], bool] | None:
    """Enumerate connected candidate networks and solve set partitioning with HiGHS.

    In-band candidates first (with the network count fixed when asked for).
    The LP relaxation is solved by column generation over the candidates, and
    columns are thinned by LP reduced-cost fixing against the bound (the
    ``incumbent``'s cost, from the heuristic; inf when it has none in band),
    which keeps the result exact and the MILP small.  If no in-band partition exists, networks below the band
    are allowed at a large penalty.  None when enumeration is too large or no
    solution is found in time.
    """
    n = len(piece.pops)
    # With an in-band solution costing `bound`, only candidates costing at most that can be in a
    # better one; if that solve fails (time), the relaxed solve below needs every candidate.
    found = _enumerate(piece, band.upper, ENUMERATION_CAP, deadline, max_cost=bound)
    pruned = math.isfinite(bound)
    if found is None:
        return None
    incumbent_regions = [sorted(region) for region in incumbent]
    wanted = {sum(1 << s for s in region) for region in incumbent}
    start = np.array([row for row, mask in enumerate(found.masks) if mask in wanted], dtype=np.int64)
    pool = _Pool(piece, found)
    del found
    costs, pops = pool.costs, pool.pops
    in_band = pops >= band.lower
    k = piece.k if piece.k_fixed else None
    most_networks = max(1, k_range(piece.total, band)[1])  # most networks of any in-band solution

    def milp_on(index: np.ndarray, objective: np.ndarray, k: int | None):
        matrix = pool.matrix(index)
        constraints = [LinearConstraint(matrix, 1, 1)]
        if k is not None:
            constraints.append(LinearConstraint(np.ones((1, index.size)), k, k))
        return milp(
            objective[index],
            constraints=constraints,
            integrality=np.ones(index.size),
            bounds=(0, 1),
            options={"time_limit": max(0.5, deadline - time.perf_counter()), **MILP_OPTIONS},
        )

    def solve_count(
        index: np.ndarray, objective: np.ndarray, k: int | None, lp: tuple[float, np.ndarray, float],
        bound: float,
    ) -> tuple[list[int], bool] | bool | None:
        """Set partitioning over ``index`` (with k networks, or any number), thinned by reduced-cost fixing.

        Without a finite bound, one is found by solving over the columns of
        smallest reduced cost (more each round until that has a solution).
        Columns whose LP lower bound exceeds the bound are then dropped: exact.
        Returns (chosen columns, proven optimal); False when proven to have no
        solution cheaper than the bound; None when the time ran out first.
        """
        value, reduced, least = lp
        most = k if k is not None else most_networks
        order = np.argsort(reduced, kind="stable")
        size = _RESTRICTED_COLUMNS_PER_UNIT * n

        def slack() -> float:
            # Any solution using column j costs at least value + reduced[j] + (networks - 1) * least.
            return (bound - value - (most - 1) * least
                    + _FIXING_TOLERANCE * max(1.0, abs(bound) if math.isfinite(bound) else 1.0))

        # Tighten the bound with MILPs over the columns of smallest reduced cost (more each round)
        # until fixing leaves few enough columns: none at all when the bound is already tight.
        while (
            (not math.isfinite(bound) or np.count_nonzero(reduced <= slack()) > _MILP_COLUMN_LIMIT)
            and size < min(index.size, _MILP_COLUMN_LIMIT)
            and time.perf_counter() < deadline
        ):
            trial = milp_on(index[np.sort(order[:size])], objective, k)
            if trial.x is not None:
                bound = min(bound, float(trial.fun))
            size *= 2
        kept = index[reduced <= slack()]
        if kept.size > _MILP_COLUMN_LIMIT or time.perf_counter() > deadline:
            return None
        if kept.size == 0:
            return False
        result = milp_on(kept, objective, k)
        if result.x is None:
            return False if result.status == 2 else None  # 2: infeasible, so nothing beats the bound
        return kept[np.flatnonzero(result.x > 0.5)].tolist(), result.status == 0

    def solve(
        use: np.ndarray, objective: np.ndarray, counts: Sequence[int | None], bound: float = math.inf
    ) -> tuple[list[list[int]], bool] | None:
        """The best set partitioning over the used columns, over each of the network counts.

        Each count's LP relaxation is solved first; counts are then solved
        cheapest LP first, and a count whose LP value is above the best
        solution so far is proven not to beat it.  Proven optimal when every
        count is solved to optimality or ruled out.
        """
        index = np.flatnonzero(use)
        if not pool.covers(index):
            return None
        seeds = np.flatnonzero(np.isin(index, start))
        proven, lps = True, []
        cutoff = bound + _FIXING_TOLERANCE * max(1.0, abs(bound)) if math.isfinite(bound) else math.inf
        for count in counts:
            lp = _column_generation(pool, index, objective, count, deadline, seeds, cutoff,
                                    count or most_networks)
            if lp is not None and lp[1] is None:
                continue  # ruled out: no solution with this count beats the bound
            if lp is not None:
                lps.append((lp[0], -1 if count is None else count, count, lp))
            elif time.perf_counter() > deadline:
                proven = False  # otherwise this count is infeasible
        best: list[int] | None = None
        best_cost = math.inf
        for value, _, count, lp in sorted(lps, key=lambda item: item[:2]):
            if value > bound + _FIXING_TOLERANCE * max(1.0, abs(bound)):
                continue  # no solution with this count beats the best so far
            answer = solve_count(index, objective, count, lp, bound)
            if answer is None:
                proven = False
            elif answer is not False:
                chosen, optimal = answer
                proven = proven and optimal
                cost = float(objective[chosen].sum())
                if cost < best_cost:
                    best, best_cost, bound = chosen, cost, min(bound, cost)
        if best is None:
            # Every count ruled out against the bound: the incumbent (the bound's solution) is optimal.
            return (incumbent_regions, True) if proven and incumbent_regions else None
        return [pool.members(j) for j in best], proven

    if k is not None:
        counts: list[int | None] = [k]
    else:
        lo, hi = k_range(piece.total, band)
        counts = list(range(max(1, lo), min(hi, n) + 1))
    answer = solve(in_band, costs, counts, bound)
    if answer is not None or pruned:
        # A pruned enumeration holds an in-band solution (the bound's), so no relaxation is needed;
        # None here means the time ran out.
        return answer
    # Relaxed: allow networks below the lower limit, each at a penalty far above any compactness cost.
    big = 10.0 * (costs.sum() + 1.0)
    deficit = np.maximum(band.lower - pops, 0) / max(band.lower, 1)
    penalised = costs + np.where(in_band, 0.0, big * (1.0 + deficit))
    answer = solve(np.ones(pool.size, dtype=bool), penalised, [k])
    if answer is None and k is not None:
        findings.append(
            Finding(
                NETWORK_COUNT,
                WARNING,
                f"{piece.where}: {k:,} connected networks cannot be formed; the number was chosen freely",
            )
        )
        answer = solve(np.ones(pool.size, dtype=bool), penalised, [None])
    return answer  # None: time limit without a solution, so the caller falls back


# Columns (per super-unit) of the first restricted solve that looks for an upper bound.
_RESTRICTED_COLUMNS_PER_UNIT = 20
# Most columns passed to one MILP after fixing.
_MILP_COLUMN_LIMIT = 100_000
# Extra HiGHS options for the set-partitioning MILP (scipy.optimize.milp).  Presolve is off:
# measured on area 01D (36 practices, 39,146 columns, 7 networks), HiGHS proved the optimum in
# 9 s without presolve and had no solution after 600 s with it (presolve ignores the time limit).
MILP_OPTIONS: dict = {"presolve": False}


# --------------------------------------------------------------------------- heuristic


def _dev(pop: int, band: Band) -> int:
    return max(0, band.lower - pop, pop - band.upper)


def _connected(nodes: AbstractSet[int], nbrs: Sequence[AbstractSet[int]]) -> bool:
    if not nodes:
        return True
    start = next(iter(nodes))
    seen, stack = {start}, [start]
    while stack:
        v = stack.pop()
        for w in nbrs[v]:
            if w in nodes and w not in seen:
                seen.add(w)
                stack.append(w)
    return len(seen) == len(nodes)


class _Regions:
    """A partition of a piece into regions, with populations and compactness sums."""

    def __init__(self, piece: _Piece, label: list[int], k: int) -> None:
        self.piece = piece
        self.label = label
        self.sets: list[set[int]] = [set() for _ in range(k)]
        for s, r in enumerate(label):
            self.sets[r].add(s)
        self.pop = [sum(piece.pops[s] for s in members) for members in self.sets]

    def cost(self, members: AbstractSet[int]) -> float:
        return _cost(self.piece, sorted(members)) if members else 0.0

    def move(self, s: int, to: int) -> None:
        old = self.label[s]
        self.sets[old].discard(s)
        self.sets[to].add(s)
        self.pop[old] -= self.piece.pops[s]
        self.pop[to] += self.piece.pops[s]
        self.label[s] = to


def _seeds(piece: _Piece, k: int) -> list[int]:
    xy = piece.xy
    centre = (piece.weights[:, None] * xy).sum(axis=0) / piece.weights.sum()
    first = int(np.argmax(((xy - centre) ** 2).sum(axis=1)))
    seeds = [first]
    nearest = ((xy - xy[first]) ** 2).sum(axis=1)
    while len(seeds) < k:
        nxt = int(np.argmax(nearest))
        if nearest[nxt] <= 0 and nxt in seeds:
            nxt = next(s for s in range(len(xy)) if s not in seeds)
        seeds.append(nxt)
        nearest = np.minimum(nearest, ((xy - xy[nxt]) ** 2).sum(axis=1))
        nearest[seeds] = -1.0
    return seeds


def _grow(piece: _Piece, k: int) -> list[int]:
    n = len(piece.pops)
    k = max(1, min(k, n))
    seeds = _seeds(piece, k)
    label = [-1] * n
    pop = [0] * k
    frontier: list[list[tuple[float, int]]] = [[] for _ in range(k)]
    xy = piece.xy

    def take(r: int, s: int) -> None:
        label[s] = r
        pop[r] += piece.pops[s]
        for t in piece.nbrs[s]:
            if label[t] < 0:
                d = float(((xy[t] - xy[seeds[r]]) ** 2).sum())
                heapq.heappush(frontier[r], (d, t))

    for r, s in enumerate(seeds):
        take(r, s)
    queue = [(pop[r], r) for r in range(k)]
    heapq.heapify(queue)
    while queue:
        p, r = heapq.heappop(queue)
        if p != pop[r]:
            continue
        while frontier[r] and label[frontier[r][0][1]] >= 0:
            heapq.heappop(frontier[r])
        if not frontier[r]:
            continue  # closed in
        take(r, heapq.heappop(frontier[r])[1])
        heapq.heappush(queue, (pop[r], r))
    # Every super-unit is reachable from some seed (the piece is connected), so all are labelled.
    return label


def _repair(regions: _Regions, band: Band, deadline: float) -> None:
    """Move boundary super-units between neighbouring regions while that reduces total deviation."""
    piece = regions.piece
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        bad = [r for r in range(len(regions.sets)) if _dev(regions.pop[r], band) > 0]
        for r in bad:
            if _dev(regions.pop[r], band) == 0:
                continue
            best = None
            for s in list(regions.sets[r]) if regions.pop[r] > band.upper else []:
                for t in piece.nbrs[s]:
                    to = regions.label[t]
                    if to != r:
                        best = _better(regions, band, s, r, to, best)
            if regions.pop[r] < band.lower:
                for s in regions.sets[r]:
                    for t in piece.nbrs[s]:
                        src = regions.label[t]
                        if src != r:
                            best = _better(regions, band, t, src, r, best)
            if best is not None:
                regions.move(best[1], best[3])
                improved = True


# Longest chain of moves (regions passed through) tried by the ejection-chain repair.
CHAIN_DEPTH = 5
# Candidate moves explored at each step of a chain (the most promising by size).
CHAIN_BRANCH = 3


def _chain_repair(regions: _Regions, band: Band, deadline: float) -> None:
    """Ejection chains: shift population through intermediate regions to fix out-of-band ones.

    A region above the band pushes a boundary super-unit into a neighbour; if
    that neighbour is now above the band it pushes one on in turn, and so on
    up to :data:`CHAIN_DEPTH` regions, never revisiting a region of the chain.
    A region below the band pulls in the same way.  A chain is kept only if
    the total deviation from the band falls; otherwise every move is undone.
    Moves never disconnect the giving region, so every region stays connected.
    """
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for r in range(len(regions.sets)):
            if time.perf_counter() >= deadline:
                return
            if _dev(regions.pop[r], band) == 0 or not regions.sets[r]:
                continue
            before = sum(_dev(pop, band) for pop in regions.pop)
            push = regions.pop[r] > band.upper
            moves: list[tuple[int, int, int]] = []
            if _chain_step(regions, band, r, push, {r}, CHAIN_DEPTH, moves, before):
                improved = True


def _chain_candidates(
    regions: _Regions, band: Band, r: int, push: bool, chain: set[int]
) -> list[tuple[int, int, int]]:
    """Moves (super-unit, from, to) that shift population out of (push) or into region r."""
    piece = regions.piece
    need = regions.pop[r] - band.upper if push else band.lower - regions.pop[r]
    out = []
    for s in regions.sets[r] if push else ():
        for t in piece.nbrs[s]:
            q = regions.label[t]
            if q != r and q not in chain:
                out.append((s, r, q))
    if not push:
        for s0 in regions.sets[r]:
            for t in piece.nbrs[s0]:
                q = regions.label[t]
                if q != r and q not in chain:
                    out.append((t, q, r))
    # Prefer moving about the amount needed; ties by index for determinism.
    out = sorted(set(out), key=lambda m: (abs(piece.pops[m[0]] - need), m))
    return out


def _chain_step(
    regions: _Regions,
    band: Band,
    r: int,
    push: bool,
    chain: set[int],
    depth: int,
    moves: list[tuple[int, int, int]],
    before: int,
) -> bool:
    """Extend the chain from region r; True (moves kept) once total deviation falls below before."""
    tried = 0
    for s, src, to in _chain_candidates(regions, band, r, push, chain):
        if tried >= CHAIN_BRANCH:
            break
        if len(regions.sets[src]) <= 1 or not _connected(
            regions.sets[src] - {s}, regions.piece.nbrs
        ):
            continue
        tried += 1
        regions.move(s, to)
        moves.append((s, src, to))
        if sum(_dev(pop, band) for pop in regions.pop) < before:
            return True
        nxt = to if push else src
        if depth > 1 and _dev(regions.pop[nxt], band) > 0:
            if _chain_step(regions, band, nxt, push, chain | {nxt}, depth - 1, moves, before):
                return True
        moved, old, _new = moves.pop()
        regions.move(moved, old)
    return False


def _better(
    regions: _Regions,
    band: Band,
    s: int,
    src: int,
    to: int,
    best: tuple[int, int, int, int] | None,
) -> tuple[int, int, int, int] | None:
    w = regions.piece.pops[s]
    before = _dev(regions.pop[src], band) + _dev(regions.pop[to], band)
    after = _dev(regions.pop[src] - w, band) + _dev(regions.pop[to] + w, band)
    gain = before - after
    if (
        gain <= 0
        or (best is not None and gain <= best[0])
        or len(regions.sets[src]) <= 1
    ):
        return best
    if not _connected(regions.sets[src] - {s}, regions.piece.nbrs):
        return best
    return (gain, s, src, to)


# --------------------------------------------------------------------------- recursive bisection

# Spanning trees drawn per split by the recursive bisection (the best cut over all is used).
BISECT_TREES = 6
# Alternative cuts tried at one split when a side cannot itself be split in band.
BISECT_BRANCH = 3
# Weight of population balance against compactness when ranking feasible cuts.
BALANCE_WEIGHT = 0.5


def _k_interval(pop: int, band: Band) -> tuple[int, int]:
    """Numbers j of in-band networks a connected part of list size pop could form (by totals)."""
    lo = math.ceil(pop / band.upper) if band.upper > 0 else 1
    hi = pop // band.lower if band.lower > 0 else max(1, pop)
    return max(1, lo), hi


def _count_dev(pop: int, j: int, band: Band) -> int:
    """How far pop is from what j in-band networks can hold (0 when j*lower <= pop <= j*upper)."""
    return max(0, j * band.lower - pop, pop - j * band.upper)


def _spanning_tree(
    piece: _Piece, nodes: Sequence[int], rng: Random, mode: int
) -> tuple[list[int], list[int]]:
    """A spanning tree of the nodes: (BFS order from its root, parent of each node or -1).

    Mode 0 is the minimum spanning tree by distance (compact cuts), mode 1
    perturbs distances at random and mode 2 uses uniform random weights
    (GerryChain's random trees, for variety).  Kruskal with union-find.
    """
    inside = set(nodes)
    near = piece.tables()[0]
    edges = []
    for v in nodes:
        for t, d in near[v]:
            if t > v and t in inside:
                if mode == 1:
                    d *= 0.5 + rng.random()
                elif mode == 2:
                    d = rng.random()
                edges.append((d, v, t))
    edges.sort()
    root_of = {v: v for v in nodes}

    def find(x: int) -> int:
        while root_of[x] != x:
            root_of[x] = root_of[root_of[x]]
            x = root_of[x]
        return x

    tree: dict[int, list[int]] = {v: [] for v in nodes}
    for _d, v, t in edges:
        a, b = find(v), find(t)
        if a != b:
            root_of[a] = b
            tree[v].append(t)
            tree[t].append(v)
    root = nodes[rng.randrange(len(nodes))]
    parent = {root: -1}
    order = [root]
    for v in order:
        for t in tree[v]:
            if t not in parent:
                parent[t] = v
                order.append(t)
    return order, [parent[v] for v in order]


def _tree_cuts(
    piece: _Piece,
    band: Band,
    nodes: Sequence[int],
    k: int,
    rng: Random,
    trees: int,
    balance_weight: float | None = None,
    keep: int = BISECT_BRANCH + 1,
) -> list[tuple[float, int, int, frozenset[int]]]:
    """Cuts of spanning trees of the nodes into two sides, best first.

    Each is (score, deviation, k1, side): the side cut off gets k1 of the k
    networks and the rest k - k1.  Deviation is 0 when both sides can hold
    their networks in band by totals (k1*lower <= P1 <= k1*upper and the same
    for the rest); the score then weighs the compactness of the two sides
    against how far their mean network sizes are from the ideal.  Cuts that
    are not feasible by totals come after, by deviation.
    """
    if balance_weight is None:
        balance_weight = BALANCE_WEIGHT
    total = sum(piece.pops[v] for v in nodes)
    ideal = total / k
    width = max(1, band.upper - band.lower)
    _near, tw, tx, ty, t2 = piece.tables()
    whole = _cost(piece, list(nodes)) or 1.0
    out: dict[tuple[frozenset[int], int], tuple[float, int, int, frozenset[int]]] = {}
    for attempt in range(trees):
        order, parent = _spanning_tree(piece, nodes, rng, min(attempt, 2))
        if len(order) < len(nodes):
            return []  # not connected (two regions that no longer touch): no cut keeps both whole
        pop = {v: piece.pops[v] for v in order}
        count = dict.fromkeys(order, 1)
        sw = {v: tw[v] for v in order}
        sx = {v: tx[v] for v in order}
        sy = {v: ty[v] for v in order}
        s2 = {v: t2[v] for v in order}
        for p in range(len(order) - 1, 0, -1):
            v, up = order[p], parent[p]
            pop[up] += pop[v]
            count[up] += count[v]
            sw[up] += sw[v]
            sx[up] += sx[v]
            sy[up] += sy[v]
            s2[up] += s2[v]
        root = order[0]
        scored = []
        for p in range(1, len(order)):
            v = order[p]
            p1, p2 = pop[v], total - pop[v]
            c1, c2 = count[v], len(order) - count[v]
            lo1, hi1 = _k_interval(p1, band)
            lo2, hi2 = _k_interval(p2, band)
            lo = max(lo1, k - hi2, 1, k - c2)
            hi = min(hi1, k - lo2, k - 1, c1)
            if lo <= hi:
                k1 = min(max(round(p1 / ideal), lo), hi)
                dev = 0
            else:
                k1 = min(
                    range(max(1, k - c2), min(k - 1, c1) + 1),
                    key=lambda j: (_count_dev(p1, j, band) + _count_dev(p2, k - j, band), j),
                )
                dev = _count_dev(p1, k1, band) + _count_dev(p2, k - k1, band)
            cost1 = s2[v] - (sx[v] ** 2 + sy[v] ** 2) / sw[v]
            rw, rx, ry = sw[root] - sw[v], sx[root] - sx[v], sy[root] - sy[v]
            cost2 = (s2[root] - s2[v]) - (rx**2 + ry**2) / max(rw, 1e-12)
            balance = (abs(p1 / k1 - ideal) + abs(p2 / (k - k1) - ideal)) / width
            score = (cost1 + cost2) / whole + balance_weight * balance
            scored.append((dev, score, p, k1))
        scored.sort()
        children: dict[int, list[int]] = defaultdict(list)
        for p in range(1, len(order)):
            children[parent[p]].append(order[p])
        for dev, score, p, k1 in scored[:keep]:
            side, stack = set(), [order[p]]
            while stack:
                x = stack.pop()
                side.add(x)
                stack.extend(children[x])
            key = (frozenset(side), k1)
            if key not in out:
                out[key] = (score, dev, k1, key[0])
    return sorted(out.values(), key=lambda c: (c[1], c[0], c[2], min(c[3])))


def _bisect(
    piece: _Piece,
    band: Band,
    nodes: list[int],
    k: int,
    rng: Random,
    deadline: float,
    trees: int = BISECT_TREES,
) -> tuple[list[list[int]], int]:
    """Split the connected nodes into k connected parts by recursive spanning-tree cuts.

    Returns the parts and their total deviation from the band.  At each split
    the best cut (see :func:`_tree_cuts`) is tried first; if a side then
    cannot be split in band, the next cuts are tried (up to
    :data:`BISECT_BRANCH`).  Always returns k parts (fewer only if there are
    fewer nodes); when no cut is feasible by totals the least deviating is used.
    """
    k = max(1, min(k, len(nodes)))
    if k == 1:
        return [list(nodes)], _dev(sum(piece.pops[v] for v in nodes), band)
    best: tuple[list[list[int]], int] | None = None
    cuts = _tree_cuts(piece, band, nodes, k, rng, trees)
    for more in (4, 16):  # no cut feasible by totals: draw more (mostly random) trees
        if not cuts or cuts[0][1] == 0 or time.perf_counter() > deadline:
            break
        cuts = sorted(
            cuts + _tree_cuts(piece, band, nodes, k, rng, trees * more),
            key=lambda c: (c[1], c[0], c[2], min(c[3])),
        )
    for tried, (_score, dev, k1, side) in enumerate(cuts):
        if tried >= BISECT_BRANCH or (best is not None and time.perf_counter() > deadline):
            break
        if best is not None and dev > 0 and best[1] <= dev:
            break
        one = sorted(side)
        two = [v for v in nodes if v not in side]
        parts1, dev1 = _bisect(piece, band, one, k1, rng, deadline, trees)
        parts2, dev2 = (
            _bisect(piece, band, two, k - k1, rng, deadline, trees)
            if dev1 == 0 or best is None
            else ([two], math.inf)
        )
        if best is None or dev1 + dev2 < best[1]:
            best = (parts1 + parts2, dev1 + dev2)
        if best[1] == 0:
            break
    if best is None:  # not connected (cannot happen for a piece): leave it whole
        return [list(nodes)], _dev(sum(piece.pops[v] for v in nodes), band)
    return best


def _recom(
    regions: _Regions, band: Band, a: int, b: int, rng: Random, tries: int = 3
) -> bool:
    """Merge regions a and b and re-split them by a spanning-tree cut if that improves them.

    The cut is the best by (deviation from the band, compactness) over
    ``tries`` spanning trees of the union (the first by distance, the rest
    perturbed or random); it replaces a and b only if strictly better.
    """
    union = regions.sets[a] | regions.sets[b]
    if len(union) < 2:
        return False
    old_dev = _dev(regions.pop[a], band) + _dev(regions.pop[b], band)
    old_cost = regions.cost(regions.sets[a]) + regions.cost(regions.sets[b])
    nodes = sorted(union)
    whole = _cost(regions.piece, nodes) or 1.0
    cuts = _tree_cuts(regions.piece, band, nodes, 2, rng, tries, balance_weight=0.0, keep=1)
    best = None
    for score, dev, _k1, side in cuts:
        key = (dev, score * whole)
        if key < (old_dev, old_cost - 1e-9 * max(1.0, old_cost)) and (best is None or key < best[:2]):
            best = (dev, score * whole, side)
    if best is None:
        return False
    side = best[2]
    for s in nodes:
        to = a if s in side else b
        if regions.label[s] != to:
            regions.move(s, to)
    return True


def _flip(regions: _Regions, band: Band, deadline: float) -> int:
    """Move single boundary super-units to a neighbouring region while that lowers the total cost.

    A move is made only if both regions are then in band (or, for a region
    already out of band, its deviation does not grow), the giving region stays
    connected and the sum of the two compactness costs falls.  Returns the
    number of moves.
    """
    piece = regions.piece
    _near, tw, tx, ty, t2 = piece.tables()
    k = len(regions.sets)
    agg = [[0.0, 0.0, 0.0, 0.0] for _ in range(k)]
    for s, r in enumerate(regions.label):
        a = agg[r]
        a[0] += tw[s]
        a[1] += tx[s]
        a[2] += ty[s]
        a[3] += t2[s]

    def cost(w: float, x: float, y: float, q: float) -> float:
        return q - (x * x + y * y) / w if w > 1e-12 else 0.0

    moves = 0
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for s in range(len(regions.label)):
            a = regions.label[s]
            if len(regions.sets[a]) <= 1:
                continue
            targets = {regions.label[t] for t in piece.nbrs[s]} - {a}
            if not targets:
                continue
            ga = agg[a]
            pop_s = piece.pops[s]
            before_a = cost(*ga)
            after_a = cost(ga[0] - tw[s], ga[1] - tx[s], ga[2] - ty[s], ga[3] - t2[s])
            dev_a = _dev(regions.pop[a], band)
            dev_a_after = _dev(regions.pop[a] - pop_s, band)
            best = None
            for b in sorted(targets):
                gb = agg[b]
                if _dev(regions.pop[b] + pop_s, band) + dev_a_after > _dev(regions.pop[b], band) + dev_a:
                    continue
                gain = before_a + cost(*gb) - after_a - cost(
                    gb[0] + tw[s], gb[1] + tx[s], gb[2] + ty[s], gb[3] + t2[s]
                )
                if gain > 1e-9 * max(1.0, before_a) and (best is None or gain > best[0]):
                    best = (gain, b)
            if best is None or not _connected(regions.sets[a] - {s}, piece.nbrs):
                continue
            b = best[1]
            for g, sign in ((agg[a], -1.0), (agg[b], 1.0)):
                g[0] += sign * tw[s]
                g[1] += sign * tx[s]
                g[2] += sign * ty[s]
                g[3] += sign * t2[s]
            regions.move(s, b)
            moves += 1
            improved = True
    return moves


# Initial partitions tried by the heuristic (recursive bisection with several
# seeds and network counts, and seeded growth) until one is all in band.
INITIAL_ATTEMPTS = 8
# Spanning trees drawn per ReCom move of an in-band pair.
RECOM_TRIES = 3
# Improvement passes over all neighbouring pairs of regions in one call of _improve.
IMPROVE_PASSES = 6


def _initial(piece: _Piece, band: Band, deadline: float) -> _Regions:
    """The best initial partition by (total deviation, compactness), repaired.

    Tries recursive bisection into the piece's number of networks, then
    seeded growth, then bisection with other seeds and (unless the number is
    fixed) the other feasible numbers of networks, nearest first; stops at the
    first that is all in band (or at the deadline, after the first two).
    """
    n = len(piece.pops)
    k0 = max(1, min(piece.k or _default_k(piece.total, band), n))
    lo, hi = k_range(piece.total, band)
    others = [] if piece.k_fixed else sorted(
        (k for k in range(max(1, lo), min(hi, n) + 1) if k != k0), key=lambda k: (abs(k - k0), k)
    )
    plan: list[tuple[str, int, int]] = [("bisect", k0, 0), ("grow", k0, 0)]
    plan += [("bisect", k0, seed) for seed in (1, 2)]
    plan += [("bisect", k, seed) for k in others[:2] for seed in (0, 1)]
    best: tuple[tuple[int, float], _Regions] | None = None
    for number, (how, k, seed) in enumerate(plan[:INITIAL_ATTEMPTS]):
        if best is not None and (best[0][0] == 0 or (number >= 2 and time.perf_counter() > deadline)):
            break
        if how == "bisect":
            regions = _bisected(piece, band, k, seed, deadline)
        else:
            regions = _Regions(piece, _grow(piece, k), k)
        _repair(regions, band, deadline)
        _chain_repair(regions, band, deadline)
        quality = _quality(piece, [sorted(m) for m in regions.sets if m], band)
        if best is None or quality < best[0]:
            best = (quality, regions)
    assert best is not None
    return best[1]


def _improve(
    regions: _Regions, band: Band, deadline: float, rng: Random, passes: int = IMPROVE_PASSES
) -> int:
    """ReCom passes over neighbouring pairs (out-of-band pairs first), with repair; moves made."""
    piece, n = regions.piece, len(regions.label)
    total = 0
    for _ in range(passes):
        if time.perf_counter() >= deadline:
            break
        pairs = sorted(
            {
                (
                    min(regions.label[s], regions.label[t]),
                    max(regions.label[s], regions.label[t]),
                )
                for s in range(n)
                for t in piece.nbrs[s]
                if regions.label[s] != regions.label[t]
            }
        )
        rng.shuffle(pairs)
        # Out-of-band pairs first.
        pairs.sort(
            key=lambda p: (
                -(_dev(regions.pop[p[0]], band) + _dev(regions.pop[p[1]], band))
            )
        )
        changed = 0
        for a, b in pairs:
            if time.perf_counter() >= deadline:
                break
            bad = _dev(regions.pop[a], band) + _dev(regions.pop[b], band) > 0
            changed += _recom(regions, band, a, b, rng, tries=12 if bad else RECOM_TRIES)
        changed += _flip(regions, band, deadline)
        if not piece.k_fixed:
            changed += _merge_small(regions, band)
        _repair(regions, band, deadline)
        _chain_repair(regions, band, deadline)
        total += changed
        if not changed:
            break
    return total


def _solve_heuristic(
    piece: _Piece, band: Band, deadline: float, starts: int = 1
) -> list[list[int]]:
    """Initial partition and ReCom improvement; then further starts while time and ``starts`` allow."""
    regions = _initial(piece, band, deadline)
    _improve(regions, band, deadline, Random(0))
    _ensure_connected(regions)
    best = [sorted(members) for members in regions.sets if members]
    for seed in range(1, starts):
        if time.perf_counter() >= deadline:
            break
        best = _restart(piece, band, deadline, seed, best)
    return best


def _bisected(piece: _Piece, band: Band, k: int, seed: int, deadline: float) -> _Regions:
    """The whole piece recursively bisected into k regions (see :func:`_bisect`)."""
    n = len(piece.pops)
    parts, _dev_total = _bisect(piece, band, list(range(n)), k, Random(seed), deadline)
    label = [0] * n
    for r, part in enumerate(parts):
        for s in part:
            label[s] = r
    return _Regions(piece, label, len(parts))


def _restart(
    piece: _Piece, band: Band, deadline: float, seed: int, best: list[list[int]]
) -> list[list[int]]:
    """Another start (:func:`_start` with as many networks as best); the better of it and best."""
    candidate = _start(piece, band, deadline, seed, len(best) or max(1, piece.k or 1))
    return candidate if _quality(piece, candidate, band) < _quality(piece, best, band) else best


def _start(piece: _Piece, band: Band, deadline: float, seed: int, k: int) -> list[list[int]]:
    """One start: bisection into k networks with this seed, repaired and improved."""
    regions = _bisected(piece, band, k, seed, deadline)
    _repair(regions, band, deadline)
    _chain_repair(regions, band, deadline)
    _improve(regions, band, deadline, Random(seed))
    _ensure_connected(regions)
    return [sorted(members) for members in regions.sets if members]


def _merge_small(regions: _Regions, band: Band) -> int:
    """Merge each region below the lower limit into a neighbour when the union is in band."""
    piece, merged = regions.piece, 0
    for r in range(len(regions.sets)):
        if not regions.sets[r] or regions.pop[r] >= band.lower:
            continue
        targets = {regions.label[t] for s in regions.sets[r] for t in piece.nbrs[s]} - {
            r
        }
        fits = [
            q
            for q in targets
            if band.lower <= regions.pop[q] + regions.pop[r] <= band.upper
        ]
        if fits:
            to = min(fits, key=lambda q: regions.pop[q])
            for s in list(regions.sets[r]):
                regions.move(s, to)
            merged += 1
    return merged


def _ensure_connected(regions: _Regions) -> None:
    """Give each detached part of a region to a neighbouring region (a safety net)."""
    piece = regions.piece
    changed = True
    while changed:
        changed = False
        for r, members in enumerate(regions.sets):
            comps = _components(
                sorted(members), {s: piece.nbrs[s] & members for s in members}
            )
            if len(comps) <= 1:
                continue
            comps.sort(key=len, reverse=True)
            for comp in comps[1:]:
                targets = {regions.label[t] for s in comp for t in piece.nbrs[s]} - {r}
                to = min(targets, key=lambda q: regions.pop[q])
                for s in comp:
                    regions.move(s, to)
            changed = True
            break
