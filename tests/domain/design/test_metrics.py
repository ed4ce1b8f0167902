import math

import pytest

from pcnhub.domain.design.metrics import metrics
from pcnhub.domain.geography import build_graph
from pcnhub.domain.rules import Band
from tests.domain.geo_helpers import km_point

# N1: a 3-4-5 right triangle; N2: two practices 2 km apart; N3: one practice.
POINTS = [
    km_point("A", 0, 0),
    km_point("B", 3, 0),
    km_point("C", 0, 4),
    km_point("D", 10, 0),
    km_point("E", 12, 0),
    km_point("F", 10, 5),
]
NETWORKS = {"N1": ["A", "B", "C"], "N2": ["D", "E"], "N3": ["F"]}
SIZES = {"A": 10_000, "B": 10_000, "C": 10_000, "D": 30_000, "E": 30_000, "F": 25_000}


def test_hand_computed_metrics():
    graph = build_graph(POINTS, max_edge_km=None)
    result = metrics(NETWORKS, SIZES, graph, Band(30_000, 50_000))
    assert (result.networks, result.in_band, result.below_band, result.above_band) == (
        3,
        1,
        1,
        1,
    )
    assert result.largest_deviation == 10_000  # N2: 60,000 is 10,000 above
    # N1 centre (1, 4/3): distances sqrt(1+16/9), sqrt(4+16/9), sqrt(1+64/9), each weight 10,000.
    n1 = math.sqrt(1 + 16 / 9) + math.sqrt(4 + 16 / 9) + math.sqrt(1 + 64 / 9)
    expected = (10_000 * n1 + 60_000 * 1.0) / 115_000
    assert result.mean_distance_km == pytest.approx(expected, rel=1e-3)
    # Triangle area 6, perimeter 12 -> 4*pi*6/144; the pair scores 0; the single practice 1.
    assert result.compactness == pytest.approx(
        (4 * math.pi * 6 / 144 + 0 + 1) / 3, rel=1e-3
    )
    cut = sum(
        1
        for a, b in graph.edges
        if {graph.codes[a], graph.codes[b]}
        not in ({"A", "B"}, {"A", "C"}, {"B", "C"}, {"D", "E"})
    )
    assert result.cut_edges == cut > 0
    assert result.to_dict()["in_band"] == 1


def test_missing_list_size_raises():
    graph = build_graph(POINTS)
    with pytest.raises(KeyError):
        metrics({"N": ["A", "Z"]}, SIZES, graph, Band())
