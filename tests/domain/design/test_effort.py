"""The rule choosing how much work a piece's bound gets (pcnhub.domain.design.effort), and the search it drives."""

import math

import numpy as np
import pytest

from pcnhub.domain.design import effort, model, propose
from pcnhub.domain.design.effort import BoundSearch, bound_search, legacy_bound_search
from pcnhub.domain.design.model import Unit
from pcnhub.domain.rules import Band

BAND = Band(30_000, 50_000)


def test_counts_are_the_feasible_numbers_of_networks_within_the_units():
    plan = bound_search(81, 902_920, BAND)  # West Sussex: 19 to 30 networks
    assert (plan.lowest, plan.highest) == (19, 30)
    assert list(plan.counts) == list(range(19, 31))
    assert (bound_search(3, 150_000, BAND).lowest, bound_search(3, 150_000, BAND).highest) == (3, 3)  # 5 by size


def test_a_fixed_number_of_networks_is_the_only_count():
    plan = bound_search(81, 902_920, BAND, networks=22)
    assert list(plan.counts) == [22]
    assert legacy_bound_search(81, 902_920, BAND, networks=22).seeds == 0


def test_an_area_that_cannot_be_in_band_still_has_one_count():
    plan = bound_search(2, 55_000, BAND)  # too big for one network, too small for two
    assert plan.lowest == plan.highest == 2
    assert bound_search(1, 10_000, BAND).counts == range(1, 2)


@pytest.mark.parametrize("units", [1, 10, 49, 81, 99, 100, 150, 250])
def test_effort_is_in_proportion_to_the_piece(units):
    plan = bound_search(units, units * 10_000, BAND)
    assert plan.walk and plan.restarts == 0 and plan.share == effort.BOUND_SHARE
    assert plan.seeds == 1 + units // effort.UNITS_PER_SEED
    assert plan.start_seconds == max(effort.MIN_START_SECONDS, effort.START_SECONDS_PER_UNIT * units)
    assert plan.lp_columns == effort.LP_COLUMNS_PER_UNIT * units


def test_a_larger_piece_never_gets_less():
    plans = [bound_search(units, 1_000_000, BAND) for units in range(1, 301)]
    for small, large in zip(plans, plans[1:], strict=False):
        assert large.seeds >= small.seeds
        assert large.start_seconds >= small.start_seconds
        assert large.lp_columns > small.lp_columns


def test_west_sussex_gets_one_walk_and_a_sixth_of_a_second_per_start():
    plan = bound_search(81, 902_920, BAND)
    assert plan.seeds == 1
    assert plan.start_seconds == pytest.approx(0.162)
    assert plan.lp_columns == 1_620


def test_legacy_settings_are_those_before():
    plan = legacy_bound_search(81, 902_920, BAND)
    assert (plan.seeds, plan.walk, plan.restarts, plan.lp_columns) == (6, False, 4, 100_000)
    assert plan.start_seconds == math.inf and plan.share == 0.3
    assert list(plan.counts) == list(range(19, 31))


@pytest.mark.parametrize("rule", [bound_search, legacy_bound_search])
def test_a_piece_without_units_is_an_error(rule):
    with pytest.raises(ValueError, match="at least one unit"):
        rule(0, 10_000, BAND)


@pytest.mark.parametrize(
    "change",
    [{"seeds": -1}, {"stale": 0}, {"lowest": 5, "highest": 4}, {"share": 1.5}, {"start_seconds": 0.0},
     {"lp_columns": 0}, {"restarts": -1}],
)
def test_an_impossible_search_is_an_error(change):
    values = dict(seeds=1, lowest=2, highest=4, walk=True, stale=2, start_seconds=0.1, share=0.3, lp_columns=40)
    BoundSearch(**values)
    with pytest.raises(ValueError, match="invalid bound search"):
        BoundSearch(**{**values, **change})


# ----------------------------------------------------------------------------- the search it drives


def line_piece(sizes):
    n = len(sizes)
    nbrs = [set() for _ in range(n)]
    for i in range(n - 1):
        nbrs[i].add(i + 1)
        nbrs[i + 1].add(i)
    xy = np.array([[float(i), 0.0] for i in range(n)])
    return model.Piece("line", [[i] for i in range(n)], list(sizes), xy,
                       np.array([float(s) for s in sizes]), np.zeros(n), nbrs)


def recorded_starts(monkeypatch, outcome):
    """Replace the heuristic start by ``outcome(seed, k)`` -> regions, recording each (seed, k)."""
    calls = []

    def fake(piece, band, deadline, seed, k):
        calls.append((seed, k))
        return outcome(seed, k)

    monkeypatch.setattr(propose, "start", fake)
    return calls


