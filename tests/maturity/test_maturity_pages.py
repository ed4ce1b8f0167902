"""The maturity pages: who sees and changes what, the guided assessment (save and resume, conflicts),
progress over time, the plan, the ICB heatmap, the report and the downloads."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client

from pcnhub.domain import maturity as m
from pcnhub.maturity import services
from pcnhub.maturity.models import Action, ActionStatus, Answer, Assessment
from tests.maturity.helpers import FOUNDATION, MATRIX, SYSTEM_FOUNDATION, form_of, read_csv, read_xlsx, text

pytestmark = pytest.mark.django_db

PCN = "/maturity/pcn/U00001/"
ASSESS = "/maturity/pcn/U00001/assess/lpp/"
PLAN = "/maturity/pcn/U00001/plan/"
REPORT = "/maturity/pcn/U00001/report/"
AREA = "/maturity/area/QAA/"
SYSTEM = "/maturity/area/QAA/assess/lpp/"


def signed_in(register, role: str) -> Client:
    client = Client()
    client.force_login(register.users[role])
    return client


def achieve_foundation(client, url=ASSESS, ids=FOUNDATION, then="later"):
    data = form_of(client.get(url))
    for sid in ids:
        data[f"status-{sid}"] = m.ACHIEVED
    data["then"] = then
    return client.post(url, data)


# --- Who may see and change what -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["pcn", "icb", "analyst", "admin"])
@pytest.mark.parametrize("url", [PCN, ASSESS, PLAN, REPORT])
def test_pcn_pages_for_roles_that_may_see_them(client_for, role, url):
    response = client_for(role).get(url)
    assert response.status_code == 200, (role, url)
    assert "Alpha North PCN" in text(response)


@pytest.mark.parametrize("role, url", [
    ("pcn", "/maturity/pcn/U00002/"), ("pcn", "/maturity/pcn/U00003/"), ("pcn", "/maturity/pcn/U00002/plan/"),
    ("pcn", "/maturity/pcn/U00003/assess/lpp/"), ("pcn", "/maturity/pcn/U00002/report/"), ("pcn", AREA),
    ("icb-beta", PCN), ("icb-beta", AREA), ("icb-beta", ASSESS), ("icb", "/maturity/pcn/U00003/"),
    ("icb", "/maturity/area/QBB/"), ("practice", PCN), ("practice", AREA), ("practice", "/maturity/"),
    ("icb-beta", "/maturity/area/QAA/assess/lpp/"),
])
def test_refused_outside_the_role(client_for, role, url):
    assert client_for(role).get(url).status_code == 403, (role, url)
    assert client_for(role).get(url + "?format=csv").status_code == 403


@pytest.mark.parametrize("url", ["/maturity/pcn/NOPE/", "/maturity/pcn/QAA/", "/maturity/area/U00001/",
                                 "/maturity/area/01A/", "/maturity/pcn/U00001/assess/nope/",
                                 "/maturity/area/QAA/assess/nope/", "/maturity/pcn/U00001/plan/999/"])
def test_unknown_codes_are_404(client_for, url):
    assert client_for("admin").get(url).status_code == 404


@pytest.mark.parametrize("query", ["format=pdf", "format=csv&table=nope"])
def test_bad_query_is_400(client_for, query):
    assert client_for("pcn").get(f"{PCN}?{query}").status_code == 400


def test_a_pcn_user_sees_only_its_own_assessment(register):
    Assessment.objects.create(organisation=register.south, audience=m.PCN, matrix=MATRIX.key, as_of=dt.date(2025, 5, 1))
    client = signed_in(register, "pcn")
    assert client.get("/maturity/pcn/U00002/").status_code == 403
    assert client.get("/api/maturity/pcns/U00002/score").status_code == 403
    assert client.get(PCN).status_code == 200


def test_the_icb_sees_all_its_pcns_but_cannot_change_their_answers(register):
    pcn = signed_in(register, "pcn")
    achieve_foundation(pcn)
    icb = signed_in(register, "icb")
    for code in ("U00001", "U00002"):
        assert icb.get(f"/maturity/pcn/{code}/").status_code == 200
    page = icb.get(ASSESS)
    assert 'id="assessment-form"' not in page.content.decode() and "You can read these answers" in text(page)
    assert "Achieved" in text(page)
    data = {f"status-{FOUNDATION[0]}": m.NOT_STARTED, "then": "later"}
    assert icb.post(ASSESS, data).status_code == 403
    assert icb.post(PLAN, {"title": "Not theirs", "status": "planned"}).status_code == 403
    assert icb.post("/maturity/pcn/U00001/new/", {"matrix": MATRIX.key}).status_code == 403
    assert Answer.objects.get(statement_id=FOUNDATION[0]).status == m.ACHIEVED
    assert not Action.objects.exists()


def test_the_analyst_reads_everything_and_changes_nothing(register):
    client = signed_in(register, "analyst")
    for url in (PCN, ASSESS, PLAN, AREA, SYSTEM, "/maturity/area/QBB/", "/maturity/"):
        assert client.get(url).status_code == 200, url
    assert client.post(ASSESS, {f"status-{FOUNDATION[0]}": m.ACHIEVED}).status_code == 403
    assert client.post(SYSTEM, {f"status-{SYSTEM_FOUNDATION[0]}": m.ACHIEVED}).status_code == 403
    assert client.post(PLAN, {"title": "x", "status": "planned"}).status_code == 403
    assert client.post("/maturity/area/QAA/new/", {"matrix": MATRIX.key}).status_code == 403
    assert not Answer.objects.exists() and not Action.objects.exists() and not Assessment.objects.exists()


def test_the_icb_assesses_its_own_system_statements(register):
    icb = signed_in(register, "icb")
    response = achieve_foundation(icb, SYSTEM, SYSTEM_FOUNDATION)
    assert response.status_code == 302 and response["Location"] == "/maturity/area/QAA/#system"
    a = Assessment.objects.get(organisation=register.icb_a, audience=m.SYSTEM)
    assert a.statuses() == {s: m.ACHIEVED for s in SYSTEM_FOUNDATION}
    page = text(icb.get(AREA))
    assert "System statements: step reached by domain" in page
    system_table = icb.get(AREA).content.decode().split('id="system-table"')[1].split("</table>")[0]
    assert "Foundation" in system_table
    # The other ICB's commissioner and a PCN user cannot answer them.
    assert signed_in(register, "icb-beta").post(SYSTEM, {}).status_code == 403
    assert signed_in(register, "pcn").post(SYSTEM, {}).status_code == 403
    assert signed_in(register, "icb").post("/maturity/area/QBB/assess/lpp/", {}).status_code == 403


def test_the_index_sends_each_role_to_its_own_page(client_for):
    assert client_for("pcn").get("/maturity/")["Location"] == PCN
    assert client_for("icb").get("/maturity/")["Location"] == AREA
    page = text(client_for("admin").get("/maturity/"))
    assert "Alpha ICB" in page and "Beta ICB" in page


def test_nav_and_register_link(client_for):
    html = client_for("pcn").get("/pcn/U00001/").content.decode()
    assert 'href="/maturity/pcn/U00001/"' in html and 'data-testid="maturity-link"' in html
    html = client_for("icb").get("/").content.decode()
    assert re.search(r'href="/maturity/area/QAA/"[^>]*>Maturity<', html)
    assert ">Maturity<" not in client_for("practice").get("/").content.decode()


def test_anonymous_users_are_sent_to_sign_in(client, register):
    response = client.get(PCN)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The guided assessment -------------------------------------------------------------------------


def test_save_and_continue_goes_to_the_next_domain_and_the_summary_shows_foundation(register):
    client = signed_in(register, "pcn")
    response = achieve_foundation(client, then="continue")
    assert response.status_code == 302 and response["Location"] == "/maturity/pcn/U00001/assess/phm/"
    page = client.get(response["Location"])
    assert f"Saved {len(FOUNDATION)} answers for Leadership, planning and partnerships." in text(page)
    assert "domain 2 of 5" in text(page)
    summary = client.get(PCN).content.decode()
    row = summary.split('data-domain="lpp"')[1].split("</tr>")[0]
    assert "Foundation" in row
    chart = json.loads(re.search(r'id="maturity-bar-data" type="application/json">(.*?)</script>', summary,
                                 flags=re.DOTALL).group(1))
    assert chart["values"][0] == 1 and chart["texts"][0] == "Foundation"


def test_save_and_come_back_later_keeps_answers_and_evidence(register):
    client = signed_in(register, "pcn")
    data = form_of(client.get(ASSESS))
    data.update({f"status-{FOUNDATION[0]}": m.IN_PROGRESS, f"evidence-{FOUNDATION[0]}": "Draft vision, board minutes",
                 f"comment-{FOUNDATION[0]}": "Sign-off in May", "then": "later"})
    response = client.post(ASSESS, data)
    assert response.status_code == 302 and response["Location"] == PCN
    assert "come back to carry on" in text(client.get(PCN))
    # Resume: the page shows what was saved, with who saved it.
    page = client.get(ASSESS)
    again = form_of(page)
    assert again[f"status-{FOUNDATION[0]}"] == m.IN_PROGRESS
    assert again[f"evidence-{FOUNDATION[0]}"] == "Draft vision, board minutes"
    assert again[f"comment-{FOUNDATION[0]}"] == "Sign-off in May"
    assert again[f"revision-{FOUNDATION[0]}"] == "1"
    assert "Last changed by Priya Nair" in text(page)
    # Several people contribute: the administrator answers another statement on top.
    admin = signed_in(register, "admin")
    data = form_of(admin.get(ASSESS))
    data.update({f"status-{FOUNDATION[1]}": m.ACHIEVED, "then": "later"})
    admin.post(ASSESS, data)
    a = Assessment.objects.get()
    assert a.statuses() == {FOUNDATION[0]: m.IN_PROGRESS, FOUNDATION[1]: m.ACHIEVED}
    assert Answer.objects.get(statement_id=FOUNDATION[0]).revision == 1


def test_two_people_editing_the_same_statement_get_a_warning_not_an_overwrite(register):
    first, second = signed_in(register, "pcn"), signed_in(register, "admin")
    form_first, form_second = form_of(first.get(ASSESS)), form_of(second.get(ASSESS))
    form_first.update({f"status-{FOUNDATION[0]}": m.ACHIEVED, f"evidence-{FOUNDATION[0]}": "Signed vision",
                       "then": "later"})
    assert first.post(ASSESS, form_first).status_code == 302
    # The second person, with the page loaded before, changes the same statement and another one.
    form_second.update({f"status-{FOUNDATION[0]}": m.NOT_STARTED, f"status-{FOUNDATION[1]}": m.IN_PROGRESS,
                        "then": "later"})
    response = second.post(ASSESS, form_second)
    assert response.status_code == 200
    page = text(response)
    assert "Someone else changed an answer while you were editing" in page
    # FOUNDATION[0] is lpp-0-pcn-1, named by its place in the matrix, not its id.
    assert "Leadership, planning and partnerships, Foundation, statement 1 was changed by Priya Nair on" in page
    assert "Their answer: Achieved" in page and "Signed vision" in page
    assert "Your other 1 change on this page was saved." in page
    assert Answer.objects.get(statement_id=FOUNDATION[0]).status == m.ACHIEVED  # not overwritten
    assert Answer.objects.get(statement_id=FOUNDATION[1]).status == m.IN_PROGRESS  # the other one saved
    # Saving again without ticking the box still keeps theirs.
    again = form_of(response)
    assert again[f"status-{FOUNDATION[0]}"] == m.NOT_STARTED  # their own choice is still on the form
    again["then"] = "later"
    assert second.post(ASSESS, again).status_code == 200
    assert Answer.objects.get(statement_id=FOUNDATION[0]).status == m.ACHIEVED
    # Ticking "Replace their answer with mine" wins.
    replace = re.search(rf'name="replace-{FOUNDATION[0]}" type="checkbox" value="(\d+)"', response.content.decode())
    again[f"replace-{FOUNDATION[0]}"] = replace.group(1)
    assert second.post(ASSESS, again).status_code == 302
    answer = Answer.objects.get(statement_id=FOUNDATION[0])
    assert (answer.status, answer.updated_by, answer.revision) == (m.NOT_STARTED, register.users["admin"], 2)


def test_a_bad_status_is_an_error_and_saves_nothing(register):
    client = signed_in(register, "pcn")
    data = form_of(client.get(ASSESS))
    data.update({f"status-{FOUNDATION[0]}": "done", f"status-{FOUNDATION[1]}": m.ACHIEVED, "then": "later"})
    response = client.post(ASSESS, data)
    assert response.status_code == 200 and "There is a problem" in text(response)
    assert ("Choose not started, in progress or achieved for Leadership, planning and partnerships, Foundation, "
            "statement 1") in text(response)
    assert not Answer.objects.exists()
    assert client.post(ASSESS, {**data, f"revision-{FOUNDATION[0]}": "x"}).status_code == 400


def test_a_new_assessment_keeps_the_old_one_and_progress_over_time_shows_both(register):
    client = signed_in(register, "pcn")
    achieve_foundation(client)
    Assessment.objects.update(as_of=dt.date(2024, 9, 30))
    response = client.post("/maturity/pcn/U00001/new/", {"matrix": MATRIX.key})
    assert response.status_code == 302
    assert "The previous one, as of 30 September 2024, is kept" in text(client.get(PCN))
    # Move on in the new assessment: step 1 of the leadership domain.
    step1 = [s.id for s in MATRIX.domain("lpp").steps[1].statements(m.PCN)]
    achieve_foundation(client, ids=step1)
    assert Assessment.objects.count() == 2 and Assessment.objects.filter(closed=True).count() == 1
    html = client.get(PCN).content.decode()
    rows = re.findall(r'<tr class="nhsuk-table__row" data-assessment="([\d-]+)">(.*?)</tr>', html, flags=re.DOTALL)
    assert [d for d, _ in rows] == ["2024-09-30", services.today().isoformat()]
    assert "Foundation" in rows[0][1] and "Step 1" in rows[1][1]
    chart = json.loads(re.search(r'id="maturity-progress-data" type="application/json">(.*?)</script>', html,
                                 flags=re.DOTALL).group(1))
    assert chart["dates"] == ["2024-09-30", services.today().isoformat()]
    assert chart["series"][0]["values"] == [1, 2]
    table = read_csv(client.get(f"{PCN}?format=csv&table=progress"))
    assert table[1][0] == "2024-09-30" and table[1][2] == "Foundation" and table[2][2] == "Step 1"


# --- Plan --------------------------------------------------------------------------------------------


def test_add_an_action_with_support_and_overdue_flag(register):
    client = signed_in(register, "pcn")
    page = text(client.get(PLAN))
    assert "Gaps: the next step's statements not yet achieved" in page
    assert "Business intelligence" in page or "business" in page.lower()
    yesterday = services.today() - dt.timedelta(days=1)
    response = client.post(PLAN, {
        "title": "Agree the network vision", "statements": [FOUNDATION[0]], "owner": "Clinical Director",
        "due": yesterday.isoformat(), "status": ActionStatus.IN_PROGRESS, "support": ["development-plan"],
        "notes": "",
    })
    assert response.status_code == 302 and response["Location"] == PLAN + "#actions"
    action = Action.objects.get()
    assert action.statement_ids == [FOUNDATION[0]] and action.support_requested == ["development-plan"]
    html = client.get(PLAN).content.decode()
    row = html.split(f'data-action="{action.pk}"')[1].split("</tr>")[0]
    assert "data-overdue" in row and "Overdue" in row
    # Done actions are not overdue.
    edit = f"/maturity/pcn/U00001/plan/{action.pk}/"
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"title": "Agree the network vision", "statements": [FOUNDATION[0]],
                                  "due": yesterday.isoformat(), "status": ActionStatus.DONE})
    assert response.status_code == 302
    row = client.get(PLAN).content.decode().split(f'data-action="{action.pk}"')[1].split("</tr>")[0]
    assert "data-overdue" not in row
    rows = read_xlsx(client.get(f"{PLAN}?format=xlsx&table=plan"))
    assert rows[0][:6] == ["Action", "Statements", "Owner", "Due", "Status", "Overdue"]
    assert rows[1][0] == "Agree the network vision" and rows[1][4] == "Done" and rows[1][5] == "no"


def test_the_action_form_marks_offers_helping_with_the_chosen_statements(register):
    client = signed_in(register, "pcn")
    action = Action.objects.create(pcn=register.north, matrix=MATRIX.key, title="Vision",
                                   statement_ids=["lpp-0-pcn-1"])
    html = client.get(f"/maturity/pcn/U00001/plan/{action.pk}/").content.decode()
    offer = html.split('data-offer="development-plan"')[1].split('data-offer="')[0]
    assert "Helps with</strong> Leadership, planning and partnerships, Foundation, statement 1" in offer


def test_an_action_needs_a_title(register):
    client = signed_in(register, "pcn")
    response = client.post(PLAN, {"title": "", "status": "planned", "due": "soon"})
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page and "Enter what the action is" in page and "Enter a real date" in page
    assert not Action.objects.exists()


def test_other_pcns_actions_cannot_be_changed(register):
    other = Action.objects.create(pcn=register.south, matrix=MATRIX.key, title="South's")
    client = signed_in(register, "pcn")
    assert client.get(f"/maturity/pcn/U00002/plan/{other.pk}/").status_code == 403
    assert client.get(f"/maturity/pcn/U00001/plan/{other.pk}/").status_code == 404


# --- ICB heatmap ------------------------------------------------------------------------------------


def test_heatmap_shows_steps_in_text_and_support_requests(register):
    achieve_foundation(signed_in(register, "pcn"))
    Action.objects.create(pcn=register.north, matrix=MATRIX.key, title="BI", support_requested=["business-intelligence"],
                          due=services.today() - dt.timedelta(days=3))
    Action.objects.create(pcn=register.south, matrix=MATRIX.key, title="Events", support_requested=["business-intelligence"])
    client = signed_in(register, "icb")
    html = client.get(AREA).content.decode()
    north = html.split('data-pcn="U00001"')[1].split("</tr>")[0]
    assert re.search(r'data-domain="lpp">Foundation<', north)
    assert re.search(r'data-domain="phm">Not yet at Foundation<', north)
    assert "1 overdue" in north
    south = html.split('data-pcn="U00002"')[1].split("</tr>")[0]
    assert "Not assessed" in south
    assert 'data-pcn="U00003"' not in html
    support = html.split('data-offer="business-intelligence"')[1].split("</tr>")[0]
    assert "Alpha North PCN (1)" in support and "Alpha South PCN (1)" in support and ">2<" in support
    chart = json.loads(re.search(r'id="maturity-heatmap-data" type="application/json">(.*?)</script>', html,
                                 flags=re.DOTALL).group(1))
    assert chart["pcns"] == ["Alpha North PCN"] and chart["texts"][0][0] == "Foundation"
    rows = read_csv(client.get(f"{AREA}?format=csv&table=heatmap"))
    assert rows[0][:4] == ["PCN code", "PCN name", "Assessment as of", "Leadership, planning and partnerships"]
    assert [r[0] for r in rows[1:]] == ["U00001", "U00002"] and rows[1][3] == "Foundation"
    support_rows = read_xlsx(client.get(f"{AREA}?format=xlsx&table=support"))
    assert {r[3] for r in support_rows[1:]} == {"U00001", "U00002"}


# --- Report and downloads ---------------------------------------------------------------------------


def test_report_has_summary_gaps_plan_and_sources(register):
    client = signed_in(register, "pcn")
    achieve_foundation(client)
    Action.objects.create(pcn=register.north, matrix=MATRIX.key, title="Agree shared priorities",
                          statement_ids=["lpp-1-pcn-1"], due=services.today() + dt.timedelta(days=30))
    response = client.get(REPORT)
    html, page = response.content.decode(), text(response)
    assert 'media="print"' in html and "pcnhub/print.css" in html
    assert html.count('class="pcnhub-report-domain"') == len(MATRIX.domains) + 1
    assert "Step reached by domain" in page and "Agree shared priorities" in page
    assert f"Source: {MATRIX.source}" in page
    assert "Gap: still to achieve for Step 1" in page


@pytest.mark.parametrize("table", ["domains", "progress", "gaps", "plan"])
def test_every_summary_table_downloads(register, client_for, table):
    achieve_foundation(signed_in(register, "pcn"))
    for fmt, reader in (("csv", read_csv), ("xlsx", read_xlsx)):
        response = client_for("icb").get(f"{PCN}?format={fmt}&table={table}")
        assert response.status_code == 200
        assert f"maturity-U00001-{table}" in response["Content-Disposition"]
        rows = reader(response)
        assert rows and rows[0]
    domains = read_xlsx(client_for("icb").get(f"{PCN}?format=xlsx&table=domains"))
    assert domains[1][:4] == ["lpp", "Leadership, planning and partnerships", "Foundation", 1]


def test_system_and_index_tables_download(client_for):
    rows = read_csv(client_for("icb").get(f"{AREA}?format=csv&table=system"))
    assert rows[0][0] == "Domain key" and len(rows) == 1 + len(MATRIX.domains)
    rows = read_xlsx(client_for("analyst").get("/maturity/?format=xlsx&table=icbs"))
    assert rows[0] == ["ICB code", "ICB name", "System assessment as of"]
