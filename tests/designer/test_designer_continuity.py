"""The designer's "Continues ..." note: how many practices stay, where the others move, who joins."""

from __future__ import annotations

from pcnhub.designer.services import continuity_text
from pcnhub.domain.design.continuity import continuity


def test_the_designer_says_it_in_words():
    current = {"BRENTWOOD PCN": ["A1", "A2", "A3", "A4", "A5", "A6"], "BILLERICAY PCN": ["B1", "B2"]}
    proposed = {"Network 1": ["A1", "A2", "A3", "A4", "B1"], "Network 2": ["A5", "A6", "B2"]}
    found = continuity(current, proposed, {"Network 1": "BRENTWOOD PCN", "Network 2": "BILLERICAY PCN"})
    assert continuity_text(found["Network 1"], {"Network 1": "1", "Network 2": "2"}) == (
        "Continues BRENTWOOD PCN: 4 of its 6 practices stay; 2 move to network 2 (Network 2); "
        "1 practice joins (1 from BILLERICAY PCN).")
