"""The heuristic's ejection-chain repair and properties of propose on small random instances."""

import math
from random import Random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcnhub.domain.design import bisection, heuristic, model
from pcnhub.domain.design.model import Unit, k_range
from pcnhub.domain.design.propose import propose
from pcnhub.domain.rules import Band

BAND = Band()


def line_piece(sizes):
    n = len(sizes)
    nbrs = [set() for _ in range(n)]
    for i in range(n - 1):
        nbrs[i].add(i + 1)
        nbrs[i + 1].add(i)
    xy = np.array([[float(i), 0.0] for i in range(n)])
    return model.Piece("line", [[i] for i in range(n)], list(sizes), xy,
                       np.array([float(s) for s in sizes]), np.zeros(n), nbrs)


# Found by search: the single-move repair stops at 59k / 50k / 31k (the middle
# region is full, so no single move lowers the total deviation).
STUCK_SIZES = [30_000, 15_000, 14_000, 12_000, 23_000, 15_000, 5_000, 26_000]
STUCK_LABEL = [0, 0, 0, 0, 0, 0, 1, 2]


def total_dev(regions):
    return sum(model.deviation(pop, BAND) for pop in regions.pop)


def test_single_moves_leave_a_network_out_of_band_and_chains_fix_it():
    piece = line_piece(STUCK_SIZES)
    old = model.Regions(piece, list(STUCK_LABEL), 3)
    heuristic.repair(old, BAND, math.inf)
    assert total_dev(old) > 0
    new = model.Regions(piece, list(STUCK_LABEL), 3)
    heuristic.repair(new, BAND, math.inf)
    heuristic.chain_repair(new, BAND, math.inf)
    assert total_dev(new) == 0
    for members in new.sets:
        assert model.connected(members, piece.nbrs)


def test_heuristic_puts_the_stuck_line_in_band():
    units = [Unit(f"L{i}", s, float(i), 0.0) for i, s in enumerate(STUCK_SIZES)]
    adjacency = {i: {i + 1} for i in range(len(units) - 1)}
    proposal = propose(units, adjacency, BAND, exact_limit=0, seconds=2)
    size = {u.code: u.list_size for u in units}
    assert all(BAND.lower <= sum(size[c] for c in n) <= BAND.upper for n in proposal.networks)


def random_lines(seed, n, areas, pins):
    """Areas laid out as lines of practices of 3,000-12,000."""
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
        assert model.connected(members, nbrs)
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
    # Feasible totals do not always allow a consecutive in-band split (see
    # test_feasible_totals_do_not_imply_a_contiguous_in_band_line), so the bar is the real one.
    by_area = {}
    for u in units:
        by_area.setdefault(u.area, []).append(u.list_size)
    for network in proposal.networks:
        lo, hi = k_range(totals[area[network[0]]], BAND)
        if lo <= hi and line_in_band_exists(by_area[area[network[0]]]):
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


# --------------------------------------------------------------------------- recursive bisection


def line_in_band_exists(sizes, band=BAND):
    """Whether a line of these sizes splits into consecutive in-band runs (dynamic programming)."""
    prefix = [0]
    for size in sizes:
        prefix.append(prefix[-1] + size)
    ok = [True] + [False] * len(sizes)
    for i in range(1, len(sizes) + 1):
        ok[i] = any(ok[j] and band.lower <= prefix[i] - prefix[j] <= band.upper for j in range(i))
    return ok[-1]


