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


# --- Labels on a crowded map ------------------------------------------------------------------------

SCALE = 0.05  # km per pixel: a one-digit number is about 0.2 km wide and 0.4 km high at the map's font


def boxes(spots) -> list[territory.Box]:
    return [spot[0] for spot in spots if spot is not None]


def assert_apart(spots) -> None:
    drawn = boxes(spots)
    for i, a in enumerate(drawn):
        for b in drawn[i + 1:]:
            assert not a.overlaps(b), (a, b)


def test_labels_far_apart_keep_their_numbers_and_names():
    spots = maps.network_labels([("1", "Brentwood", 0.0, 0.0), ("2", "Billericay", 10.0, 0.0),
                                 ("3", "", 0.0, 10.0)], SCALE)
    assert [lines for _box, lines in spots] == [["1 Brentwood"], ["2 Billericay"], ["3"]]
    assert [(box.x, box.y) for box in boxes(spots)] == [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)]  # on their points
    assert_apart(spots)


def test_a_number_that_would_overlap_an_earlier_one_is_left_off():
    spots = maps.network_labels([("1", "", 0.0, 0.0), ("2", "", 0.05, 0.05), ("3", "", 5.0, 5.0)], SCALE)
    assert spots[1] is None  # on top of 1: not drawn, left to the hover and the table
    assert [lines for _box, lines in (s for s in spots if s is not None)] == [["1"], ["3"]]
    assert_apart(spots)


def test_a_name_that_would_cover_a_neighbours_number_is_dropped_but_the_number_stays():
    # 1's name runs to the right over 2's number, which is clear of 1's number
    spots = maps.network_labels([("1", "Southend-on-Sea West", 0.0, 0.0), ("2", "Leigh", 0.9, 0.0)], SCALE)
    assert spots[0][1] == ["1"]
    assert spots[1] is not None and spots[1][1][0].startswith("2")
    assert_apart(spots)


def test_a_later_name_does_not_cover_an_earlier_name():
    # two-line names; 2's number sits clear of 1's name, but 2's name would reach up into it
    spots = maps.network_labels([("1", "Rayleigh and Rochford", 0.0, 0.0), ("2", "Wickford and Runwell", 1.5, -1.3)],
                                SCALE)
    assert spots[0][1] != ["1"]  # the first name fits
    assert spots[1][1] == ["2"]  # the second would overlap it
    assert_apart(spots)


def test_many_crowded_networks_draw_no_two_labels_over_each_other():
    rng = np.random.default_rng(38)
    wanted = [(str(i + 1), f"Network {i + 1}", float(x), float(y))
              for i, (x, y) in enumerate(rng.uniform(0, 4, size=(38, 2)))]
    spots = maps.network_labels(wanted, SCALE)
    assert_apart(spots)
    assert spots[0] is not None  # the first always keeps its label
    assert 0 < sum(s is None for s in spots) < 38  # crowded: some left off, not all


def test_the_figure_leaves_off_crowded_numbers_and_says_which():
    # ten one-practice networks within about half a kilometre, and one 30 km away: at the map's scale their numbers
    # cannot all sit on their territories without overlapping
    points = [Point(f"A{i:05d}", 51.5 + 0.0012 * (i % 4), 0.5 + 0.0018 * (i // 4)) for i in range(10)]
    points.append(Point("A00099", 51.75, 0.6))
    graph = build_graph(points)
    networks = [{"label": str(i + 1), "name": f"NET {i + 1} PCN", "short": f"Net {i + 1}", "codes": [p.code],
                 "colour": maps.PALETTE[i % len(maps.PALETTE)], "list_size": 10} for i, p in enumerate(points)]
    practices = {p.code: {"name": p.code, "list_size": 5, "network": "x"} for p in points}
    figure = maps.figure("Test", graph, networks, practices, maps.cells(graph.xy))
    labels = next(t for t in figure["traces"] if t["name"] == "Network labels")
    drawn = [text.split("<br>")[0].removeprefix("<b>").removesuffix("</b>").split()[0] for text in labels["text"]]
    assert figure["unlabelled"] and drawn  # some left off, some drawn
    assert sorted(drawn + figure["unlabelled"], key=int) == [n["label"] for n in networks]  # each once
    assert "11" in drawn  # the lone network far away keeps its label
    # every network, labelled or not, is named on hover
    fills = [t for t in figure["traces"] if t.get("fill") == "toself"]
    assert [t["text"].split(",")[0] for t in fills] == [f"{n['label']}: {n['name']}" for n in networks]
