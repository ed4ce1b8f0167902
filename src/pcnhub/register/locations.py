"""Where the register's practices are: recorded coordinates, else their postcode geocoded offline.

A practice's location is its recorded ``latitude``/``longitude`` when both are set (e.g. entered
by the ICB, or loaded with coordinates); otherwise its postcode is placed with OS Code-Point Open
(:mod:`pcnhub.geo.postcodes`), at the postcode itself or, for a postcode newer than the data or
terminated, at the mean of its sector or district.  Practices with neither are returned as
unplaced, with the reason, so pages and checks can name them rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pcnhub.domain.geography import Point
from pcnhub.geo.postcodes import GeocodingUnavailable, locate, normalise
from pcnhub.register.models import Organisation


@dataclass(frozen=True)
class PracticeLocations:
    """Points by practice code, how each was placed, and the practices that could not be placed."""

    points: dict[str, Point]
    #: code -> "recorded", "postcode", "sector" or "district"
    precision: dict[str, str]
    #: code -> why it has no location
    unplaced: dict[str, str]

    @property
    def approximate(self) -> dict[str, str]:
        """Practices placed at a sector or district mean rather than their own postcode."""
        return {code: how for code, how in self.precision.items() if how in ("sector", "district")}


def practice_locations(practices: Iterable[Organisation]) -> PracticeLocations:
    """Locate practices; never raises for bad or missing postcodes (they are reported as unplaced)."""
    points: dict[str, Point] = {}
    precision: dict[str, str] = {}
    unplaced: dict[str, str] = {}
    by_postcode: dict[str, list[Organisation]] = {}
    for practice in practices:
        if practice.latitude is not None and practice.longitude is not None:
            points[practice.code] = Point(practice.code, practice.latitude, practice.longitude)
            precision[practice.code] = "recorded"
        elif not practice.postcode.strip():
            unplaced[practice.code] = "no postcode or coordinates recorded"
        elif normalise(practice.postcode) is None:
            unplaced[practice.code] = f"postcode {practice.postcode!r} is not a UK postcode"
        else:
            by_postcode.setdefault(practice.postcode, []).append(practice)
    if by_postcode:
        try:
            found = locate(by_postcode)
        except GeocodingUnavailable as error:
            found = {}
            reason = str(error)
        else:
            reason = ""
        for postcode, group in by_postcode.items():
            location = found.get(postcode)
            for practice in group:
                if location is None:
                    unplaced[practice.code] = reason or f"postcode {postcode} is not in OS Code-Point Open"
                else:
                    points[practice.code] = Point(practice.code, location.lat, location.lon)
                    precision[practice.code] = location.precision
    return PracticeLocations(points, precision, unplaced)
