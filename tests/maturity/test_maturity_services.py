"""Storage of maturity assessments: one open assessment, new ones keep the old, saves that do not
overwrite someone else's newer answer, and the heatmap and support requests of an ICB."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from pcnhub.domain import maturity as m
from pcnhub.maturity import services
from pcnhub.maturity.models import Action, ActionStatus, Answer, Assessment
from tests.maturity.helpers import FOUNDATION, MATRIX

pytestmark = pytest.mark.django_db


def posted(statement_id: str, status: str, revision: int = 0, loaded_from=("", "", ""), **kw) -> services.Posted:
    return services.Posted(statement_id=statement_id, status=status, evidence=kw.get("evidence", ""),
                           comment=kw.get("comment", ""), revision=revision,
                           loaded=services.fingerprint(*loaded_from), replace=kw.get("replace"))


def test_first_save_opens_an_assessment_dated_today(register):
    pcn, user = register.north, register.users["pcn"]
    saved = services.save_answers(pcn, m.PCN, MATRIX, [posted(FOUNDATION[0], m.ACHIEVED, evidence="Minutes")], user)
    assert saved.changed == [FOUNDATION[0]] and not saved.conflicts
    a = Assessment.objects.get(organisation=pcn)
    assert not a.closed and a.as_of == services.today() and a.matrix == MATRIX.key
    answer = a.answers.get()
    assert (answer.status, answer.evidence, answer.revision, answer.updated_by) == (m.ACHIEVED, "Minutes", 1, user)


def test_only_one_open_assessment_per_organisation_and_audience(register):
    Assessment.objects.create(organisation=register.north, audience=m.PCN, matrix=MATRIX.key, as_of=dt.date(2025, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(organisation=register.north, audience=m.PCN, matrix=MATRIX.key,
                                  as_of=dt.date(2025, 2, 1))
    # A system assessment of the same organisation and closed ones are fine.
    Assessment.objects.create(organisation=register.north, audience=m.PCN, matrix=MATRIX.key,
                              as_of=dt.date(2024, 1, 1), closed=True)


def test_untouched_statements_are_not_saved_even_if_someone_else_changed_them(register):
    pcn = register.north
    services.save_answers(pcn, m.PCN, MATRIX, [posted(FOUNDATION[0], m.IN_PROGRESS)], register.users["admin"])
    # The PCN user loaded the page before that save (no answer then) and changes only the second statement.
    saved = services.save_answers(pcn, m.PCN, MATRIX, [
        posted(FOUNDATION[0], "", revision=0), posted(FOUNDATION[1], m.ACHIEVED, revision=0),
    ], register.users["pcn"])
    assert saved.changed == [FOUNDATION[1]] and not saved.conflicts
    assert Answer.objects.get(statement_id=FOUNDATION[0]).status == m.IN_PROGRESS


def test_a_newer_answer_by_someone_else_is_kept_until_the_user_replaces_it(register):
    pcn, first, second = register.north, register.users["pcn"], register.users["admin"]
    services.save_answers(pcn, m.PCN, MATRIX, [posted(FOUNDATION[0], m.IN_PROGRESS)], first)
    loaded = (m.IN_PROGRESS, "", "")
    services.save_answers(pcn, m.PCN, MATRIX, [posted(FOUNDATION[0], m.ACHIEVED, 1, loaded)], first)  # revision 2
    saved = services.save_answers(pcn, m.PCN, MATRIX, [posted(FOUNDATION[0], m.NOT_STARTED, 1, loaded)], second)
    assert saved.changed == [] and len(saved.conflicts) == 1
    assert saved.conflicts[0].theirs.updated_by == first and saved.conflicts[0].theirs.revision == 2
    assert Answer.objects.get(statement_id=FOUNDATION[0]).status == m.ACHIEVED
    # Replacing revision 2 wins; a stale "replace" (of revision 1) does not.
    stale = services.save_answers(pcn, m.PCN, MATRIX, [posted(FOUNDATION[0], m.NOT_STARTED, 1, loaded, replace=1)],
                                  second)
    assert stale.conflicts and Answer.objects.get(statement_id=FOUNDATION[0]).status == m.ACHIEVED
    won = services.save_answers(pcn, m.PCN, MATRIX, [posted(FOUNDATION[0], m.NOT_STARTED, 1, loaded, replace=2)],
                                second)
    assert won.changed == [FOUNDATION[0]]
    answer = Answer.objects.get(statement_id=FOUNDATION[0])
    assert (answer.status, answer.revision, answer.updated_by) == (m.NOT_STARTED, 3, second)


def test_saving_the_same_answer_again_changes_nothing(register):
    pcn, user = register.north, register.users["pcn"]
    services.save_answers(pcn, m.PCN, MATRIX, [posted(FOUNDATION[0], m.ACHIEVED)], user)
    again = services.save_answers(pcn, m.PCN, MATRIX, [posted(FOUNDATION[0], m.ACHIEVED, 0)], user)
    assert again.changed == [] and again.conflicts == []
    assert Answer.objects.get().revision == 1


def test_a_new_assessment_closes_and_keeps_the_old_one_and_starts_from_its_answers(register):
    pcn, user = register.north, register.users["pcn"]
    services.save_answers(pcn, m.PCN, MATRIX, [posted(s, m.ACHIEVED) for s in FOUNDATION], user)
    old = services.open_assessment(pcn, m.PCN)
    Assessment.objects.filter(pk=old.pk).update(as_of=dt.date(2024, 6, 1))
    new = services.start_assessment(pcn, m.PCN, MATRIX.key, user)
    old.refresh_from_db()
    assert old.closed and old.closed_at and not new.closed and new.as_of == services.today()
    assert new.statuses() == old.statuses() == {s: m.ACHIEVED for s in FOUNDATION}
    # Progress: both assessments, oldest first; changes now go to the new one only.
    services.save_answers(pcn, m.PCN, MATRIX, [posted(FOUNDATION[0], m.IN_PROGRESS, 1, (m.ACHIEVED, "", ""))], user)
    prog = services.progress(pcn, m.PCN, MATRIX)
    assert prog.dates == [dt.date(2024, 6, 1), services.today()]
    assert [row[0].step_name for row in prog.rows] == ["Foundation", m.BELOW_FOUNDATION]
    assert old.statuses()[FOUNDATION[0]] == m.ACHIEVED


def test_overdue_actions(register):
    today = services.today()
    action = Action(pcn=register.north, matrix=MATRIX.key, title="x", due=today - dt.timedelta(days=1))
    assert action.overdue_on(today)
    for status in (ActionStatus.DONE, ActionStatus.DROPPED):
        action.status = status
        assert not action.overdue_on(today)
    action.status, action.due = ActionStatus.IN_PROGRESS, today
    assert not action.overdue_on(today)
    action.due = None
    assert not action.overdue_on(today)


def test_heatmap_and_support_requests_of_an_icb(register):
    user = register.users["pcn"]
    services.save_answers(register.north, m.PCN, MATRIX, [posted(s, m.ACHIEVED) for s in FOUNDATION], user)
    Action.objects.create(pcn=register.north, matrix=MATRIX.key, title="Dashboards", support_requested=["business-intelligence"])
    Action.objects.create(pcn=register.south, matrix=MATRIX.key, title="BI", support_requested=["business-intelligence", "events"])
    Action.objects.create(pcn=register.south, matrix=MATRIX.key, title="Done", status=ActionStatus.DONE,
                          support_requested=["messaging"])
    Action.objects.create(pcn=register.beta, matrix=MATRIX.key, title="Other ICB", support_requested=["messaging"])
    heat = services.heatmap(register.icb_a)
    rows = {r.pcn.code: r for r in heat.rows}
    assert set(rows) == {"U00001", "U00002"}
    assert rows["U00001"].cell("lpp").step_name == "Foundation" and rows["U00001"].cell("phm").step_reached is None
    assert rows["U00002"].score is None and rows["U00002"].open_actions == 1
    requests = {s.offer_key: s for s in services.support_requests([r.pcn for r in heat.rows])}
    assert set(requests) == {"business-intelligence", "events"}  # done actions and other ICBs do not count
    assert [p.code for p, _ in requests["business-intelligence"].pcns] == ["U00001", "U00002"]
    assert requests["business-intelligence"].actions == 2


def test_a_networks_history_reads_across_its_earlier_codes(register):
    from pcnhub.register.models import Organisation, OrgKind, Succession

    earlier = Organisation.objects.create(code="L-NORTH-2019", name="North (2019)", kind=OrgKind.PCN)
    Succession.objects.create(predecessor=earlier, successor=register.north, date=dt.date(2022, 1, 1),
                              kind="continues", basis="inferred")
    old = Assessment.objects.create(organisation=earlier, audience=m.PCN, matrix=MATRIX.key, as_of=dt.date(2020, 6, 1),
                                    closed=True)
    new = Assessment.objects.create(organisation=register.north, audience=m.PCN, matrix=MATRIX.key,
                                    as_of=dt.date(2024, 6, 1))
    assert services.history(register.north, m.PCN, MATRIX.key) == [old, new]
    # a network merged into it is another network: its assessments are its own
    Succession.objects.filter(predecessor=earlier).update(kind="merged")
    assert services.history(register.north, m.PCN, MATRIX.key) == [new]
