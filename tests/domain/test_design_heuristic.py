"""The heuristic's ejection-chain repair and properties of propose on small random instances."""

import math
from random import Random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcnhub.domain import design as D
from pcnhub.domain.design import Unit, k_range, propose
from pcnhub.domain.rules import Band

BAND = Band()


def line_piece(sizes):
    n = len(sizes)
    nbrs = [set() for _ in range(n)]
    for i in range(n - 1):
        nbrs[i].add(i + 1)
        nbrs[i + 1].add(i)
    xy = np.array([[float(i), 0.0] for i in range(n)])
    return D._Piece("line", [[i] for i in range(n)], list(sizes), xy,
                    np.array([float(s) for s in sizes]), np.zeros(n), nbrs)


# Found by search: the single-move repair stops at 59k / 50k / 31k (the middle
# region is full, so no single move lowers the total deviation).
STUCK_SIZES = [30_000, 15_000, 14_000, 12_000, 23_000, 15_000, 5_000, 26_000]
STUCK_LABEL = [0, 0, 0, 0, 0, 0, 1, 2]


def total_dev(regions):
    return sum(D._dev(pop, BAND) for pop in regions.pop)


def test_single_moves_leave_a_network_out_of_band_and_chains_fix_it():
    piece = line_piece(STUCK_SIZES)
    old = D._Regions(piece, list(STUCK_LABEL), 3)
    D._repair(old, BAND, math.inf)
    assert total_dev(old) > 0
    new = D._Regions(piece, list(STUCK_LABEL), 3)
    D._repair(new, BAND, math.inf)
    D._chain_repair(new, BAND, math.inf)
    assert total_dev(new) == 0
    for members in new.sets:
        assert D._connected(members, piece.nbrs)


def test_heuristic_puts_the_stuck_line_in_band():
    units = [Unit(f"L{i}", s, float(i), 0.0) for i, s in enumerate(STUCK_SIZES)]
    adjacency = {i: {i + 1} for i in range(len(units) - 1)}
    proposal = propose(units, adjacency, BAND, exact_limit=0, seconds=2)
    size = {u.code: u.list_size for u in units}
    assert all(BAND.lower <= sum(size[c] for c in n) <= BAND.upper for n in proposal.networks)


def random_lines(seed, n, areas, pins):
    """Areas laid out as lines (units at most upper - lower, so any feasible total splits in band)."""
    rng = Random(seed)
    units, adjacency = [], {}
    for i in range(n):
        area = f"A{i * areas // n}"
        pin = f"P{rng.randrange(pins)}" if pins and rng.random() < 0.2 else None
        units.append(Unit(f"U{i:03d}", rng.randint(3_000, 12_000), float(i), 0.0, pin, area))
        if i and units[i - 1].area == area:
            adjacency.setdefault(i - 1, set()).add(i)
    return units, adjacency


def check(units, adjacency, proposal):
    codes = sorted(c for network in proposal.networks for c in network)
    assert codes == sorted(u.code for u in units)
    index = {u.code: i for i, u in enumerate(units)}
    nbrs = {i: set() for i in range(len(units))}
    for i, others in adjacency.items():
        for j in others:
            nbrs[i].add(j)
            nbrs[j].add(i)
    network_of = {}
    for number, network in enumerate(proposal.networks):
        members = {index[c] for c in network}
        assert len({units[i].area for i in members}) == 1
        assert D._connected(members, nbrs)
        for c in network:
            network_of[c] = number
    return network_of


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 30), areas=st.integers(1, 3),
       exact_limit=st.sampled_from([0, 60]))
def test_lines_partition_connected_in_band_when_feasible(seed, n, areas, exact_limit):
    units, adjacency = random_lines(seed, n, areas, pins=0)
    proposal = propose(units, adjacency, BAND, seconds=2, exact_limit=exact_limit)
    check(units, adjacency, proposal)
    size = {u.code: u.list_size for u in units}
    area = {u.code: u.area for u in units}
    totals = {}
    for u in units:
        totals[u.area] = totals.get(u.area, 0) + u.list_size
    if exact_limit == 0:
        return  # the heuristic can still miss (e.g. seed=0, n=21, areas=2): see the report
    for network in proposal.networks:
        lo, hi = k_range(totals[area[network[0]]], BAND)
        if lo <= hi:
            assert BAND.lower <= sum(size[c] for c in network) <= BAND.upper


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 30), pins=st.integers(1, 3),
       exact_limit=st.sampled_from([0, 60]))
def test_pinned_practices_stay_together(seed, n, pins, exact_limit):
    units, adjacency = random_lines(seed, n, 1, pins)
    proposal = propose(units, adjacency, BAND, seconds=2, exact_limit=exact_limit)
    network_of = check(units, adjacency, proposal)
    by_pin = {}
    for i, u in enumerate(units):
        if u.pinned:
            by_pin.setdefault(u.pinned, []).append(i)
    for members in by_pin.values():
        # Pinned practices on a line are connected only if consecutive.
        if members == list(range(members[0], members[-1] + 1)):
            assert len({network_of[units[i].code] for i in members}) == 1
