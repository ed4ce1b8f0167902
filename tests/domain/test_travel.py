"""A drive estimated from a straight line: route factor times the distance, at the average speed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcnhub.domain.travel import KM_PER_MILE, Road

#: The published figures (reference/travel/travel.toml): England's circuity, local 'A' road speed to June 2019.
ENGLAND = Road(1.4, 25.4)


def test_ten_kilometres_apart_is_a_twenty_minute_drive():
    # 10 km straight is 14 km by road; 25.4 mph is 40.877 km/h; 14 / 40.877 h is 20.55 minutes
    assert ENGLAND.road_km(10) == pytest.approx(14.0)
    assert ENGLAND.speed_kmh == pytest.approx(40.8773, abs=1e-4)
    assert ENGLAND.minutes(10) == pytest.approx(20.549, abs=1e-3)
    assert ENGLAND.minutes(0) == 0


def test_a_mile_as_the_crow_flies_on_a_straight_road_at_60_mph_is_a_minute():
    assert Road(1.0, 60).minutes(KM_PER_MILE) == pytest.approx(1.0)


@pytest.mark.parametrize(("factor", "speed", "words"), [
    (0.9, 25.4, "shorter than the straight line"), (1.4, 0, "above 0 mph"), (float("nan"), 25.4, "below 1"),
    (1.4, float("nan"), "above 0 mph")])
def test_a_road_that_cannot_be_is_refused(factor, speed, words):
    with pytest.raises(ValueError, match=words):
        Road(factor, speed)


@given(st.floats(0, 500), st.floats(0, 500), st.floats(1, 3), st.floats(1, 70))
def test_minutes_grow_in_proportion_to_the_distance(a, b, factor, speed):
    road = Road(factor, speed)
    assert road.minutes(a + b) == pytest.approx(road.minutes(a) + road.minutes(b), rel=1e-9, abs=1e-9)
    assert road.minutes(a) >= a / speed / KM_PER_MILE * 60 * (1 - 1e-12)  # never faster than the straight line
