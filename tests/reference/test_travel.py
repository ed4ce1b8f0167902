"""The travel figures: the packaged file holds the published figures with their sources, and the loader rejects a
bad file naming the file, table and field."""

from __future__ import annotations

import pytest

from pcnhub.reference import travel
from pcnhub.reference.travel import TravelError, parse_travel

GOOD = '''
[route_factor]
value = 1.4
unit = "road km per straight-line km"
short = "a route 1.4 times the straight line"
status = "derived"
version = 2026-12-06
source = "Ballou et al. 2002"
note = "a note"

[speed]
value = 25.4
unit = "mph"
short = "25.4 mph"
status = "verified"
version = 2026-12-06
source = "DfT CGN0501"
note = "a note"
'''


def test_the_packaged_figures_are_the_published_ones():
    found = travel.figures()
    route, speed = found["route_factor"], found["speed"]
    # Ballou, Rahardja and Sakai (2002): circuity 1.4 for England; DfT: local 'A' roads, year to June 2019, 25.4 mph
    assert (route.value, route.status) == (1.4, "derived") and "Ballou" in route.source and "Cole" in route.source
    assert (speed.value, speed.status) == (25.4, "verified") and "CGN0501" in speed.source and "25.4 mph" in speed.source
    for figure in found.values():
        assert figure.note and figure.short and figure.unit
    road = travel.road()
    assert (road.route_factor, road.speed_mph) == (1.4, 25.4)
    assert road.basis == f"{route.short}, at {speed.short}"


def test_a_good_file_parses():
    found = parse_travel(GOOD, "t.toml")
    assert (found["route_factor"].value, found["speed"].value, found["speed"].source) == (1.4, 25.4, "DfT CGN0501")


@pytest.mark.parametrize(("change", "message"), [
    (("value = 1.4", 'value = "1.4"'), "t.toml, table [route_factor], field value: '1.4' is not a number from 1 to 3"),
    (("value = 1.4", "value = 0.8"), "t.toml, table [route_factor], field value: 0.8 is not a number from 1 to 3"),
    (("value = 25.4", "value = 0"), "t.toml, table [speed], field value: 0 is not a number from 1 to 70"),
    (("value = 25.4", "value = true"), "t.toml, table [speed], field value: True is not a number"),
    (('status = "verified"', 'status = "sure"'), "t.toml, table [speed], field status: 'sure' is not one of"),
    (('source = "DfT CGN0501"', 'source = " "'), "t.toml, table [speed], field source: must be some text"),
    (('source = "DfT CGN0501"\n', ''), "t.toml, table [speed], field source: missing"),
    (("version = 2026-12-06\nsource = \"DfT", "version = \"yesterday\"\nsource = \"DfT"),
     "t.toml, table [speed], field version: 'yesterday' is not a date"),
    (('note = "a note"\n\n[speed]', 'note = "a note"\nspeed = 3\n\n[speed]'),
     "t.toml, table [route_factor], field speed: not a field of this file"),
    (("[speed]", "[speeds]"), "t.toml: unknown table [speeds]"),
    (("[route_factor]", "[route_factor"), "t.toml: not valid TOML"),
])
def test_a_bad_file_names_the_table_and_field(change, message):
    old, new = change
    assert old in GOOD
    with pytest.raises(TravelError) as raised:
        parse_travel(GOOD.replace(old, new, 1), "t.toml")
    assert str(raised.value).startswith(message)


def test_a_missing_table_is_named():
    with pytest.raises(TravelError, match=r"t.toml: table \[speed\] is missing"):
        parse_travel(GOOD[:GOOD.index("[speed]")], "t.toml")
