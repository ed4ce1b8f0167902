"""`pcnhub export fhir --out DIR`: the FHIR bulk export offline, NDJSON files and a manifest, all-or-nothing
(register: tests/builders.py; measures output: tests/measures/fixtures.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fhir.resources.R4B.organizationaffiliation import OrganizationAffiliation

from tests.cli.helpers import pcnhub
from tests.measures.fixtures import write_measures

pytestmark = pytest.mark.django_db


@pytest.fixture
def measures(settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    write_measures(settings.PCNHUB_PHM_DIR / "measures")


def test_every_exported_type_with_a_manifest(register, measures, tmp_path):
    out = tmp_path / "export"
    code, stdout, err = pcnhub("export", "fhir", "--out", str(out), "--json", "--quiet")
    assert code == 0, err
    manifest = json.loads(stdout)
    assert json.loads((out / "manifest.json").read_text()) == manifest
    counts = {o["type"]: o["count"] for o in manifest["output"]}
    assert counts["Organization"] == 17 and counts["OrganizationAffiliation"] == 9 and counts["MeasureReport"] > 0
    rows = [json.loads(line) for line in (out / "OrganizationAffiliation.ndjson").read_text().splitlines()]
    assert len(rows) == 9
    for row in rows:
        OrganizationAffiliation.model_validate(row)
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.json", *(f"{t}.ndjson" for t in counts)])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".pcnhub-export-")]


def test_types_and_since(register, measures, tmp_path):
    out = tmp_path / "export"
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    code, stdout, _ = pcnhub("export", "fhir", "--out", str(out), "--type", "Organization", "--since", tomorrow,
                             "--quiet")
    assert code == 0 and stdout.strip() == f"{out / 'Organization.ndjson'}: 0 Organization"
    assert (out / "Organization.ndjson").read_text() == ""


@pytest.mark.parametrize(("extra", "message"), [
    (("--type", "Patient"), "--type: Patient cannot be exported"),
    (("--since", "last week"), "--since: 'last week' is not a FHIR date"),
])
def test_bad_input_exits_2_naming_the_option(register, measures, tmp_path, extra, message):
    code, out, err = pcnhub("export", "fhir", "--out", str(tmp_path / "x"), *extra)
    assert code == 2 and out == "" and err.startswith("pcnhub export fhir: ") and message in err
    assert not (tmp_path / "x").exists()


def test_a_failed_export_leaves_nothing(register, measures, tmp_path, monkeypatch):
    from pcnhub.fhir import bulk

    real = bulk.write_export

    def failing(types, caller, folder, since=None, progress=None):
        real(types[:1], caller, folder, since, progress)
        raise OSError("disk full")

    monkeypatch.setattr(bulk, "write_export", failing)
    with pytest.raises(OSError, match="disk full"):
        pcnhub("export", "fhir", "--out", str(tmp_path / "x"), "--quiet")
    assert not (tmp_path / "x").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".pcnhub-export-")]
