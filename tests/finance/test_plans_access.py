"""The access plan editor: the requirement on a date, sessions round trips, findings, the
commissioner's agreement and the download."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.urls import reverse

from pcnhub.domain import access
from pcnhub.finance.models import AccessSession
from pcnhub.register.services import latest_data_date
from tests.helpers_web import read_csv, read_xlsx, text, xlsx_sheet

pytestmark = pytest.mark.django_db

URL = "/finance/pcn/U00001/access/"


def session_data(**changes) -> dict:
    data = {"session-day": "0", "session-start": "18:30", "session-end": "20:00", "session-site": "Hollies Surgery",
            "session-staff_type": "GP"}
    data.update({f"session-{k}": v for k, v in changes.items()})
    return data


def make_session(pcn, **fields) -> AccessSession:
    values = {"day": 0, "start": dt.time(18, 30), "end": dt.time(20, 0), "site": "Hollies Surgery", "staff_type": "GP"}
    values.update(fields)
    return AccessSession.objects.create(pcn=pcn, **values)


def add_url(date: str = "2024-06-01") -> str:
    return f"{reverse('finance:access_session_add', args=['U00001'])}?date={date}"


# --- Who may see and change it -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["pcn", "icb", "analyst", "admin"])
def test_roles_that_see_the_pcns_money_see_the_plan(client_for, role):
    assert client_for(role).get(URL, {"date": "2024-06-01"}).status_code == 200


@pytest.mark.parametrize("role, code", [("practice", "U00001"), ("icb-beta", "U00001"), ("pcn", "U00002"),
                                        ("icb", "U00003")])
def test_others_are_refused(client_for, role, code):
    response = client_for(role).get(f"/finance/pcn/{code}/access/", {"format": "csv"})
    assert response.status_code == 403 and "Content-Disposition" not in response


def test_unknown_code_is_404(client_for):
    assert client_for("pcn").get("/finance/pcn/NOPE1/access/").status_code == 404


@pytest.mark.parametrize("role", ["practice", "analyst", "icb-beta"])
def test_changes_by_users_who_may_not_edit_are_refused(client_for, register, role):
    session = make_session(register.north)
    client = client_for(role)
    assert client.post(add_url(), session_data()).status_code == 403
    assert client.post(reverse("finance:access_session_edit", args=["U00001", session.pk]),
                       session_data(end="21:00")).status_code == 403
    assert client.post(reverse("finance:access_session_delete", args=["U00001", session.pk])).status_code == 403
    assert list(AccessSession.objects.values_list("pk", "end")) == [(session.pk, dt.time(20, 0))]


def test_a_date_before_the_network_contract_is_a_bad_request(client_for):
    response = client_for("pcn").get(URL, {"date": "2019-06-30"})
    assert response.status_code == 400
    assert "before the Network Contract DES began" in text(response)
    assert client_for("pcn").get(URL, {"date": "June"}).status_code == 400


# --- The requirement -----------------------------------------------------------------------------


def test_enhanced_access_uses_the_adjusted_population(client_for):
    # 2024/25: Alpha North on 1 January 2024 had 25,500 registered; no adjusted population is recorded,
    # so the registered list stands in: 60 minutes per 1,000 = 1,530 minutes.
    page = text(client_for("pcn").get(URL, {"date": "2024-06-01"}))
    assert "Enhanced Access" in page
    assert "Required a week 1,530 minutes (25 h 30 min)" in page
    assert "25,500 PCN adjusted population (no adjusted population is recorded" in page
    assert "list sizes as at 1 January 2024" in page


def test_extended_hours_uses_the_registered_list_to_the_quarter_hour(client_for):
    # 2022/23: no list size on or before 1 January 2022, so the earliest after it (25,500 registered):
    # 30 minutes per 1,000 = 765 minutes, already a whole quarter hour.
    page = text(client_for("pcn").get(URL, {"date": "2022-06-01"}))
    assert "Extended Hours Access" in page
    assert f"Required a week {access.required_minutes(dt.date(2022, 6, 1), 25_500):,} minutes" in page
    assert "Required a week 765 minutes (12 h 45 min)" in page
    assert "25,500 registered patients" in page
    assert "the earliest one after it is used" in page


def test_the_default_date_is_the_one_date_of_every_page(client_for):
    # the latest date the register holds data for, until the user sets another in the header
    client = client_for("pcn")
    latest = latest_data_date()
    assert f"Requirement on {latest.day} {latest:%B %Y}" in text(client.get(URL))
    client.get("/", {"date": "2024-06-01"})
    assert "Requirement on 1 June 2024" in text(client.get(URL))


# --- Sessions ------------------------------------------------------------------------------------


def test_add_change_and_delete_a_session(client_for, register):
    client = client_for("pcn")
    before = text(client.get(URL, {"date": "2024-06-01"}))
    assert "Planned a week 0 minutes" in before
    response = client.post(add_url(), session_data())
    assert response.status_code == 302 and response["Location"] == f"{URL}?date=2024-06-01#sessions"
    session = AccessSession.objects.get()
    assert (session.pcn, session.day, session.start, session.end, session.site, session.staff_type, session.agreed,
            session.updated_by) == (register.north, 0, dt.time(18, 30), dt.time(20, 0), "Hollies Surgery", "GP",
                                    False, register.users["pcn"])
    page = text(client.get(response["Location"]))
    assert "Session Monday 18:30 to 20:00, Hollies Surgery, GP added" in page
    assert "Planned a week 90 minutes (1 h 30 min) that count" in page
    assert "Short 1,440 minutes (24 h 00 min) a week below the requirement" in page

    edit = reverse("finance:access_session_edit", args=["U00001", session.pk])
    assert client.get(edit, {"date": "2024-06-01"}).status_code == 200
    response = client.post(f"{edit}?date=2024-06-01", session_data(day="5", start="09:00", end="17:00"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.day, session.start, session.end) == (5, dt.time(9, 0), dt.time(17, 0))
    assert "Planned a week 480 minutes" in text(client.get(response["Location"]))

    delete = reverse("finance:access_session_delete", args=["U00001", session.pk])
    response = client.post(f"{delete}?date=2024-06-01")
    assert response.status_code == 302 and not AccessSession.objects.exists()
    assert "deleted" in text(client.get(response["Location"]))


@pytest.mark.parametrize("changes, message", [
    ({"end": "18:30"}, "The end time must be after the start time"),
    ({"end": "17:00"}, "The end time must be after the start time"),
    ({"start": "6.30pm"}, "Enter the start time as HH:MM"),
    ({"site": "  "}, "Enter the site"),
    ({"staff_type": ""}, "Enter the staff type"),
    ({"day": "7"}, "Choose a day of the week"),
])
def test_an_invalid_session_shows_the_errors_and_saves_nothing(client_for, changes, message):
    response = client_for("pcn").post(add_url(), session_data(**changes))
    assert response.status_code == 200
    html = response.content.decode()
    summary = re.search(r'<div class="nhsuk-error-summary".*?</ul>', html, re.DOTALL).group(0)
    assert message in html_lib.unescape(summary)
    assert 'id="add-session" open' in html
    assert not AccessSession.objects.exists()


def test_findings_short_blocks_standard_hours_and_shortfall(client_for, register):
    make_session(register.north)  # counts: 90
    make_session(register.north, day=1, start=dt.time(18, 30), end=dt.time(18, 50))  # a 20-minute block
    make_session(register.north, day=2, start=dt.time(17, 30), end=dt.time(20, 0))  # 60 in core hours
    make_session(register.north, day=6, start=dt.time(10, 0), end=dt.time(12, 0))  # Sunday, not agreed
    page = client_for("pcn").get(URL, {"date": "2024-06-01"})
    html = page.content.decode()
    body = text(page)
    assert "is 20 minutes long; access must be in blocks of at least 30 minutes" in body
    assert "60 minutes in core hours (08:00-18:30 Monday-Friday) do not count" in body
    assert "120 minutes outside the Network Standard Hours" in body
    assert "1,350 minutes short" in body  # 1,530 required, 90 + 90 counted
    errors = re.search(r'id="errors">(.*?)</div>', html, re.DOTALL).group(1)
    for rule in ("block-length", "core-hours", "standard-hours", "shortfall"):
        assert f'data-rule="{rule}"' in errors
    counted = re.findall(r"data-counted>([\d,]+)<", html)
    assert counted == ["90", "0", "90", "0"]
    assert "Planned a week 180 minutes" in body


def test_only_the_icb_records_the_commissioners_agreement(client_for, register):
    pcn_client = client_for("pcn")
    html = pcn_client.get(URL, {"date": "2024-06-01"}).content.decode()
    assert 'name="session-agreed"' not in html
    pcn_client.post(add_url(), session_data(day="6", start="10:00", end="12:00", agreed="on"))
    session = AccessSession.objects.get()
    assert session.agreed is False  # a PCN user cannot agree its own session

    icb_client = client_for("icb")
    edit = f"{reverse('finance:access_session_edit', args=['U00001', session.pk])}?date=2024-06-01"
    assert 'name="session-agreed"' in icb_client.get(edit).content.decode()
    icb_client.post(edit, session_data(day="6", start="10:00", end="12:00", agreed="on"))
    session.refresh_from_db()
    assert session.agreed is True
    page = client_for("pcn").get(URL, {"date": "2024-06-01"})
    body = text(page)
    assert "count only because the session is marked as commissioner-agreed" in body
    assert "Agreed" in body and "Planned a week 120 minutes" in body

    # The PCN changes the site only: the agreement stands. It moves the session: the agreement is cleared.
    pcn_client = client_for("pcn")
    pcn_client.post(edit, session_data(day="6", start="10:00", end="12:00", site="New hub"))
    session.refresh_from_db()
    assert session.agreed is True and session.site == "New hub"
    response = pcn_client.post(edit, session_data(day="6", start="10:00", end="13:00", site="New hub", agreed="on"))
    session.refresh_from_db()
    assert session.agreed is False
    assert "the commissioner's agreement was cleared" in text(pcn_client.get(response["Location"]))


def test_sessions_download_parses(client_for, register):
    make_session(register.north, site="=cmd|' /C calc'!A0")
    make_session(register.north, day=1, end=dt.time(18, 50))
    client = client_for("icb")
    response = client.get(URL, {"date": "2024-06-01", "format": "xlsx", "table": "sessions"})
    assert response["Content-Disposition"] == 'attachment; filename="access-U00001-sessions-2024-06-01.xlsx"'
    sheet = xlsx_sheet(response)
    rows = read_xlsx(response)
    assert rows[0][:9] == ["Day", "Start", "End", "Site", "Staff type", "Commissioner-agreed", "Minutes",
                           "Minutes counted", "Minutes not counted"]
    assert rows[1][:9] == ["Monday", "18:30", "20:00", "=cmd|' /C calc'!A0", "GP", "no", 90, 90, 0]
    assert sheet.cell(row=2, column=4).data_type == "s"
    assert rows[2][7:9] == [0, 20] and "blocks of at least 30 minutes" in rows[2][9]
    assert rows[3][0] == "Total" and rows[3][7] == 90
    assert ("a PCN adjusted population of 25,500, no adjusted population recorded: the registered list stands in"
            in rows[3][9])
    csv_rows = read_csv(client.get(URL, {"date": "2024-06-01", "format": "csv"}))
    assert csv_rows[1][3].startswith("'=cmd")
