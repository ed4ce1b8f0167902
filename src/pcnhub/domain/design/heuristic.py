"""The heuristic for pieces too large (or with too many candidates) to solve exactly.

Larger pieces use a heuristic (:func:`solve_heuristic`): a feasibility-aware
recursive bisection (:mod:`pcnhub.domain.design.bisection`), with seeded
growth, other seeds and other numbers of networks as further starts; repair
passes (single moves, ejection chains); then merge-and-resplit improvement (the
ReCom move) and single boundary moves.  Further starts (:func:`restart`,
:func:`start`) use time left over.  Every random choice uses a seeded RNG: for
given inputs only the deadline depends on the clock.
"""

from __future__ import annotations

import heapq
import time
from random import Random

import numpy as np

from pcnhub.domain.design.bisection import bisected, tree_cuts
from pcnhub.domain.design.model import (
    Piece,
    Regions,
    components,
    connected,
    cost,
    default_k,
    deviation,
    k_range,
    quality,
)
from pcnhub.domain.rules import Band

def _seeds(piece: Piece, k: int) -> list[int]:
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


def _grow(piece: Piece, k: int) -> list[int]:
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


def repair(regions: Regions, band: Band, deadline: float) -> None:
    """Move boundary super-units between neighbouring regions while that reduces total deviation."""
    piece = regions.piece
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        bad = [r for r in range(len(regions.sets)) if deviation(regions.pop[r], band) > 0]
        for r in bad:
            if deviation(regions.pop[r], band) == 0:
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


def chain_repair(regions: Regions, band: Band, deadline: float) -> None:
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
            if deviation(regions.pop[r], band) == 0 or not regions.sets[r]:
                continue
            before = sum(deviation(pop, band) for pop in regions.pop)
            push = regions.pop[r] > band.upper
            moves: list[tuple[int, int, int]] = []
            if _chain_step(regions, band, r, push, {r}, CHAIN_DEPTH, moves, before):
                improved = True


