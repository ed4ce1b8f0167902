"""A scenario's changes from CSV: every problem named by file, row and field; nothing half read."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcnhub.domain import scenario as d
from pcnhub.domain.errors import InputError
from pcnhub.ingest.scenario_changes import read_changes

HEADER = "action,practice_code,from_pcn,to_pcn,list_change"


def write(tmp_path, *lines, name="changes.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_action_reads(tmp_path):
    path = write(tmp_path, HEADER + ",name,practice_name,role,wte,annual_cost,minutes",
                 "move,f81032,Benfleet,Canvey,,,,,,,",
                 "merge,,U2,U1,,Castle Point PCN,,,,,",
                 "add,Y99999,,Canvey,\"4,000\",,New Town Surgery,,,,",
                 "grow,F81051,,,1500,,,,,,",
                 "arrs,,,U1,,,,Paramedic,1.5,\"£60,000\",",
                 "access,,,U1,,,,,,,90",
                 "",
                 "close,F81740,,,,,,,,,")
    changes = read_changes(path)
    assert [c.action for c in changes] == ["move", "merge", "add", "grow", "arrs", "access", "close"]
    assert changes[0] == d.Change(d.MOVE, practice="F81032", from_pcn="Benfleet", to_pcn="Canvey")
    assert changes[0].row == 2 and changes[-1].row == 9
    assert changes[1].name == "Castle Point PCN" and changes[2].list_change == 4_000
    assert (changes[4].wte, changes[4].annual_cost) == (Decimal("1.5"), Decimal("60000"))
    assert changes[5].minutes == 90


def test_arrs_posts_ended_need_no_cost_and_posts_added_do(tmp_path):
    header = HEADER + ",role,wte,annual_cost"
    ended = read_changes(write(tmp_path, header, "arrs,,,U1,,Paramedic,-1.5,"))
    assert (ended[0].role, ended[0].wte, ended[0].annual_cost) == ("Paramedic", Decimal("-1.5"), Decimal(0))
    with pytest.raises(InputError) as caught:
        read_changes(write(tmp_path, header, "arrs,,,U1,,Paramedic,1.5,", name="added.csv"))
    assert "added.csv row 2, field annual_cost: is blank, and posts added need it" in str(caught.value)


def test_problems_name_the_file_row_and_field(tmp_path):
    path = write(tmp_path, HEADER, "swap,F81001,,U1,", "move,F81001,,,", "grow,F81001,,,lots", "add,Y1,,U1,")
    with pytest.raises(InputError) as caught:
        read_changes(path)
    text = str(caught.value)
    assert "changes.csv" in text
    assert "row 2, field action: 'swap' is not an action" in text
    assert "row 3, field to_pcn: is blank, and a move needs it" in text
    assert "row 4, field list_change: 'lots' is not a whole number" in text
    assert "row 5, field list_change: is blank, and a add needs it" in text


@pytest.mark.parametrize(("lines", "message"), [
    ((), "the file is empty"),
    ((HEADER,), "the file has a header but no changes"),
    (("action,practice_code",), "from_pcn"),
])
def test_empty_or_headless_files_are_refused(tmp_path, lines, message):
    path = write(tmp_path, *lines) if lines else (tmp_path / "changes.csv")
    if not lines:
        path.write_text("")
    with pytest.raises(InputError, match=message):
        read_changes(path)


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12), min_size=5, max_size=5))
def test_any_row_reads_or_is_refused_with_a_named_row(tmp_path_factory, cells):
    path = tmp_path_factory.mktemp("csv") / "changes.csv"
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER.split(","))
        writer.writerow(cells)
    try:
        changes = read_changes(path)
    except InputError as err:
        assert "changes.csv" in str(err)
    else:
        assert all(c.action in d.ACTIONS for c in changes)
