"""Who sees the population health dashboards, and who sees patients: only PCN and practice users holding
an active grant, and only the patients of the organisation granted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pcnhub.accounts.scope import scope_for
from pcnhub.phm import permissions
from pcnhub.phm.models import AuditEvent, PatientDataGrant

pytestmark = pytest.mark.django_db

PCN = "/phm/pcn/U00001/"
PRACTICE = "/phm/practice/A81001/"
AREA = "/phm/area/QAA/"
SMR = "/phm/pcn/U00001/cohort/smr/"
PRACTICE_SMR = "/phm/practice/A81003/cohort/smr/"


# --- Dashboards ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["pcn", "icb", "analyst", "admin"])
def test_pcn_dashboard_for_those_who_may_see_the_pcn(phm_output, client_for, role):
    response = client_for(role).get(PCN)
    assert response.status_code == 200, role
    assert b"Alpha North PCN" in response.content


@pytest.mark.parametrize("role, url", [
    ("practice", PCN), ("pcn", "/phm/pcn/U00002/"), ("icb-beta", PCN), ("icb", "/phm/pcn/U00003/"),
    ("practice", "/phm/practice/A81002/"), ("pcn", "/phm/practice/A81004/"), ("icb-beta", PRACTICE),
    ("pcn", AREA), ("practice", AREA), ("icb-beta", AREA), ("icb", "/phm/area/QBB/"), ("practice", "/phm/audit/"),
    ("icb", "/phm/audit/"), ("analyst", "/phm/audit/"), ("pcn", "/phm/audit/"),
])
def test_dashboards_refused_outside_the_role(phm_output, client_for, role, url):
    assert client_for(role).get(url).status_code == 403, (role, url)
    assert client_for(role).get(url + "?format=csv").status_code == 403


@pytest.mark.parametrize("role", ["practice", "pcn", "icb", "analyst", "admin"])
def test_practice_dashboard_for_its_own_users_its_pcn_icb_and_analysts(phm_output, client_for, role):
    assert client_for(role).get(PRACTICE).status_code == 200, role


@pytest.mark.parametrize("role", ["icb", "analyst", "admin"])
def test_area_page(phm_output, client_for, role):
    assert client_for(role).get(AREA).status_code == 200


@pytest.mark.parametrize("url", ["/phm/pcn/NOPE/", "/phm/pcn/QAA/", "/phm/area/U00001/", "/phm/practice/U00001/",
                                 "/phm/pcn/U00001/cohort/nope/"])
def test_unknown_codes_are_404(phm_output, client_for, grant, url):
    grant("pcn")
    assert client_for("pcn" if "cohort" in url else "admin").get(url).status_code == 404


def test_index_sends_each_role_home(phm_output, client_for):
    assert client_for("pcn").get("/phm/")["Location"] == PCN
    assert client_for("practice").get("/phm/")["Location"] == PRACTICE
    assert client_for("icb").get("/phm/")["Location"] == AREA
    response = client_for("analyst").get("/phm/")
    assert response.status_code == 200 and b"/phm/area/QAA/" in response.content


# --- Worklists -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["practice", "icb", "analyst", "admin", "pcn"])
def test_no_worklist_without_a_grant(phm_output, client_for, role):
    client = client_for(role)
    urls = (SMR, SMR + "?format=csv", PRACTICE_SMR, "/phm/practice/A81001/cohort/smr/")
    for url in urls:
        assert client.get(url).status_code == 403, (role, url)
    # Nothing shown, and each refusal is on record.
    assert list(AuditEvent.objects.patient_data().values_list("action", flat=True)) == ["refused"] * len(urls)


def test_pcn_user_with_a_grant_sees_its_worklists(phm_output, client_for, grant):
    grant("pcn")
    client = client_for("pcn")
    assert client.get(SMR).status_code == 200
    assert client.get(PRACTICE_SMR).status_code == 200  # a member practice of the PCN granted
    assert client.get("/phm/pcn/U00002/cohort/smr/").status_code == 403  # another PCN
    assert client.get("/phm/practice/A81004/cohort/smr/").status_code == 403  # another PCN's practice


def test_a_revoked_grant_gives_nothing(phm_output, client_for, grant):
    g = grant("pcn")
    client = client_for("pcn")
    assert client.get(SMR).status_code == 200
    g.revoked_at = timezone.now() - dt.timedelta(seconds=1)
    g.save()
    assert client.get(SMR).status_code == 403
    assert client.get(SMR + "?format=xlsx").status_code == 403


def test_a_grant_revoked_from_a_future_time_holds_until_then(phm_output, client_for, grant):
    grant("pcn", revoked_at=timezone.now() + dt.timedelta(days=1))
    assert client_for("pcn").get(SMR).status_code == 200


def test_a_practice_user_with_a_grant_sees_only_its_practice(phm_output, client_for, grant, register):
    grant("practice")
    client = client_for("practice")
    assert client.get("/phm/practice/A81001/cohort/anticipatory_care/").status_code == 200
    assert client.get(SMR).status_code == 403
    assert client.get(PRACTICE_SMR).status_code == 403


def test_a_pcn_user_granted_one_practice_sees_only_that_practice(phm_output, client_for, grant, register):
    grant("pcn", register.practices["A81003"])
    client = client_for("pcn")
    assert client.get(PRACTICE_SMR).status_code == 200
    assert client.get(SMR).status_code == 403
    # The PCN dashboard links the cohorts to that practice's worklists.
    assert PRACTICE_SMR.encode() in client.get(PCN).content


def test_a_grant_no_longer_applies_when_the_user_moves(phm_output, client_for, grant, register):
    grant("pcn")
    profile = register.users["pcn"].profile
    profile.organisation = register.south
    profile.save()
    assert client_for("pcn").get(SMR).status_code == 403


def test_worklist_links_only_for_users_with_a_grant(phm_output, client_for, grant):
    assert SMR.encode() not in client_for("pcn").get(PCN).content
    assert SMR.encode() not in client_for("icb").get(PCN).content
    grant("pcn")
    assert SMR.encode() in client_for("pcn").get(PCN).content


@pytest.mark.parametrize("role, org, ok", [
    ("pcn", "U00001", True), ("pcn", "A81002", True), ("pcn", "U00002", False), ("pcn", "A81004", False),
    ("practice", "A81001", True), ("practice", "A81002", False), ("practice", "U00001", False),
    ("icb", "U00001", False), ("analyst", "U00001", False), ("admin", "U00001", False), ("pcn", "QAA", False),
])
def test_who_may_hold_a_grant(register, role, org, ok):
    from pcnhub.register.models import Organisation

    g = PatientDataGrant(user=register.users[role], organisation=Organisation.objects.get(code=org), reason="care")
    if ok:
        g.full_clean()
    else:
        with pytest.raises(ValidationError):
            g.full_clean()


def test_can_see_patients_needs_a_grant_for_the_organisation(register, grant):
    assert not permissions.can_see_patients(scope_for(register.users["pcn"]), register.north)
    grant("pcn")
    assert permissions.can_see_patients(scope_for(register.users["pcn"]), register.north)
    assert permissions.can_see_patients(scope_for(register.users["pcn"]), register.practices["A81001"])
    assert not permissions.can_see_patients(scope_for(register.users["pcn"]), register.south)
    assert not permissions.can_see_patients(scope_for(register.users["icb"]), register.north)