def grid_piece(rows, cols, sizes):
    n = rows * cols
    nbrs = [set() for _ in range(n)]
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            if c + 1 < cols:
                nbrs[i].add(i + 1)
                nbrs[i + 1].add(i)
            if r + 1 < rows:
                nbrs[i].add(i + cols)
                nbrs[i + cols].add(i)
    xy = np.array([[float(i % cols), float(i // cols)] for i in range(n)])
    return model.Piece("grid", [[i] for i in range(n)], list(sizes), xy,
                       np.array([float(s) for s in sizes]), np.zeros(n), nbrs)


def test_bisection_splits_a_line_in_band_where_growth_does_not():
    piece = line_piece(STUCK_SIZES)
    parts, dev = bisection.bisect(piece, BAND, list(range(len(STUCK_SIZES))), 3, Random(0), math.inf)
    assert dev == 0
    assert sorted(s for part in parts for s in part) == list(range(len(STUCK_SIZES)))
    for part in parts:
        assert model.connected(set(part), piece.nbrs)
        assert BAND.lower <= sum(STUCK_SIZES[s] for s in part) <= BAND.upper


def test_bisection_finds_the_only_in_band_split_of_a_grid():
    # A 3x4 grid of 10k practices and one 28k corner: 148k in 4 networks of 30-50k.  Every
    # network needs 3-5 of the 10k ones, and the corner needs at least 1 (38k).
    sizes = [28_000] + [10_000] * 11
    piece = grid_piece(3, 4, sizes)
    for seed in range(5):
        parts, dev = bisection.bisect(piece, BAND, list(range(12)), 4, Random(seed), math.inf)
        assert dev == 0, seed
        assert len(parts) == 4
        for part in parts:
            assert model.connected(set(part), piece.nbrs)


def test_bisection_needing_a_swap_is_found():
    # Found by search (random_area seed 101, n 10, area A0): growth and single moves leave a
    # network at 28,391; the in-band split needs a spanning tree few draws contain.
    sizes = [13_521, 14_870, 7_479, 16_613, 10_617]
    edges = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (4, 1), (4, 2), (4, 3)]
    nbrs = [set() for _ in sizes]
    for a, b in edges:
        nbrs[a].add(b)
        nbrs[b].add(a)
    xy = np.array([[0.0, 0.0], [1.0, 0.2], [0.5, 1.0], [1.7, 1.1], [1.2, 2.0]])
    piece = model.Piece("five", [[i] for i in range(5)], sizes, xy,
                        np.array([float(s) for s in sizes]), np.zeros(5), nbrs)
    piece.k = 2
    regions = heuristic.solve_heuristic(piece, BAND, math.inf)
    assert all(BAND.lower <= sum(sizes[s] for s in r) <= BAND.upper for r in regions)


def test_hypothesis_counterexample_line_is_now_in_band():
    # seed=0, n=21, areas=2: the heuristic left a network at 52,443 before recursive bisection.
    units, adjacency = random_lines(0, 21, 2, pins=0)
    proposal = propose(units, adjacency, BAND, seconds=2, exact_limit=0)
    check(units, adjacency, proposal)
    size = {u.code: u.list_size for u in units}
    assert all(BAND.lower <= sum(size[c] for c in n) <= BAND.upper for n in proposal.networks)


def test_feasible_totals_do_not_imply_a_contiguous_in_band_line():
    # random_lines(291, 12, 1): 100,352 in 3 networks by totals, but no consecutive split is in
    # band (the first network ends at 35,865 or 47,806; neither leaves a splittable rest).
    units, _adjacency = random_lines(291, 12, 1, pins=0)
    total = sum(u.list_size for u in units)
    lo, hi = k_range(total, BAND)
    assert lo <= hi
    assert not line_in_band_exists([u.list_size for u in units])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 30), areas=st.integers(1, 3))
def test_heuristic_lines_in_band_whenever_a_contiguous_split_exists(seed, n, areas):
    units, adjacency = random_lines(seed, n, areas, pins=0)
    proposal = propose(units, adjacency, BAND, seconds=1, exact_limit=0)
    check(units, adjacency, proposal)
    size = {u.code: u.list_size for u in units}
    area = {u.code: u.area for u in units}
    by_area = {}
    for u in units:
        by_area.setdefault(u.area, []).append(u.list_size)
    for network in proposal.networks:
        if line_in_band_exists(by_area[area[network[0]]]):
            assert BAND.lower <= sum(size[c] for c in network) <= BAND.upper


def test_heuristic_is_deterministic_when_time_is_ample():
    units, adjacency = random_lines(7, 30, 1, pins=0)
    first = propose(units, adjacency, BAND, seconds=20, exact_limit=0)
    second = propose(units, adjacency, BAND, seconds=20, exact_limit=0)
    assert first.networks == second.networks
    assert first.seconds < 5  # restarts stop once they no longer improve, long before the limit
