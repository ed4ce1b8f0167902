"""Contiguity in the register check: `services.landscape`, `pcnhub check --icb`, and the landscape page.

The register of tests/builders.py gives every practice SS1 1AA; here Alpha's practices are moved to
real postcodes: Alpha North (A81001 SS0 0AA, A81002 SS0 0AB, A81003 B1 1AY in Birmingham) and Alpha
South (A81004 CM1 1HT, A81005 CM2 0AA in Chelmsford, between Southend and Birmingham), so Alpha
North is in two pieces and A81003 is its stray practice.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from pcnhub.cli.main import main
from pcnhub.register import services
from tests.builders import LATEST

pytestmark = pytest.mark.django_db

SPLIT_POSTCODES = {
    "A81001": "SS0 0AA",
    "A81002": "SS0 0AB",
    "A81003": "B1 1AY",
    "A81004": "CM1 1HT",
    "A81005": "CM2 0AA",
}


def set_postcodes(register, postcodes: dict[str, str]) -> None:
    for code, postcode in postcodes.items():
        practice = register.practices[code]
        practice.postcode = postcode
        practice.save()


def contiguity_findings(view: services.Landscape):
    return [f for f in view.result.findings if f.rule == "contiguity"]


def test_register_practices_sharing_a_postcode_are_contiguous(register) -> None:
    view = services.landscape(register.icb_a, LATEST)
    assert contiguity_findings(view) == []
    assert view.contiguity is not None and view.contiguity.checked
    assert view.contiguity.located == 6 and view.contiguity.unlocated == {}


def test_a_far_practice_is_named_as_stray(register) -> None:
    set_postcodes(register, SPLIT_POSTCODES)
    view = services.landscape(register.icb_a, LATEST)
    [finding] = contiguity_findings(view)
    assert (finding.severity, finding.network, finding.practices) == ("warning", "Alpha North PCN", ("A81003",))
    assert "stray practices: A81003" in finding.message
    north = next(row for row in view.networks if row.pcn.code == "U00001")
    assert finding in north.findings


def test_a_recorded_contiguity_exception_is_shown_as_an_exception(register) -> None:
    from pcnhub.register.models import RuleException

    set_postcodes(register, SPLIT_POSTCODES)
    RuleException.objects.create(pcn=register.north, rule="contiguity", reason="branch surgery",
                                 start=dt.date(2019, 1, 1))
    [finding] = contiguity_findings(services.landscape(register.icb_a, LATEST))
    assert finding.severity == "exception" and finding.message.endswith("exception recorded: branch surgery")


def test_unplaced_and_approximate_practices_are_reported_not_silently_dropped(register) -> None:
    set_postcodes(register, {**SPLIT_POSTCODES, "A81003": "", "A81005": "CM2 0ZZ"})  # CM2 0ZZ: sector mean
    view = services.landscape(register.icb_a, LATEST)
    findings = {(f.network, f.severity): f for f in contiguity_findings(view)}
    assert set(findings) == {("Alpha North PCN", "info"), ("Alpha South PCN", "info")}
    assert findings["Alpha North PCN", "info"].practices == ("A81003",)
    assert findings["Alpha South PCN", "info"].practices == ("A81005",)
    assert "A81005 (CM2 0ZZ, sector mean)" in findings["Alpha South PCN", "info"].message
    assert view.contiguity.unlocated == {"A81003": "no postcode or coordinates recorded"}
    assert view.contiguity.approximate == {"A81005": "CM2 0ZZ, sector mean"}
    assert view.contiguity.located == 5


def test_recorded_coordinates_win_over_the_postcode(register) -> None:
    set_postcodes(register, SPLIT_POSTCODES)
    practice = register.practices["A81003"]
    practice.latitude, practice.longitude = 51.553, 0.677  # in Southend, by its neighbours
    practice.save()
    assert contiguity_findings(services.landscape(register.icb_a, LATEST)) == []


def test_one_geocoding_call_per_landscape(register, monkeypatch) -> None:
    from pcnhub.register import locations

    calls = []
    real = locations.locate

    def counting(postcodes):
        calls.append(list(postcodes))
        return real(calls[-1])

    monkeypatch.setattr(locations, "locate", counting)
    set_postcodes(register, SPLIT_POSTCODES)
    services.landscape(register.icb_a, LATEST)
    assert len(calls) == 1


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_register_check_reports_contiguity_as_a_warning(register) -> None:
    set_postcodes(register, SPLIT_POSTCODES)
    # Within the band and covered, so contiguity is the only finding but Alpha South's governance, which is not
    # recorded; warnings do not break the rules.
    register.practices["A81006"].close_date = dt.date(2020, 1, 1)
    register.practices["A81006"].save()
    code, out, err = run("check", "--pcn-date", "2025-01-01", "--icb", "QAA", "--upper", "60000", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert [(f["rule"], f["severity"], f["network"], f["practices"]) for f in report["findings"]
            if f["rule"] == "contiguity"] == [("contiguity", "warning", "Alpha North PCN", ["A81003"])]
    assert {f["severity"] for f in report["findings"]} == {"warning"}
    assert report["contiguity"]["checked"] is True and report["contiguity"]["located"] == 5
    assert report["contiguity"]["max_edge_km"] == 15.0


def test_register_check_text_and_max_edge_km(register) -> None:
    code, out, _ = run("check", "--pcn-date", "2025-01-01", "--icb", "QBB", "--max-edge-km", "5")
    assert code == 0
    assert "Contiguity: checked on a neighbour graph of 2 located practices (links over 5 km" in out
    code, out, err = run("check", "--pcn-date", "2025-01-01", "--icb", "QBB", "--max-edge-km", "-1")
    assert (code, out) == (2, "") and "--max-edge-km" in err


def test_landscape_page_and_api_show_the_contiguity_finding(register, client_for) -> None:
    set_postcodes(register, SPLIT_POSTCODES)
    client = client_for("icb")
    html = client.get(reverse("landscape"), {"area": "QAA"}).content.decode()
    assert "Alpha North PCN is not contiguous" in html and "stray practices: A81003" in html
    report = client.get("/api/landscape", {"area": "QAA"}).json()
    assert any(f["rule"] == "contiguity" and f["practices"] == ["A81003"] for f in report["findings"])
    assert report["contiguity"]["checked"] is True and report["contiguity"]["located"] == 6


def test_pcn_page_shows_contiguity_judged_in_its_icb(register, client_for) -> None:
    set_postcodes(register, SPLIT_POSTCODES)
    [row] = services.network_rows([register.north], LATEST)
    [finding] = services.network_contiguity(row, LATEST)
    assert (finding.rule, finding.severity, finding.practices) == ("contiguity", "warning", ("A81003",))
    html = client_for("icb").get(reverse("pcn", args=["U00001"])).content.decode()
    assert "stray practices: A81003" in html
    # Alpha South sits between the pieces but is itself in one piece.
    [south] = services.network_rows([register.south], LATEST)
    assert services.network_contiguity(south, LATEST) == []
