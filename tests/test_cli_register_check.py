"""`pcnhub check --pcn-date D --icb CODE` checks the stored register."""

import io
import json

import pytest

from pcnhub.cli import main

pytestmark = pytest.mark.django_db


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_register_check_reports_breaches_and_exits_1(small_register):
    code, out, err = run("check", "--pcn-date", "2022-01-01", "--icb", "qaa", "--json")
    assert code == 1, err
    report = json.loads(out)
    networks = {n["name"]: n for n in report["networks"]}
    assert networks["North PCN"]["list_size"] == 52000
    assert networks["North PCN"]["practices"] == ["A00001", "A00002", "A00003"]
    assert networks["South PCN"]["findings"] == []
    assert {(f["rule"], f["network"]) for f in report["findings"]} == {
        ("list-size-band", "North PCN"),
        ("full-coverage", None),
    }
    assert report["area"]["code"] == "QAA" and report["date"] == "2022-01-01"


def test_register_check_with_a_wider_band_and_covered_area_passes(small_register):
    code, out, _ = run("check", "--pcn-date", "2022-01-01", "--icb", "QBB", "--json")
    assert code == 0
    assert json.loads(out)["findings"] == []


def test_recorded_exception_turns_a_breach_into_an_exception(small_register):
    from pcnhub.register.models import RuleException

    RuleException.objects.create(pcn=small_register["U00001"], rule="list-size-band", reason="Rural island practice")
    small_register["A00009"].close_date = small_register["A00009"].open_date  # closed: no longer needs covering
    small_register["A00009"].save()
    code, out, _ = run("check", "--pcn-date", "2022-01-01", "--icb", "QAA", "--json")
    assert code == 0
    [finding] = json.loads(out)["findings"]
    assert finding["severity"] == "exception" and "Rural island practice" in finding["message"]


def test_unknown_icb_and_bad_date_exit_2(small_register):
    code, out, err = run("check", "--pcn-date", "2022-01-01", "--icb", "NOPE", "--json")
    assert (code, out) == (2, "") and "NOPE" in err
    code, out, err = run("check", "--pcn-date", "1 Jan 2022", "--icb", "QAA", "--json")
    assert (code, out) == (2, "") and "YYYY-MM-DD" in err


def test_text_report(small_register):
    code, out, _ = run("check", "--pcn-date", "2022-01-01", "--icb", "QAA")
    assert code == 1
    assert "North PCN (U00001): 3 practices, 52,000 patients, BROKEN" in out
