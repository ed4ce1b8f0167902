"""The designer's offline maps: territories tiling the area, colours that keep touching networks apart, network
labels and place names."""

from __future__ import annotations

import numpy as np

from pcnhub.designer import maps
from pcnhub.domain.geography import Point, build_graph
from pcnhub.geo import territory
from pcnhub.geo.places import Town


def test_cells_tile_the_grown_hull():
    rng = np.random.default_rng(4)
    xy = rng.uniform(0, 20, (40, 2))
    tiling = maps.cells(xy)
    total = sum(territory.area(p) for p in tiling.polygons)
    assert abs(total - territory.area(tiling.region)) < 1e-6 * total
    for i, cell in enumerate(tiling.polygons):
        assert territory.contains(cell, xy[i])
    # The region reaches beyond every practice by the buffer.
    assert all(territory.contains(tiling.region, p) for p in xy)


def test_one_practice_fills_the_area():
    tiling = maps.cells(np.array([[1.0, 1.0]]))
    assert len(tiling.polygons[0]) >= 3 and territory.area(tiling.polygons[0]) > 0


def test_touching_networks_get_different_colours():
    points = [Point(f"A{i:05d}", 51.5 + 0.01 * (i // 4), 0.5 + 0.01 * (i % 4)) for i in range(16)]
    graph = build_graph(points)
    networks = [[p.code for p in points[k:k + 4]] for k in range(0, 16, 4)]
    colours = maps.colour_networks(networks, graph, maps.cells(graph.xy))
    assert all(c in maps.PALETTE for c in colours)
    for k in range(3):  # rows k and k+1 touch
        assert colours[k] != colours[k + 1]


def test_short_names():
    assert maps.short_name("BRENTWOOD PCN") == "Brentwood"
    assert maps.short_name("SOUTHEND-ON-SEA WEST PCN") == "Southend-on-Sea West"
    assert maps.short_name("Network 3") == "Network 3"


def _figure(towns=()):
    points = [Point("A00001", 51.5, 0.5), Point("A00002", 51.51, 0.52), Point("A00003", 51.53, 0.5)]
    graph = build_graph(points)
    return maps.figure(
        "Test", graph,
        [{"label": "1", "name": "ONE PCN", "short": "One", "codes": ["A00001", "A00002"],
          "colour": maps.PALETTE[0], "list_size": 10},
         {"label": "", "name": "In no PCN", "codes": ["A00003"], "colour": "", "list_size": 5}],
        {p.code: {"name": f"Practice {p.code}", "list_size": 5, "network": "1: One"} for p in points},
        maps.cells(graph.xy), towns,
    )


def test_figure_has_territories_borders_points_and_labels():
    figure = _figure()
    fills = [t for t in figure["traces"] if t.get("fill") == "toself"]
    assert [t["name"] for t in fills] == ["1: ONE PCN", "In no PCN"]
    assert "fillpattern" in fills[1]  # practices in no network are hatched, not just grey
    markers = next(t for t in figure["traces"] if t["mode"] == "markers")
    assert len(markers["x"]) == 3 and "Practice A00001 (A00001)" in markers["text"][0]
    assert figure["layout"]["xaxis"]["scaleanchor"] == "y"
    borders = next(t for t in figure["traces"] if t["name"] == "Network borders")
    assert len([x for x in borders["x"] if x is not None]) >= 6
    labels = next(t for t in figure["traces"] if t["name"] == "Network labels")
    assert labels["text"] == ["<b>1 One</b>"]
    assert labels["textfont"]["shadow"]  # a white halo


def test_place_names_are_drawn_grey_without_overlapping():
    towns = [Town("BRENTWOOD", 0.0, 0.0, 3), Town("BRENTWOOD EAST", 0.0, 0.0, 1), Town("BILLERICAY", 0.3, -1.2, 2)]
    figure = _figure(towns)
    places = next(t for t in figure["traces"] if t["name"] == "Places")
    assert places["textfont"]["color"] == maps.PLACE_COLOUR
    assert "Brentwood" in places["text"] and "Billericay" in places["text"]
    assert figure["places"] == places["text"]
    assert len(set(zip(places["x"], places["y"], strict=True))) == len(places["x"])
