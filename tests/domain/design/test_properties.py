"""Properties of propose over random connected graphs."""

import itertools
import math
from random import Random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcnhub.domain.design.model import Unit
from pcnhub.domain.design.propose import propose
from pcnhub.domain.rules import Band


def random_area(seed: int, n: int, low: int, high: int, areas: int = 1):
    rng = Random(seed)
    side = math.sqrt(n) * 3
    units = [
        Unit(
            f"U{i:04d}",
            rng.randint(low, high),
            rng.random() * side,
            rng.random() * side,
            area=f"A{i % areas}",
        )
        for i in range(n)
    ]
    adjacency: dict[int, set[int]] = {i: set() for i in range(n)}
    for i, unit in enumerate(units):
        nearest = sorted(
            range(n),
            key=lambda j: (unit.x - units[j].x) ** 2 + (unit.y - units[j].y) ** 2,
        )
        for j in nearest[1:6]:  # five nearest neighbours
            adjacency[i].add(j)
    # Make the graph connected: join each component to the next.
    seen: set[int] = set()
    roots = []
    for start in range(n):
        if start in seen:
            continue
        roots.append(start)
        stack = [start]
        seen.add(start)
        while stack:
            v = stack.pop()
            for w in adjacency[v] | {u for u in adjacency if v in adjacency[u]}:
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
    for a, b in itertools.pairwise(roots):
        adjacency[a].add(b)
    return units, adjacency


def check_partition(units, adjacency, proposal):
    codes = [code for network in proposal.networks for code in network]
    assert sorted(codes) == sorted(unit.code for unit in units)
    index = {unit.code: i for i, unit in enumerate(units)}
    graph: dict[int, set[int]] = {i: set() for i in range(len(units))}
    for i, others in adjacency.items():
        for j in others:
            if units[i].area == units[j].area:
                graph[i].add(j)
                graph[j].add(i)
    for network in proposal.networks:
        members = {index[code] for code in network}
        assert len({units[i].area for i in members}) == 1
        start = next(iter(members))
        reached, stack = {start}, [start]
        while stack:
            v = stack.pop()
            for w in graph[v] & members:
                if w not in reached:
                    reached.add(w)
                    stack.append(w)
        assert reached == members, f"network {network} is not connected"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(1, 24),
    areas=st.integers(1, 2),
    exact_limit=st.sampled_from([0, 60]),
    pins=st.integers(0, 3),
)
def test_every_unit_once_and_every_network_connected(seed, n, areas, exact_limit, pins):
    units, adjacency = random_area(seed, n, 4_000, 60_000, areas)
    rng = Random(seed)
    units = [
        Unit(
            u.code,
            u.list_size,
            u.x,
            u.y,
            pinned=f"PIN{rng.randrange(pins)}" if pins and rng.random() < 0.3 else None,
            area=u.area,
        )
        for u in units
    ]
    proposal = propose(units, adjacency, seconds=5, exact_limit=exact_limit)
    check_partition(units, adjacency, proposal)


@pytest.mark.parametrize("seed", range(8))  # fixed areas: a quality bar, so the same areas every run
def test_heuristic_puts_most_networks_in_band(seed):
    units, adjacency = random_area(seed, 200, 3_000, 15_000)
    band = Band()
    proposal = propose(units, adjacency, band, seconds=3)
    assert proposal.method == "heuristic"
    check_partition(units, adjacency, proposal)
    size = {unit.code: unit.list_size for unit in units}
    pops = [sum(size[code] for code in network) for network in proposal.networks]
    in_band = sum(band.lower <= pop <= band.upper for pop in pops)
    assert in_band >= 0.9 * len(pops)


def out_of_band(units, proposal, band=Band()):
    size = {unit.code: unit.list_size for unit in units}
    return sum(not band.lower <= sum(size[c] for c in n) <= band.upper for n in proposal.networks)


# Fixed instances (a quality bar): 101/10/2 needed a swap that growth and single moves miss,
# 25/24/1 a split few spanning trees contain; both were found with the heuristic missing.
@pytest.mark.parametrize(
    "seed,n,areas,high",
    [(101, 10, 2, 20_000), (25, 24, 1, 25_000)]
    + [(seed, 8 + seed % 9, 1 + seed % 2, 25_000) for seed in range(12)],
)
def test_heuristic_in_band_whenever_the_exact_solution_is(seed, n, areas, high):
    units, adjacency = random_area(seed, n, 4_000, high, areas)
    exact = propose(units, adjacency, seconds=5, exact_limit=60)
    heuristic = propose(units, adjacency, seconds=0.5, exact_limit=0)
    check_partition(units, adjacency, heuristic)
    if exact.optimal and out_of_band(units, exact) == 0:
        assert out_of_band(units, heuristic) == 0
