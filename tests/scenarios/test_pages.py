"""The scenarios' pages for every role: the list, a new scenario (form, practice's move, CSV), the comparison page,
changes added and removed, the workflow's steps and comments, and the designer's proposal saved as a scenario.

The register is tests/builders.py's: Alpha North PCN (U00001: A81001-A81003, 38,147 patients on 1 January 2025),
Alpha South PCN (U00002: A81004-A81005, 55,000), A81006 in no network; Beta PCN (U00003) in the other ICB.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pcnhub.domain import scenario as d
from pcnhub.register.models import Membership, Organisation
from pcnhub.scenarios import services
from pcnhub.scenarios.models import EventKind, Scenario, Status
from tests.builders import NORTH_TOTAL, SIZES, SOUTH_TOTAL
from tests.helpers_web import read_csv, read_xlsx, text

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 1, 1)
ROLES = ("icb", "pcn", "practice", "analyst", "admin", "icb-beta")
MOVED = SIZES["A81003"][1]
HEADER = "action,practice_code,from_pcn,to_pcn,list_change\n"


@pytest.fixture
def draft(placed):
    area = Organisation.objects.get(code="QAA")
    return services.create(area, "Essex Way to South", DAY, "Closer to its neighbours", placed.users["icb"],
                           [d.Change(d.MOVE, practice="A81003", to_pcn="U00002")])


@pytest.fixture
def beta(placed):
    other = services.create(Organisation.objects.get(code="QBB"), "Beta grows", DAY, "", placed.users["admin"],
                            [d.Change(d.GROW, practice="B82001", list_change=500)])
    services.take_step(other, EventKind.SHARED, placed.users["admin"])
    return other


def url(scenario, tail: str = "") -> str:
    return f"/scenarios/{scenario.pk}/{tail}"


def raw(response) -> str:
    return response.content.decode()


def listed(response) -> list[str]:
    return re.findall(r'data-scenario="([^"]+)"', raw(response))


def cell(response, network: str, measure: str, side: str) -> str:
    """The words of one cell of a network's comparison table."""
    page = raw(response)
    section = page[page.index(f'data-network="{network}"'):]
    row = section[section.index(f'data-measure="{measure}"'):]
    found = re.search(rf"data-{side}>(?:<strong>)?([^<]*)", row)
    return found.group(1).strip()


# --- Who sees what ------------------------------------------------------------------------------------------


def test_a_draft_is_listed_and_opened_by_its_commissioners_alone(draft, beta, client_for):
    expected = {"icb": ["Essex Way to South"], "admin": ["Beta grows", "Essex Way to South"], "pcn": [],
                "practice": [], "analyst": ["Beta grows"], "icb-beta": ["Beta grows"]}
    for role in ROLES:
        client = client_for(role)
        response = client.get("/scenarios/")
        assert response.status_code == 200, role
        assert sorted(listed(response)) == expected[role], role
        assert client.get(url(draft)).status_code == (200 if role in ("icb", "admin") else 403), role
    assert client_for("icb").get("/scenarios/999999/").status_code == 404


