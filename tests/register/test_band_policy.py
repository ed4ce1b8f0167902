"""An area's band policy (issue 14): above the DES's suggested 50,000 is a warning unless the area's recorded
policy binds its upper limit (Milton Keynes used networks of 30,000-70,000, seed 002); every check, page, export
and command holds each PCN to the policy of the nearest area above it that has one."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from pcnhub.domain import rules
from pcnhub.register import services
from pcnhub.register.models import BandPolicy, Organisation, OrgKind
from tests.helpers_web import text

pytestmark = pytest.mark.django_db

ON = dt.date(2025, 1, 1)  # the register's latest date (tests/builders.py)


def policy(area, lower=30_000, upper=50_000, binds=True, start=dt.date(2024, 4, 1), **extra) -> BandPolicy:
    return BandPolicy.objects.create(area=area, lower=lower, upper=upper, upper_binds=binds, start=start,
                                     reason="Agreed by the primary care commissioning committee", **extra)


# --- Which policy applies ----------------------------------------------------------------------


def test_without_a_policy_every_pcn_is_held_to_the_des_band(register):
    assert services.band_policies([register.north.pk, register.icb_a.pk], ON) == {
        register.north.pk: None, register.icb_a.pk: None}
    assert services.checked_network(register.south, ON).band == rules.DEFAULT_BAND


def test_a_pcn_takes_the_policy_of_the_nearest_area_above_it(register):
    icb = policy(register.icb_a, upper=60_000)
    assert services.band_policy(register.south, ON) == icb  # PCN > sub-ICB > ICB
    sub = policy(register.sub_a, upper=70_000)
    assert services.band_policy(register.south, ON) == sub  # the sub-ICB's is nearer
    assert services.band_policy(register.beta, ON) is None  # another ICB


def test_a_policy_applies_only_between_its_dates(register):
    policy(register.icb_a, start=dt.date(2025, 4, 1))
    assert services.band_policy(register.south, ON) is None
    ended = policy(register.sub_a, start=dt.date(2020, 4, 1), end=dt.date(2024, 12, 31))
    assert services.band_policy(register.south, dt.date(2024, 6, 1)) == ended
    assert services.band_policy(register.south, ON) is None


def test_a_pcn_outside_the_geography_takes_the_policy_its_practices_share(register):
    from pcnhub.register.models import Membership, Parentage

    stray = Organisation.objects.create(code="U09999", name="Stray PCN", kind=OrgKind.PCN)
    Membership.objects.create(practice=register.practices["A81006"], pcn=stray, start=dt.date(2019, 7, 1))
    assert not Parentage.objects.filter(child=stray).exists()
    alpha = policy(register.icb_a)
    assert services.band_policy(stray, ON) == alpha


def test_a_policy_keeps_its_limits_in_order():
    from django.db import IntegrityError, transaction

    area = Organisation.objects.create(code="QZZ", name="Zed ICB", kind=OrgKind.ICB)
    with pytest.raises(IntegrityError), transaction.atomic():
        policy(area, lower=60_000, upper=50_000)


# --- The API -------------------------------------------------------------------------------------


def test_above_a_binding_upper_limit_is_an_error_in_the_api(client_for, register):
    client = client_for("icb")
    assert client.get("/api/landscape?area=QAA&date=2025-01-01").json()["broken"] is True  # coverage only
    south = {f["rule"]: f["severity"] for f in client.get("/api/pcns/U00002?date=2025-01-01").json()["findings"]}
    assert south["list-size-band"] == rules.WARNING
    policy(register.icb_a, upper=50_000, binds=True)
    body = client.get("/api/landscape?area=QAA&date=2025-01-01").json()
    errors = {(f["rule"], f["network"]) for f in body["findings"] if f["severity"] == rules.ERROR}
    assert ("list-size-band", "Alpha South PCN") in errors
    assert body["band"] == {"lower": 30_000, "upper": 50_000, "upper_binds": True}
    assert body["policy"]["area"] == "QAA" and body["policy"]["reason"].startswith("Agreed by")
    pcn = client.get("/api/pcns/U00002?date=2025-01-01").json()
    assert {f["rule"]: f["severity"] for f in pcn["findings"]}["list-size-band"] == rules.ERROR
    assert pcn["band"]["upper_binds"] is True


def test_a_wider_policy_lets_a_large_pcn_pass(client_for, register):
    policy(register.icb_a, upper=70_000, binds=True)  # as Milton Keynes (seed 002)
    pcn = client_for("icb").get("/api/pcns/U00002?date=2025-01-01").json()
    assert "list-size-band" not in {f["rule"] for f in pcn["findings"]}
    assert pcn["band"] == {"lower": 30_000, "upper": 70_000, "upper_binds": True}


def test_a_band_asked_for_overrides_the_policy(client_for, register):
    policy(register.icb_a, upper=50_000, binds=True)
    body = client_for("icb").get("/api/landscape?area=QAA&date=2025-01-01&upper=60000").json()
    assert body["band"] == {"lower": 30_000, "upper": 60_000, "upper_binds": False}
    assert "list-size-band" not in {f["rule"] for f in body["findings"]}


def test_a_region_holds_each_pcn_to_its_own_icbs_policy(client_for, register):
    policy(register.icb_a, upper=50_000, binds=True)
    policy(register.icb_b, lower=36_000, upper=80_000, binds=False)
    body = client_for("analyst").get("/api/landscape?area=Y99&date=2025-01-01").json()
    networks = {n["code"]: n for n in body["networks"]}
    assert networks["U00002"]["band"] == {"lower": 30_000, "upper": 50_000, "upper_binds": True}
    assert networks["U00003"]["band"] == {"lower": 36_000, "upper": 80_000, "upper_binds": False}
    beta = [f for f in networks["U00003"]["findings"] if f["rule"] == "list-size-band"]
    assert [f["severity"] for f in beta] == [rules.ERROR]  # 35,000 is below Beta's 36,000
    assert "below the lower limit of 36,000" in beta[0]["message"]
    assert body["policy"] is None and body["band"]["upper"] == 50_000  # the region has none of its own


# --- Pages -----------------------------------------------------------------------------------------


def test_landscape_and_pcn_page_say_which_band_applies(client_for, register):
    client = client_for("icb")
    page = text(client.get(reverse("landscape"), {"area": "QAA"}))
    assert "No band policy is recorded for Alpha ICB: PCNs are held to the Network Contract DES band" in page
    policy(register.sub_a, upper=52_000, binds=True)
    page = text(client.get(reverse("landscape"), {"area": "QAA"}))
    assert ("No band policy is recorded for Alpha ICB: PCNs are held to the Network Contract DES band of "
            "30,000-50,000 registered patients") in page
    assert ("2 PCNs are held instead to the band policy of Alpha Sub-ICB: 30,000-52,000 from 1 April 2024; above "
            "52,000 is an error (the upper limit binds)") in page
    assert "Error Alpha South PCN has 55,000 registered patients, 3,000 above the upper limit of 52,000" in page
    policy(register.icb_a, upper=51_000, binds=False, start=dt.date(2023, 4, 1))
    page = text(client.get(reverse("landscape"), {"area": "01A"}))
    assert ("PCNs are held to the band policy of Alpha Sub-ICB: 30,000-52,000 registered patients from 1 April "
            "2024; above 52,000 is an error (the upper limit binds)") in page
    BandPolicy.objects.filter(area=register.sub_a).delete()
    page = text(client.get(reverse("landscape"), {"area": "01A"}))
    assert ("PCNs are held to the band policy of Alpha ICB, which covers Alpha Sub-ICB: 30,000-51,000 registered "
            "patients from 1 April 2023; above 51,000 is a warning") in page
    assert "Warning Alpha South PCN has 55,000 registered patients, 4,000 above the suggested upper level" in page
    policy(register.sub_a, upper=52_000, binds=True)
    pcn = text(client.get(reverse("pcn", args=["U00002"])))
    assert "List-size band: 30,000-52,000 registered patients, the band policy of Alpha Sub-ICB" in pcn
    assert "Error Alpha South PCN has 55,000 registered patients" in pcn


def test_landscape_download_carries_the_policys_findings(client_for, register):
    policy(register.icb_a, binds=True)
    response = client_for("icb").get(reverse("landscape"), {"area": "QAA", "format": "csv"})
    body = response.content.decode("utf-8-sig")
    assert "above the upper limit of 50,000" in body


def test_an_icb_user_records_a_policy_and_it_replaces_the_last(client_for, register):
    client = client_for("icb")
    url = reverse("landscape") + "?area=QAA"
    first = {"policy-start": "2024-04-01", "policy-lower": "30000", "policy-upper": "70000",
             "policy-upper_binds": "on", "policy-reason": "Networks of 30,000-70,000, as Milton Keynes (seed 002)"}
    response = client.post(url, first)
    assert response.status_code == 302 and response["Location"].endswith("?area=QAA")  # the banner, at the top
    second = {**first, "policy-start": "2025-01-01", "policy-upper": "50000", "policy-upper_binds": ""}
    client.post(url, second)
    rows = list(BandPolicy.objects.filter(area=register.icb_a).order_by("start"))
    assert [(p.start, p.end, p.upper, p.upper_binds) for p in rows] == [
        (dt.date(2024, 4, 1), dt.date(2024, 12, 31), 70_000, True), (dt.date(2025, 1, 1), None, 50_000, False)]
    assert rows[0].recorded_by == register.users["icb"]
    page = text(client.get(url, follow=True))
    assert "Band policies recorded for Alpha ICB" in page and "Networks of 30,000-70,000" in page


@pytest.mark.parametrize(("change", "message"), [
    ({"policy-lower": "60000"}, "The upper limit (50,000) cannot be below the lower limit (60,000)"),
    ({"policy-reason": "   "}, "Enter the decision and where it is recorded"),
    ({"policy-upper": "99999999999"}, "The upper limit cannot be more than 10,000,000"),
    ({"policy-start": "1 April"}, "Enter a real date in the form YYYY-MM-DD"),
])
def test_a_policy_that_does_not_make_sense_is_refused_with_a_reason(client_for, register, change, message):
    form = {"policy-start": "2024-04-01", "policy-lower": "30000", "policy-upper": "50000",
            "policy-reason": "Agreed", **change}
    response = client_for("icb").post(reverse("landscape") + "?area=QAA", form)
    assert response.status_code == 400
    assert message in text(response)
    assert not BandPolicy.objects.exists()


def test_a_policy_cannot_start_before_the_latest(client_for, register):
    policy(register.icb_a, start=dt.date(2025, 1, 1))
    form = {"policy-start": "2024-04-01", "policy-lower": "30000", "policy-upper": "50000", "policy-reason": "x"}
    response = client_for("icb").post(reverse("landscape") + "?area=QAA", form)
    assert response.status_code == 400
    assert "A band policy is already recorded from 1 January 2025" in text(response)


@pytest.mark.parametrize("role", ["pcn", "practice", "icb-beta"])
def test_only_the_areas_commissioners_may_record_its_policy(client_for, register, role):
    form = {"policy-start": "2024-04-01", "policy-lower": "30000", "policy-upper": "70000", "policy-reason": "x"}
    response = client_for(role).post(reverse("landscape") + "?area=QAA", form)
    assert response.status_code == 403
    assert not BandPolicy.objects.exists()


def test_the_policy_form_is_shown_only_to_who_may_use_it(client_for, register):
    assert "Record the band policy" in text(client_for("icb").get(reverse("landscape"), {"area": "QAA"}))
    assert "Record the band policy" not in text(client_for("analyst").get(reverse("landscape"), {"area": "QAA"}))


# --- Commands and the designer --------------------------------------------------------------------


def test_check_command_holds_the_register_to_the_policy(register):
    from tests.cli.helpers import pcnhub

    def check(*extra):
        code, out, _ = pcnhub("check", "--pcn-date", "2025-01-01", "--icb", "QAA", *extra)
        return code, out

    policy(register.icb_a, upper=50_000, binds=True)
    code, out = check("--json")
    report = json.loads(out)
    south = {f["severity"] for f in report["findings"] if f["network"] == "Alpha South PCN"
             and f["rule"] == "list-size-band"}
    assert south == {rules.ERROR}
    assert report["policy"]["area"] == "QAA" and report["band"]["upper_binds"] is True
    _, out = check()
    assert "band 30,000-50,000 (band policy of Alpha ICB from 01 April 2024; the upper limit binds)" in out
    _, out = check("--upper", "60000")
    assert "band 30,000-60,000 (as asked; above the upper limit is a warning)" in out


def test_the_designer_aims_at_the_areas_policy(client_for, register):
    policy(register.icb_a, upper=70_000, binds=True)
    data = client_for("icb").get("/api/design/areas/QAA?date=2025-01-01").json()
    assert data["band"] == {"lower": 30_000, "upper": 70_000, "upper_binds": True}


def test_the_pages_forms_show_the_band_in_force_as_their_placeholders(client_for, register):
    policy(register.icb_a, upper=70_000, binds=True)
    client = client_for("icb")
    landscape = client.get(reverse("landscape"), {"area": "QAA"}).content.decode()
    assert 'placeholder="70000"' in landscape and 'placeholder="50000"' not in landscape.split("policy-")[0]
    design = client.get(reverse("designer:area", args=["QAA"]), {"date": "2025-01-01"})
    html = design.content.decode()
    assert 'name="upper"' in html and 'placeholder="70000"' in html
    assert "band 30,000-70,000 (the band policy of Alpha ICB)" in text(design)
