"""The designer's offline maps: clipped Voronoi cells and colours that keep touching networks apart."""

from __future__ import annotations

import numpy as np
import pytest

from pcnhub.designer import maps
from pcnhub.domain.geography import Point, build_graph


def test_clip_of_two_overlapping_squares_is_their_overlap():
    square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], float)
    window = square + 1
    clipped = maps.clip(square, window)
    assert sorted(map(tuple, clipped.round(9).tolist())) == [(1, 1), (1, 2), (2, 1), (2, 2)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cells_are_clipped_voronoi_cells(seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 20, (40, 2))
    radius = 3.0
    cells = maps.cells(xy, radius)
    assert len(cells) == len(xy)
    for i, cell in enumerate(cells):
        assert len(cell) >= 3
        # Every vertex is within the buffer of its own practice and no nearer to another practice.
        distances = np.hypot(*(cell - xy[i]).T)
        assert distances.max() <= radius + 1e-6
        centre = cell.mean(axis=0)
        nearest = np.argmin(np.hypot(*(xy - centre).T))
        assert nearest == i


def test_practices_sharing_a_location_share_one_cell():
    xy = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    cells = maps.cells(xy, 2.0)
    assert len(cells[0]) >= 3 and len(cells[1]) == 0


def test_one_practice_gets_a_disc():
    cells = maps.cells(np.array([[1.0, 1.0]]))
    assert len(cells[0]) == maps.DISC_SIDES


def test_touching_networks_get_different_colours():
    points = [Point(f"A{i:05d}", 51.5 + 0.01 * (i // 4), 0.5 + 0.01 * (i % 4)) for i in range(16)]
    graph = build_graph(points)
    networks = [[p.code for p in points[k:k + 4]] for k in range(0, 16, 4)]
    colours = maps.colour_networks(networks, graph)
    assert all(c in maps.PALETTE for c in colours)
    for k in range(3):  # rows k and k+1 touch
        assert colours[k] != colours[k + 1]


def test_figure_has_regions_points_and_numbers():
    points = [Point("A00001", 51.5, 0.5), Point("A00002", 51.51, 0.52), Point("A00003", 51.53, 0.5)]
    graph = build_graph(points)
    figure = maps.figure(
        "Test", graph,
        [{"label": "1", "name": "One", "codes": ["A00001", "A00002"], "colour": maps.PALETTE[0], "list_size": 10},
         {"label": "", "name": "In no PCN", "codes": ["A00003"], "colour": "", "list_size": 5}],
        {p.code: {"name": f"Practice {p.code}", "list_size": 5, "network": "1: One"} for p in points},
        maps.cells(graph.xy),
    )
    fills = [t for t in figure["traces"] if t.get("fill") == "toself"]
    assert [t["name"] for t in fills] == ["1: One", "In no PCN"]
    assert "fillpattern" in fills[1]  # practices in no network are hatched, not just grey
    markers = next(t for t in figure["traces"] if t["mode"] == "markers")
    assert len(markers["x"]) == 3 and "Practice A00001 (A00001)" in markers["text"][0]
    assert figure["layout"]["xaxis"]["scaleanchor"] == "y"
