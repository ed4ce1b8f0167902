"""Offline maps of a configuration: practices as points, networks as coloured regions.

No tiles and no internet: each map is a Plotly figure on plain cartesian axes in kilometres east
and north of the area's centre (the equirectangular projection of
:func:`pcnhub.domain.geography.project`, equal aspect). A network's region is the union of its
practices' Voronoi cells, each clipped to a disc around its practice (the buffer): inside a
practice's cell the nearest practice is its own, so clipping every cell to its own disc gives the
Voronoi cells of the union of all the discs, without any polygon library. Practices sharing a
location share one cell (coloured for the first of them).

Colours come from the Okabe-Ito palette (safe for the common colour-vision deficiencies); networks
that touch get different colours where the palette allows, every network is also labelled with its
number on the map, in the legend and in the tables, so colour is never the only cue.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.spatial import QhullError, Voronoi, cKDTree

from pcnhub.domain.geography import SAME_LOCATION_KM, NeighbourGraph

#: Okabe & Ito (2008) colour-blind-safe palette, without black.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
NO_NETWORK_COLOUR = "#768692"
DISC_SIDES = 32


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def buffer_km(xy: np.ndarray) -> float:
    """The buffer around each practice: twice the 90th percentile of the distances to the nearest other
    location, or 8% of the area's extent if more, between 1 and 10 km (so rural practices' cells are not
    cut to dots and urban ones reach their neighbours)."""
    if len(xy) < 2:
        return 2.0
    distances, _ = cKDTree(xy).query(xy, k=2)
    nearest = distances[:, 1]
    nearest = nearest[nearest > SAME_LOCATION_KM]
    if not len(nearest):
        return 2.0
    extent = float(np.ptp(xy, axis=0).max())
    return float(min(10.0, max(1.0, 2 * np.percentile(nearest, 90), 0.08 * extent)))


def _disc(centre: np.ndarray, radius: float) -> np.ndarray:
    angles = np.linspace(0, 2 * math.pi, DISC_SIDES, endpoint=False)
    return centre + radius * np.column_stack([np.cos(angles), np.sin(angles)])


def _ccw(polygon: np.ndarray) -> np.ndarray:
    """The convex polygon's vertices in anticlockwise order around their mean."""
    centre = polygon.mean(axis=0)
    angles = np.arctan2(polygon[:, 1] - centre[1], polygon[:, 0] - centre[0])
    return polygon[np.argsort(angles)]


