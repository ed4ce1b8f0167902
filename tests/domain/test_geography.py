import json
import math

import numpy as np
import pytest

from pcnhub.domain.contiguity import check_contiguity
from pcnhub.domain.geography import Point, build_graph, project
from tests.domain.geo_helpers import km_point
from tests.paths import SHARED_DATA

WEST_SUSSEX = SHARED_DATA / "nhs-open-data" / "west-sussex-practices_2019.json"


def edge_codes(graph):
    return {frozenset((graph.codes[a], graph.codes[b])) for a, b in graph.edges}


def test_project_distances_in_km():
    xy = project([km_point("A", 0, 0), km_point("B", 3, 4)])
    assert math.hypot(*(xy[1] - xy[0])) == pytest.approx(5, rel=1e-3)
    assert xy.mean(axis=0) == pytest.approx([0, 0], abs=1e-9)


def test_point_rejects_bad_latitude():
    with pytest.raises(ValueError):
        Point("A", 91, 0)


def test_grid_adjacency():
    points = [km_point(f"{r}{c}", c, r) for r in range(3) for c in range(3)]
    graph = build_graph(points)
    edges = edge_codes(graph)
    orthogonal = {frozenset((f"{r}{c}", f"{r}{c + 1}")) for r in range(3) for c in range(2)} | {
        frozenset((f"{r}{c}", f"{r + 1}{c}")) for r in range(2) for c in range(3)
    }
    assert orthogonal <= edges
    diagonals = edges - orthogonal
    # One diagonal per unit square (co-circular corners: either diagonal is valid).
    assert len(diagonals) == 4
    assert all(graph.distance_km(a, b) < 1.5 for a, b in graph.edges)
    assert set(graph.neighbours("11")) >= {"01", "10", "12", "21"}
    assert graph.is_connected()


def test_far_island_bridged_by_one_link():
    mainland = [km_point(f"M{i}", x, y) for i, (x, y) in enumerate([(0, 0), (5, 0), (0, 5), (5, 5), (2, 8)])]
    island = [km_point("I1", 60, 2), km_point("I2", 62, 4)]
    graph = build_graph(mainland + island, max_edge_km=15)
    assert graph.is_connected()
    bridges = [e for e in edge_codes(graph) if len({c[0] for c in e}) == 2]
    assert bridges == [frozenset(("M1", "I1"))]
    assert frozenset(("I1", "I2")) in edge_codes(graph)
    unpruned = build_graph(mainland + island, max_edge_km=None)
    assert len(unpruned.edges) > len(graph.edges)


def test_duplicate_points_linked_and_share_neighbours():
    points = [km_point("A", 0, 0), km_point("B", 0.004, 0.003), km_point("C", 3, 0), km_point("D", 0, 3)]
    graph = build_graph(points)
    assert "B" in graph.neighbours("A")
    assert set(graph.neighbours("A")) - {"B"} == set(graph.neighbours("B")) - {"A"} == {"C", "D"}


def test_two_points_linked_even_when_far():
    graph = build_graph([km_point("A", 0, 0), km_point("B", 100, 0)])
    assert graph.edges == [(0, 1)]


def test_single_and_empty():
    assert build_graph([km_point("A", 0, 0)]).edges == []
    assert build_graph([]).edges == []


def test_collinear_points_chain():
    points = [km_point(c, x, 0) for c, x in zip("ACBD", [0, 2, 1, 3])]
    graph = build_graph(points)
    assert edge_codes(graph) == {frozenset(p) for p in ("AB", "BC", "CD")}


def test_repeated_code_rejected():
    with pytest.raises(ValueError):
        build_graph([km_point("A", 0, 0), km_point("A", 1, 1)])


def test_components_order_and_unknown_code():
    points = [km_point(c, x, 0) for c, x in zip("ABCD", range(4))]
    graph = build_graph(points)
    assert graph.components(["D", "A", "B"]) == [["A", "B"], ["D"]]
    with pytest.raises(KeyError):
        graph.components(["Z"])


@pytest.mark.skipif(not WEST_SUSSEX.exists(), reason="West Sussex data not available")
def test_west_sussex_smoke():
    rows = json.loads(WEST_SUSSEX.read_text())
    points = [Point(r["Code"], r["lat"], r["long"]) for r in rows]
    graph = build_graph(points)
    assert len(graph) == 81
    assert graph.is_connected()
    networks: dict[str, list[str]] = {}
    for r in rows:
        networks.setdefault(r["PCN"], []).append(r["Code"])
    findings = check_contiguity(networks, graph)
    assert all(f.rule == "contiguity" for f in findings)
    lengths = np.array([graph.distance_km(a, b) for a, b in graph.edges])
    print(f"West Sussex: {len(graph.edges)} edges, longest {lengths.max():.1f} km, "
          f"{len(networks)} PCNs, {len(findings)} contiguity findings: "
          + "; ".join(f"{f.network}: {f.practices}" for f in findings))
