"""Locations given in a user CSV: latitude and longitude, or a postcode geocoded offline.

Shared by the configuration CSV (:mod:`pcnhub.ingest.configuration`, for the contiguity check) and
the design input (:mod:`pcnhub.ingest.design_input`).  Postcodes are placed with OS Code-Point Open
(:mod:`pcnhub.geo.postcodes`), all of a file's in one lookup.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pcnhub.geo.postcodes import Location


def geocode_postcodes(texts: Iterable[str]) -> dict[str, Location]:
    """Look up postcodes (as given) with one call to :func:`pcnhub.geo.postcodes.locate`.

    Returns ``{given text: Location}`` for those placed.  Raises
    :class:`~pcnhub.geo.postcodes.GeocodingUnavailable` when the data are not installed.
    """
    from pcnhub.geo.postcodes import locate, normalise

    wanted = {text for text in texts if text and normalise(text) is not None}
    return locate(sorted(wanted)) if wanted else {}


def postcode_location(text: str, found: Mapping[str, Location]) -> tuple[Location | None, str | None]:
    """The location of a postcode cell, or the problem to report at its row and field."""
    from pcnhub.geo.postcodes import normalise

    clean = normalise(text)
    if clean is None:
        return None, f"{text!r} is not a UK postcode (e.g. SS0 0AA)"
    location = found.get(text)
    if location is None:
        return None, (
            f"{clean} cannot be placed: it is not in OS Code-Point Open, and nor is any postcode "
            "of its sector or district (give lat and lon instead)"
        )
    return location, None


def approximate_description(location: Location) -> str | None:
    """``"CA9 3QX, sector mean"`` for a postcode placed at its sector or district; None if exact."""
    if location.precision == "postcode":
        return None
    return f"{location.postcode}, {location.precision} mean"


def parse_coordinate(text: str, limit: float) -> tuple[float | None, str | None]:
    """A latitude (``limit`` 90) or longitude (180) in degrees, or the problem with the text."""
    try:
        value = float(text)
    except ValueError:
        return None, f"{text!r} is not a number"
    if not (math.isfinite(value) and -limit <= value <= limit):
        return None, f"{text} is out of range (-{limit:g} to {limit:g} degrees)"
    return value, None
