"""Place names for offline maps: the post towns of the practices' addresses.

The register keeps a practice's address as epraccur gives it, its address lines joined with ", " (premises,
street, locality, post town, county; blank lines left out). The post town is the last line that is not a
county (Royal Mail's former postal counties and the ceremonial and metropolitan counties of England and
Wales, "GREATER LONDON" and the like) nor looks like a street or building (it has a digit). :func:`towns`
groups practices by town and puts each at the mean of its practices' points.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Lines that name a county (or region) rather than a town, upper case.
COUNTIES = frozenset({
    "AVON", "BEDFORDSHIRE", "BEDS", "BERKSHIRE", "BERKS", "BRISTOL", "BUCKINGHAMSHIRE", "BUCKS",
    "CAMBRIDGESHIRE", "CAMBS", "CHESHIRE", "CLEVELAND", "CORNWALL", "CUMBRIA", "DERBYSHIRE", "DEVON", "DORSET",
    "COUNTY DURHAM", "CO DURHAM", "CO. DURHAM", "DURHAM CITY", "EAST SUSSEX", "E SUSSEX", "ESSEX",
    "GLOUCESTERSHIRE", "GLOS", "GREATER LONDON", "GREATER MANCHESTER", "HAMPSHIRE", "HANTS", "HEREFORDSHIRE",
    "HERTFORDSHIRE", "HERTS", "HUMBERSIDE", "ISLE OF WIGHT", "KENT", "LANCASHIRE", "LANCS", "LEICESTERSHIRE",
    "LEICS", "LINCOLNSHIRE", "LINCS", "MERSEYSIDE", "MIDDLESEX", "MIDDX", "NORFOLK", "NORTH HUMBERSIDE",
    "NORTH SOMERSET", "NORTH YORKSHIRE", "N YORKSHIRE", "N. YORKSHIRE", "NORTHAMPTONSHIRE", "NORTHANTS",
    "NORTHUMBERLAND", "NOTTINGHAMSHIRE", "NOTTS", "OXFORDSHIRE", "OXON", "RUTLAND", "SHROPSHIRE", "SALOP",
    "SOMERSET", "SOUTH HUMBERSIDE", "SOUTH YORKSHIRE", "S YORKSHIRE", "S. YORKSHIRE", "STAFFORDSHIRE", "STAFFS",
    "SUFFOLK", "SURREY", "TYNE & WEAR", "TYNE AND WEAR", "WARWICKSHIRE", "WARKS", "WEST MIDLANDS", "W MIDLANDS",
    "WEST SUSSEX", "W SUSSEX", "WEST YORKSHIRE", "W YORKSHIRE", "W. YORKSHIRE", "WILTSHIRE", "WILTS",
    "WORCESTERSHIRE", "WORCS", "EAST YORKSHIRE", "EAST RIDING OF YORKSHIRE", "E YORKSHIRE", "N HUMBERSIDE",
    "YORKSHIRE", "LONDON BOROUGH", "ENGLAND", "WALES", "UNITED KINGDOM", "UK",
})
_SPACES = re.compile(r"\s+")


def post_town(address: str) -> str | None:
    """The post town of an address ("1 HIGH STREET, BRENTWOOD, ESSEX" -> "BRENTWOOD"), None when none is found."""
    lines = [_SPACES.sub(" ", part).strip(" .").upper() for part in address.split(",")]
    lines = [line for line in lines if line]
    while lines and lines[-1] in COUNTIES:
        lines.pop()
    if len(lines) < 2:
        # A single line is the premises or the street, not a town.
        return None
    town = lines[-1]
    if any(ch.isdigit() for ch in town) or len(town) < 3:
        return None
    return town


@dataclass(frozen=True)
class Town:
    name: str
    x: float
    y: float
    #: how many of the practices have this post town
    practices: int


def towns(addresses: Mapping[str, str], xy: Mapping[str, tuple[float, float]]) -> list[Town]:
    """The post towns of the practices (code -> address) that have a point (code -> (x, y)), each at its
    practices' mean point, the towns with most practices first (then by name)."""
    groups: dict[str, list[tuple[float, float]]] = {}
    for code, address in addresses.items():
        town = post_town(address)
        if town is None or code not in xy:
            continue
        groups.setdefault(town, []).append(xy[code])
    out = [Town(name, sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points), len(points))
           for name, points in groups.items()]
    return sorted(out, key=lambda t: (-t.practices, t.name))


def title_case(name: str) -> str:
    """ "SOUTHEND-ON-SEA" -> "Southend-on-Sea" (small words lower case) for a label that reads as a place."""
    small = {"on", "upon", "in", "by", "the", "de", "le", "under", "cum", "and"}

    def word(w: str, first: bool) -> str:
        parts = w.split("-")
        return "-".join(p.lower() if (i or not first) and p.lower() in small else p.capitalize()
                        for i, p in enumerate(parts))

    return " ".join(word(w, i == 0) for i, w in enumerate(name.split(" ")))