def test_shared_the_network_and_practice_concerned_see_it_and_may_comment_but_not_edit(draft, client_for, placed):
    services.take_step(draft, EventKind.SHARED, placed.users["icb"])
    for role, status in {"icb": 200, "pcn": 200, "practice": 200, "analyst": 200, "admin": 200,
                         "icb-beta": 403}.items():
        client = client_for(role)
        assert client.get(url(draft)).status_code == status, role
        assert ("Essex Way to South" in listed(client.get("/scenarios/"))) is (status == 200), role
    pcn = client_for("pcn")
    page = text(pcn.get(url(draft)))
    assert "Add a change" not in page and "Submit for decision" not in page and "Your comment" in page
    assert pcn.post(url(draft, "changes/add/"), {"change-action": d.GROW}).status_code == 403
    assert pcn.post(url(draft, "changes/1/remove/")).status_code == 403
    assert pcn.post(url(draft, "step/"), {"step-step": EventKind.SUBMITTED}).status_code == 403
    response = pcn.post(url(draft, "comment/"), {"comment-text": "We would lose a third of our nurses"}, follow=True)
    assert response.status_code == 200 and "Comment added." in text(response)
    assert "We would lose a third of our nurses" in text(response) and "Priya Nair" in text(response)
    analyst = client_for("analyst")
    assert "Your comment" in text(analyst.get(url(draft)))
    assert analyst.post(url(draft, "step/"), {"step-step": EventKind.SUBMITTED}).status_code == 403
    # an empty comment is named in the error summary
    response = pcn.post(url(draft, "comment/"), {"comment-text": " "})
    assert response.status_code == 400 and 'href="#id_comment-text"' in raw(response)


def test_only_commissioners_and_administrators_may_make_scenarios(placed, client_for):
    for role in ROLES:
        client = client_for(role)
        may = role in ("icb", "admin", "icb-beta")
        assert client.get("/scenarios/new/").status_code == (200 if may else 403), role
        assert ("New scenario" in text(client.get("/scenarios/"))) is may, role
        menu = raw(client.get("/"))
        assert 'href="/scenarios/' in menu and ">Scenarios<" in menu, role
    # the PCN and practice pages offer a scenario to those who may make one
    assert "Try a change to this network" in text(client_for("icb").get("/pcn/U00001/"))
    assert "Try a change to this network" not in text(client_for("pcn").get("/pcn/U00001/"))
    assert "Move this practice" in text(client_for("icb").get("/practice/A81003/"))
    assert "Move this practice" not in text(client_for("practice").get("/practice/A81001/"))
    # a practice of another ICB is not theirs to move
    assert client_for("icb").get("/scenarios/new/?practice=B82001").status_code == 403


def test_the_list_filters_by_status(draft, placed, client_for):
    other = services.create(draft.area, "Alpha grows", DAY, "", placed.users["icb"],
                            [d.Change(d.GROW, practice="A81004", list_change=800)])
    services.take_step(other, EventKind.SHARED, placed.users["icb"])
    client = client_for("icb")
    assert sorted(listed(client.get("/scenarios/"))) == ["Alpha grows", "Essex Way to South"]
    shared = client.get("/scenarios/?status=shared")
    assert listed(shared) == ["Alpha grows"] and "1 of 2 scenarios shared for comment" in text(shared)
    assert client.get("/scenarios/?status=nonsense").status_code == 400


# --- Making one -----------------------------------------------------------------------------------------------


