"""Tests for the configuration proposer (pcnhub.domain.design.propose)."""

import random

import pytest

from pcnhub.domain.design.model import (
    EXACT,
    HEURISTIC,
    NETWORK_COUNT,
    PINNED_PRACTICES,
    Unit,
    k_range,
)
from pcnhub.domain.design.propose import explain_feasibility, propose
from pcnhub.domain.rules import LIST_SIZE_BAND, WARNING, Band


def line(sizes, area=None, prefix="P", start=0):
    units = [
        Unit(f"{prefix}{i}", size, float(start + i), 0.0, area=area)
        for i, size in enumerate(sizes)
    ]
    adjacency = {i: {i + 1} for i in range(len(sizes) - 1)}
    return units, adjacency


def sizes_of(units, proposal):
    size = {unit.code: unit.list_size for unit in units}
    return [sum(size[code] for code in network) for network in proposal.networks]


def test_line_of_six_makes_three_networks_of_40k():
    units, adjacency = line([20_000] * 6)
    proposal = propose(units, adjacency)
    assert proposal.networks == (("P0", "P1"), ("P2", "P3"), ("P4", "P5"))
    assert proposal.method == EXACT
    assert proposal.optimal
    assert not [f for f in proposal.findings if f.severity == WARNING]


def test_grid_is_solved_exactly_and_proven_optimal():
    rng = random.Random(7)
    units, adjacency = [], {}
    for r in range(4):
        for c in range(5):
            i = r * 5 + c
            units.append(
                Unit(f"G{i:02d}", rng.randint(6_000, 14_000), 2.0 * c, 2.0 * r)
            )
            adjacency[i] = ({i + 1} if c < 4 else set()) | ({i + 5} if r < 3 else set())
    proposal = propose(units, adjacency)
    assert proposal.method == EXACT
    assert proposal.optimal
    assert all(30_000 <= size <= 50_000 for size in sizes_of(units, proposal))
    assert sorted(code for network in proposal.networks for code in network) == sorted(
        u.code for u in units
    )


def test_practice_above_the_upper_bound_is_its_own_network():
    units, adjacency = line([60_000, 20_000, 20_000])
    proposal = propose(units, adjacency)
    assert proposal.networks == (("P0",), ("P1", "P2"))
    big = [
        f
        for f in proposal.findings
        if f.rule == LIST_SIZE_BAND and f.practices == ("P0",)
    ]
    assert big and "above the upper limit" in big[0].message
    assert any(f.practices == ("P0",) for f in explain_feasibility(units))


def test_area_too_small_is_explained_and_still_one_network():
    units, adjacency = line([10_000, 10_000], area="Tiny")
    proposal = propose(units, adjacency)
    assert proposal.networks == (("P0", "P1"),)
    messages = [f.message for f in proposal.findings if f.rule == LIST_SIZE_BAND]
    assert any("too small" in message for message in messages)
    assert any("too small" in f.message for f in explain_feasibility(units))


def test_pinned_pair_is_kept_together():
    # 2 x 2 grid, rows close together horizontally: unpinned, the rows pair up.
    coords = [(0, 0), (1, 0), (0, 5), (1, 5)]
    adjacency = {0: {1, 2}, 1: {3}, 2: {3}}
    plain = [Unit(f"Q{i}", 15_000, x, y) for i, (x, y) in enumerate(coords)]
    assert propose(plain, adjacency).networks == (("Q0", "Q1"), ("Q2", "Q3"))
    pinned = [
        Unit(f"Q{i}", 15_000, x, y, pinned="PCN-A" if i in (0, 2) else None)
        for i, (x, y) in enumerate(coords)
    ]
    assert propose(pinned, adjacency).networks == (("Q0", "Q2"), ("Q1", "Q3"))


def test_disconnected_pin_is_reported():
    units, adjacency = line([20_000] * 6)
    units = [
        Unit(u.code, u.list_size, u.x, u.y, pinned="X" if i in (0, 5) else None)
        for i, u in enumerate(units)
    ]
    proposal = propose(units, adjacency)
    assert any(f.rule == PINNED_PRACTICES for f in proposal.findings)
    assert len(proposal.networks) == 3


def test_two_areas_are_never_mixed():
    north, _ = line([15_000] * 4, area="North", prefix="N")
    south, _ = line([15_000] * 4, area="South", prefix="S", start=4)
    units = north + south
    adjacency = {i: {i + 1} for i in range(7)}  # includes an edge across the boundary
    proposal = propose(units, adjacency)
    assert len(proposal.networks) == 4
    for network in proposal.networks:
        assert len({code[0] for code in network}) == 1


@pytest.mark.parametrize("k", [3, 4])
def test_number_of_networks_is_respected_when_feasible(k):
    units, adjacency = line([10_000] * 12)
    proposal = propose(units, adjacency, networks=k)
    assert len(proposal.networks) == k
    assert all(30_000 <= size <= 50_000 for size in sizes_of(units, proposal))


def test_infeasible_number_of_networks_is_reported():
    units, adjacency = line([10_000] * 12)
    proposal = propose(units, adjacency, networks=9)
    assert any(
        f.rule == NETWORK_COUNT and f.severity == WARNING for f in proposal.findings
    )
    assert all(30_000 <= size <= 50_000 for size in sizes_of(units, proposal))


def test_heuristic_on_the_line():
    units, adjacency = line([10_000] * 12)
    proposal = propose(units, adjacency, exact_limit=0)
    assert proposal.method == HEURISTIC
    assert not proposal.optimal
    assert all(30_000 <= size <= 50_000 for size in sizes_of(units, proposal))


def test_k_range_and_explanation():
    assert k_range(120_000, Band()) == (3, 4)
    assert k_range(55_000, Band()) == (2, 1)
    findings = explain_feasibility(line([27_500, 27_500])[0])
    assert any("cannot be split" in f.message for f in findings)
    assert any(
        "3 to 4 networks" in f.message
        for f in explain_feasibility(line([20_000] * 6)[0])
    )
