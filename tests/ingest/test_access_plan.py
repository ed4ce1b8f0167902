"""The access plan CSV reader (a plan of weekly sessions, one per row)."""

import datetime as dt
from pathlib import Path

import pytest

from pcnhub.domain.access import Session
from pcnhub.domain.errors import InputError
from pcnhub.ingest.access_plan import read_plan_csv


def write(tmp_path: Path, text: str, name: str = "plan.csv", *, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_read_plan_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Day,Start,End,Site,Staff_Type,Agreed,notes\n"
        "Mon,18:30,20:00,Canvey,GP,,first\n"
        "\n"
        "sunday,10:00,12:00,Benfleet,Nurse,yes,\n"
        "Sat,9:00,17:00:00,Canvey,HCA,0,\n",
        encoding="utf-8-sig",
    )
    assert read_plan_csv(path) == [
        Session(0, dt.time(18, 30), dt.time(20), "Canvey", "GP", False),
        Session(6, dt.time(10), dt.time(12), "Benfleet", "Nurse", True),
        Session(5, dt.time(9), dt.time(17), "Canvey", "HCA", False),
    ]


def test_read_plan_csv_without_agreed_column(tmp_path: Path) -> None:
    path = write(tmp_path, "day,start,end,site,staff_type\nTue,07:00,08:00,Main,GP\n")
    assert read_plan_csv(path) == [Session(1, dt.time(7), dt.time(8), "Main", "GP")]


def test_read_plan_csv_collects_every_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "day,start,end,site,staff_type,agreed\n"
        "Mon,18:30,20:00,Main,GP,no\n"
        "Funday,18:30,20:00,Main,GP,no\n"
        "Tue,6pm,25:00,Main,GP,maybe\n"
        "Wed,,20:00,Main,GP,\n",
    )
    with pytest.raises(InputError) as caught:
        read_plan_csv(path)
    error = caught.value
    assert error.file == "plan.csv"
    assert [(p.row, p.field) for p in error.problems] == [
        (3, "day"),
        (4, "start"),
        (4, "end"),
        (4, "agreed"),
        (5, "start"),
    ]
    assert "plan.csv row 3, field day: 'Funday' is not a day of the week" in str(error)
    assert "plan.csv row 4, field start: '6pm' is not a 24-hour time HH:MM" in str(error)


@pytest.mark.parametrize(
    ("text", "row", "field", "message"),
    [
        ("", None, None, "the file is empty"),
        ("\n\n", None, None, "the file is empty"),
        ("day,start,end,site\nMon,18:30,20:00,Main\n", 1, "staff_type", "required column is missing"),
        ("day,start,end,site,staff_type\n", None, None, "no sessions"),
        ("day,start,end,site,staff_type\nMon,18:30,20:00,Main,GP,extra\n", 2, None, "6 values"),
    ],
)
def test_read_plan_csv_whole_file_problems(
    tmp_path: Path, text: str, row: int | None, field: str | None, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        read_plan_csv(write(tmp_path, text))
    assert (caught.value.row, caught.value.field) == (row, field)
    assert message in caught.value.message


def test_read_plan_csv_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_plan_csv(tmp_path / "nothing.csv")


def test_read_plan_csv_reads_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_bytes(b"day,start,end,site,staff_type\nMon,18:30,20:00,Caf\xe9,GP\n")
    assert read_plan_csv(path) == [Session(0, dt.time(18, 30), dt.time(20), "Café", "GP")]