def test_a_new_scenario_from_the_form_then_its_changes_added_and_removed(placed, client_for):
    client = client_for("icb")
    form = raw(client.get("/scenarios/new/?pcn=U00001"))
    assert 'value="Changes to Alpha North PCN"' in form and '<option value="QAA" selected>' in form
    response = client.post("/scenarios/new/?pcn=U00001", {"name": "North takes the island", "area": "QAA",
                                                          "effective_date": "2025-01-01", "reasons": "Coverage"})
    scenario = Scenario.objects.get(name="North takes the island")
    assert response.status_code == 302 and response["Location"] == url(scenario)
    page = text(client.get(url(scenario)))
    assert "No changes yet." in page and "Scenario saved with 0 changes." in page
    # a change that needs fields not given: named against the form
    response = client.post(url(scenario, "changes/add/"), {"change-action": d.MOVE})
    assert response.status_code == 400
    assert 'href="#id_change-practice"' in raw(response) and "Choose the practice" in text(response)
    # a change that cannot apply: the rules' words against the field, nothing saved
    response = client.post(url(scenario, "changes/add/"), {"change-action": d.MOVE, "change-practice": "A81001",
                                                          "change-to_pcn": "U00001"})
    assert response.status_code == 400
    assert "This change cannot apply: A81001 is already in Alpha North PCN" in text(response)
    assert 'href="#id_change-to_pcn"' in raw(response) and services.changes_of(scenario) == []
    # a good one: Island Surgery (in no network) opens... its list grows, then it joins North
    response = client.post(url(scenario, "changes/add/"), {"change-action": d.MOVE, "change-practice": "A81006",
                                                          "change-to_pcn": "U00001"}, follow=True)
    assert "Change added." in text(response)
    assert cell(response, "U00001", "list-size", "before") == f"{NORTH_TOTAL:,}"
    assert cell(response, "U00001", "list-size", "after") == f"{NORTH_TOTAL + SIZES['A81006'][1]:,}"
    client.post(url(scenario, "changes/add/"), {"change-action": d.ACCESS, "change-to_pcn": "U00001",
                                                "change-minutes": "90"})
    response = client.get(url(scenario))
    assert "Move Island Surgery to Alpha North PCN" in text(response)
    assert "Alpha North PCN: 90 more access minutes a week" in text(response)
    response = client.post(url(scenario, "changes/1/remove/"), follow=True)
    assert "Change removed." in text(response)
    assert [c.action for c in services.changes_of(scenario)] == [d.ACCESS]
    assert client.post(url(scenario, "changes/5/remove/")).status_code == 404
    assert [e.kind for e in services.events(scenario)].count(EventKind.CHANGED) == 3


def test_posts_a_new_practice_and_a_change_others_depend_on(draft, client_for):
    client = client_for("icb")
    # ARRS posts need the role, whole-time equivalent and cost: each missing one is named
    response = client.post(url(draft, "changes/add/"), {"change-action": d.ARRS, "change-to_pcn": "U00002"})
    assert response.status_code == 400
    for words in ("Choose the ARRS role", "Enter the whole-time equivalent"):
        assert words in text(response)
    # posts added need their cost; no post changes by 0 WTE
    for wte, words in (("1.5", "Enter the annual cost of a whole-time post"),
                       ("0", "Enter a whole-time equivalent other than 0")):
        response = client.post(url(draft, "changes/add/"), {"change-action": d.ARRS, "change-to_pcn": "U00002",
                                                             "change-role": "paramedic", "change-wte": wte})
        assert response.status_code == 400 and words in text(response)
    before = services.comparison(draft)
    client.post(url(draft, "changes/add/"), {"change-action": d.ARRS, "change-to_pcn": "U00002",
                                             "change-role": "paramedic", "change-wte": "1.5",
                                             "change-annual_cost": "55000"})
    client.post(url(draft, "changes/add/"), {"change-action": d.ADD, "change-new_practice_code": "A89999",
                                             "change-practice_name": "Harbour Surgery", "change-list_change": "3000",
                                             "change-new_network": "Alpha Harbour"})
    client.post(url(draft, "changes/add/"), {"change-action": d.ACCESS, "change-to_pcn": "Alpha Harbour",
                                             "change-minutes": "120"})
    assert [c.action for c in services.changes_of(draft)] == [d.MOVE, d.ARRS, d.ADD, d.ACCESS]
    response = client.get(url(draft))
    page = text(response)
    assert "Alpha South PCN: 1.50 WTE more paramedic at £55,000 a year per WTE" in page
    assert "Open Harbour Surgery (3,000 patients) in Alpha Harbour" in page
    after = services.comparison(draft)
    south = next(r for r in after.rows if r.key == "U00002").after
    assert south.arrs.claims > next(r for r in before.rows if r.key == "U00002").after.arrs.claims
    assert cell(response, "U00002", "arrs-claims", "after") == f"£{round(south.arrs.claims):,}"
    assert cell(response, "Alpha Harbour", "list-size", "after") == "3,000"
    assert cell(response, "Alpha Harbour", "access-planned", "after") == "120 minutes"
    # the opening cannot go while the access minutes of its new network need it
    response = client.post(url(draft, "changes/3/remove/"))
    assert response.status_code == 400 and "The change cannot be removed" in text(response)
    assert "there is no network 'Alpha Harbour'" in text(response) and len(services.changes_of(draft)) == 4


