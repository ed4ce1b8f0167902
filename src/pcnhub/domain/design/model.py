"""The proposer's model: practices, pieces, regions, and how a partition is scored.

A :class:`Unit` is a practice; :func:`pcnhub.domain.design.propose.propose`
returns a :class:`Proposal`, with a :class:`PieceResult` for each piece it
solved.  Practices sharing a pin are merged into super-units, and each
connected set of super-units of a commissioner area is a :class:`Piece`
(built by :func:`make_piece`), solved on its own with local indices; a
partition of a piece into networks, while the heuristic works on it, is a
:class:`Regions`.

A network's compactness cost (:func:`cost`) is the population-weighted
squared distance of its practices to the network's weighted centre, and a
partition is scored by :func:`quality`: (total deviation from the band,
total cost), smaller is better.  :func:`k_range` gives the feasible numbers of
in-band networks for a total list size (``ceil(T/upper) <= k <= floor(T/lower)``)
and :func:`default_k` the middle one the heuristic keeps.  Pure Python: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from pcnhub.domain.rules import Band, Finding

# Finding rule ids of the proposer (size findings use rules.LIST_SIZE_BAND).
NETWORK_COUNT = "network-count"
PINNED_PRACTICES = "pinned-practices"
DESIGN_METHOD = "design-method"

EXACT = "exact"
HEURISTIC = "heuristic"
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


def default_k(total: int, band: Band) -> int:
    lo, hi = k_range(total, band)
    middle = (band.lower + band.upper) / 2 or 1
    k = max(1, round(total / middle))
    return min(max(k, lo), hi) if lo <= hi else max(1, k)


# --------------------------------------------------------------------------- the graph of super-units


@dataclass
class Piece:
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


def components(
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


def quality(piece: Piece, regions: list[list[int]], band: Band) -> tuple[int, float]:
    """(total deviation from the band, compactness cost): smaller is better."""
    dev = sum(deviation(sum(piece.pops[s] for s in region), band) for region in regions)
    return dev, sum(cost(piece, region) for region in regions)


def make_piece(
    where: str,
    supers: list[list[int]],
    comp: list[int],
    snbrs: Mapping[int, AbstractSet[int]],
    units: Sequence[Unit],
) -> Piece:
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
    return Piece(
        where, supers, pops, np.array(xy), np.array(weights), np.array(inner), nbrs
    )


def cost(piece: Piece, members: Sequence[int]) -> float:
    w = piece.weights[members]
    p = piece.xy[members]
    centre = (w[:, None] * p).sum(axis=0) / w.sum()
    return float(
        (w * ((p - centre) ** 2).sum(axis=1)).sum() + piece.inner[members].sum()
    )


# --------------------------------------------------------------------------- regions


def deviation(pop: int, band: Band) -> int:
    return max(0, band.lower - pop, pop - band.upper)


def connected(nodes: AbstractSet[int], nbrs: Sequence[AbstractSet[int]]) -> bool:
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


class Regions:
    """A partition of a piece into regions, with populations and compactness sums."""

    def __init__(self, piece: Piece, label: list[int], k: int) -> None:
        self.piece = piece
        self.label = label
        self.sets: list[set[int]] = [set() for _ in range(k)]
        for s, r in enumerate(label):
            self.sets[r].add(s)
        self.pop = [sum(piece.pops[s] for s in members) for members in self.sets]

    def cost(self, members: AbstractSet[int]) -> float:
        return cost(self.piece, sorted(members)) if members else 0.0

    def move(self, s: int, to: int) -> None:
        old = self.label[s]
        self.sets[old].discard(s)
        self.sets[to].add(s)
        self.pop[old] -= self.piece.pops[s]
        self.pop[to] += self.piece.pops[s]
        self.label[s] = to
