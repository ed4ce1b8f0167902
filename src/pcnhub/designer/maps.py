"""Offline maps of a configuration: practices as points, networks as coloured territories, place names.

No tiles and no internet: each map is a Plotly figure on plain cartesian axes in kilometres east and north of
the area's centre (the equirectangular projection of :func:`pcnhub.domain.geography.project`, equal aspect).
The geometry is :mod:`pcnhub.geo.territory`'s: the map fills the practices' convex hull grown by a buffer,
tiled by the practices' Voronoi cells (each place on the map belongs to its nearest practice); a network's
territory is its practices' cells, outlined in a darker, thicker line where it meets another network. Practices
sharing a location share one cell (coloured for the first of them).

Place names are the post towns of the practices' addresses (:mod:`pcnhub.geo.places`), small and grey, each at
its practices' mean point, placed after the network labels where they overlap nothing already placed.
Networks are labelled with their number and, where it fits, their name (haloed in white); a number that would
overlap another is left off (:func:`network_labels`; the territory's hover and the table name it); colours come from
the Okabe-Ito palette (safe for the common colour-vision deficiencies), networks whose territories touch
getting different colours, and every network's number is also in the tables, so colour is never the only cue.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.spatial import cKDTree

from pcnhub.domain.geography import SAME_LOCATION_KM, NeighbourGraph
from pcnhub.geo import territory
from pcnhub.geo.places import Town, title_case

#: Okabe & Ito (2008) colour-blind-safe palette, without black.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
NO_NETWORK_COLOUR = "#768692"
PLACE_COLOUR = "#4c6272"
BORDER_COLOUR = "#212b32"
#: The plot's nominal size in pixels (half the page's width on a laptop), to size labels in kilometres.
PLOT_PX = (420, 500)
NETWORK_FONT = 12
PLACE_FONT = 11
#: A character's width as a share of the font size (Arial, upper and lower case mixed).
CHAR_WIDTH = 0.6
HALO = "1px 1px 1px #fff, -1px -1px 1px #fff, 1px -1px 1px #fff, -1px 1px 1px #fff"
#: Where a label may go, in multiples of its half width and height: on its point, above, below, right, left.
OFFSETS = ((0, 0), (0, 2.1), (0, -2.1), (1.1, 0), (-1.1, 0))


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def buffer_km(xy: np.ndarray) -> float:
    """The buffer around the practices' hull: twice the 90th percentile of the distances to the nearest other
    location, or 5% of the area's extent if more, between 1 and 8 km."""
    if len(xy) < 2:
        return 2.0
    distances, _ = cKDTree(xy).query(xy, k=2)
    nearest = distances[:, 1]
    nearest = nearest[nearest > SAME_LOCATION_KM]
    if not len(nearest):
        return 2.0
    extent = float(np.ptp(xy, axis=0).max())
    return float(min(8.0, max(1.0, 2 * np.percentile(nearest, 90), 0.05 * extent)))


def cells(xy: np.ndarray) -> territory.Tiling:
    """The practices' Voronoi cells tiling their hull grown by :func:`buffer_km`."""
    if len(xy) == 0:
        return territory.Tiling([], [], np.zeros((0, 2)), frozenset())
    return territory.cells(xy, territory.region(xy, buffer_km(xy)))


def colour_networks(networks: Sequence[Sequence[str]], graph: NeighbourGraph,
                    tiling: territory.Tiling) -> list[str]:
    """A palette colour per network (practice codes each), networks whose territories touch differing."""
    groups = [[graph.index[code] for code in codes if code in graph.index] for codes in networks]
    chosen = territory.colour_graph(territory.touching(groups, tiling), len(PALETTE))
    return [PALETTE[chosen[g]] for g in range(len(networks))]


def _km_per_px(tiling: territory.Tiling) -> float:
    if not len(tiling.region):
        return 0.05
    span = np.ptp(tiling.region, axis=0)
    return max(float(span[0]) / PLOT_PX[0], float(span[1]) / PLOT_PX[1], 1e-3)


def _size(text_lines: Sequence[str], font: int, scale: float) -> tuple[float, float]:
    """Half width and half height (km) of a text of these lines at this font size."""
    width = max(len(line) for line in text_lines) * font * CHAR_WIDTH + 4
    height = len(text_lines) * font * 1.2 + 2
    return width * scale / 2, height * scale / 2


