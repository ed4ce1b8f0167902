"""Territories on a flat map (kilometres east and north): Voronoi cells clipped to an area, their neighbours,
colours that keep neighbours apart and labels that keep out of each other's way.

Pure geometry on numpy arrays, no Django and no files. The designer's maps
(:mod:`pcnhub.designer.maps`) draw with it:

* :func:`region`: the area the map fills, the convex hull of the practices grown by a buffer (a polygon
  with rounded corners, so it stays convex);
* :func:`cells`: each point's Voronoi cell clipped to that region. The cells of distinct locations tile the
  region (they cover it and do not overlap) and each point lies in its own cell; points at one location share
  one cell;
* :func:`touching`: which cells share a border of positive length inside the region;
* :func:`colour_graph`: a colouring of any graph (networks whose cells touch), greedy in smallest-last order:
  a planar map needs at most six colours that way;
* :func:`place_labels`: greedy placement of text boxes, most important first, each at the first of a few
  positions around its anchor that overlaps nothing already placed.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.spatial import ConvexHull, QhullError, Voronoi

#: Points closer than this (km) are one location.
SAME_LOCATION_KM = 0.01
#: Vertices of a buffer's rounded corners (per full turn).
ROUND_SIDES = 24
_EPS = 1e-9


def area(polygon: np.ndarray) -> float:
    """The area of a simple polygon (shoelace formula; positive when anticlockwise)."""
    if len(polygon) < 3:
        return 0.0
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def centroid(polygon: np.ndarray) -> np.ndarray:
    """The centroid of a polygon's area (its vertices' mean when it has no area)."""
    a = area(polygon)
    if abs(a) < _EPS:
        return polygon.mean(axis=0)
    x, y = polygon[:, 0], polygon[:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    cx = float(np.dot(x + np.roll(x, -1), cross)) / (6 * a)
    cy = float(np.dot(y + np.roll(y, -1), cross)) / (6 * a)
    return np.array([cx, cy])


def ccw(polygon: np.ndarray) -> np.ndarray:
    """A convex polygon's vertices in anticlockwise order around their mean."""
    centre = polygon.mean(axis=0)
    angles = np.arctan2(polygon[:, 1] - centre[1], polygon[:, 0] - centre[0])
    return polygon[np.argsort(angles)]


def contains(polygon: np.ndarray, point: np.ndarray, tolerance: float = 1e-7) -> bool:
    """Whether ``point`` is inside the anticlockwise convex ``polygon`` or on its border."""
    if len(polygon) < 3:
        return False
    a = polygon
    b = np.roll(polygon, -1, axis=0)
    cross = (b[:, 0] - a[:, 0]) * (point[1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (point[0] - a[:, 0])
    lengths = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])
    return bool(np.all(cross >= -tolerance * np.maximum(lengths, 1.0)))


def clip(subject: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Sutherland-Hodgman: the convex ``subject`` polygon clipped to the convex ``window`` (both anticlockwise)."""
    output = [np.asarray(p, float) for p in subject]
    for i in range(len(window)):
        a, b = window[i], window[(i + 1) % len(window)]
        edge = b - a

        def side(p) -> float:
            return edge[0] * (p[1] - a[1]) - edge[1] * (p[0] - a[0])

        points, output = output, []
        if not points:
            break
        for j, current in enumerate(points):
            previous = points[j - 1]
            s_now, s_before = side(current), side(previous)
            if s_now >= -1e-12:
                if s_before < -1e-12:
                    output.append(previous + (current - previous) * (s_before / (s_before - s_now)))
                output.append(current)
            elif s_before >= -1e-12:
                output.append(previous + (current - previous) * (s_before / (s_before - s_now)))
    return np.array(output) if len(output) >= 3 else np.zeros((0, 2))


def region(xy: np.ndarray, buffer: float) -> np.ndarray:
    """The convex hull of ``xy`` grown by ``buffer`` km (rounded corners), anticlockwise."""
    angles = np.linspace(0, 2 * math.pi, ROUND_SIDES, endpoint=False)
    ring = buffer * np.column_stack([np.cos(angles), np.sin(angles)])
    grown = (xy[:, None, :] + ring[None, :, :]).reshape(-1, 2)
    try:
        hull = ConvexHull(grown)
    except QhullError:  # pragma: no cover - a ring of positive radius is never flat
        return ccw(grown)
    return grown[hull.vertices]  # Qhull gives 2-D hulls anticlockwise


@dataclass(frozen=True)
class Tiling:
    """Clipped Voronoi cells: ``polygons[i]`` is point i's cell (empty for a point sharing an earlier point's
    location: ``owner[i]`` is the point whose cell it shares); ``region`` is what they tile."""

    polygons: list[np.ndarray]
    owner: list[int]
    region: np.ndarray
    #: pairs (i, j), i < j, of owners whose cells share a border inside the region
    touching: frozenset[tuple[int, int]]


def _segment_in(window: np.ndarray, p: np.ndarray, q: np.ndarray) -> float:
    """The length of the segment pq inside the convex anticlockwise ``window`` (Cyrus-Beck)."""
    t0, t1 = 0.0, 1.0
    d = q - p
    for i in range(len(window)):
        a, b = window[i], window[(i + 1) % len(window)]
        normal = np.array([-(b[1] - a[1]), b[0] - a[0]])  # points inside
        num = float(np.dot(normal, p - a))
        den = float(np.dot(normal, d))
        if abs(den) < 1e-15:
            if num < 0:
                return 0.0
            continue
        t = -num / den
        if den > 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1:
            return 0.0
    return (t1 - t0) * float(np.hypot(*d))


def cells(xy: np.ndarray, window: np.ndarray) -> Tiling:
    """Each point's Voronoi cell clipped to the convex anticlockwise ``window`` (see :class:`Tiling`)."""
    n = len(xy)
    keys = [tuple(np.round(p / SAME_LOCATION_KM).astype(int)) for p in xy]
    first: dict[tuple, int] = {}
    owner = [first.setdefault(key, i) for i, key in enumerate(keys)]
    sites = sorted(set(owner))
    polygons = [np.zeros((0, 2)) for _ in range(n)]
    if not sites:
        return Tiling(polygons, owner, window, frozenset())
    if len(sites) == 1:
        polygons[sites[0]] = window.copy()
        return Tiling(polygons, owner, window, frozenset())
    site_xy = xy[sites]
    extent = np.vstack([site_xy, window])
    span = float(np.ptp(extent, axis=0).max())
    centre = extent.mean(axis=0)
    # Four far corners make every real site's Voronoi region bounded.
    corners = centre + (10 * span + 10) * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])
    vor = Voronoi(np.vstack([site_xy, corners]))
    for k, i in enumerate(sites):
        region_ = vor.regions[vor.point_region[k]]
        polygons[i] = clip(ccw(vor.vertices[region_]), window)
    pairs = set()
    for (a, b), ridge in zip(vor.ridge_points, vor.ridge_vertices, strict=True):
        if a >= len(sites) or b >= len(sites) or -1 in ridge:
            continue
        p, q = vor.vertices[ridge[0]], vor.vertices[ridge[1]]
        if _segment_in(window, p, q) > 1e-6:
            i, j = sorted((sites[a], sites[b]))
            pairs.add((i, j))
    return Tiling(polygons, owner, window, frozenset(pairs))


