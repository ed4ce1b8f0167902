"""Lineage of networks inferred from memberships (pcnhub.domain.lineage)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from pcnhub.domain.lineage import Stay, Succession, SuccessionKind, Unclear, infer, lineage

D = dt.date
JAN19, DEC21, JAN22, JAN26 = D(2019, 1, 1), D(2021, 12, 31), D(2022, 1, 1), D(2026, 1, 1)


def stays(pcn: str, practices: str, start: dt.date | None, end: dt.date | None) -> list[Stay]:
    return [Stay(p, pcn, start, end) for p in practices]


def test_a_new_code_for_the_same_practices_continues_the_network():
    # Benfleet: the 2019 configuration's local code, then U27924 from the 2022 map, the same seven practices
    found, unclear = infer(stays("L-BENFLEET", "abcdefg", JAN19, DEC21) + stays("U27924", "abcdefg", JAN22, None))
    assert found == [Succession("L-BENFLEET", "U27924", JAN22, SuccessionKind.CONTINUES, 7, 7, 7)]
    assert unclear == []


def test_two_networks_joining_a_new_one_merged():
    found, _ = infer(stays("A", "abc", JAN19, DEC21) + stays("B", "de", JAN19, DEC21) + stays("C", "abcde", JAN22, None))
    assert [(s.predecessor, s.successor, s.kind, s.practices) for s in found] == [
        ("A", "C", SuccessionKind.MERGED, 3), ("B", "C", SuccessionKind.MERGED, 2)]


def test_a_network_joining_one_that_goes_on_merged_into_it():
    found, _ = infer(stays("A", "ab", JAN19, DEC21) + stays("C", "cde", JAN19, None) + stays("C", "ab", JAN22, None))
    assert [(s.predecessor, s.successor, s.kind) for s in found] == [("A", "C", SuccessionKind.MERGED)]


def test_one_network_becoming_two_split():
    found, _ = infer(stays("A", "abcd", JAN19, DEC21) + stays("B", "ab", JAN22, None) + stays("C", "cd", JAN22, None))
    assert [(s.predecessor, s.successor, s.kind, s.of_predecessor, s.of_successor) for s in found] == [
        ("A", "B", SuccessionKind.SPLIT, 4, 2), ("A", "C", SuccessionKind.SPLIT, 4, 2)]


def test_a_new_network_leaving_one_that_goes_on_split_from_it():
    found, _ = infer(stays("A", "abcde", JAN19, None)[:3] + stays("A", "de", JAN19, DEC21) + stays("B", "de", JAN22, None))
    assert [(s.predecessor, s.successor, s.kind) for s in found] == [("A", "B", SuccessionKind.SPLIT)]


def test_practices_moving_between_networks_that_both_go_on_are_moves_not_successions():
    memberships = stays("A", "abcd", JAN19, None) + stays("B", "efg", JAN19, DEC21) + stays("B", "h", JAN19, None)
    memberships += stays("A", "efg", JAN22, None)
    assert infer(memberships) == ([], [])


def test_a_network_whose_practices_scatter_is_unclear():
    # A's six practices go three ways, two each: no network took half of them, none is half from A
    memberships = stays("A", "abcdef", JAN19, DEC21) + stays("X", "ab", JAN22, None) + stays("X", "pqrst", JAN19, None)
    memberships += stays("Y", "cd", JAN22, None) + stays("Y", "uvwxy", JAN19, None)
    memberships += stays("Z", "ef", JAN22, None) + stays("Z", "jklmn", JAN19, None)
    found, unclear = infer(memberships)
    assert found == []
    assert unclear == [Unclear("A", JAN22, True, 6, 3, 2)]


def test_a_gap_between_memberships_is_not_a_move():
    assert infer(stays("A", "ab", JAN19, D(2021, 6, 30)) + stays("B", "ab", JAN22, None)) == ([], [])


def test_lineage_walks_back_and_forward_through_every_link():
    links = [Succession("A", "B", JAN22, SuccessionKind.CONTINUES, 3, 3, 3),
             Succession("B", "C", JAN26, SuccessionKind.MERGED, 3, 3, 5),
             Succession("X", "C", JAN26, SuccessionKind.MERGED, 2, 2, 5)]
    earlier, later = lineage("B", links)
    assert [(s.predecessor, s.successor) for s in earlier] == [("A", "B")]
    assert [(s.predecessor, s.successor) for s in later] == [("B", "C")]
    earlier, later = lineage("C", links)
    assert {(s.predecessor, s.successor) for s in earlier} == {("B", "C"), ("X", "C"), ("A", "B")}
    assert earlier[-1].predecessor == "A" and later == []


@st.composite
def two_configurations(draw: st.DrawFn) -> list[Stay]:
    """Up to 12 practices in networks A-D until the end of 2021, then in networks C-F from 2022."""
    practices = range(draw(st.integers(1, 12)))
    before = [Stay(p, draw(st.sampled_from("ABCD")), JAN19, DEC21) for p in practices]
    after = [Stay(p, draw(st.sampled_from("CDEF")), JAN22, None) for p in practices]
    return before + after


@given(two_configurations())
def test_every_link_is_a_clear_majority_across_an_identity_change(memberships):
    found, unclear = infer(memberships)
    before = {s.pcn for s in memberships if s.end is not None}
    after = {s.pcn for s in memberships if s.end is None}
    for s in found:
        assert s.predecessor != s.successor and s.practices > 0
        assert 2 * s.practices >= s.of_predecessor or 2 * s.practices >= s.of_successor
        assert s.predecessor not in after or s.successor not in before  # one side's identity changed
    linked = {s.predecessor for s in found} | {s.successor for s in found}
    assert not linked & {u.pcn for u in unclear}
    # the same memberships in another order give the same answer
    assert infer(reversed(memberships)) == (found, unclear)


def test_a_small_network_joining_a_new_larger_one_merged_not_continued():
    # Valens (1 practice) is all of itself but 1 of Northumbria's 8: the rest came from networks not clearly linked
    memberships = stays("VALENS", "a", JAN19, DEC21) + stays("NORTHUMBRIA", "abcdefgh", JAN22, None)
    # P and Q each send 3 of their 8 practices (3 of Northumbria's 8): no clear link; h was in no network
    memberships += stays("P", "bcd", JAN19, DEC21) + stays("P", "12345", JAN19, None)
    memberships += stays("Q", "efg", JAN19, DEC21) + stays("Q", "6789x", JAN19, None)
    found, _ = infer(memberships)
    assert [(s.predecessor, s.successor, s.kind) for s in found] == [("VALENS", "NORTHUMBRIA", SuccessionKind.MERGED)]


def test_most_of_a_new_network_from_part_of_an_ending_one_split():
    # A's 6 practices: 2 to B (all of B), 4 to C (also new, with 5 from elsewhere, so not clearly A's)
    memberships = stays("A", "abcdef", JAN19, DEC21) + stays("B", "ab", JAN22, None) + stays("C", "cdef", JAN22, None)
    memberships += stays("D", "vwxyz", JAN19, DEC21) + stays("C", "vwxyz", JAN22, None)
    found, _ = infer(memberships)
    kinds = {(s.predecessor, s.successor): s.kind for s in found}
    assert kinds[("A", "B")] == SuccessionKind.SPLIT
