"""What changed between two configurations (pcnhub.domain.changes)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pcnhub.domain.changes import Move, compare


def test_moves_joins_leaves_openings_closures_and_networks():
    before = {"a": "N1", "b": "N1", "c": "N2", "d": None, "e": "N3"}
    after = {"a": "N1", "b": "N4", "c": None, "d": "N2", "f": "N4"}
    found = compare(before, after, {"N1": "North", "N2": "Old"}, {"N1": "North PCN", "N2": "Old"})
    assert found.moved == [Move("b", "N1", "N4")]
    assert found.joined == [Move("d", None, "N2"), Move("f", None, "N4")]
    assert found.left == [Move("c", "N2", None), Move("e", "N3", None)]
    assert (found.opened, found.closed) == (["f"], ["e"])
    assert (found.began, found.ended) == (["N4"], ["N3"])
    assert found.renamed == [("N1", "North", "North PCN")]
    assert found.count == 10


def test_nothing_changed_is_no_change():
    same = {"a": "N1", "b": None}
    assert compare(same, dict(same), {"N1": "x"}, {"N1": "x"}).count == 0


snapshots = st.dictionaries(st.sampled_from("abcdefgh"), st.sampled_from(["N1", "N2", "N3", None]), max_size=8)


@given(snapshots, snapshots)
def test_every_practice_whose_network_differs_is_counted_once(before, after):
    found = compare(before, after)
    listed = [m.practice for m in found.moved + found.joined + found.left]
    assert len(listed) == len(set(listed))
    assert set(listed) == {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    # applying the moves to the first snapshot gives the second
    applied = {p: n for p, n in before.items() if p in after}
    applied.update({m.practice: m.after for m in found.moved + found.joined + found.left if m.practice in after})
    applied.update({p: after[p] for p in found.opened})
    assert applied == dict(after)
