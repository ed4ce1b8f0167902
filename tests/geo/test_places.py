"""Post towns from the practices' addresses, as epraccur gives them."""

from __future__ import annotations

import pytest

from pcnhub.geo.places import post_town, title_case, towns


@pytest.mark.parametrize(("address", "town"), [
    ("THE SURGERY, 1 HIGH STREET, BRENTWOOD, ESSEX", "BRENTWOOD"),
    ("THE MEDICAL CENTRE, 1 RAWLING ROAD, GATESHEAD, TYNE & WEAR", "GATESHEAD"),
    ("27 BEAUMONT STREET, OXFORD", "OXFORD"),
    ("SALFORD CARE CTR(IRLAM), 125 LIVERPOOL ROAD, IRLAM, MANCHESTER", "MANCHESTER"),
    ("1 Station Road, Southend-on-Sea, Essex", "SOUTHEND-ON-SEA"),
    ("1 STATION ROAD", None),
    ("THE SURGERY, 12 HIGH STREET", None),
    ("", None),
    ("SURGERY, ESSEX", None),
])
def test_post_town_is_the_last_line_before_the_county(address, town):
    assert post_town(address) == town


def test_towns_sit_at_their_practices_mean_point_most_practices_first():
    found = towns(
        {"A1": "1 A ROAD, BASILDON, ESSEX", "A2": "2 B ROAD, BASILDON, ESSEX", "A3": "3 C ROAD, BRENTWOOD, ESSEX",
         "A4": "4 D ROAD, WICKFORD, ESSEX"},
        {"A1": (0.0, 0.0), "A2": (2.0, 4.0), "A3": (10.0, 10.0)},
    )
    assert [(t.name, t.x, t.y, t.practices) for t in found] == [("BASILDON", 1.0, 2.0, 2), ("BRENTWOOD", 10.0, 10.0, 1)]


def test_title_case_keeps_small_words_small():
    assert title_case("SOUTHEND-ON-SEA") == "Southend-on-Sea"
    assert title_case("STANFORD-LE-HOPE") == "Stanford-le-Hope"
    assert title_case("ON THE HILL") == "On the Hill"