def test_moving_a_practice_from_its_page(placed, client_for):
    client = client_for("icb")
    form = raw(client.get("/scenarios/new/?practice=A81003"))
    assert "Essex Way Surgery is in Alpha North PCN" in form
    # its own network is not offered as where it moves
    assert '<option value="U00002">Alpha South PCN</option>' in form and 'value="U00001"' not in form
    response = client.post("/scenarios/new/?practice=A81003", {"name": "Move Essex Way Surgery", "area": "QAA",
                                                               "effective_date": "2025-01-01"})
    assert response.status_code == 400 and "Choose the network it moves to, or name a new one" in text(response)
    response = client.post("/scenarios/new/?practice=A81003", {
        "name": "Move Essex Way Surgery", "area": "QAA", "effective_date": "2025-01-01", "move-to_pcn": "U00002"},
        follow=True)
    page = text(response)
    assert "Scenario saved with 1 change." in page and "Move Essex Way Surgery to Alpha South PCN" in page
    assert cell(response, "U00001", "list-size", "after") == f"{NORTH_TOTAL - MOVED:,}"
    assert cell(response, "U00002", "list-size", "after") == f"{SOUTH_TOTAL + MOVED:,}"
    assert cell(response, "U00002", "list-size", "difference") == f"+{MOVED:,}"
    assert cell(response, "U00002", "placing", "after") == f"{SOUTH_TOTAL + MOVED - 50_000:,} above the band"


def test_a_csv_of_changes(placed, client_for):
    client = client_for("icb")
    good = SimpleUploadedFile("changes.csv", (HEADER + "move,A81003,,U00002,\nsplit,A81005,,Alpha East,\n").encode())
    response = client.post("/scenarios/new/", {"name": "From a file", "area": "QAA", "effective_date": "2025-01-01",
                                               "changes": good}, follow=True)
    scenario = Scenario.objects.get(name="From a file")
    assert "Scenario saved with 2 changes." in text(response)
    assert [c.action for c in services.changes_of(scenario)] == [d.MOVE, d.SPLIT]
    assert cell(response, "Alpha East", "list-size", "after") == f"{SIZES['A81005'][1]:,}"
    assert cell(response, "Alpha East", "list-size", "before") == "Not a network yet"


@pytest.mark.parametrize("body, named", [
    (HEADER + "move,A81003,,,\nteleport,A81001,,,\n",
     ["changes.csv row 2, field to_pcn: is blank, and a move needs it",
      "changes.csv row 3, field action: 'teleport' is not an action"]),
    ("action,practice_code\nmove,A81003\n", ["changes.csv row 1"]),
    (HEADER + "move,Z99999,,U00002,\n", ["changes.csv row 2 (move): there is no practice Z99999 in the area"]),
])
def test_a_bad_csv_is_named_by_row_and_field_and_nothing_is_saved(placed, client_for, body, named):
    upload = SimpleUploadedFile("changes.csv", body.encode())
    response = client_for("icb").post("/scenarios/new/", {"name": "Bad file", "area": "QAA",
                                                          "effective_date": "2025-01-01", "changes": upload})
    assert response.status_code == 400 and "There is a problem" in text(response)
    for words in named:
        assert words in text(response)
    assert 'href="#id_changes"' in raw(response)
    assert not Scenario.objects.filter(name="Bad file").exists()


def test_an_area_outside_the_users_icb_is_refused_in_the_form(placed, client_for):
    response = client_for("icb").post("/scenarios/new/", {"name": "Beta's", "area": "QBB",
                                                          "effective_date": "2025-01-01"})
    assert response.status_code == 400 and not Scenario.objects.filter(name="Beta's").exists()