def clip(subject: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Sutherland-Hodgman: the convex ``subject`` polygon clipped to the convex ``window`` (both
    anticlockwise)."""
    output = [tuple(p) for p in subject]
    for i in range(len(window)):
        a, b = window[i], window[(i + 1) % len(window)]
        edge = b - a

        def inside(p) -> bool:
            return edge[0] * (p[1] - a[1]) - edge[1] * (p[0] - a[0]) >= -1e-12

        def crossing(p, q):
            p, q = np.asarray(p), np.asarray(q)
            d = q - p
            denominator = edge[0] * d[1] - edge[1] * d[0]
            if denominator == 0:
                return tuple(q)
            t = (edge[0] * (a[1] - p[1]) - edge[1] * (a[0] - p[0])) / denominator
            return tuple(p + t * d)

        points, output = output, []
        if not points:
            break
        for j, current in enumerate(points):
            previous = points[j - 1]
            if inside(current):
                if not inside(previous):
                    output.append(crossing(previous, current))
                output.append(current)
            elif inside(previous):
                output.append(crossing(previous, current))
    return np.array(output) if output else np.zeros((0, 2))


def cells(xy: np.ndarray, radius: float | None = None) -> list[np.ndarray]:
    """Each point's Voronoi cell clipped to a disc of ``radius`` km around it (points at one location
    share the cell; the later ones get an empty polygon)."""
    n = len(xy)
    if n == 0:
        return []
    radius = buffer_km(xy) if radius is None else radius
    keys = [tuple(np.round(p / SAME_LOCATION_KM).astype(int)) for p in xy]
    first: dict[tuple, int] = {}
    owner = [first.setdefault(key, i) for i, key in enumerate(keys)]
    sites = sorted(set(owner))
    out = [np.zeros((0, 2)) for _ in range(n)]
    site_xy = xy[sites]
    span = float(np.ptp(site_xy, axis=0).max()) if len(sites) > 1 else 0.0
    far = 10 * (span + radius) + 10
    centre = site_xy.mean(axis=0)
    corners = centre + far * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])
    try:
        vor = Voronoi(np.vstack([site_xy, corners]))
    except QhullError:  # pragma: no cover - the corners make every input triangulable
        vor = None
    for k, i in enumerate(sites):
        disc = _disc(xy[i], radius)
        if vor is None:
            out[i] = disc
            continue
        region = vor.regions[vor.point_region[k]]
        if not region or -1 in region:
            out[i] = disc
            continue
        out[i] = clip(_ccw(vor.vertices[region]), disc)
    return out


def colour_networks(networks: Sequence[Sequence[str]], graph: NeighbourGraph) -> list[str]:
    """A palette colour per network, touching networks (sharing a graph edge) differing where possible."""
    network_of = {}
    for g, codes in enumerate(networks):
        for code in codes:
            network_of.setdefault(code, g)
    touching: dict[int, set[int]] = {g: set() for g in range(len(networks))}
    for a, b in graph.edges:
        ga, gb = network_of.get(graph.codes[a]), network_of.get(graph.codes[b])
        if ga is not None and gb is not None and ga != gb:
            touching[ga].add(gb)
            touching[gb].add(ga)
    chosen: dict[int, int] = {}
    uses = [0] * len(PALETTE)
    for g in sorted(touching, key=lambda g: (-len(touching[g]), g)):
        taken = {chosen[h] for h in touching[g] if h in chosen}
        free = [k for k in range(len(PALETTE)) if k not in taken]
        pick = min(free or range(len(PALETTE)), key=lambda k: (uses[k], k))
        chosen[g] = pick
        uses[pick] += 1
    return [PALETTE[chosen[g]] for g in range(len(networks))]


def _outline(polygons: list[np.ndarray]) -> tuple[list, list]:
    xs: list = []
    ys: list = []
    for poly in polygons:
        if len(poly) < 3:
            continue
        if xs:
            xs.append(None)
            ys.append(None)
        xs += [round(float(x), 3) for x in poly[:, 0]] + [round(float(poly[0, 0]), 3)]
        ys += [round(float(y), 3) for y in poly[:, 1]] + [round(float(poly[0, 1]), 3)]
    return xs, ys


def figure(title: str, graph: NeighbourGraph, networks: Sequence[dict], practices: dict[str, dict],
           polygons: list[np.ndarray]) -> dict:
    """The Plotly figure (``{title, traces, layout}``) of one configuration.

    ``networks``: ``{label, name, codes, colour, list_size}`` each (a blank label marks practices in
    no network); ``practices``: code -> ``{name, list_size, network}`` for the hover text;
    ``polygons``: :func:`cells` of ``graph.xy``.
    """
    traces = []
    for n in networks:
        members = [graph.index[code] for code in n["codes"] if code in graph.index]
        xs, ys = _outline([polygons[i] for i in members])
        if not xs:
            continue
        none = not n["label"]
        colour = n["colour"] or NO_NETWORK_COLOUR
        size = f"{n['list_size']:,} patients" if n.get("list_size") is not None else ""
        trace = {
            "type": "scatter", "mode": "lines", "x": xs, "y": ys, "fill": "toself",
            "fillcolor": _rgba(colour, 0.25 if none else 0.55),
            "line": {"color": "#ffffff", "width": 1},
            "name": n["name"] if none else f"{n['label']}: {n['name']}",
            "legendgroup": n["label"] or "none",
            # The network's number on the map and the table beside it are its legend; only the
            # practices in no network (hatched) are in Plotly's legend.
            "showlegend": none,
            "hoveron": "fills", "hoverinfo": "text",
            "text": (n["name"] if none else f"{n['label']}: {n['name']}") + (f", {size}" if size else ""),
        }
        if none:
            trace["fillpattern"] = {"shape": "/", "fgcolor": "#4c6272", "size": 6, "solidity": 0.2}
        traces.append(trace)
    xs, ys, texts = [], [], []
    for code, i in graph.index.items():
        info = practices.get(code)
        if info is None:
            continue
        xs.append(round(float(graph.xy[i][0]), 3))
        ys.append(round(float(graph.xy[i][1]), 3))
        size = "not recorded" if info["list_size"] is None else f"{info['list_size']:,}"
        texts.append(f"{info['name']} ({code})<br>List size: {size}<br>Network: {info['network']}")
    traces.append({
        "type": "scatter", "mode": "markers", "x": xs, "y": ys, "text": texts, "hoverinfo": "text",
        "marker": {"size": 7, "color": "#212b32", "line": {"color": "#ffffff", "width": 1}},
        "name": "GP practice", "showlegend": True,
    })
    lx, ly, lt = [], [], []
    for n in networks:
        members = [graph.index[code] for code in n["codes"] if code in graph.index]
        if not n["label"] or not members:
            continue
        # At the member practice nearest the members' mean, so the number sits inside the region.
        points = graph.xy[members]
        centre = points[int(np.argmin(np.hypot(*(points - points.mean(axis=0)).T)))]
        lx.append(round(float(centre[0]), 3))
        ly.append(round(float(centre[1]), 3))
        lt.append(f"<b>{n['label']}</b>")
    traces.append({
        "type": "scatter", "mode": "text", "x": lx, "y": ly, "text": lt, "hoverinfo": "skip",
        "textfont": {"size": 13, "color": "#000000"}, "showlegend": False, "name": "Network numbers",
    })
    layout = {
        "height": 560,
        "margin": {"l": 50, "r": 10, "t": 10, "b": 50},
        "xaxis": {"title": {"text": "km east of the area's centre"}, "zeroline": False, "scaleanchor": "y",
                  "scaleratio": 1, "showgrid": True},
        "yaxis": {"title": {"text": "km north"}, "zeroline": False, "showgrid": True},
        "legend": {"orientation": "h", "y": -0.15, "font": {"size": 11}},
        "hovermode": "closest",
    }
    return {"title": title, "traces": traces, "layout": layout}
