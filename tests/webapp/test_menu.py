"""The main menu has no dead ends: no Landscape for roles that cover no area, the administration of users and
patient-data grants in the administrator's menu, and the analyst's area pickers grouped region > ICB > sub-ICB."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def menu(response) -> dict[str, str]:
    """The header menu's items: text -> link."""
    html = response.content.decode()
    nav = re.search(r'<nav class="nhsuk-header__navigation" aria-label="Menu">(.*?)</nav>', html, re.DOTALL)
    assert nav, "the signed-in header has a menu"
    return {re.sub(r"<[^>]+>", "", t).strip(): href for href, t in
            re.findall(r'<a class="nhsuk-header__navigation-link" href="([^"]*)"[^>]*>(.*?)</a>', nav.group(1),
                       re.DOTALL)}


def footer(response) -> str:
    return response.content.decode().split('<footer', 1)[1]


@pytest.mark.parametrize("role, landscape", [("pcn", False), ("practice", False), ("icb", True), ("analyst", True),
                                             ("admin", True)])
def test_landscape_only_for_roles_that_cover_an_area(client_for, role, landscape):
    response = client_for(role).get("/")
    assert ("Landscape" in menu(response)) is landscape
    assert ("PCN landscape" in footer(response)) is landscape


@pytest.mark.parametrize("role", ["icb", "analyst"])
def test_the_landscape_link_leads_to_a_picker_not_a_dead_end(client_for, role):
    client = client_for(role)
    page = client.get(menu(client.get("/"))["Landscape"]).content.decode()
    assert 'name="area"' in page


def test_the_administrator_has_users_and_grants_in_the_menu(client_for, register):
    admin = register.users["admin"]
    admin.is_staff = admin.is_superuser = True  # as the demo's administrator is
    admin.save()
    client = client_for("admin")
    items = menu(client.get("/"))
    assert items["Users"] == "/admin/accounts/profile/"
    assert items["Patient data grants"] == "/admin/phm/patientdatagrant/"
    for href in (items["Users"], items["Patient data grants"]):
        assert client.get(href).status_code == 200


@pytest.mark.parametrize("role", ["pcn", "practice", "icb", "analyst"])
def test_other_roles_have_no_administration_links(client_for, role):
    items = menu(client_for(role).get("/"))
    assert "Users" not in items and "Patient data grants" not in items


def test_an_administrator_without_access_to_the_admin_pages_gets_no_link_to_them(client_for, register):
    assert "Users" not in menu(client_for("admin").get("/"))  # the test register's admin is not staff
    admin = register.users["admin"]
    admin.is_staff = True  # staff, but no permission on the users' roles or the grants: the links would be 403s
    admin.save()
    items = menu(client_for("admin").get("/"))
    assert "Users" not in items and "Patient data grants" not in items


def _groups(html: str) -> dict[str, list[str]]:
    select = re.search(r'<select[^>]*name="area"[^>]*>(.*?)</select>', html, re.DOTALL)
    assert select, "an area picker"
    return {label: re.findall(r'<option value="(\w+)"', body)
            for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select.group(1), re.DOTALL)}


def test_the_maturity_picker_is_grouped_by_region(client_for):
    client = client_for("analyst")
    assert _groups(client.get("/maturity/").content.decode()) == {"Test Region": ["QAA", "QBB"]}
    response = client.get("/maturity/", {"area": "QBB"})
    assert response.status_code == 302 and response["Location"] == "/maturity/area/QBB/"


def test_the_money_picker_is_grouped_by_region_and_keeps_the_year(client_for):
    client = client_for("analyst")
    assert _groups(client.get("/finance/", {"year": "2024-25"}).content.decode()) == {"Test Region": ["QAA", "QBB"]}
    response = client.get("/finance/", {"year": "2024-25", "area": "QAA"})
    assert response.status_code == 302 and response["Location"] == "/finance/area/QAA/?year=2024-25"


def test_the_designer_picker_is_grouped_region_icb_sub_icb(client_for):
    html = client_for("analyst").get("/design/").content.decode()
    groups = _groups(html)
    assert groups == {"Test Region": ["QAA", "01A", "QBB", "02B"]}
    # The sub-ICB locations sit beneath their ICB, indented.
    assert re.search(r'<option value="01A"[^>]*>(?:&nbsp;|\xa0){4}Alpha Sub-ICB \(01A\)</option>', html)
