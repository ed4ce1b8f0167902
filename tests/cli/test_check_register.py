"""`pcnhub check --pcn-date D --icb CODE` checks the stored register (register: tests/builders.py)."""

import json

import pytest

from pcnhub.register.models import RuleException
from tests.builders import NORTH_TOTAL, SOUTH_TOTAL
from tests.cli.helpers import pcnhub

pytestmark = pytest.mark.django_db


run = pcnhub


def test_register_check_reports_breaches_and_exits_1(register):
    code, out, err = run("check", "--pcn-date", "2025-01-01", "--icb", "qaa", "--json")
    assert code == 1, err
    report = json.loads(out)
    networks = {n["name"]: n for n in report["networks"]}
    assert networks["Alpha South PCN"]["list_size"] == SOUTH_TOTAL
    assert networks["Alpha North PCN"]["practices"] == ["A81001", "A81002", "A81003"]
    assert networks["Alpha North PCN"]["findings"] == []
    assert {(f["rule"], f["severity"], f["network"]) for f in report["findings"]} == {
        ("list-size-band", "warning", "Alpha South PCN"),  # 55,000: above the suggested upper level
        ("full-coverage", "error", None),
        # Alpha South has no governance recorded: said, as warnings, not taken as met.
        ("clinical-director", "warning", "Alpha South PCN"),
        ("nominated-payee", "warning", "Alpha South PCN"),
        ("network-agreement", "warning", "Alpha South PCN"),
    }
    assert report["area"]["code"] == "QAA" and report["date"] == "2025-01-01"


def test_a_covered_area_within_the_band_passes(register):
    code, out, _ = run("check", "--pcn-date", "2025-01-01", "--icb", "QBB", "--json")
    assert code == 0
    assert [f["message"] for f in json.loads(out)["findings"]] == [
        "Beta PCN: a Clinical Director is not recorded", "Beta PCN: a nominated payee is not recorded",
        "Beta PCN: a signed Network Agreement is not recorded",
    ]


def test_recorded_exception_turns_a_breach_into_an_exception(register):
    RuleException.objects.create(pcn=register.south, rule="list-size-band", reason="Rural island practice")
    register.practices["A81006"].close_date = register.practices["A81006"].open_date  # closed: needs no cover
    register.practices["A81006"].save()
    code, out, _ = run("check", "--pcn-date", "2025-01-01", "--icb", "QAA", "--json")
    assert code == 0
    [finding] = [f for f in json.loads(out)["findings"] if f["severity"] != "warning"]
    assert finding["severity"] == "exception" and "Rural island practice" in finding["message"]


def test_unknown_icb_and_bad_date_exit_2(register):
    code, out, err = run("check", "--pcn-date", "2025-01-01", "--icb", "NOPE", "--json")
    assert (code, out) == (2, "") and "NOPE" in err
    code, out, err = run("check", "--pcn-date", "1 Jan 2025", "--icb", "QAA", "--json")
    assert (code, out) == (2, "") and "YYYY-MM-DD" in err


def test_text_report(register):
    code, out, _ = run("check", "--pcn-date", "2025-01-01", "--icb", "QAA")
    assert code == 1
    assert f"Alpha North PCN (U00001): 3 practices, {NORTH_TOTAL:,} patients, ok" in out
    assert f"Alpha South PCN (U00002): 2 practices, {SOUTH_TOTAL:,} patients, warning" in out
    assert "band 30,000-50,000 (the DES band: no band policy recorded; above the upper limit is a warning)" in out
