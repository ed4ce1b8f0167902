"""``pcnhub scenario``: a scenario's changes compared with the stored register (tests/builders.py: Alpha North
U00001 A81001-A81003, Alpha South U00002 A81004-A81005, in Alpha ICB QAA through sub-ICB 01A), and applying
approved scenarios that are due."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pcnhub.domain import scenario as d
from pcnhub.register.models import Membership, Organisation
from pcnhub.scenarios import services
from pcnhub.scenarios.compare import compare
from pcnhub.scenarios.models import EventKind, Status
from pcnhub.scenarios.serialise import comparison_dict
from tests.builders import NORTH_TOTAL, SIZES, SOUTH_TOTAL
from tests.cli.helpers import pcnhub
from tests.designer.conftest import place_practices

pytestmark = pytest.mark.django_db

HEADER = "action,practice_code,from_pcn,to_pcn,list_change\n"
DAY = dt.date(2025, 1, 1)


@pytest.fixture
def placed(register):
    """The register with its practices placed near Southend (as tests/scenarios/conftest.py's)."""
    place_practices()
    return register


@pytest.fixture
def changes(tmp_path):
    def write(*rows: str, name: str = "changes.csv"):
        path = tmp_path / name
        path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
        return str(path)

    return write


def test_json_is_the_comparison_dict(placed, changes):
    path = changes("move,A81003,U00001,Alpha South PCN,")
    code, out, err = pcnhub("scenario", "--changes", path, "--date", "2025-01-01", "--area", "qaa", "--json")
    assert code == 0, err
    report = json.loads(out)
    expected = comparison_dict(compare(Organisation.objects.get(code="QAA"), DAY,
                                       [d.Change(d.MOVE, practice="A81003", from_pcn="U00001",
                                                 to_pcn="Alpha South PCN")]))
    report.pop("seconds"), expected.pop("seconds")
    assert report == json.loads(json.dumps(expected))
    assert [(r["key"], r["before"]["list_size"], r["after"]["list_size"]) for r in report["rows"]] == [
        ("U00001", NORTH_TOTAL, NORTH_TOTAL - SIZES["A81003"][1]),
        ("U00002", SOUTH_TOTAL, SOUTH_TOTAL + SIZES["A81003"][1])]


def test_the_area_defaults_to_the_icb_of_the_first_practice_or_network_named(placed, changes):
    code, out, err = pcnhub("scenario", "--changes", changes("grow,A81004,,,1500"), "--date", "2025-01-01", "--json")
    assert code == 0, err
    assert json.loads(out)["area"] == {"code": "QAA", "name": "Alpha ICB"}
    # a new practice is not in the register: the network it opens in names the area
    code, out, err = pcnhub("scenario", "--changes", changes("add,B89999,,Beta PCN,2000"), "--date", "2025-01-01",
                            "--json")
    assert code == 0, err
    assert json.loads(out)["area"]["code"] == "QBB"


def test_a_sub_icb_location_is_an_area_too(placed, changes):
    code, out, err = pcnhub("scenario", "--changes", changes("grow,A81001,,,100"), "--date", "2025-01-01",
                            "--area", "01A", "--json")
    assert code == 0, err
    assert json.loads(out)["area"]["code"] == "01A"


def test_the_table_shows_each_network_before_and_after(placed, changes):
    code, out, err = pcnhub("scenario", "--changes", changes("merge,,U00002,U00001,"), "--date", "2025-01-01")
    assert code == 0, err
    assert out.startswith("Alpha ICB (QAA) on 1 January 2025: 2 networks touched")
    assert "  1. Merge Alpha South PCN into Alpha North PCN" in out
    assert "Alpha North PCN (U00001): Continues" in out
    assert "Alpha South PCN (U00002): Ends: merged into Alpha North PCN" in out
    patients = [line.split() for line in out.splitlines() if line.strip().startswith("Patients")]
    assert sorted(patients) == [["Patients", f"{NORTH_TOTAL:,}", f"{NORTH_TOTAL + SOUTH_TOTAL:,}",
                                 f"{SOUTH_TOTAL:+,}"], ["Patients", f"{SOUTH_TOTAL:,}", "-"]]
    assert "Development carried from: Alpha North PCN, Alpha South PCN" in out
    drives = [line.split() for line in out.splitlines() if line.strip().startswith("Longest drive (min, estimate)")]
    assert all(len(d) == 6 for d in drives) and len(drives) == 2  # label (4 words), before, after
    assert "Drives are estimated from the straight lines with a road route 1.4 times the straight line" in out


def test_bad_input_exits_2_without_a_traceback(placed, changes, tmp_path):
    cases = [
        (("--changes", changes("moev,A81003,,U00002,", name="typo.csv"), "--date", "2025-01-01"),
         "typo.csv row 2, field action: 'moev' is not an action"),
        (("--changes", changes("move,A81003,,U00002,", "move,B82001,,U00001,", name="beta.csv"), "--date",
          "2025-01-01", "--area", "QAA"), "pcnhub scenario: beta.csv: row 3 (move): there is no practice B82001 in the area"),
        (("--changes", changes("move,A81003,,U00002,"), "--date", "2025-01-01", "--area", "U00001"),
         "pcnhub scenario: no ICB or sub-ICB location with code 'U00001' in the register"),
        (("--changes", changes("move,A81003,,U00002,"), "--date", "1 Jan 2025"),
         "pcnhub scenario: --date: '1 Jan 2025' is not a date (expected YYYY-MM-DD"),
        (("--changes", changes("move,A81003,,U00002,"), "--date", "0001-01-01"),
         "pcnhub scenario: a scenario's date must be from 1 January 2000 to 31 December 2099 (0001-01-01)"),
        (("--changes", changes("move,Z99999,,Nowhere PCN,", name="nowhere.csv"), "--date", "2025-01-01"),
         "give the area with --area CODE"),
        (("--changes", str(tmp_path / "missing.csv"), "--date", "2025-01-01"), "missing.csv"),
    ]
    for argv, message in cases:
        code, out, err = pcnhub("scenario", *argv)
        assert (code, out) == (2, ""), (argv, err)
        assert message in err and "Traceback" not in err, (argv, err)


def test_an_empty_register_exits_2(db, changes):
    code, _, err = pcnhub("scenario", "--changes", changes("grow,A81001,,,1"), "--date", "2025-01-01")
    assert code == 2 and "the register is empty" in err


def test_apply_due_applies_approved_scenarios_whose_date_has_come(placed):
    icb = placed.users["icb"]
    area = Organisation.objects.get(code="QAA")
    due = services.create(area, "Essex Way to South", dt.date(2025, 2, 1), "", icb,
                          [d.Change(d.MOVE, practice="A81003", to_pcn="U00002")])
    later = services.create(area, "North grows", dt.date(2025, 6, 1), "", icb,
                            [d.Change(d.GROW, practice="A81001", list_change=100)])
    for scenario in (due, later):
        services.take_step(scenario, EventKind.SUBMITTED, icb)
        services.take_step(scenario, EventKind.APPROVED, icb, "Agreed", today=dt.date(2025, 1, 15))
    code, out, err = pcnhub("scenario", "apply-due", "--date", "2025-01-31")
    assert (code, out) == (0, "No approved scenario is due by 31 January 2025.\n"), err
    code, out, err = pcnhub("scenario", "apply-due", "--date", "2025-03-01")
    assert code == 0, err
    assert out == (f"Applied 1 scenario to the register:\n  {due.pk}: Essex Way to South (Alpha ICB), "
                   "from 1 February 2025\n")
    due.refresh_from_db(), later.refresh_from_db()
    assert (due.status, later.status) == (Status.APPLIED, Status.APPROVED)
    assert Membership.objects.on(dt.date(2025, 2, 1)).get(practice__code="A81003").pcn.code == "U00002"
    code, out, _ = pcnhub("scenario", "apply-due", "--date", "2025-06-01", "--json")
    assert code == 0 and json.loads(out) == [{"id": later.pk, "name": "North grows",
                                              "area": {"code": "QAA", "name": "Alpha ICB"},
                                              "effective_date": "2025-06-01"}]
    code, _, err = pcnhub("scenario", "apply-due", "--date", "June")
    assert code == 2 and "YYYY-MM-DD" in err
