"""The designer's tests: the hand-made register with each practice at its own place near Southend."""

from __future__ import annotations

import pytest

from pcnhub.register.models import Organisation

#: (lat, lon) of each practice: Alpha North in the west, Alpha South in the east, Beta further off.
#: A81006 (Island Surgery, in no PCN) has no postcode or coordinates, so it cannot be placed.
LOCATIONS = {
    "A81001": (51.560, 0.600),
    "A81002": (51.575, 0.625),
    "A81003": (51.550, 0.640),
    "A81004": (51.545, 0.700),
    "A81005": (51.565, 0.720),
    "B82001": (51.700, 0.900),
    "B82002": (51.720, 0.920),
}
UNPLACED = "A81006"
#: Practices of Alpha ICB (QAA) that are on the map.
ALPHA_LOCATED = ["A81001", "A81002", "A81003", "A81004", "A81005"]


def place_practices() -> None:
    for code, (lat, lon) in LOCATIONS.items():
        Organisation.objects.filter(code=code).update(latitude=lat, longitude=lon)
    Organisation.objects.filter(code=UNPLACED).update(postcode="", latitude=None, longitude=None)


@pytest.fixture
def placed(register):
    place_practices()
    return register


@pytest.fixture(autouse=True)
def _quick_proposals(settings):
    settings.PCNHUB_DESIGN_SECONDS = 1.0