def short_name(name: str) -> str:
    """A network's name for its label: title case, without a trailing "PCN" ("BRENTWOOD PCN" -> "Brentwood")."""
    words = name.split()
    if len(words) > 1 and words[-1].upper() in ("PCN", "PCN.", "NETWORK"):
        words = words[:-1]
    return title_case(" ".join(words).upper()) if name.isupper() else " ".join(words)


def wrap(text: str, width: int = 16) -> list[str]:
    """``text`` in lines of at most ``width`` characters where its words allow (a longer word has a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _boundaries(members: list[int], tiling: territory.Tiling) -> list[np.ndarray]:
    """The edges of a territory (the cells of ``members``) that no other of its cells shares: its outline."""
    count: dict[tuple, int] = {}
    segments: dict[tuple, np.ndarray] = {}
    for i in members:
        poly = tiling.polygons[i]
        for k in range(len(poly)):
            p, q = poly[k], poly[(k + 1) % len(poly)]
            key = tuple(sorted((tuple(np.round(p, 5)), tuple(np.round(q, 5)))))
            if key[0] == key[1]:
                continue
            count[key] = count.get(key, 0) + 1
            segments[key] = np.array([p, q])
    return [segments[key] for key, n in count.items() if n == 1]


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
           tiling: territory.Tiling, towns: Sequence[Town] = ()) -> dict:
    """The Plotly figure (``{title, traces, layout, places}``) of one configuration.

    ``networks``: ``{label, name, codes, colour, list_size}`` each (a blank label marks practices in no network;
    a ``short`` key, if given, is the name on the map); ``practices``: code -> ``{name, list_size, network}`` for
    the hover text; ``tiling``: :func:`cells` of ``graph.xy``; ``towns``: the place names, most practices first.
    ``places`` lists the place names drawn (for the map's text alternative), ``unlabelled`` the numbers of the
    networks whose label did not fit (:func:`network_labels`; hover over the territory, or see the table).
    """
    traces = []
    borders: list[np.ndarray] = []
    anchors = []
    for n in networks:
        members = [graph.index[code] for code in n["codes"] if code in graph.index]
        polygons = [tiling.polygons[i] for i in members if len(tiling.polygons[i]) >= 3]
        xs, ys = _outline(polygons)
        if not xs:
            continue
        none = not n["label"]
        colour = n["colour"] or NO_NETWORK_COLOUR
        size = f"{n['list_size']:,} patients" if n.get("list_size") is not None else ""
        trace = {
            "type": "scatter", "mode": "lines", "x": xs, "y": ys, "fill": "toself",
            "fillcolor": _rgba(colour, 0.25 if none else 0.5),
            "line": {"color": "rgba(255,255,255,0.8)", "width": 0.5},
            "name": n["name"] if none else f"{n['label']}: {n['name']}",
            "legendgroup": n["label"] or "none",
            # The network's label on the map and the table beside it are its legend; only the practices in no
            # network (hatched) are in Plotly's legend.
            "showlegend": none,
            "hoveron": "fills", "hoverinfo": "text",
            "text": (n["name"] if none else f"{n['label']}: {n['name']}") + (f", {size}" if size else ""),
        }
        if none:
            trace["fillpattern"] = {"shape": "/", "fgcolor": "#4c6272", "size": 6, "solidity": 0.2}
        traces.append(trace)
        borders += _boundaries([i for i in members if len(tiling.polygons[i]) >= 3], tiling)
        if not none:
            anchors.append((n, territory.inner_point(polygons)))
    bx: list = []
    by: list = []
    for segment in borders:
        bx += [round(float(segment[0, 0]), 3), round(float(segment[1, 0]), 3), None]
        by += [round(float(segment[0, 1]), 3), round(float(segment[1, 1]), 3), None]
    traces.append({
        "type": "scatter", "mode": "lines", "x": bx, "y": by, "hoverinfo": "skip", "showlegend": False,
        "line": {"color": BORDER_COLOUR, "width": 1.6}, "name": "Network borders",
    })
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
        "marker": {"size": 5, "color": "#212b32", "line": {"color": "#ffffff", "width": 1}},
        "name": "GP practice", "showlegend": True,
    })
    labels, places, unlabelled = _labels(anchors, towns, _km_per_px(tiling), tiling.region)
    traces += labels
    layout = {
        "height": 560,
        "margin": {"l": 50, "r": 10, "t": 10, "b": 50},
        "xaxis": {"title": {"text": "km east of the area's centre"}, "zeroline": False, "scaleanchor": "y",
                  "scaleratio": 1, "showgrid": False},
        "yaxis": {"title": {"text": "km north"}, "zeroline": False, "showgrid": False},
        "legend": {"orientation": "h", "y": -0.15, "font": {"size": 11}},
        "hovermode": "closest",
    }
    return {"title": title, "traces": traces, "layout": layout, "places": places, "unlabelled": unlabelled}


def network_labels(wanted: Sequence[tuple[str, str, float, float]], scale: float
                   ) -> list[tuple[territory.Box, list[str]] | None]:
    """Where each network's label goes on a crowded map, greedily: ``wanted`` is (number, short name or "", x, y)
    per network, in map units (km), most important first; ``scale`` is km per pixel.

    Numbers first, each at its point, in order: a number whose box would overlap one already placed is dropped
    (None), not drawn over it; the network stays on the map (its territory's hover names it) and in the table.
    Then each placed number becomes "number name" (wrapped) where that box overlaps no other label, else it
    stays the number alone. Returns the box and lines of each label, or None for a dropped one."""
    numbers = territory.place_labels([(x, y, *_size([number], NETWORK_FONT, scale)) for number, _name, x, y in wanted])
    out: list[tuple[territory.Box, list[str]] | None] = []
    for k, ((number, name, x, y), box) in enumerate(zip(wanted, numbers, strict=True)):
        if box is None:
            out.append(None)
            continue
        lines = [number]
        if name:
            others = [b for j, b in enumerate(numbers) if b is not None and j != k]
            others += [done[0] for done in out if done is not None]
            named = wrap(f"{number} {name}")
            spot = territory.place_labels([(x, y, *_size(named, NETWORK_FONT, scale))], others)[0]
            if spot is not None:
                box, lines = spot, named
        out.append((box, lines))
    return out


def _labels(anchors: list[tuple[dict, np.ndarray | None]], towns: Sequence[Town],
            scale: float, region: np.ndarray) -> tuple[list[dict], list[str], list[str]]:
    """The network labels (:func:`network_labels`) and then the place names that fit around them inside the area's
    bounding box, as Plotly text traces; the place names drawn; the numbers of the networks left unlabelled."""
    low, high = (region.min(axis=0), region.max(axis=0)) if len(region) else (np.zeros(2), np.zeros(2))
    anchors = [(n, point) for n, point in anchors if point is not None]
    spots = network_labels([(n["label"], n.get("short") or "", float(p[0]), float(p[1])) for n, p in anchors], scale)
    lx, ly, lt = [], [], []
    placed: list[territory.Box] = []
    unlabelled = []
    for (n, _p), spot in zip(anchors, spots, strict=True):
        if spot is None:
            unlabelled.append(n["label"])
            continue
        box, lines = spot
        placed.append(box)
        lx.append(round(box.x, 3))
        ly.append(round(box.y, 3))
        lt.append("<br>".join(f"<b>{line}</b>" if i == 0 else line for i, line in enumerate(lines)))
    wanted = [(t.x, t.y, *_size([title_case(t.name)], PLACE_FONT, scale)) for t in towns]
    spots = territory.place_labels(wanted, placed, OFFSETS)
    px, py, pt = [], [], []
    for town, spot in zip(towns, spots, strict=True):
        if spot is None or not (low[0] <= spot.x - spot.half_width and spot.x + spot.half_width <= high[0]):
            continue
        px.append(round(spot.x, 3))
        py.append(round(spot.y, 3))
        pt.append(title_case(town.name))
    traces = [
        {"type": "scatter", "mode": "text", "x": px, "y": py, "text": pt, "hoverinfo": "skip",
         "textfont": {"size": PLACE_FONT, "color": PLACE_COLOUR, "style": "italic", "shadow": HALO},
         "showlegend": False, "name": "Places"},
        {"type": "scatter", "mode": "text", "x": lx, "y": ly, "text": lt, "hoverinfo": "skip",
         "textfont": {"size": NETWORK_FONT, "color": "#000000", "shadow": HALO},
         "showlegend": False, "name": "Network labels"},
    ]
    return traces, pt, unlabelled
