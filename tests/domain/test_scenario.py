"""Scenarios applied to a configuration (pcnhub.domain.scenario), with the Southend networks of 2019."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcnhub.domain import rules
from pcnhub.domain.geography import EARTH_RADIUS_KM
from pcnhub.domain.scenario import (
    ACCESS,
    ADD,
    ARRS,
    CLOSE,
    GROW,
    MERGE,
    MOVE,
    SPLIT,
    Change,
    NotEnoughPosts,
    PostCut,
    ScenarioError,
    apply,
    carried_from,
    carried_steps,
    contributions,
    cut_posts,
    key_of,
    outside_sum,
    spread,
)
from pcnhub.domain.travel import Road


def network(code, name, *practices, cd="Dr A"):
    return rules.Network(name=name, code=code, practices=tuple(rules.PracticeEntry(c, c, s) for c, s in practices),
                         clinical_director=cd, nominated_payee="Payee", network_agreement_signed=True)


# Benfleet and Canvey (list sizes of January 2019, seed 004)
BENFLEET = network("U1", "Benfleet", ("F81001", 12980), ("F81032", 2931), ("F81075", 13167), ("F81101", 5551),
                   ("F81142", 6702), ("F81618", 3880), ("F81713", 3187))
CANVEY = network("U2", "Canvey", ("F81051", 7186), ("F81096", 10178), ("F81205", 6202), ("F81700", 4481),
                 ("F81739", 6429), ("F81740", 1940))
LOOSE = rules.Network(name="", practices=(rules.PracticeEntry("F89999", "ALONE", 2000),))
AREA = (BENFLEET, CANVEY, LOOSE)


def size(outcome, key):
    return sum(p.list_size or 0 for p in outcome.network(key).practices)


def test_the_seed_list_sizes_add_up():
    assert size(apply(AREA, []), "U1") == 48_398 and size(apply(AREA, []), "U2") == 36_416


def test_a_move_changes_two_networks_and_nothing_else():
    outcome = apply(AREA, [Change(MOVE, practice="F81032", from_pcn="Benfleet", to_pcn="U2")])
    assert size(outcome, "U1") == 48_398 - 2_931 and size(outcome, "U2") == 36_416 + 2_931
    assert outcome.touched == ("U1", "U2") and outcome.moves == {"F81032": ("U1", "U2")}
    assert outcome.ended == () and outcome.new == ()
    checked = rules.check_configuration(outcome.networks, ["F81032"])
    assert not [f for f in checked.findings if f.rule == rules.ONE_PCN_PER_PRACTICE]


def test_names_are_matched_whatever_their_case_and_spacing():
    outcome = apply(AREA, [Change(MOVE, practice="f81032", to_pcn="  canvey ")])
    assert outcome.moves == {"F81032": ("U1", "U2")}


def test_a_merge_keeps_the_receiving_networks_code_and_governance():
    outcome = apply(AREA, [Change(MERGE, from_pcn="Canvey", to_pcn="Benfleet", name="Castle Point PCN")])
    merged = outcome.network("U1")
    assert merged.name == "Castle Point PCN" and merged.clinical_director == "Dr A"
    assert size(outcome, "U1") == 48_398 + 36_416 and outcome.network("U2") is None
    assert outcome.ended == ("U2",) and outcome.touched == ("U2", "U1") and len(outcome.moves) == 6


def test_a_split_makes_a_new_network_with_governance_not_recorded():
    outcome = apply(AREA, [Change(SPLIT, practice="F81001", to_pcn="Benfleet South"),
                           Change(SPLIT, practice="F81075", to_pcn="Benfleet South")])
    assert outcome.new == ("Benfleet South",) and size(outcome, "Benfleet South") == 12_980 + 13_167
    fresh = outcome.network("Benfleet South")
    assert fresh.code is None and fresh.clinical_director is rules.NOT_RECORDED
    findings = rules.check_configuration(outcome.networks).findings
    assert any(f.network == "Benfleet South" and f.rule == rules.LIST_SIZE_BAND for f in findings)


def test_open_close_and_grow():
    outcome = apply(AREA, [Change(ADD, practice="y99999", practice_name="New Town Surgery", list_change=4_000,
                                  to_pcn="U2"),
                           Change(CLOSE, practice="F81740"),
                           Change(GROW, practice="F81051", list_change=1_500)])
    assert size(outcome, "U2") == 36_416 + 4_000 - 1_940 + 1_500
    assert outcome.opened == {"Y99999": "New Town Surgery"} and outcome.closed == ("F81740",)
    assert outcome.sizes == {"Y99999": 4_000, "F81051": 7_186 + 1_500}
    assert outcome.touched == ("U2",)


def test_plans_are_kept_by_network():
    outcome = apply(AREA, [Change(ARRS, to_pcn="U1", role="Clinical pharmacist", wte=Decimal("1.5"),
                                  annual_cost=Decimal("50000")),
                           Change(ACCESS, to_pcn="U1", minutes=90), Change(ACCESS, to_pcn="U1", minutes=-30)])
    assert outcome.minutes == {"U1": 60} and outcome.posts["U1"][0].wte == Decimal("1.5")
    assert outcome.touched == ("U1",) and outcome.moves == {}


def test_a_practice_in_no_network_can_join_one():
    outcome = apply(AREA, [Change(MOVE, practice="F89999", to_pcn="U2")])
    assert outcome.moves == {"F89999": ("", "U2")} and outcome.touched == ("U2",)


def test_the_last_practice_leaving_ends_a_network():
    small = network("U3", "Tiny", ("F80001", 100))
    outcome = apply((BENFLEET, small), [Change(MOVE, practice="F80001", to_pcn="U1")])
    assert outcome.ended == ("U3",) and [key_of(n) for n in outcome.networks] == ["U1"]


@pytest.mark.parametrize(("change", "message"), [
    (Change(MOVE, practice="F00000", to_pcn="U2"), "there is no practice F00000 in the area"),
    (Change(MOVE, practice="F81032", from_pcn="U2", to_pcn="U1"), "F81032 is not in Canvey"),
    (Change(MOVE, practice="F81032", to_pcn="U1"), "F81032 is already in Benfleet"),
    (Change(MOVE, practice="F81032"), "name the network (to_pcn)"),
    (Change(MERGE, from_pcn="Nowhere", to_pcn="U1"), "there is no network 'Nowhere' in the configuration"),
    (Change(MERGE, from_pcn="U1", to_pcn="U1"), "a network cannot merge into itself"),
    (Change(MERGE, from_pcn="U1", to_pcn="New"), "there is no network 'New' in the configuration"),
    (Change(ADD, practice="F81001", to_pcn="U1", list_change=10), "F81001 is already a practice of the area"),
    (Change(ADD, practice="Y1", to_pcn="U1", list_change=-1), "a practice's list cannot be negative (-1)"),
    (Change(GROW, practice="F81740", list_change=-5000), "F81740's list of 1,940 cannot fall by 5,000"),
    (Change(ARRS, to_pcn="U1", wte=Decimal(1)), "name the ARRS role"),
    (Change(ARRS, to_pcn="U1", role="Paramedic"), "give the whole-time equivalent of the posts added (more than 0) or "
                                                  "ended (less than 0)"),
])
def test_a_change_that_cannot_apply_says_why(change, message):
    with pytest.raises(ScenarioError) as caught:
        apply(AREA, [Change(GROW, practice="F81001", list_change=1, row=2), change])
    assert str(caught.value).endswith(message) and caught.value.index == 1


def test_a_closed_practice_cannot_move_afterwards():
    with pytest.raises(ScenarioError, match="change 2 \\(move\\): there is no practice F81740"):
        apply(AREA, [Change(CLOSE, practice="F81740"), Change(MOVE, practice="F81740", to_pcn="U1")])


def test_unknown_actions_are_refused():
    with pytest.raises(ValueError, match="unknown action 'swap'"):
        Change("swap")


def test_changes_read_in_words():
    names = {"U1": "Benfleet", "U2": "Canvey", "F81032": "Dr PA Patel"}
    assert Change(MOVE, practice="F81032", from_pcn="U1", to_pcn="U2").describe(names) == \
        "Move Dr PA Patel from Benfleet to Canvey"
    assert Change(MERGE, from_pcn="U2", to_pcn="U1", name="Castle Point").describe(names) == \
        "Merge Canvey into Benfleet, named Castle Point"
    assert Change(GROW, practice="F81032", list_change=-10).describe(names) == "Dr PA Patel's list falls by 10"


PRACTICES = [p.code for n in (BENFLEET, CANVEY) for p in n.practices]


@given(st.lists(st.tuples(st.sampled_from(PRACTICES), st.sampled_from(["U1", "U2", "New A", "New B"])),
                max_size=12))
def test_moves_keep_every_practice_and_patient_exactly_once(moves):
    start = {p.code: "U1" for p in BENFLEET.practices} | {p.code: "U2" for p in CANVEY.practices}
    changes, where = [], dict(start)
    for practice, to in moves:
        if where[practice] != to:
            changes.append(Change(MOVE, practice=practice, to_pcn=to))
            where[practice] = to
    outcome = apply((BENFLEET, CANVEY), changes)
    assert sorted(p.code for n in outcome.networks for p in n.practices) == sorted(PRACTICES)
    assert sum(p.list_size for n in outcome.networks for p in n.practices) == 48_398 + 36_416
    assert {p.code: key_of(n) for n in outcome.networks for p in n.practices} == where
    assert outcome.moves == {code: (start[code], where[code]) for code in PRACTICES if where[code] != start[code]}


# --- What a network after the changes carries ----------------------------------------------------


def test_contributions_and_what_each_network_carries():
    moved = apply(AREA, [Change(MOVE, practice="F81032", to_pcn="U2")])
    shares = contributions(moved, AREA)
    assert shares["U2"] == {"U2": (36_416, 36_416), "U1": (2_931, 48_398)}
    assert carried_from(shares["U2"]) == ["U2"]  # one practice joining does not bring Benfleet's development
    merged = apply(AREA, [Change(MERGE, from_pcn="U2", to_pcn="U1")])
    assert carried_from(contributions(merged, AREA)["U1"]) == ["U1", "U2"]
    split = apply(AREA, [Change(SPLIT, practice="F81001", to_pcn="South")])
    assert carried_from(contributions(split, AREA)["South"]) == ["U1"]
    opened = apply(AREA, [Change(ADD, practice="Y1", list_change=10, to_pcn="New")])
    assert contributions(opened, AREA)["New"] == {"": (10, 0)} and carried_from({"": (10, 0)}) == []


def test_a_merged_network_carries_the_lowest_step_of_its_parts():
    assert carried_steps([{"a": 2, "b": 1}, {"a": 1, "b": 3}]) == {"a": 1, "b": 1}
    assert carried_steps([{"a": 2}, {"a": None}]) == {"a": None}
    assert carried_steps([{"a": 2}, {}]) == {"a": None}  # a part not assessed in a domain


def test_posts_outside_the_sum_are_the_latest_to_start_until_the_rest_fit():
    posts = [("Pharmacist", "2024-04-01", Decimal(50_000)), ("Paramedic", "2024-09-01", Decimal(30_000)),
             ("Care coordinator", "2024-06-01", Decimal(20_000))]
    assert outside_sum(posts, Decimal(1_000)) == [] and outside_sum(posts, None) == []
    assert outside_sum(posts, Decimal(-10_000)) == ["Paramedic"]
    assert outside_sum(posts, Decimal(-40_000)) == ["Paramedic", "Care coordinator"]


def test_spread_in_kilometres():
    # Southend Civic Centre and Canvey Island: 0.133° of longitude and 0.017° of latitude, about 9.4 km apart
    found = spread([(51.5416, 0.7120), (51.5246, 0.5790)])
    assert 9 < found.farthest_km < 10 and found.mean_from_centre_km == pytest.approx(found.farthest_km / 2, abs=0.1)
    assert spread([]) is None and spread([(51.5, 0.7)]).farthest_km == 0
    assert found.mean_between_km == found.farthest_km  # one pair
    assert (found.farthest_drive_minutes, found.mean_between_drive_minutes) == (None, None)  # no road given


def test_drives_between_practices_are_estimated_from_the_straight_lines():
    # three practices on a line of latitude, 0, 5 and 10 km east: pairs 5, 5 and 10 km, mean 6.7 km
    east = 1 / (EARTH_RADIUS_KM * math.cos(math.radians(52.0))) * 180 / math.pi
    points = [(52.0, 0.0), (52.0, 5 * east), (52.0, 10 * east)]
    found = spread(points, Road(1.4, 25.4))
    assert (found.farthest_km, found.mean_between_km, found.mean_from_centre_km, found.located) == (10.0, 6.7, 3.3, 3)
    # 10 km x 1.4 at 25.4 mph (40.877 km/h) is 20.5 minutes; 6.667 km is 13.7 minutes
    assert (found.farthest_drive_minutes, found.mean_between_drive_minutes) == (21, 14)
    alone = spread([(52.0, 0.0)], Road(1.4, 25.4))
    assert (alone.mean_between_km, alone.farthest_drive_minutes, alone.mean_between_drive_minutes) == (0, 0, 0)


ON = dt.date(2025, 1, 1)
POSTS = [("pharmacist", Decimal("1"), dt.date(2023, 4, 1), None),
         ("paramedic", Decimal("1"), dt.date(2024, 9, 1), None),
         ("pharmacist", Decimal("0.6"), dt.date(2024, 6, 1), None),
         ("pharmacist", Decimal("1"), dt.date(2022, 1, 1), dt.date(2024, 12, 31)),  # ended before the date
         ("pharmacist", Decimal("0.5"), dt.date(2025, 3, 1), None)]  # starts after it


def test_ending_posts_takes_the_latest_to_start_first_and_keeps_the_rest_of_the_last():
    # 1.5 WTE: the March 2025 post (0.5), the June 2024 one (0.6), then 0.4 of the 2023 one, 0.6 of it kept
    assert cut_posts(POSTS, "pharmacist", Decimal("1.5"), ON) == [
        PostCut(4, Decimal(0)), PostCut(2, Decimal(0)), PostCut(0, Decimal("0.6"))]
    assert cut_posts(POSTS, "paramedic", Decimal("1"), ON) == [PostCut(1, Decimal(0))]
    with pytest.raises(NotEnoughPosts) as caught:
        cut_posts(POSTS, "pharmacist", Decimal("2.2"), ON)
    assert (caught.value.held, caught.value.wanted) == (Decimal("2.1"), Decimal("2.2"))


@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(1, 200),
                          st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)),
                          st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1))), max_size=8),
       st.integers(1, 400), st.dates(dt.date(2022, 1, 1), dt.date(2027, 1, 1)))
def test_ending_posts_ends_exactly_what_is_asked_of_running_posts_of_the_role(raw, hundredths, on):
    posts = [(role, Decimal(fte) / 100, start, end) for role, fte, start, end in raw]
    wte = Decimal(hundredths) / 100
    running = [i for i, (r, _f, _s, end) in enumerate(posts) if r == "a" and (end is None or end >= on)]
    held = sum((posts[i][1] for i in running), Decimal(0))
    if held < wte:
        with pytest.raises(NotEnoughPosts):
            cut_posts(posts, "a", wte, on)
        return
    cuts = cut_posts(posts, "a", wte, on)
    assert {c.index for c in cuts} <= set(running) and len({c.index for c in cuts}) == len(cuts)
    assert sum((posts[c.index][1] - c.kept for c in cuts), Decimal(0)) == wte
    assert all(c.kept == 0 for c in cuts[:-1]) and 0 <= cuts[-1].kept < posts[cuts[-1].index][1]
    starts = [posts[c.index][2] for c in cuts]
    assert starts == sorted(starts, reverse=True)  # the latest to start first
