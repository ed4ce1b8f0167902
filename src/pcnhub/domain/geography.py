"""A neighbourhood graph of GP practices, for contiguity checks and design metrics.

Practices are points (:class:`Point`).  :func:`project` maps them to a flat
plane in kilometres and :func:`build_graph` links neighbouring practices by a
Delaunay triangulation with long edges pruned.  Pure computation: no I/O.

Projection accuracy
    :func:`project` is equirectangular about the mean latitude and longitude
    (Earth radius 6,371.0088 km).  North-south distances are exact along a
    meridian; east-west scale is exact at the mean latitude and is off by about
    ``tan(lat0) * dlat`` elsewhere: at UK latitudes under 1% within 50 km
    north or south of the mean latitude, about 2% at 100 km.  That is ample for
    one commissioner's area (West Sussex spans about 60 km north-south); it is
    not suitable for the whole country at once.

Graph construction (:func:`build_graph`)
    * Practices within :data:`SAME_LOCATION_KM` (10 m) of each other (chains of
      such points included) share a location: they are linked to one another
      and triangulated as one node (the first practice's point), so each of
      them gets every neighbour of that node.
    * Fewer than three distinct locations: every pair is linked.
    * Collinear locations (Qhull cannot triangulate): consecutive locations
      along the line are linked.
    * Otherwise the Delaunay triangulation's edges are used, and edges longer
      than ``max_edge_km`` are pruned unless pruning disconnects the graph:
      then the shortest pruned edges that reconnect the pieces are kept
      (Kruskal), so an island is bridged by its single shortest link.  The
      graph of any non-empty set of points is therefore connected.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from scipy.spatial import Delaunay, QhullError, cKDTree

EARTH_RADIUS_KM: Final = 6371.0088
# Practices closer than this (10 m) are treated as sharing one location.
SAME_LOCATION_KM: Final = 0.01
DEFAULT_MAX_EDGE_KM: Final = 15.0


@dataclass(frozen=True)
class Point:
    """A practice's location: ODS code, latitude and longitude in degrees."""

    code: str
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise ValueError(f"latitude of {self.code} out of range: {self.lat}")
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"longitude of {self.code} out of range: {self.lon}")


def project(points: Sequence[Point]) -> np.ndarray:
    """Return an ``(n, 2)`` array of x (east) / y (north) kilometres from the points' mean.

    Equirectangular projection at the mean latitude; see the module docstring
    for its accuracy.
    """
    if not points:
        return np.zeros((0, 2))
    lat = np.radians([p.lat for p in points])
    lon = np.radians([p.lon for p in points])
    lat0 = lat.mean()
    lon0 = lon.mean()
    x = EARTH_RADIUS_KM * (lon - lon0) * math.cos(lat0)
    y = EARTH_RADIUS_KM * (lat - lat0)
    return np.column_stack([x, y])


