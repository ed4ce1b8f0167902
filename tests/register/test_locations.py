"""Practice locations from recorded coordinates or offline postcode geocoding."""

from __future__ import annotations

import pytest

from pcnhub.register.locations import practice_locations
from pcnhub.register.models import Organisation, OrgKind

pytestmark = pytest.mark.django_db


def practice(code: str, postcode: str = "", lat: float | None = None, lon: float | None = None) -> Organisation:
    return Organisation.objects.create(
        code=code, name=code, kind=OrgKind.PRACTICE, postcode=postcode, latitude=lat, longitude=lon
    )


def test_recorded_coordinates_win_then_postcodes_then_reasons() -> None:
    found = practice_locations(
        [
            practice("A00001", postcode="SS0 0AA", lat=51.0, lon=0.5),
            practice("A00002", postcode="ss0 0ab"),
            practice("A00003", postcode="CA9 3QX"),
            practice("A00004"),
            practice("A00005", postcode="nonsense"),
            practice("A00006", postcode="ZZ99 9ZZ"),
        ]
    )
    assert found.points["A00001"].lat == 51.0
    assert found.precision["A00001"] == "recorded"
    assert found.precision["A00002"] == "postcode"
    assert found.points["A00002"].lat == pytest.approx(51.555, abs=0.01)
    assert found.approximate == {"A00003": "sector"}
    assert set(found.unplaced) == {"A00004", "A00005", "A00006"}
    assert "no postcode" in found.unplaced["A00004"]
    assert "not a UK postcode" in found.unplaced["A00005"]
    assert "ZZ99 9ZZ" in found.unplaced["A00006"]
