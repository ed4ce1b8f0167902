"""The exact solver's parts against brute force: enumeration, column generation, optimum."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from scipy.sparse import csr_array, vstack

from pcnhub.domain.design import exact, heuristic, model
from pcnhub.domain.design.model import EXACT, Unit
from pcnhub.domain.design.propose import propose
from pcnhub.domain.rules import Band
from tests.domain.design.test_properties import check_partition, random_area

BAND = Band(30_000, 50_000)
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def piece_of(units: list[Unit], adjacency: dict[int, set[int]]) -> model.Piece:
    n = len(units)
    graph = {i: set() for i in range(n)}
    for i, others in adjacency.items():
        for j in others:
            if i != j:
                graph[i].add(j)
                graph[j].add(i)
    return model.make_piece("test", [[i] for i in range(n)], list(range(n)), graph, units)


def connected(members: set[int], nbrs) -> bool:
    start = next(iter(members))
    seen, stack = {start}, [start]
    while stack:
        for t in nbrs[stack.pop()] & members:
            if t not in seen:
                seen.add(t)
                stack.append(t)
    return seen == members


def brute_sets(piece, upper: int, max_cost: float) -> dict[int, int]:
    n = len(piece.pops)
    out = {}
    for size in range(1, n + 1):
        for combo in itertools.combinations(range(n), size):
            members = set(combo)
            pop = sum(piece.pops[s] for s in combo)
            if (size == 1 or pop <= upper) and connected(members, piece.nbrs) and (
                size == 1 or model.cost(piece, list(combo)) <= max_cost * (1 + 1e-7) + 1e-7
            ):
                out[sum(1 << s for s in combo)] = pop
    return out


@SLOW
@given(seed=st.integers(0, 10**6), n=st.integers(1, 11), prune=st.booleans())
def test_enumeration_finds_every_connected_set_exactly_once(seed, n, prune):
    units, adjacency = random_area(seed, n, 4_000, 30_000)
    piece = piece_of(units, adjacency)
    max_cost = float(np.median([model.cost(piece, [0, s]) for s in range(n)])) if prune and n > 1 else math.inf
    found = exact.enumerate_candidates(piece, BAND.upper, 10**6, max_cost=max_cost)
    masks = list(found.masks)
    assert len(masks) == len(set(masks))  # no set twice
    assert dict(zip(masks, found.pops)) == brute_sets(piece, BAND.upper, max_cost)


def test_enumeration_stops_at_the_cap():
    units, adjacency = random_area(7, 12, 2_000, 4_000)
    piece = piece_of(units, adjacency)
    everything = exact.enumerate_candidates(piece, BAND.upper, 10**6)
    assert exact.enumerate_candidates(piece, BAND.upper, len(everything)) is not None
    assert exact.enumerate_candidates(piece, BAND.upper, len(everything) - 1) is None


@SLOW
@given(seed=st.integers(0, 10**6), n=st.integers(2, 12), fixed=st.booleans())
def test_column_generation_reaches_the_lp_over_every_candidate(seed, n, fixed):
    units, adjacency = random_area(seed, n, 6_000, 30_000)
    piece = piece_of(units, adjacency)
    pool = exact.Pool(piece, exact.enumerate_candidates(piece, BAND.upper, 10**6))
    index = np.flatnonzero(pool.pops >= BAND.lower)
    lo, hi = model.k_range(int(pool.pops[:n].sum()), BAND)
    k = max(1, lo) if fixed else None
    answer = exact.column_generation(pool, index, pool.costs, k, math.inf, np.array([], dtype=np.int64))
    if index.size == 0:
        assert answer is None
        return
    a_eq, b_eq = pool.matrix(index), np.ones(n)
    if k is not None:
        a_eq = vstack([a_eq, csr_array(np.ones((1, index.size)))]).tocsr()
        b_eq = np.append(b_eq, k)
    direct = linprog(pool.costs[index], A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if direct.status == 2:
        assert answer is None
        return
    value, reduced, least = answer
    assert value == np.float64(direct.fun) or math.isclose(value, direct.fun, rel_tol=1e-6, abs_tol=1e-6)
    assert least <= 0 and least >= -1e-6 * max(1.0, abs(value))
    assert reduced.shape == index.shape


def brute_optimum(units, adjacency, band: Band) -> float:
    """The cheapest partition into connected in-band networks (inf if none), over every partition."""
    piece = piece_of(units, adjacency)
    n = len(units)
    best = math.inf

    def partitions(items):
        if not items:
            yield []
            return
        first, rest = items[0], items[1:]
        for smaller in partitions(rest):
            for i in range(len(smaller)):
                yield smaller[:i] + [[first] + smaller[i]] + smaller[i + 1 :]
            yield [[first]] + smaller

    for parts in partitions(list(range(n))):
        if all(
            band.lower <= sum(piece.pops[s] for s in part) <= band.upper and connected(set(part), piece.nbrs)
            for part in parts
        ):
            best = min(best, sum(model.cost(piece, part) for part in parts))
    return best


@SLOW
@given(seed=st.integers(0, 10**6), n=st.integers(2, 9))
def test_proven_optimum_matches_brute_force(seed, n):
    units, adjacency = random_area(seed, n, 8_000, 30_000)
    proposal = propose(units, adjacency, BAND, seconds=10, exact_limit=60)
    check_partition(units, adjacency, proposal)
    best = brute_optimum(units, adjacency, BAND)
    if not math.isfinite(best):
        return  # no in-band partition: the relaxed solve (tested elsewhere) applies
    assert proposal.method == EXACT and proposal.optimal
    piece = piece_of(units, adjacency)
    index = {u.code: i for i, u in enumerate(units)}
    cost = sum(model.cost(piece, [index[c] for c in network]) for network in proposal.networks)
    assert math.isclose(cost, best, rel_tol=1e-6, abs_tol=1e-6)


# ----------------------------------------------------------------------------- how the exact solve finds its bound


def lp_of(piece, k=None, **kwargs):
    pool = exact.Pool(piece, exact.enumerate_candidates(piece, BAND.upper, 10**6))
    index = np.flatnonzero(pool.pops >= BAND.lower)
    return pool, index, exact.column_generation(pool, index, pool.costs, k, math.inf,
                                                np.array([], dtype=np.int64), **kwargs)


@SLOW
@given(seed=st.integers(0, 10**6), n=st.integers(4, 12))
def test_a_count_whose_lp_is_above_the_cutoff_is_ruled_out(seed, n):
    piece = piece_of(*random_area(seed, n, 6_000, 30_000))
    lo, hi = model.k_range(piece.total, BAND)
    k = max(1, lo)
    _pool, _index, answer = lp_of(piece, k)
    if answer is None:
        return  # no fractional solution with k networks at all
    value = answer[0]
    # Small pieces: the first restricted LP already holds every candidate, so no column prices out.
    below = lp_of(piece, k, cutoff=value * (1 - 1e-3) - 1, most=k)[2]
    assert below is not None and below[1] is None and below[0] >= value * (1 - 1e-3) - 1
    above = lp_of(piece, k, cutoff=value * (1 + 1e-3) + 1, most=k)[2]
    assert above is not None and above[1] is not None


@SLOW
@given(seed=st.integers(0, 10**6), n=st.integers(6, 14))
def test_a_warm_start_carries_columns_and_keeps_the_lp(seed, n):
    piece = piece_of(*random_area(seed, n, 6_000, 20_000))
    lo, hi = model.k_range(piece.total, BAND)
    warm = exact.WarmStart()
    for k in range(max(1, lo), min(hi, n) + 1):
        pool, index, cold = lp_of(piece, k)
        warmed = exact.column_generation(pool, index, pool.costs, k, math.inf, np.array([], dtype=np.int64),
                                         warm=warm)
        assert (cold is None) == (warmed is None)
        if cold is not None:
            assert math.isclose(warmed[0], cold[0], rel_tol=1e-6, abs_tol=1e-6)
            assert warm.columns.size > 0 and set(warm.columns) <= set(range(index.size))


def exact_with_milps(piece, bound, incumbent, **kwargs):
    """solve_exact, recording (columns, status, objective) of every MILP it solves."""
    seen = []
    original = exact.milp

    def recorded(c, *args, **options):
        result = original(c, *args, **options)
        seen.append((c.size, result.status, result.fun))
        return result

    exact.milp = recorded
    try:
        answer = exact.solve_exact(piece, BAND, math.inf, [], bound, incumbent, **kwargs)
    finally:
        exact.milp = original
    return answer, seen


def total_cost(piece, regions):
    return sum(model.cost(piece, region) for region in regions)


# Found by search: instances where, from the optimum as bound, the solver before solved a second count's MILP
# to a costlier optimum instead of ruling it out.
@pytest.mark.parametrize("seed,n", [(18, 18), (30, 16), (75, 16), (79, 18), (87, 16)])
def test_no_milp_looks_beyond_the_bound(seed, n):
    piece = piece_of(*random_area(seed, n, 6_000, 14_000))
    best, proven = exact.solve_exact(piece, BAND, math.inf, [], math.inf)
    assert proven
    bound = total_cost(piece, best)
    again, seen = exact_with_milps(piece, bound, best)
    assert again[1] and math.isclose(total_cost(piece, again[0]), bound, rel_tol=1e-9)
    assert seen and all(fun is None or fun <= bound * (1 + 1e-6) for _columns, _status, fun in seen)


@pytest.mark.parametrize("seed", range(4))
def test_a_loose_bound_costs_a_small_milp_first(seed):
    n = 16
    units, adjacency = random_area(seed, n, 6_000, 12_000)
    piece = piece_of(units, adjacency)
    loose = heuristic.solve_heuristic(piece, BAND, math.inf)
    assert model.quality(piece, loose, BAND)[0] == 0
    everything, _ = exact_with_milps(piece, total_cost(piece, loose), loose, lp_columns=10**9)  # as before
    answer, seen = exact_with_milps(piece, total_cost(piece, loose) * 10, loose)  # a bound 10 times too high
    assert answer[1] and math.isclose(total_cost(piece, answer[0]), total_cost(piece, everything[0]), rel_tol=1e-9)
    assert seen[0][0] <= exact._RESTRICTED_COLUMNS_PER_UNIT * n