# --- The comparison page -------------------------------------------------------------------------------------


def test_the_comparison_page_words_every_section_and_downloads(draft, client_for):
    response = client_for("icb").get(url(draft))
    page = text(response)
    assert f'href="/scenarios/{draft.pk}/paper/"' in raw(response) and "Board paper" in page
    for heading in ("Size and rules", "Network money", "Additional Roles Reimbursement Scheme", "Access a week",
                    "Maturity: step reached in each domain", "Population", "Distance and travel between the practices"):
        assert heading in page
    found = services.comparison(draft)
    north = next(r for r in found.rows if r.key == "U00001")
    assert cell(response, "U00001", "money-total", "after") == f"£{round(north.after.total):,}"
    assert cell(response, "U00001", "access-required", "after") == f"{north.after.access.required:,} minutes"
    # distance and travel: straight lines, and drives estimated with the travel reference figures
    assert cell(response, "U00002", "spread-farthest", "after") == "5.8 km"
    assert cell(response, "U00002", "drive-farthest", "before") == "About 5 min"
    assert cell(response, "U00002", "drive-farthest", "after") == "About 12 min"
    south = raw(response)[raw(response).index('data-network="U00002"'):]
    assert re.search(r'data-measure="drive-farthest">.*?data-difference>\+7 min<', south, re.DOTALL)
    assert "Drives are estimated from the straight line between practices with a road route 1.4 times" in page
    # the tables scroll inside named, focusable regions
    assert 'tabindex="0" role="region" aria-label="Alpha North PCN: before and after (scrolls sideways)"' \
        in raw(response)
    assert "Compared in" not in page  # only analysts see the time taken
    rows = read_csv(client_for("icb").get(url(draft) + "?format=csv"))
    assert rows[0] == ["Network", "What becomes of it", "Section", "Measure", "Before", "After", "Difference"]
    size = next(r for r in rows if r[0] == "Alpha South PCN" and r[3] == "Registered list size")
    assert size[4:6] == [str(SOUTH_TOTAL), str(SOUTH_TOTAL + MOVED)]
    sheet = read_xlsx(client_for("icb").get(url(draft) + "?format=xlsx"))
    assert sheet[0][3] == "Measure" and len(sheet) == len(rows)


def test_analysts_see_how_long_the_comparison_took(draft, placed, client_for):
    services.take_step(draft, EventKind.SHARED, placed.users["icb"])
    assert re.search(r"Compared in [0-9.]+ seconds", text(client_for("analyst").get(url(draft))))
    assert "Compared in" not in text(client_for("admin").get(url(draft)))


# --- The workflow ---------------------------------------------------------------------------------------------


def test_submitted_then_approved_it_is_applied_to_the_register(draft, client_for):
    client = client_for("icb")
    page = text(client.get(url(draft)))
    assert "Share for comment" in page and "Submit for decision" in page and "Approve" not in page
    response = client.post(url(draft, "step/"), {"step-step": EventKind.SUBMITTED}, follow=True)
    assert "Submitted for decision." in text(response)
    page = text(response)
    assert "Add a change" not in page and "Remove change" not in page  # no longer editable
    # approving needs a reason
    response = client.post(url(draft, "step/"), {"step-step": EventKind.APPROVED, "step-reason": ""})
    assert response.status_code == 400 and 'href="#id_step-reason"' in raw(response)
    assert "Write the reason." in text(response)
    response = client.post(url(draft, "step/"), {"step-step": EventKind.APPROVED,
                                                 "step-reason": "Agreed by the primary care committee"}, follow=True)
    assert "Approved and applied to the register from 1 January 2025." in text(response)
    draft.refresh_from_db()
    assert draft.status == Status.APPLIED
    on = Membership.objects.on(DAY).get(practice__code="A81003")
    assert on.pcn.code == "U00002"
    # its page still compares: with the register the day before it took effect
    page = text(client.get(url(draft)))
    assert "the day before the scenario took effect" in page and "Agreed by the primary care committee" in page
    assert [e.kind for e in services.events(draft)][-3:] == [EventKind.SUBMITTED, EventKind.APPROVED,
                                                            EventKind.APPLIED]
    # nothing more can be done to it
    assert client.post(url(draft, "step/"), {"step-step": EventKind.RETURNED}).status_code == 403


