"""Helpers for the geography tests: points placed by kilometres near 51N, 0E."""

import math

from pcnhub.domain.geography import EARTH_RADIUS_KM, Point

LAT0 = 51.0
KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180


def km_point(code: str, x: float, y: float) -> Point:
    return Point(code, LAT0 + y / KM_PER_DEG, x / (KM_PER_DEG * math.cos(math.radians(LAT0))))
