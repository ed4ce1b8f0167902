"""The figures that turn a straight line between two practices into an estimated drive (``reference/travel/``).

``travel/travel.toml`` has two tables, ``[route_factor]`` (road km per straight-line km) and ``[speed]`` (mph),
each with its unit, a short phrase for pages, status, version, source and note (``travel/README.md``).
:func:`road` reads and checks them and returns a :class:`pcnhub.domain.travel.Road`; :func:`figures` returns
both entries as written, for a page that cites them.  Anything that cannot be used is a :class:`TravelError`
naming the file, table and field.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

from pcnhub.domain.travel import Road

FILE: Final = "travel/travel.toml"
TABLES: Final = ("route_factor", "speed")
STATUSES: Final = ("verified", "derived", "uncertain")
_FIELDS: Final = ("value", "unit", "short", "status", "version", "source", "note")
#: What a sane value lies within, per table (a route factor of 1 is a straight road; 70 mph the legal limit).
_RANGES: Final = {"route_factor": (1.0, 3.0), "speed": (1.0, 70.0)}


class TravelError(ValueError):
    """The travel file cannot be used: names the file, table and field."""


@dataclass(frozen=True)
class Figure:
    """One sourced figure of ``travel.toml``."""

    table: str
    value: float
    unit: str
    short: str
    status: str
    version: dt.date
    source: str
    note: str


def parse_travel(text: str, file: str = FILE) -> dict[str, Figure]:
    """The figures of ``text`` (the TOML of ``file``), checked."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise TravelError(f"{file}: not valid TOML ({err})") from err
    extra = sorted(set(data) - set(TABLES))
    if extra:
        raise TravelError(f"{file}: unknown table [{extra[0]}] (the tables are {', '.join(TABLES)})")
    out = {}
    for table in TABLES:
        entry = data.get(table)
        if not isinstance(entry, dict):
            raise TravelError(f"{file}: table [{table}] is missing")
        for name in _FIELDS:
            if name not in entry:
                raise TravelError(f"{file}, table [{table}], field {name}: missing")
        unknown = sorted(set(entry) - set(_FIELDS))
        if unknown:
            raise TravelError(f"{file}, table [{table}], field {unknown[0]}: not a field of this file")
        value = entry["value"]
        low, high = _RANGES[table]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
                or not low <= value <= high:
            raise TravelError(f"{file}, table [{table}], field value: {value!r} is not a number from {low:g} to "
                              f"{high:g}")
        if entry["status"] not in STATUSES:
            raise TravelError(f"{file}, table [{table}], field status: {entry['status']!r} is not one of "
                              f"{', '.join(STATUSES)}")
        version = entry["version"]
        if not isinstance(version, dt.date) or isinstance(version, dt.datetime):
            raise TravelError(f"{file}, table [{table}], field version: {version!r} is not a date (write 2026-12-06)")
        for name in ("unit", "short", "source", "note"):
            if not isinstance(entry[name], str) or not entry[name].strip():
                raise TravelError(f"{file}, table [{table}], field {name}: must be some text")
        out[table] = Figure(table, float(value), entry["unit"], entry["short"], entry["status"], version,
                            entry["source"], entry["note"])
    return out


@functools.cache
def figures() -> dict[str, Figure]:
    """The route factor and the speed, as ``travel.toml`` gives them."""
    path = resources.files("pcnhub.reference").joinpath(*FILE.split("/"))
    if not path.is_file():
        raise TravelError(f"{FILE}: the file does not exist")
    return parse_travel(path.read_text(encoding="utf-8"))


def road() -> Road:
    """The road that the figures describe, with the words that say how a drive is estimated."""
    found = figures()
    route, speed = found["route_factor"], found["speed"]
    return Road(route.value, speed.value, f"{route.short}, at {speed.short}")