@dataclass(frozen=True)
class NeighbourGraph:
    """Practices (``codes``, with projected ``xy`` in km) and their neighbour links.

    ``adjacency`` maps each practice's index to its neighbours' indices;
    ``edges`` lists each link once as ``(i, j)`` with ``i < j``, sorted.
    """

    codes: tuple[str, ...]
    xy: np.ndarray
    adjacency: dict[int, frozenset[int]]
    edges: list[tuple[int, int]]
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {code: i for i, code in enumerate(self.codes)})

    def __contains__(self, code: object) -> bool:
        return code in self.index

    def __len__(self) -> int:
        return len(self.codes)

    def distance_km(self, i: int, j: int) -> float:
        return float(np.hypot(*(self.xy[i] - self.xy[j])))

    def neighbours(self, code: str) -> tuple[str, ...]:
        """The codes of the practice's neighbours, sorted.  KeyError if not in the graph."""
        return tuple(sorted(self.codes[j] for j in self.adjacency[self.index[code]]))

    def components(self, subset_codes: Iterable[str]) -> list[list[str]]:
        """Connected pieces of the graph restricted to ``subset_codes``.

        Each piece is a sorted list of codes; pieces are ordered largest first,
        ties by their first code.  KeyError for a code not in the graph.
        """
        members = {self.index[code] for code in subset_codes}
        seen: set[int] = set()
        pieces: list[list[str]] = []
        for start in sorted(members):
            if start in seen:
                continue
            seen.add(start)
            queue = deque([start])
            piece = []
            while queue:
                node = queue.popleft()
                piece.append(self.codes[node])
                for nxt in self.adjacency[node]:
                    if nxt in members and nxt not in seen:
                        seen.add(nxt)
                        queue.append(nxt)
            pieces.append(sorted(piece))
        pieces.sort(key=lambda piece: (-len(piece), piece[0]))
        return pieces

    def is_connected(self) -> bool:
        return len(self.components(self.codes)) <= 1


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def _location_edges(xy: np.ndarray, max_edge_km: float | None) -> set[tuple[int, int]]:
    """Edges between distinct locations (indices into ``xy``), as described in the module docstring."""
    n = len(xy)
    if n < 3:
        return {(i, j) for i in range(n) for j in range(i + 1, n)}
    try:
        tri = Delaunay(xy)
    except QhullError:
        centred = xy - xy.mean(axis=0)
        axis = np.linalg.svd(centred, full_matrices=False)[2][0]
        order = np.argsort(centred @ axis, kind="stable")
        return {(min(a, b), max(a, b)) for a, b in zip(order[:-1].tolist(), order[1:].tolist())}
    candidates: set[tuple[int, int]] = set()
    for simplex in tri.simplices.tolist():
        for k in range(3):
            a, b = simplex[k], simplex[(k + 1) % 3]
            candidates.add((min(a, b), max(a, b)))
    # Points Qhull left out of the triangulation (numerically coincident) join their nearest vertex.
    for point, _simplex, vertex in np.asarray(tri.coplanar).tolist():
        candidates.add((min(point, vertex), max(point, vertex)))

    def length(edge: tuple[int, int]) -> float:
        return float(np.hypot(*(xy[edge[0]] - xy[edge[1]])))

    if max_edge_km is None:
        return candidates
    kept = {edge for edge in candidates if length(edge) <= max_edge_km}
    pieces = _UnionFind(n)
    for a, b in kept:
        pieces.union(a, b)
    for edge in sorted(candidates - kept, key=lambda e: (length(e), e)):
        if pieces.union(*edge):
            kept.add(edge)
    return kept


def build_graph(points: Sequence[Point], *, max_edge_km: float | None = DEFAULT_MAX_EDGE_KM) -> NeighbourGraph:
    """Build the neighbourhood graph of the practices (see the module docstring).

    ``max_edge_km=None`` keeps every Delaunay edge.  Raises ValueError for a
    repeated practice code or a non-positive ``max_edge_km``.
    """
    if max_edge_km is not None and not max_edge_km > 0:
        raise ValueError(f"max_edge_km must be positive, not {max_edge_km}")
    codes = tuple(p.code for p in points)
    if len(set(codes)) != len(codes):
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        raise ValueError(f"practice codes repeated: {', '.join(repeated)}")
    xy = project(points)
    n = len(codes)
    # Group practices sharing a location.
    same = _UnionFind(n)
    if n > 1:
        for a, b in sorted(cKDTree(xy).query_pairs(SAME_LOCATION_KM)):
            same.union(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(same.find(i), []).append(i)
    members = list(groups.values())  # ordered by first member
    reps = [group[0] for group in members]
    edges: set[tuple[int, int]] = set()
    for group in members:
        edges.update((a, b) for k, a in enumerate(group) for b in group[k + 1 :])
    for ga, gb in _location_edges(xy[reps] if reps else np.zeros((0, 2)), max_edge_km):
        for a in members[ga]:
            for b in members[gb]:
                edges.add((min(a, b), max(a, b)))
    adjacency: dict[int, set[int]] = {i: set() for i in range(n)}
    for a, b in edges:
        adjacency[a].add(b)
        adjacency[b].add(a)
    return NeighbourGraph(
        codes=codes,
        xy=xy,
        adjacency={i: frozenset(nbrs) for i, nbrs in adjacency.items()},
        edges=sorted(edges),
    )
