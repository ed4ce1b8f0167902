"""`pcnhub entitlements --pcn CODE | --icb CODE` on the stored register (tests/builders.py)."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import pcnhub

pytestmark = pytest.mark.django_db


run = pcnhub


def test_pcn_json_is_the_list_size_shape_plus_pcn_as_of_and_notes(register):
    code, out, err = run("entitlements", "--year", "2023/24", "--pcn", "u00001", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["pcn"] == {"code": "U00001", "name": "Alpha North PCN"}
    assert report["as_of"] == "2024-01-01" and report["notes"]
    assert report["population"]["registered"] == 25_500
    core = next(p for p in report["payments"] if p["key"] == "core")
    assert core["amount"] == 38_250.0  # GBP 1.50 x 25,500
    # The same keys as the list-size mode.
    code, plain, _ = run("entitlements", "--year", "2023/24", "--registered", "25500", "--json")
    assert set(json.loads(plain)) <= set(report)


def test_icb_json_lists_every_pcn_and_the_total(register):
    code, out, err = run("entitlements", "--year", "2025/26", "--icb", "QAA", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["year"] == "2025/26" and report["area"]["code"] == "QAA"
    assert [p["code"] for p in report["pcns"]] == ["U00001", "U00002"]
    assert {"code", "name", "total"} <= set(report["pcns"][0])
    assert report["total"] == pytest.approx(sum(p["total"] for p in report["pcns"]))


def test_text_reports(register):
    code, out, _ = run("entitlements", "--year", "2025/26", "--pcn", "U00001")
    assert code == 0 and "Alpha North PCN (U00001) in 2025/26: 38,147 registered" in out and "note:" in out
    code, out, _ = run("entitlements", "--year", "2025/26", "--icb", "QAA")
    assert code == 0 and "Alpha South PCN (U00002)" in out and "Total" in out


def test_unknown_codes_and_bad_input_exit_2(register):
    code, out, err = run("entitlements", "--year", "2025/26", "--pcn", "NOPE", "--json")
    assert (code, out) == (2, "") and "NOPE" in err
    code, out, err = run("entitlements", "--year", "2025/26", "--icb", "U00001")
    assert (code, out) == (2, "") and "U00001" in err
    code, _, err = run("entitlements", "--year", "2025/26", "--pcn", "U00001", "--icb", "QAA")
    assert code == 2 and "not both" in err
    code, _, err = run("entitlements", "--year", "2018/19", "--pcn", "U00001")
    assert code == 2 and "covers" in err


def test_empty_register_exits_2(db):
    code, out, err = run("entitlements", "--year", "2025/26", "--pcn", "U00001")
    assert (code, out) == (2, "") and "empty" in err


def test_a_list_size_beyond_any_network_exits_2_with_the_reason(capsys):
    with pytest.raises(SystemExit) as caught:
        run("entitlements", "--year", "2023/24", "--registered", "100000000000000000000000000")
    assert caught.value.code == 2
    assert "argument --registered: 100000000000000000000000000 is more than 100,000,000" in capsys.readouterr().err


def test_without_measures_the_iif_maximum_is_shown_apart_not_counted(register, settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "no-measures"
    code, out, err = run("entitlements", "--year", "2020/21", "--registered", "48000", "--json")
    assert code == 0, err
    report = json.loads(out)
    iif = next(p for p in report["payments"] if p["key"] == "iif")
    assert (iif["amount"], iif["counted"], iif["maximum"]) == (21534.0, False, True)  # 194 points x GBP 111
    assert report["not_counted"] == ["iif"]
    assert report["total"] == pytest.approx(sum(p["amount"] or 0 for p in report["payments"] if p["counted"]))
    code, out, _ = run("entitlements", "--year", "2020/21", "--registered", "48000")
    assert "GBP      21,534.00  maximum, not counted in the total" in out
    code, out, _ = run("entitlements", "--year", "2024/25", "--icb", "QAA")
    assert code == 0 and "; IIF maximum, not counted in the total" in out


def test_with_measures_a_pcns_total_counts_the_iif_computed(register, settings, tmp_path, monkeypatch):
    from tests.finance.iif_dataset import price_2022, write_measures_output

    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    write_measures_output(tmp_path / "phm" / "measures")
    _, before, _ = run("entitlements", "--year", "2022/23", "--pcn", "U00001", "--json")
    price_2022(monkeypatch)  # a test catalogue: GBP 100 a point, PC-01 10 points; the output earns GBP 250
    code, out, err = run("entitlements", "--year", "2022/23", "--pcn", "U00001", "--json")
    assert code == 0, err
    report = json.loads(out)
    iif = next(p for p in report["payments"] if p["key"] == "iif")
    assert (iif["amount"], iif["counted"], iif["computed"]) == (250.0, True, True)
    assert iif["note"].startswith("computed from 1 indicator, as of 30 June 2022")
    assert report["total"] == pytest.approx(json.loads(before)["total"] + 250.0)
    code, out, _ = run("entitlements", "--year", "2022/23", "--pcn", "U00001")
    assert "GBP         250.00 (uncertain)  computed from 1 indicator, as of 30 June 2022" in out  # PC-01 uncertain
