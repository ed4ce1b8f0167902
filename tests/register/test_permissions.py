"""No role sees or changes an organisation outside its scope, on pages, downloads, search or edits."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from pcnhub.register.models import ClinicalDirector, Governance, Organisation, Partnership, RuleException

ALL_CODES = {
    "Y99", "QAA", "QBB", "01A", "02B", "U00001", "U00002", "U00003", "RAA",
    "A81001", "A81002", "A81003", "A81004", "A81005", "A81006", "B82001", "B82002",
}
VISIBLE = {
    # Alpha ICB: its sub-ICB, PCNs and practices, and the partners of its PCNs.
    "icb": {"QAA", "01A", "U00001", "U00002", "RAA", "A81001", "A81002", "A81003", "A81004", "A81005", "A81006"},
    # Alpha North PCN: itself, its members past and present, its partner.
    "pcn": {"U00001", "A81001", "A81002", "A81003", "RAA"},
    # Practice A81001: itself, the PCN it belongs to and that PCN's partner.
    "practice": {"A81001", "U00001", "RAA"},
    "analyst": ALL_CODES,
    "admin": ALL_CODES,
}
RESTRICTED = ["icb", "pcn", "practice"]
KIND_URLS = {
    "pcn": lambda code: reverse("pcn", args=[code]),
    "practice": lambda code: reverse("practice", args=[code]),
    "area": lambda code: f"{reverse('landscape')}?area={code}",
}
ORGS = {  # code: kind of page
    "Y99": "area", "QAA": "area", "QBB": "area", "01A": "area", "02B": "area",
    "U00001": "pcn", "U00002": "pcn", "U00003": "pcn",
    "A81001": "practice", "A81002": "practice", "A81003": "practice", "A81004": "practice",
    "A81005": "practice", "A81006": "practice", "B82001": "practice", "B82002": "practice",
}
EDITS = {
    "governance": {"governance-start": "2025-04-01", "governance-network_agreement": "draft"},
    "clinical-director": {"clinical-director-name": "Dr Intruder", "clinical-director-start": "2025-04-01"},
    "partner": {"partner-new_name": "Intruder Ltd", "partner-partner_type": "other_provider", "partner-role": "core"},
    "exception": {"exception-rule": "list-size-band", "exception-reason": "Because", "exception-start": "2025-01-01"},
}


def page_urls(code: str) -> list[str]:
    return [KIND_URLS[ORGS[code]](code)]


def with_format(url: str, fmt: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}format={fmt}"


def cases(visible: bool) -> list:
    """``(role, code)`` for every organisation with a page that the role may (or may not) see."""
    return [
        pytest.param(role, code, id=f"{role}-{code}")
        for role in VISIBLE
        for code in sorted(ORGS)
        if (code in VISIBLE[role]) == visible
    ]


def register_state() -> tuple:
    return (
        Governance.objects.count(), ClinicalDirector.objects.count(), Partnership.objects.count(),
        RuleException.objects.count(), Organisation.objects.count(),
        list(Governance.objects.values_list("pk", "start", "end")),
        list(ClinicalDirector.objects.values_list("pk", "start", "end")),
    )


@pytest.mark.parametrize("role, code", cases(visible=False))
@pytest.mark.parametrize("fmt", [None, "csv", "xlsx"])
def test_pages_and_downloads_outside_the_scope_are_refused(client_for, role, code, fmt):
    client = client_for(role)
    for url in page_urls(code):
        response = client.get(with_format(url, fmt) if fmt else url)
        assert response.status_code == 403, url
        assert "Content-Disposition" not in response
        html = response.content.decode()
        assert "You do not have access" in html
        assert Organisation.objects.get(code=code).name not in html  # nothing but the code given is echoed


@pytest.mark.parametrize("role, code", cases(visible=True))
def test_pages_and_downloads_inside_the_scope_are_shown(client_for, role, code):
    client = client_for(role)
    for url in page_urls(code):
        assert client.get(url).status_code == 200, url
        response = client.get(with_format(url, "csv"))
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;"), url


@pytest.mark.parametrize("role", RESTRICTED)
def test_area_chooser_offers_no_area_outside_the_scope(client_for, role):
    html = client_for(role).get(reverse("landscape")).content.decode()
    for code, kind in ORGS.items():
        if kind == "area" and code not in VISIBLE[role]:
            assert f'value="{code}"' not in html


@pytest.mark.parametrize("role", list(VISIBLE))
def test_search_never_returns_organisations_outside_the_scope(client_for, role):
    client = client_for(role)
    seen: set[str] = set()
    queries = [*sorted(ALL_CODES), "PCN", "surgery", "ICB", "Region", "Trust", "partners", "centre", "practice", "e"]
    for q in queries:
        response = client.get(reverse("search"), {"q": q, "format": "csv"})
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
        codes = {row[0] for row in rows}
        assert codes <= VISIBLE[role], (q, codes - VISIBLE[role])
        page = client.get(reverse("search"), {"q": q}).content.decode()
        for code in ALL_CODES - VISIBLE[role]:
            assert f">{code}<" not in page, (q, code)
        seen |= codes
    assert seen == VISIBLE[role]  # and every organisation in scope can be found


@pytest.mark.parametrize("action", list(EDITS))
@pytest.mark.parametrize(
    "role, code",
    [
        ("practice", "U00001"),  # can see its PCN, cannot change it
        ("analyst", "U00001"),  # sees everything, changes nothing
        ("pcn", "U00002"),  # another PCN in the same ICB
        ("pcn", "U00003"),  # a PCN in another ICB
        ("icb", "U00003"),  # a PCN in another ICB
    ],
)
def test_edits_without_can_edit_are_refused_and_change_nothing(client_for, role, code, action):
    before = register_state()
    response = client_for(role).post(reverse("pcn_edit", args=[code, action]), EDITS[action])
    assert response.status_code == 403
    assert "You do not have access" in response.content.decode()
    assert register_state() == before


@pytest.mark.parametrize("role, code", [("pcn", "U00001"), ("icb", "U00001"), ("icb", "U00002"), ("admin", "U00003")])
def test_editors_can_make_the_same_changes(client_for, role, code):
    client = client_for(role)
    for action, data in EDITS.items():
        response = client.post(reverse("pcn_edit", args=[code, action]), data)
        assert response.status_code == 302, (action, response.content.decode()[:2000])


@pytest.mark.parametrize(
    "url",
    [
        "/", "/landscape/?area=QAA", "/landscape/?area=QAA&format=csv", "/pcn/U00001/", "/pcn/U00001/?format=xlsx",
        "/practice/A81001/", "/practice/A81001/?format=csv", "/search/?q=alpha", "/search/?q=alpha&format=csv",
    ],
)
def test_anonymous_users_are_sent_to_sign_in(client, register, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_anonymous_edits_are_sent_to_sign_in_and_change_nothing(client, register):
    before = register_state()
    response = client.post(reverse("pcn_edit", args=["U00001", "governance"]), EDITS["governance"])
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert register_state() == before


def test_user_without_a_profile_sees_nothing(client, register, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x")
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("pcn", args=["U00001"])).status_code == 403
    response = client.get(reverse("search"), {"q": "alpha", "format": "csv"})
    assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == [["ODS code", "Name", "Kind", "Postcode", "Status"]]