def touching(groups: Sequence[Iterable[int]], tiling: Tiling) -> dict[int, set[int]]:
    """Group index -> the other groups with a cell touching one of its cells (groups of point indices)."""
    group_of: dict[int, int] = {}
    for g, members in enumerate(groups):
        for i in members:
            group_of.setdefault(tiling.owner[i], g)
    out: dict[int, set[int]] = {g: set() for g in range(len(groups))}
    for i, j in tiling.touching:
        gi, gj = group_of.get(i), group_of.get(j)
        if gi is not None and gj is not None and gi != gj:
            out[gi].add(gj)
            out[gj].add(gi)
    return out


def colour_graph(neighbours: Mapping[Hashable, set], colours: int) -> dict[Hashable, int]:
    """A colour (0 to ``colours - 1``) per node, neighbours differing wherever ``colours`` allow.

    Greedy in smallest-last order (repeatedly set aside a node of least remaining degree, colour in reverse):
    it needs at most one more colour than the graph's degeneracy, so six for any planar map. When the colours
    run out a node takes the one its neighbours use least. Each node takes the least-used free colour, so the
    palette is spread over the map.
    """
    remaining = {node: set(others) & set(neighbours) for node, others in neighbours.items()}
    order = []
    while remaining:
        node = min(remaining, key=lambda v: (len(remaining[v]), str(v)))
        order.append(node)
        for other in remaining.pop(node):
            remaining[other].discard(node)
    chosen: dict[Hashable, int] = {}
    uses = [0] * colours
    for node in reversed(order):
        near = [chosen[other] for other in neighbours[node] if other in chosen]
        free = [k for k in range(colours) if k not in near]
        if free:
            pick = min(free, key=lambda k: (uses[k], k))
        else:
            pick = min(range(colours), key=lambda k: (near.count(k), uses[k], k))
        chosen[node] = pick
        uses[pick] += 1
    return chosen


@dataclass(frozen=True)
class Box:
    """A label's box: centre (x, y) and half width and height, in map units."""

    x: float
    y: float
    half_width: float
    half_height: float

    def overlaps(self, other: Box) -> bool:
        return (abs(self.x - other.x) < self.half_width + other.half_width
                and abs(self.y - other.y) < self.half_height + other.half_height)


def place_labels(wanted: Sequence[tuple[float, float, float, float]], taken: Iterable[Box] = (),
                 offsets: Sequence[tuple[float, float]] = ((0, 0),)) -> list[Box | None]:
    """Greedy label placement: ``wanted`` is (x, y, half width, half height) per label, most important first.

    Each label goes at the first of ``offsets`` (multiples of its own half width and half height, e.g. (0, 2)
    for just above) where its box overlaps neither ``taken`` nor a label already placed; None when none fits.
    """
    placed: list[Box] = list(taken)
    out: list[Box | None] = []
    for x, y, hw, hh in wanted:
        spot = None
        for dx, dy in offsets:
            box = Box(x + dx * hw, y + dy * hh, hw, hh)
            if not any(box.overlaps(other) for other in placed):
                spot = box
                break
        if spot is not None:
            placed.append(spot)
        out.append(spot)
    return out


def inner_point(polygons: Sequence[np.ndarray]) -> np.ndarray | None:
    """A point well inside a territory made of convex cells: the centroid of the cell whose centroid is
    farthest from its own border (each convex cell contains its centroid), None for no cells."""
    best, depth = None, -1.0
    for polygon in polygons:
        if len(polygon) < 3:
            continue
        c = centroid(polygon)
        a, b = polygon, np.roll(polygon, -1, axis=0)
        edge = b - a
        lengths = np.hypot(edge[:, 0], edge[:, 1])
        ok = lengths > _EPS
        distance = np.abs(edge[ok, 0] * (c[1] - a[ok, 1]) - edge[ok, 1] * (c[0] - a[ok, 0])) / lengths[ok]
        d = float(distance.min()) if ok.any() else 0.0
        if d > depth:
            best, depth = c, d
    return best