def _chain_candidates(
    regions: Regions, band: Band, r: int, push: bool, chain: set[int]
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
    regions: Regions,
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
        if len(regions.sets[src]) <= 1 or not connected(
            regions.sets[src] - {s}, regions.piece.nbrs
        ):
            continue
        tried += 1
        regions.move(s, to)
        moves.append((s, src, to))
        if sum(deviation(pop, band) for pop in regions.pop) < before:
            return True
        nxt = to if push else src
        if depth > 1 and deviation(regions.pop[nxt], band) > 0:
            if _chain_step(regions, band, nxt, push, chain | {nxt}, depth - 1, moves, before):
                return True
        moved, old, _new = moves.pop()
        regions.move(moved, old)
    return False


def _better(
    regions: Regions,
    band: Band,
    s: int,
    src: int,
    to: int,
    best: tuple[int, int, int, int] | None,
) -> tuple[int, int, int, int] | None:
    w = regions.piece.pops[s]
    before = deviation(regions.pop[src], band) + deviation(regions.pop[to], band)
    after = deviation(regions.pop[src] - w, band) + deviation(regions.pop[to] + w, band)
    gain = before - after
    if (
        gain <= 0
        or (best is not None and gain <= best[0])
        or len(regions.sets[src]) <= 1
    ):
        return best
    if not connected(regions.sets[src] - {s}, regions.piece.nbrs):
        return best
    return (gain, s, src, to)


def _recom(
    regions: Regions, band: Band, a: int, b: int, rng: Random, tries: int = 3
) -> bool:
    """Merge regions a and b and re-split them by a spanning-tree cut if that improves them.

    The cut is the best by (deviation from the band, compactness) over
    ``tries`` spanning trees of the union (the first by distance, the rest
    perturbed or random); it replaces a and b only if strictly better.
    """
    union = regions.sets[a] | regions.sets[b]
    if len(union) < 2:
        return False
    old_dev = deviation(regions.pop[a], band) + deviation(regions.pop[b], band)
    old_cost = regions.cost(regions.sets[a]) + regions.cost(regions.sets[b])
    nodes = sorted(union)
    whole = cost(regions.piece, nodes) or 1.0
    cuts = tree_cuts(regions.piece, band, nodes, 2, rng, tries, balance_weight=0.0, keep=1)
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


def _flip(regions: Regions, band: Band, deadline: float) -> int:
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
            dev_a = deviation(regions.pop[a], band)
            dev_a_after = deviation(regions.pop[a] - pop_s, band)
            best = None
            for b in sorted(targets):
                gb = agg[b]
                if deviation(regions.pop[b] + pop_s, band) + dev_a_after > deviation(regions.pop[b], band) + dev_a:
                    continue
                gain = before_a + cost(*gb) - after_a - cost(
                    gb[0] + tw[s], gb[1] + tx[s], gb[2] + ty[s], gb[3] + t2[s]
                )
                if gain > 1e-9 * max(1.0, before_a) and (best is None or gain > best[0]):
                    best = (gain, b)
            if best is None or not connected(regions.sets[a] - {s}, piece.nbrs):
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


def _initial(piece: Piece, band: Band, deadline: float) -> Regions:
    """The best initial partition by (total deviation, compactness), repaired.

    Tries recursive bisection into the piece's number of networks, then
    seeded growth, then bisection with other seeds and (unless the number is
    fixed) the other feasible numbers of networks, nearest first; stops at the
    first that is all in band (or at the deadline, after the first two).
    """
    n = len(piece.pops)
    k0 = max(1, min(piece.k or default_k(piece.total, band), n))
    lo, hi = k_range(piece.total, band)
    others = [] if piece.k_fixed else sorted(
        (k for k in range(max(1, lo), min(hi, n) + 1) if k != k0), key=lambda k: (abs(k - k0), k)
    )
    plan: list[tuple[str, int, int]] = [("bisect", k0, 0), ("grow", k0, 0)]
    plan += [("bisect", k0, seed) for seed in (1, 2)]
    plan += [("bisect", k, seed) for k in others[:2] for seed in (0, 1)]
    best: tuple[tuple[int, float], Regions] | None = None
    for number, (how, k, seed) in enumerate(plan[:INITIAL_ATTEMPTS]):
        if best is not None and (best[0][0] == 0 or (number >= 2 and time.perf_counter() > deadline)):
            break
        if how == "bisect":
            regions = bisected(piece, band, k, seed, deadline)
        else:
            regions = Regions(piece, _grow(piece, k), k)
        repair(regions, band, deadline)
        chain_repair(regions, band, deadline)
        score = quality(piece, [sorted(m) for m in regions.sets if m], band)
        if best is None or score < best[0]:
            best = (score, regions)
    assert best is not None
    return best[1]


def _improve(
    regions: Regions, band: Band, deadline: float, rng: Random, passes: int = IMPROVE_PASSES
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
                -(deviation(regions.pop[p[0]], band) + deviation(regions.pop[p[1]], band))
            )
        )
        changed = 0
        for a, b in pairs:
            if time.perf_counter() >= deadline:
                break
            bad = deviation(regions.pop[a], band) + deviation(regions.pop[b], band) > 0
            changed += _recom(regions, band, a, b, rng, tries=12 if bad else RECOM_TRIES)
        changed += _flip(regions, band, deadline)
        if not piece.k_fixed:
            changed += _merge_small(regions, band)
        repair(regions, band, deadline)
        chain_repair(regions, band, deadline)
        total += changed
        if not changed:
            break
    return total


def solve_heuristic(
    piece: Piece, band: Band, deadline: float, starts: int = 1
) -> list[list[int]]:
    """Initial partition and ReCom improvement; then further starts while time and ``starts`` allow."""
    regions = _initial(piece, band, deadline)
    _improve(regions, band, deadline, Random(0))
    _ensure_connected(regions)
    best = [sorted(members) for members in regions.sets if members]
    for seed in range(1, starts):
        if time.perf_counter() >= deadline:
            break
        best = restart(piece, band, deadline, seed, best)
    return best


def restart(
    piece: Piece, band: Band, deadline: float, seed: int, best: list[list[int]]
) -> list[list[int]]:
    """Another start (:func:`start` with as many networks as best); the better of it and best."""
    candidate = start(piece, band, deadline, seed, len(best) or max(1, piece.k or 1))
    return candidate if quality(piece, candidate, band) < quality(piece, best, band) else best


def start(piece: Piece, band: Band, deadline: float, seed: int, k: int) -> list[list[int]]:
    """One start: bisection into k networks with this seed, repaired and improved."""
    regions = bisected(piece, band, k, seed, deadline)
    repair(regions, band, deadline)
    chain_repair(regions, band, deadline)
    _improve(regions, band, deadline, Random(seed))
    _ensure_connected(regions)
    return [sorted(members) for members in regions.sets if members]


def _merge_small(regions: Regions, band: Band) -> int:
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


def _ensure_connected(regions: Regions) -> None:
    """Give each detached part of a region to a neighbouring region (a safety net)."""
    piece = regions.piece
    changed = True
    while changed:
        changed = False
        for r, members in enumerate(regions.sets):
            comps = components(
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