def test_rejected_with_a_reason_and_returned_to_draft(draft, client_for):
    client = client_for("icb")
    client.post(url(draft, "step/"), {"step-step": EventKind.SUBMITTED})
    response = client.post(url(draft, "step/"), {"step-step": EventKind.REJECTED,
                                                 "step-reason": "The practice has not agreed"}, follow=True)
    assert "Rejected." in text(response) and "The practice has not agreed" in text(response)
    response = client.post(url(draft, "step/"), {"step-step": EventKind.RETURNED}, follow=True)
    assert "Returned to draft." in text(response) and "Add a change" in text(response)
    assert client.post(url(draft, "step/"), {"step-step": "teleported"}).status_code == 404


def test_an_empty_scenario_cannot_be_submitted(placed, client_for):
    empty = services.create(Organisation.objects.get(code="QAA"), "Nothing yet", DAY, "", placed.users["icb"])
    response = client_for("icb").post(url(empty, "step/"), {"step-step": EventKind.SUBMITTED})
    assert response.status_code == 400 and "Add at least one change before submitting." in text(response)


def test_another_icbs_commissioner_may_not_step_or_open_it(draft, client_for, placed):
    services.take_step(draft, EventKind.SHARED, placed.users["icb"])
    other = client_for("icb-beta")
    assert other.post(url(draft, "step/"), {"step-step": EventKind.SUBMITTED}).status_code == 403
    assert other.post(url(draft, "comment/"), {"comment-text": "Hello"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Status.SHARED


def test_a_change_the_register_no_longer_allows_is_explained(draft, placed, client_for):
    # A81003 moves to South in the register itself: the scenario's move no longer applies
    Membership.objects.filter(practice__code="A81003", end=None).update(pcn=placed.south)
    from pcnhub.register import services as register

    register.note_change()
    response = client_for("icb").get(url(draft))
    assert response.status_code == 200
    assert "The changes no longer apply to the register" in text(response)
    assert "A81003 is already in Alpha South PCN" in text(response)


# --- From the designer ----------------------------------------------------------------------------------------


@pytest.fixture
def _quick_proposals(settings):
    settings.PCNHUB_DESIGN_SECONDS = 1.0


def test_the_designers_proposal_saved_as_a_scenario(placed, client_for, _quick_proposals):
    client = client_for("icb")
    page = text(client.get("/design/QAA/?date=2025-01-01"))
    assert "Save this proposal as a scenario" in page
    response = client.post("/scenarios/from-design/QAA/", {"date": "2025-01-01"})
    scenario = Scenario.objects.get(name="Designer proposal for Alpha ICB")
    assert response.status_code == 302 and response["Location"] == url(scenario)
    from pcnhub.designer import services as designer
    from pcnhub.scenarios import proposals

    view = designer.build(scenario.area, DAY)
    expected = proposals.changes(view)
    assert services.changes_of(scenario) == expected
    # after the changes, the networks are the proposal's (the unlocated A81006 stays where it is)
    outcome = services.comparison(scenario).outcome
    proposed = sorted(sorted(n.codes) for n in view.proposal.networks)
    assert sorted(sorted(p.code for p in n.practices) for n in outcome.networks) == proposed
    assert client_for("analyst").post("/scenarios/from-design/QAA/", {"date": "2025-01-01"}).status_code == 403
    assert "Save this proposal as a scenario" not in text(client_for("analyst").get("/design/QAA/?date=2025-01-01"))
