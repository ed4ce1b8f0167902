"""Location columns of a configuration CSV (for the contiguity check), with hypothesis properties.

* Written-out lat/lon read back as the same coordinates, and the networks are exactly those
  :func:`read_configuration_csv` reads (which ignores location columns).
* One corrupted coordinate gives an InputError naming that row and field.
"""

from __future__ import annotations

import csv
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcnhub.ingest.configuration import read_configuration_csv, read_configuration_with_locations
from pcnhub.domain.errors import InputError

HEADER = "pcn,practice_code,practice_name,list_size"


def write_text(tmp_path: Path, text: str, name: str = "config.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_no_location_columns_gives_none(tmp_path: Path) -> None:
    path = write_text(tmp_path, f"{HEADER}\nNorth,A00001,One,100\n")
    networks, area, locations = read_configuration_with_locations(path)
    assert locations is None
    assert (networks, area) == read_configuration_csv(path)


def test_postcodes_coordinates_approximate_and_unlocated(tmp_path: Path) -> None:
    path = write_text(
        tmp_path,
        f"{HEADER},Post Code,LAT,Lng\n"
        "North,A00001,One,100,SS0 0AA,,\n"
        "North,A00002,Two,100,CA9 3QX,,\n"  # placed at its sector's mean
        "North,A00003,Three,100,,51.5,0.5\n"
        "North,A00004,Four,100,,,\n"
        "South,A00001,One,100,B1 1AY,,\n",  # listed again: its first location stands
    )
    _, area, locations = read_configuration_with_locations(path)
    assert locations is not None
    assert area == ["A00001", "A00002", "A00003", "A00004"]
    assert set(locations.coordinates) == {"A00001", "A00002", "A00003"}
    assert locations.coordinates["A00001"] == pytest.approx((51.552, 0.678), abs=0.001)
    assert locations.coordinates["A00003"] == (51.5, 0.5)
    assert locations.approximate == {"A00002": "CA9 3QX, sector mean"}
    assert locations.unlocated == ["A00004"]


def test_read_configuration_csv_ignores_location_values(tmp_path: Path) -> None:
    """Imports (pcnhub.ingest.configuration) read the same file without geocoding or checking locations."""
    path = write_text(tmp_path, f"{HEADER},postcode,lat\nNorth,A00001,One,100,nonsense,\n")
    networks, _ = read_configuration_csv(path)
    assert [p.code for p in networks[0].practices] == ["A00001"]
    with pytest.raises(InputError) as caught:
        read_configuration_with_locations(path)
    assert str(caught.value) == "config.csv row 1, field lon: column is missing: lat needs lon (or drop lat)"


def test_location_problems_come_with_the_other_problems_in_row_order(tmp_path: Path) -> None:
    path = write_text(
        tmp_path,
        f"{HEADER},postcode\n"
        "North,A00001,One,many,SS0 0AA\n"
        "North,A00002,Two,100,SS0\n"
        "North,X,Three,100,ZZ99 9ZZ\n",
    )
    with pytest.raises(InputError) as caught:
        read_configuration_with_locations(path)
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (2, "list_size"), (3, "postcode"), (4, "practice_code"), (4, "postcode"),
    ]


codes = st.from_regex(r"[A-Z][0-9]{5}", fullmatch=True)
practices = st.lists(
    st.tuples(
        codes,
        st.sampled_from(["North", "South", "East", ""]),
        st.integers(0, 60_000),
        st.none() | st.tuples(st.floats(49.0, 61.0), st.floats(-8.0, 2.0)),
    ),
    min_size=1,
    max_size=15,
    unique_by=lambda row: row[0],
)


def write_rows(folder: str, rows: list[tuple[str, str, int, tuple[float, float] | None]]) -> Path:
    path = Path(folder) / "config.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["pcn", "practice_code", "practice_name", "list_size", "latitude", "longitude"])
        for code, pcn, size, where in rows:
            lat, lon = (repr(where[0]), repr(where[1])) if where else ("", "")
            writer.writerow([pcn, code, f"Practice {code}", size, lat, lon])
    return path


@given(practices)
def test_coordinates_read_back_and_networks_match_the_plain_reader(rows) -> None:
    with TemporaryDirectory() as folder:
        path = write_rows(folder, rows)
        networks, area, locations = read_configuration_with_locations(path)
        assert (networks, area) == read_configuration_csv(path)
    assert locations is not None
    assert locations.coordinates == {code: where for code, _, _, where in rows if where}
    assert locations.unlocated == [code for code, _, _, where in rows if where is None]
    assert locations.approximate == {}


@given(practices, st.data())
def test_a_bad_coordinate_is_named_by_row_and_field(rows, data) -> None:
    located = [i for i, row in enumerate(rows) if row[3] is not None]
    if not located:
        return
    index = data.draw(st.sampled_from(located))
    column = data.draw(st.sampled_from(["latitude", "longitude"]))
    bad = data.draw(st.sampled_from(["north", "91", "-200", "nan", "inf"]))
    code, pcn, size, (lat, lon) = rows[index]
    if column == "longitude" and bad == "91":
        bad = "181"
    with TemporaryDirectory() as folder:
        path = write_rows(folder, rows)
        lines = path.read_text(encoding="utf-8").splitlines()
        cells = lines[index + 1].split(",")
        cells[4 if column == "latitude" else 5] = bad
        lines[index + 1] = ",".join(cells)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with pytest.raises(InputError) as caught:
            read_configuration_with_locations(path)
    [problem] = caught.value.problems
    assert (problem.row, problem.field) == (index + 2, column)
