"""Properties of build_graph and check_contiguity over random point sets."""

from collections import deque
from random import Random

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial import Delaunay, QhullError

from pcnhub.domain.contiguity import check_contiguity
from pcnhub.domain.geography import SAME_LOCATION_KM, build_graph
from tests.domain.geo_helpers import km_point

coordinate = st.floats(min_value=-40, max_value=40, allow_nan=False).map(lambda v: round(v, 1))
point_sets = st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=30)
max_edges = st.one_of(st.none(), st.floats(min_value=0.5, max_value=30))


def make_points(coords):
    return [km_point(f"P{i:02d}", x, y) for i, (x, y) in enumerate(coords)]


@given(point_sets, max_edges)
def test_graph_connected_and_symmetric(coords, max_edge):
    graph = build_graph(make_points(coords), max_edge_km=max_edge)
    assert graph.is_connected()
    for i, nbrs in graph.adjacency.items():
        assert i not in nbrs
        assert all(i in graph.adjacency[j] for j in nbrs)
    assert sorted(graph.edges) == sorted({(min(i, j), max(i, j)) for i in graph.adjacency for j in graph.adjacency[i]})


@given(point_sets, st.floats(min_value=0.5, max_value=30))
def test_pruning_keeps_short_edges(coords, max_edge):
    graph = build_graph(make_points(coords), max_edge_km=max_edge)
    # Triangulate the distinct locations as build_graph does and check every short edge survived.
    distinct = {}
    for i, xy in enumerate(graph.xy):
        if not any(np.hypot(*(xy - graph.xy[j])) < SAME_LOCATION_KM for j in distinct):
            distinct[i] = xy
    reps = list(distinct)
    if len(reps) < 3:
        return
    try:
        tri = Delaunay(graph.xy[reps])
    except QhullError:
        return
    edges = set(graph.edges)
    for simplex in tri.simplices.tolist():
        for k in range(3):
            a, b = reps[simplex[k]], reps[simplex[(k + 1) % 3]]
            if graph.distance_km(a, b) <= max_edge:
                assert (min(a, b), max(a, b)) in edges


@given(point_sets, st.integers(min_value=1, max_value=6), st.integers(min_value=0, max_value=2**32))
def test_bfs_grown_partition_is_contiguous(coords, parts, seed):
    graph = build_graph(make_points(coords))
    rng = Random(seed)
    n = len(graph)
    seeds = rng.sample(range(n), min(parts, n))
    owner = {s: k for k, s in enumerate(seeds)}
    queue = deque(seeds)
    while queue:
        node = queue.popleft()
        for nxt in sorted(graph.adjacency[node]):
            if nxt not in owner:
                owner[nxt] = owner[node]
                queue.append(nxt)
    assert len(owner) == n
    networks: dict[str, list[str]] = {}
    for node, k in owner.items():
        networks.setdefault(f"N{k}", []).append(graph.codes[node])
    assert check_contiguity(networks, graph) == []
