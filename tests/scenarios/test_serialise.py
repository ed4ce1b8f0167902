"""A comparison as JSON (tests/builders.py's register; Alpha North U00001, Alpha South U00002): every figure is the
comparison's own, money to the penny, dates ISO, and a suppressed count never shows its number."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from pcnhub.domain import scenario as d
from pcnhub.phm.services import SUPPRESSED
from pcnhub.register.models import Organisation
from pcnhub.scenarios.compare import compare
from pcnhub.scenarios.serialise import comparison_dict
from tests.builders import NORTH_TOTAL, SIZES, SOUTH_TOTAL
from tests.phm.fixtures import write_output

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 1, 1)


def pounds(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 2)


@pytest.fixture
def moved(placed):
    from pcnhub.finance.models import ArrsPost

    ArrsPost.objects.create(pcn=placed.south, role="clinical_pharmacist", fte=Decimal(1), start=dt.date(2024, 4, 1),
                            annual_cost=Decimal("50000.55"))
    area = Organisation.objects.get(code="QAA")
    return compare(area, DAY, [
        d.Change(d.MOVE, practice="A81003", to_pcn="Alpha South PCN"),
        d.Change(d.ARRS, to_pcn="U00002", role="Paramedic", wte=Decimal("1.5"), annual_cost=Decimal(60_000)),
    ])


def test_the_numbers_are_the_comparisons(moved):
    out = comparison_dict(moved)
    assert json.loads(json.dumps(out)) == out  # JSON-ready as it is
    assert out["area"] == {"code": "QAA", "name": "Alpha ICB"}
    assert (out["date"], out["year"], out["year_known"]) == ("2025-01-01", moved.year.label, True)
    assert out["changes"] == moved.changes and out["notes"] == moved.notes
    assert out["travel_basis"] == moved.travel_basis and "25.4 mph" in out["travel_basis"]
    assert out["area_findings"]["before"] == [
        {"rule": f.rule, "severity": f.severity, "message": f.message, "practices": list(f.practices)}
        for f in moved.area_before]
    assert out["outcome"]["moves"] == [{"practice": "A81003", "from_pcn": "U00001", "to_pcn": "U00002"}]
    assert [r["key"] for r in out["rows"]] == [r.key for r in moved.rows] == ["U00001", "U00002"]
    for row, found in zip(out["rows"], moved.rows, strict=True):
        assert row["fate"] == found.fate
        for name in ("before", "after"):
            side, want = row[name], getattr(found, name)
            assert (side["name"], side["code"], side["list_size"], side["placing"]) == (
                want.name, want.code, want.list_size, want.placing)
            assert side["practices"] == [{"code": p.code, "name": p.name, "list_size": p.list_size}
                                         for p in want.practices]
            assert [(f["rule"], f["severity"], f["message"]) for f in side["findings"]] == [
                (f.rule, f.severity, f.message) for f in want.findings]
            assert side["money"]["total"] == pounds(want.total)
            assert [(line["key"], line["quantity"], line["amount"], line["counted"])
                    for line in side["money"]["lines"]] == [
                (line.payment.key, line.quantity, pounds(line.amount), line.counted) for line in want.money.lines]
            assert side["arrs"]["sum"] == pounds(want.arrs.sum) and side["arrs"]["claims"] == pounds(want.arrs.claims)
            assert side["arrs"]["headroom"] == pounds(want.arrs.headroom)
            assert side["access"] == {"required": want.access.required, "planned": want.access.planned,
                                      "shortfall": want.access.shortfall, "basis": want.access.basis}
            assert {s["domain"]: s["step"] for s in side["development"]["steps"]} == want.development.steps
            assert side["spread"] == {
                "farthest_km": want.spread.farthest_km, "mean_from_centre_km": want.spread.mean_from_centre_km,
                "mean_between_km": want.spread.mean_between_km, "located": want.spread.located,
                "farthest_drive_minutes": want.spread.farthest_drive_minutes,
                "mean_between_drive_minutes": want.spread.mean_between_drive_minutes}
            assert (side["people"]["registered"], side["people"]["weighted"]) == (
                want.people.registered, want.people.weighted)
        difference = row["difference"]
        assert difference["list_size"] == found.after.list_size - found.before.list_size
        assert difference["total"] == pounds(found.after.total - found.before.total)
        assert difference["arrs_headroom"] == pounds(found.after.arrs.headroom - found.before.arrs.headroom)
        assert difference["errors"] == found.after.errors - found.before.errors
    north, south = out["rows"]
    assert north["difference"]["list_size"] == -SIZES["A81003"][1]
    assert south["after"]["list_size"] == SOUTH_TOTAL + SIZES["A81003"][1]
    assert north["before"]["list_size"] == NORTH_TOTAL
    # the posts: the stored one's cost in pence, the scenario's starting on the effective date
    assert [p["start"] for p in south["after"]["arrs"]["posts"]] == ["2024-04-01", "2025-01-01"]
    for side in (north["before"], south["after"]):
        for line in side["money"]["lines"]:
            assert line["amount"] is None or line["amount"] == round(line["amount"], 2)


def test_a_side_that_does_not_exist_is_null_and_so_is_its_difference(placed):
    area = Organisation.objects.get(code="QAA")
    out = comparison_dict(compare(area, DAY, [d.Change(d.MERGE, from_pcn="U00002", to_pcn="U00001")]))
    gone = next(r for r in out["rows"] if r["key"] == "U00002")
    assert gone["after"] is None and gone["before"]["list_size"] == SOUTH_TOTAL
    assert gone["difference"] == {"list_size": None, "total": None, "arrs_headroom": None, "access_shortfall": None,
                                  "errors": None}
    assert out["outcome"]["ended"] == ["U00002"]


def test_suppressed_counts_are_the_pages_text_never_the_number(placed, settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    write_output(settings.PCNHUB_PHM_DIR / "output")
    area = Organisation.objects.get(code="QAA")
    found = compare(area, DAY, [d.Change(d.GROW, practice="A81001", list_change=100)])
    out = comparison_dict(found)
    people = out["rows"][0]["before"]["people"]
    want = found.rows[0].before.people
    # Alpha North: highest need 3 patients (suppressed), high risk 12 (shown as 10), low 200
    assert people["tiers"]["Highest need"] == SUPPRESSED
    assert people["tiers"]["High risk"] == 10 and people["tiers"]["Low risk"] == 200
    for label, value in want.tiers.items():
        assert people["tiers"][label] == (SUPPRESSED if value.suppressed else value.number)
    for name, value in want.cohorts.items():
        assert people["cohorts"][name] == (SUPPRESSED if value.suppressed else value.number)
    assert people["patients"] == want.patients.number
    text = json.dumps(out)
    assert '"Highest need": 3' not in text and SUPPRESSED in text
