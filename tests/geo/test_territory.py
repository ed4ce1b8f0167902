"""Clipped Voronoi territories, their neighbours, graph colouring and greedy label placement."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcnhub.geo import territory

SQUARE = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float)


def test_clip_of_two_overlapping_squares_is_their_overlap():
    square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], float)
    clipped = territory.clip(square, square + 1)
    assert sorted(map(tuple, clipped.round(9).tolist())) == [(1, 1), (1, 2), (2, 1), (2, 2)]


def test_two_points_split_the_square_down_the_middle():
    tiling = territory.cells(np.array([[2.0, 5.0], [8.0, 5.0]]), SQUARE)
    assert territory.area(tiling.polygons[0]) == pytest.approx(50.0)
    assert territory.area(tiling.polygons[1]) == pytest.approx(50.0)
    assert tiling.touching == {(0, 1)}


def test_points_at_one_location_share_a_cell():
    tiling = territory.cells(np.array([[2.0, 5.0], [2.0, 5.0], [8.0, 5.0]]), SQUARE)
    assert tiling.owner == [0, 0, 2] and len(tiling.polygons[1]) == 0


def test_cells_touch_only_inside_the_region():
    # The ridge between the two outer points lies outside the thin strip they share with the middle one.
    strip = np.array([[0, 0], [10, 0], [10, 1], [0, 1]], float)
    tiling = territory.cells(np.array([[1.0, 0.5], [5.0, 0.5], [9.0, 0.5]]), strip)
    assert tiling.touching == {(0, 1), (1, 2)}


points = st.lists(st.tuples(st.floats(0.5, 9.5), st.floats(0.5, 9.5)), min_size=2, max_size=30)


@settings(max_examples=60, deadline=None)
@given(points)
def test_cells_tile_the_region(raw):
    xy = np.array(raw)
    tiling = territory.cells(xy, SQUARE)
    cells = [p for p in tiling.polygons if len(p)]
    # They cover it (areas add up to the square's, which with no overlap means they tile it) ...
    assert abs(sum(territory.area(p) for p in cells) - 100.0) < 1e-6
    # ... each point lies in its own location's cell, nearer to its owner than to any other point ...
    for i in range(len(xy)):
        cell = tiling.polygons[tiling.owner[i]]
        assert territory.contains(cell, xy[i], 1e-6)
    # ... and no cell's centroid is inside another cell (no overlap).
    for i, p in enumerate(tiling.polygons):
        if not len(p):
            continue
        c = territory.centroid(p)
        nearest = np.argmin(np.hypot(*(xy - c).T))
        assert tiling.owner[nearest] == i


@settings(max_examples=60, deadline=None)
@given(points)
def test_colouring_planar_maps_keeps_touching_cells_apart(raw):
    xy = np.array(raw)
    tiling = territory.cells(xy, SQUARE)
    groups = [[i] for i in sorted(set(tiling.owner))]
    neighbours = territory.touching(groups, tiling)
    colours = territory.colour_graph(neighbours, 7)
    assert set(colours.values()) <= set(range(7))
    for g, others in neighbours.items():
        assert all(colours[g] != colours[h] for h in others)


def test_colouring_a_wheel_needs_four_colours_and_gets_them():
    # A hub touching a ring of five: the ring needs three colours, the hub a fourth.
    neighbours = {0: {1, 2, 3, 4, 5}, 1: {0, 2, 5}, 2: {0, 1, 3}, 3: {0, 2, 4}, 4: {0, 3, 5}, 5: {0, 4, 1}}
    colours = territory.colour_graph(neighbours, 4)
    assert all(colours[a] != colours[b] for a, others in neighbours.items() for b in others)


def test_colouring_reuses_the_least_clashing_colour_when_short():
    neighbours = {0: {1, 2}, 1: {0, 2}, 2: {0, 1}}
    colours = territory.colour_graph(neighbours, 2)
    assert set(colours.values()) == {0, 1}


def test_labels_that_would_overlap_move_or_are_dropped():
    boxes = territory.place_labels([(0, 0, 2, 1), (0, 0, 2, 1), (0, 0, 2, 1)], offsets=((0, 0), (0, 2.1)))
    assert boxes[0] == territory.Box(0, 0, 2, 1)
    assert boxes[1] is not None and boxes[1].y > 2
    assert boxes[2] is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 10)), max_size=25))
def test_placed_labels_never_overlap(raw):
    boxes = territory.place_labels([(x, y, 1.0, 0.5) for x, y in raw],
                                   offsets=((0, 0), (0, 2.1), (0, -2.1), (1.1, 0), (-1.1, 0)))
    placed = [b for b in boxes if b is not None]
    assert placed or not raw
    for i, a in enumerate(placed):
        assert not any(a.overlaps(b) for b in placed[i + 1:])


def test_inner_point_is_inside_the_deepest_cell():
    thin = np.array([[0, 0], [10, 0], [10, 0.5], [0, 0.5]], float)
    fat = SQUARE + np.array([20, 0])
    point = territory.inner_point([thin, fat])
    assert territory.contains(fat, point) and abs(point[0] - 25) < 1e-9
    assert territory.inner_point([]) is None
