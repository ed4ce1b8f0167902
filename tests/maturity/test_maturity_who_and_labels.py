"""Who changed a statement (the name while the account exists, the name kept after it is deleted, the demo data's
own mark, else "not recorded": never "a deleted user"), and statements named by the matrix's words, not ids."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from pcnhub.domain import maturity as m
from pcnhub.maturity import services
from pcnhub.maturity.demo import DEMO_RECORDER
from pcnhub.maturity.models import Action, ActionStatus, Answer, Assessment
from tests.maturity.helpers import form_of, text

pytestmark = pytest.mark.django_db

PCN = "/maturity/pcn/U00001/"
ASSESS = "/maturity/pcn/U00001/assess/lpp/"
PLAN = "/maturity/pcn/U00001/plan/"
REPORT = "/maturity/pcn/U00001/report/"
#: The statement ids of the national matrix, as they would show if a page leaked them.
STATEMENT_ID = re.compile(r"\b(?:lpp|phm|ic|mr|wpc)-\d-(?:pcn|system)-\d+\b")


def _answer(client, sid="lpp-0-pcn-1", status=m.ACHIEVED):
    data = form_of(client.get(ASSESS))
    data[f"status-{sid}"] = status
    data["then"] = "later"
    return client.post(ASSESS, data)


def _hint(response, sid="lpp-0-pcn-1") -> str:
    found = re.search(rf'id="status-{sid}-hint">(.*?)</div>', response.content.decode(), re.DOTALL)
    assert found, sid
    return re.sub(r"\s+", " ", found.group(1)).strip()


def test_the_user_who_changed_a_statement_is_named_and_kept_when_their_account_goes(client_for, register):
    client = client_for("pcn")
    assert _answer(client).status_code == 302
    assert "Last changed by Priya Nair on" in _hint(client.get(ASSESS))
    assert Answer.objects.get(statement_id="lpp-0-pcn-1").recorded_by == "Priya Nair"

    # A colleague who never signed in here (no audit events hold their account) saves, and their account goes.
    colleague = get_user_model().objects.create_user("colleague", first_name="Chris", last_name="Obi")
    mx = services.current_matrix(register.north, m.PCN)
    answer = Answer.objects.get(statement_id="lpp-0-pcn-1")
    saved = services.save_answers(register.north, m.PCN, mx, [services.Posted(
        "lpp-0-pcn-1", m.IN_PROGRESS, "", "", revision=answer.revision)], colleague)
    assert saved.changed == ["lpp-0-pcn-1"]
    colleague.delete()
    page = client_for("admin").get(ASSESS)
    assert "Last changed by Chris Obi on" in _hint(page)
    assert "deleted user" not in text(page)


def test_answers_of_the_demo_data_say_so_and_others_say_not_recorded(client_for, register):
    a = Assessment.objects.create(organisation=register.north, audience=m.PCN, matrix="national-2019",
                                  as_of=services.today())
    Answer.objects.create(assessment=a, statement_id="lpp-0-pcn-1", status=m.ACHIEVED, recorded_by=DEMO_RECORDER)
    Answer.objects.create(assessment=a, statement_id="lpp-0-pcn-2", status=m.IN_PROGRESS)
    page = client_for("admin").get(ASSESS)
    assert "Last changed by the demo data on" in _hint(page, "lpp-0-pcn-1")
    assert "who changed it was not recorded" in _hint(page, "lpp-0-pcn-2")
    assert "a deleted user" not in text(page)


def test_the_demo_marks_its_answers(register, settings):
    from io import StringIO

    from pcnhub.maturity.demo import load_maturity_demo

    # The demo assesses PCN U27924 of ICB QH8: give the hand-made register those codes.
    register.icb_a.code, register.north.code = "QH8", "U27924"
    register.icb_a.save()
    register.north.save()
    load_maturity_demo(StringIO())
    recorded = set(Answer.objects.values_list("recorded_by", flat=True))
    assert recorded == {DEMO_RECORDER}


def test_no_page_of_a_pcn_shows_statement_ids(client_for, register):
    client = client_for("pcn")
    _answer(client, status=m.IN_PROGRESS)
    Action.objects.create(pcn=register.north, matrix="national-2019", title="Agree priorities",
                          statement_ids=["lpp-2-pcn-1"], status=ActionStatus.PLANNED)
    for url in (PCN, ASSESS, PLAN, REPORT):
        page = text(client.get(url))
        assert not STATEMENT_ID.findall(page), (url, STATEMENT_ID.findall(page)[:3])
    plan = client.get(PLAN).content.decode()
    assert re.search(r'data-statement="lpp-2-pcn-1">Leadership, planning and partnerships, Step 2, statement 1<',
                     plan)


def test_statement_place_names_domain_step_and_number():
    mx = services.matrix()
    assert services.statement_place(mx, "lpp-2-pcn-1") == "Leadership, planning and partnerships, Step 2, statement 1"
    assert services.statement_place(mx, "phm-1-pcn-2").endswith(", Step 1, statement 2")
    assert services.statement_place(mx, "zzz-9-pcn-9") == f"a statement no longer in {mx.name}"


def test_a_user_deleted_leaves_no_name_only_where_none_was_kept(register):
    user = get_user_model().objects.create_user("gone", first_name="Gone", last_name="User")
    a = Assessment.objects.create(organisation=register.north, audience=m.PCN, matrix="national-2019",
                                  as_of=services.today())
    answer = Answer.objects.create(assessment=a, statement_id="lpp-0-pcn-1", updated_by=user)
    assert services.recorder(answer) == "Gone User"
    user.delete()
    answer.refresh_from_db()
    assert services.recorder(answer) == ""  # saved before the name was kept: "not recorded" on the page