def plan(**change):
    values = dict(seeds=1, lowest=3, highest=8, walk=True, stale=2, start_seconds=1.0, share=0.3, lp_columns=40)
    return BoundSearch(**{**values, **change})


# 12 units of 10,000 on a line: 3 or 4 networks are in band; regions of r units each.
PIECE = line_piece([10_000] * 12)


def regions_of(width):
    return [list(range(i, min(i + width, 12))) for i in range(0, 12, width)]


def test_the_walk_goes_up_from_the_best_count_and_stops_where_it_is_not_in_band(monkeypatch):
    # Count k gives regions of 12 // k units: 4 networks of 3 (in band), 6 of 2 (out of band).
    by_count = {4: regions_of(3), 5: regions_of(3), 6: regions_of(2), 7: regions_of(2)}
    calls = recorded_starts(monkeypatch, lambda seed, k: by_count[k])
    best = regions_of(4)  # 3 networks of 40,000
    found = propose._bound_solution(PIECE, BAND, plan(lowest=3, highest=7, stale=2), math.inf, best)
    assert found == regions_of(3)  # 4 networks of 30,000: more compact
    # Up from one more than the best's 3: 4 (better), 5 (no better), 6 (out of band: stop).
    assert calls == [(1, 4), (1, 5), (1, 6)]


def test_the_walk_stops_after_counts_that_do_not_improve(monkeypatch):
    calls = recorded_starts(monkeypatch, lambda seed, k: regions_of(4))  # never better than the first
    propose._bound_solution(PIECE, BAND, plan(lowest=1, highest=8, stale=2), math.inf, regions_of(4))
    assert calls == [(1, 4), (1, 5)]  # two counts up from the best solution's 3, none down
    calls.clear()
    propose._bound_solution(PIECE, BAND, plan(lowest=1, highest=8, stale=1), math.inf, regions_of(4))
    assert calls == [(1, 4)]


def test_each_seed_walks_from_the_best_count_so_far(monkeypatch):
    by_count = {4: regions_of(3), 5: regions_of(2), 6: regions_of(2)}
    calls = recorded_starts(monkeypatch, lambda seed, k: by_count[k])
    propose._bound_solution(PIECE, BAND, plan(seeds=2, lowest=3, highest=6), math.inf, regions_of(4))
    # Seed 1 from 4: 4 (better), 5 (out of band).  Seed 2 from 5, one more than the new best's 4.
    assert calls == [(1, 4), (1, 5), (2, 5)]


def test_an_out_of_band_best_is_tried_again_at_its_own_count(monkeypatch):
    calls = recorded_starts(monkeypatch, lambda seed, k: regions_of(3))
    found = propose._bound_solution(PIECE, BAND, plan(lowest=3, highest=8), math.inf, regions_of(2))
    assert found == regions_of(3) and calls[0] == (1, 6)


def test_the_walk_ends_at_the_most_networks(monkeypatch):
    calls = recorded_starts(monkeypatch, lambda seed, k: regions_of(3))
    propose._bound_solution(PIECE, BAND, plan(lowest=3, highest=4), math.inf, regions_of(3))
    assert calls == []  # the best already has the most networks


def test_legacy_tries_every_seed_at_every_count(monkeypatch):
    calls = recorded_starts(monkeypatch, lambda seed, k: regions_of(2))
    propose._bound_solution(PIECE, BAND, plan(seeds=2, lowest=3, highest=5, walk=False), math.inf, regions_of(4))
    assert calls == [(1, 3), (1, 4), (1, 5), (2, 3), (2, 4), (2, 5)]


def test_no_start_after_the_deadline(monkeypatch):
    calls = recorded_starts(monkeypatch, lambda seed, k: regions_of(3))
    assert propose._bound_solution(PIECE, BAND, plan(), -math.inf, regions_of(4)) == regions_of(4)
    assert calls == []


def test_the_better_bound_is_kept_when_the_exact_solve_fails(monkeypatch):
    # A line of 12 practices of 10,000: the heuristic keeps the middle number, 3 networks of 40,000; the
    # walk finds 4 of 30,000 (more compact).  Should the exact solve then fail, the 4 are proposed.
    units = [Unit(f"P{i:02d}", 10_000, float(i), 0.0) for i in range(12)]
    adjacency = {i: {i + 1} for i in range(11)}
    monkeypatch.setattr(propose, "solve_exact", lambda *args, **kwargs: None)
    proposal = propose.propose(units, adjacency, BAND, seconds=5, exact_limit=60)
    assert len(proposal.networks) == 4 and not proposal.optimal
    assert all(len(network) == 3 for network in proposal.networks)
    assert proposal.pieces[0].networks == 4 and proposal.pieces[0].method == "heuristic"
