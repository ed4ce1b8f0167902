"""Travel between practices, estimated from the straight line (issue 17: "distance and travel between the practices").

pcnhub has no road network and may download nothing at run time, so a drive is the straight-line distance times a
route factor (how much longer a road route is than the straight line) at an average speed.  Both figures are
reference data (``reference/travel/travel.toml``), passed in as a :class:`Road`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

KM_PER_MILE: Final = 1.609344


@dataclass(frozen=True)
class Road:
    """How a straight line becomes a drive: ``route_factor`` road km per straight-line km, at ``speed_mph``.

    ``basis`` says so in words for a page ("a road route 1.4 times the straight line ... at 25.4 mph ...").
    """

    route_factor: float
    speed_mph: float
    basis: str = ""

    def __post_init__(self) -> None:
        if not self.route_factor >= 1:
            raise ValueError(f"a route factor below 1 ({self.route_factor}) would make a road shorter than the "
                             "straight line")
        if not self.speed_mph > 0:
            raise ValueError(f"a speed must be above 0 mph, not {self.speed_mph}")

    @property
    def speed_kmh(self) -> float:
        return self.speed_mph * KM_PER_MILE

    def road_km(self, straight_km: float) -> float:
        """The estimated road distance of a straight line of ``straight_km``."""
        return straight_km * self.route_factor

    def minutes(self, straight_km: float) -> float:
        """The estimated drive, in minutes, between two places ``straight_km`` apart."""
        return self.road_km(straight_km) / self.speed_kmh * 60
