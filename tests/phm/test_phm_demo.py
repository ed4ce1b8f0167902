"""The population health demo: synthetic patients for the PCNs of Castle Point and Rochford, the pipeline
run on them with the register's practice map, and a grant for the demo PCN user; loaded once."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import sys
import types

import pytest
from django.contrib.auth import get_user_model

from pcnhub.accounts.models import Profile, Role
from pcnhub.phm import services
from pcnhub.phm.demo import DEMO_AREA, DEMO_ICB, DEMO_PCN, load_phm_demo
from pcnhub.phm.models import AuditEvent, PatientDataGrant
from pcnhub.register.models import (
    ListSize,
    Membership,
    Organisation,
    OrgKind,
    Parentage,
)
from tests.phm.fixtures import write_output

pytestmark = pytest.mark.django_db
PIPELINE = importlib.util.find_spec("pcnhub.analytics.run") is not None


@pytest.fixture
def essex(db, phm_dir):
    icb = Organisation.objects.create(code=DEMO_ICB, name="Mid and South Essex", kind=OrgKind.ICB)
    area = Organisation.objects.create(code=DEMO_AREA, name="Castle Point and Rochford", kind=OrgKind.SUB_ICB)
    Parentage.objects.create(child=area, parent=icb)
    elsewhere = Organisation.objects.create(code="06Q", name="Elsewhere in QH8", kind=OrgKind.SUB_ICB)
    Parentage.objects.create(child=elsewhere, parent=icb)
    pcns = {}
    for code, sub, practices in ((DEMO_PCN, area, ("F81001", "F81002")), ("U84454", area, ("F81003",)),
                                 ("U99999", elsewhere, ("F81900",))):
        pcn = pcns[code] = Organisation.objects.create(code=code, name=f"PCN {code}", kind=OrgKind.PCN)
        Parentage.objects.create(child=pcn, parent=sub)
        for i, practice_code in enumerate(practices):
            practice = Organisation.objects.create(code=practice_code, name=practice_code, kind=OrgKind.PRACTICE)
            Parentage.objects.create(child=practice, parent=sub)
            Membership.objects.create(practice=practice, pcn=pcn, start=dt.date(2019, 7, 1))
            ListSize.objects.create(organisation=practice, date=dt.date(2022, 1, 1), registered=400 + 100 * i)
    users = get_user_model().objects
    user = users.create_user("pcn")
    Profile.objects.create(user=user, role=Role.PCN, organisation=pcns[DEMO_PCN])
    users.create_superuser("admin", password="x")
    return pcns


@pytest.fixture
def fake_pipeline(monkeypatch):
    """A stand-in for pcnhub.analytics.run that records its call and writes the fixture output."""
    calls = []

    def run_pipeline(data, out, *, engine="duckdb", practice_map=None, as_of=None, progress=False):
        calls.append({"data": data, "engine": engine, "practice_map": dict(practice_map)})
        write_output(out)
        return {"engine": engine, "patients": 346}

    module = types.ModuleType("pcnhub.analytics.run")
    module.run_pipeline = run_pipeline
    monkeypatch.setitem(sys.modules, "pcnhub.analytics.run", module)
    return calls


def test_demo_makes_data_runs_the_pipeline_and_grants(essex, phm_dir, fake_pipeline):
    out = io.StringIO()
    load_phm_demo(out)
    assert (phm_dir / "data" / "patients.parquet").is_file()
    import duckdb

    practices = dict(duckdb.sql(f"SELECT practice_code, count(*) FROM '{phm_dir / 'data' / 'patients.parquet'}' "
                                "GROUP BY ALL").fetchall())
    assert set(practices) == {"F81001", "F81002", "F81003"}  # Castle Point and Rochford only
    assert practices["F81002"] > practices["F81001"]  # list sizes from the register
    [call] = fake_pipeline
    assert call["engine"] == "duckdb"
    assert call["practice_map"] == {"F81001": (DEMO_PCN, DEMO_ICB), "F81002": (DEMO_PCN, DEMO_ICB),
                                    "F81003": ("U84454", DEMO_ICB)}
    assert services.output() is not None
    grant = PatientDataGrant.objects.get()
    assert grant.user.username == "pcn" and grant.organisation.code == DEMO_PCN and grant.is_active
    assert AuditEvent.objects.get().action == "grant"
    assert "may see the (synthetic) patients of U27924" in out.getvalue()
    # Again: nothing new.
    again = io.StringIO()
    load_phm_demo(again)
    assert len(fake_pipeline) == 1 and PatientDataGrant.objects.count() == 1 and AuditEvent.objects.count() == 1
    assert "already made" in again.getvalue()


@pytest.mark.skipif(PIPELINE, reason="the pipeline is installed")
def test_demo_without_the_pipeline_says_so(essex, phm_dir):
    out = io.StringIO()
    load_phm_demo(out)
    assert "pipeline (pcnhub.analytics.run) is not installed yet" in out.getvalue()
    assert (phm_dir / "data" / "patients.parquet").is_file() and services.output() is None
    assert PatientDataGrant.objects.exists()


@pytest.mark.skipif(not PIPELINE, reason="the pipeline (pcnhub.analytics.run) is not there yet")
def test_demo_with_the_real_pipeline(essex, phm_dir):
    printed = io.StringIO()
    load_phm_demo(printed)
    if "the pipeline failed" in printed.getvalue():
        pytest.xfail(printed.getvalue())  # the pipeline's own tests say why; the demo carried on
    out = services.output()
    assert out is not None
    assert services.worklist_count(out, services.COHORTS["smr"], ["F81001", "F81002"]) >= 0
    assert services.aggregates(out, "pcn", [DEMO_PCN])


def test_demo_skips_without_the_pcn(db, phm_dir):
    out = io.StringIO()
    load_phm_demo(out)
    assert "skipped" in out.getvalue() and not (phm_dir / "data").exists()
