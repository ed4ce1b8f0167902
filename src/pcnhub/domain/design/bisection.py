"""Recursive bisection of a piece by spanning-tree cuts.

A feasibility-aware recursive bisection (:func:`bisect`): spanning-tree cuts
(:func:`tree_cuts`) whose two sides can each hold their share of the
networks in band by totals, as in GerryChain's recursive_tree_part.  The
heuristic starts from it (:func:`bisected`, with other seeds and other
numbers of networks as further starts), and its ReCom move re-splits two
merged networks by the same cuts.  Every random choice uses a seeded RNG.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Sequence
from random import Random

from pcnhub.domain.design.model import Piece, Regions, cost, deviation
from pcnhub.domain.rules import Band

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
    piece: Piece, nodes: Sequence[int], rng: Random, mode: int
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


def tree_cuts(
    piece: Piece,
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
    whole = cost(piece, list(nodes)) or 1.0
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


def bisect(
    piece: Piece,
    band: Band,
    nodes: list[int],
    k: int,
    rng: Random,
    deadline: float,
    trees: int = BISECT_TREES,
) -> tuple[list[list[int]], int]:
    """Split the connected nodes into k connected parts by recursive spanning-tree cuts.

    Returns the parts and their total deviation from the band.  At each split
    the best cut (see :func:`tree_cuts`) is tried first; if a side then
    cannot be split in band, the next cuts are tried (up to
    :data:`BISECT_BRANCH`).  Always returns k parts (fewer only if there are
    fewer nodes); when no cut is feasible by totals the least deviating is used.
    """
    k = max(1, min(k, len(nodes)))
    if k == 1:
        return [list(nodes)], deviation(sum(piece.pops[v] for v in nodes), band)
    best: tuple[list[list[int]], int] | None = None
    cuts = tree_cuts(piece, band, nodes, k, rng, trees)
    for more in (4, 16):  # no cut feasible by totals: draw more (mostly random) trees
        if not cuts or cuts[0][1] == 0 or time.perf_counter() > deadline:
            break
        cuts = sorted(
            cuts + tree_cuts(piece, band, nodes, k, rng, trees * more),
            key=lambda c: (c[1], c[0], c[2], min(c[3])),
        )
    for tried, (_score, dev, k1, side) in enumerate(cuts):
        if tried >= BISECT_BRANCH or (best is not None and time.perf_counter() > deadline):
            break
        if best is not None and dev > 0 and best[1] <= dev:
            break
        one = sorted(side)
        two = [v for v in nodes if v not in side]
        parts1, dev1 = bisect(piece, band, one, k1, rng, deadline, trees)
        parts2, dev2 = (
            bisect(piece, band, two, k - k1, rng, deadline, trees)
            if dev1 == 0 or best is None
            else ([two], math.inf)
        )
        if best is None or dev1 + dev2 < best[1]:
            best = (parts1 + parts2, dev1 + dev2)
        if best[1] == 0:
            break
    if best is None:  # not connected (cannot happen for a piece): leave it whole
        return [list(nodes)], deviation(sum(piece.pops[v] for v in nodes), band)
    return best


def bisected(piece: Piece, band: Band, k: int, seed: int, deadline: float) -> Regions:
    """The whole piece recursively bisected into k regions (see :func:`bisect`)."""
    n = len(piece.pops)
    parts, _dev_total = bisect(piece, band, list(range(n)), k, Random(seed), deadline)
    label = [0] * n
    for r, part in enumerate(parts):
        for s in part:
            label[s] = r
    return Regions(piece, label, len(parts))
