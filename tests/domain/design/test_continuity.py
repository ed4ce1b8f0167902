"""What a proposed network keeps of the current network it continues."""

from __future__ import annotations

from pcnhub.domain.design.continuity import continuity
from pcnhub.domain.design.metrics import change


def test_some_practices_stay_and_the_others_move():
    current = {"BRENTWOOD PCN": ["A1", "A2", "A3", "A4", "A5", "A6"], "BILLERICAY PCN": ["B1", "B2"]}
    proposed = {"Network 1": ["A1", "A2", "A3", "A4", "B1"], "Network 2": ["A5", "B2"]}
    found = continuity(current, proposed, {"Network 1": "BRENTWOOD PCN", "Network 2": "BILLERICAY PCN"})
    one = found["Network 1"]
    assert (one.network, one.stay, one.of) == ("BRENTWOOD PCN", 4, 6)
    assert dict(one.moved_to) == {"Network 2": 1, "": 1}  # A6 is in no proposed network (not on the map)
    assert dict(one.joined_from) == {"BILLERICAY PCN": 1}
    assert not one.whole
    two = found["Network 2"]
    assert (two.stay, two.of, dict(two.moved_to), dict(two.joined_from)) == (1, 2, {"Network 1": 1},
                                                                            {"BRENTWOOD PCN": 1})


def test_a_network_kept_whole_and_a_new_one():
    current = {"X": ["A1", "A2"], "": ["C1"]}
    proposed = {"Network 1": ["A1", "A2"], "Network 2": ["C1"]}
    moved = change(current, proposed, {"A1": 10, "A2": 10, "C1": 5})
    found = continuity(current, proposed, moved.continues)
    assert found["Network 1"].whole
    assert "Network 2" not in found  # a new network continues nothing

