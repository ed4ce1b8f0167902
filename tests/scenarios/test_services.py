"""Scenarios' workflow: who may see and do what at each step, every step recorded, and applying to the register."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pcnhub.domain import scenario as d
from pcnhub.finance.models import ArrsPost
from pcnhub.register.models import ListSize, Membership, Organisation, OrganisationName, OrgKind, Succession
from pcnhub.scenarios import services
from pcnhub.scenarios.models import EventKind, Scenario, Status

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 1, 1)
ROLES = ("icb", "pcn", "practice", "analyst", "admin", "icb-beta")


def members_on(date, pcn_code):
    return sorted(Membership.objects.on(date).filter(pcn__code=pcn_code).values_list("practice__code", flat=True))


@pytest.fixture
def draft(placed):
    area = Organisation.objects.get(code="QAA")
    return services.create(area, "Essex Way to South", DAY, "Closer to its neighbours", placed.users["icb"],
                           [d.Change(d.MOVE, practice="A81003", to_pcn="U00002")])


def seen(scope_of):
    return {role: services.visible(scope_of(role)) for role in ROLES}


def test_a_draft_is_the_commissioners_alone(draft, scope_of):
    for role in ROLES:
        scope = scope_of(role)
        expected = role in ("icb", "admin")
        assert services.can_view(scope, draft) is expected, role
        assert (draft in services.visible(scope)) is expected, role
        assert services.can_edit(scope, draft) is expected, role
    assert draft.involves == " A81001 A81002 A81003 A81004 A81005 U00001 U00002 "


def test_shared_the_networks_concerned_see_and_comment_but_only_the_icb_moves_it_on(draft, scope_of, placed):
    services.take_step(draft, EventKind.SHARED, placed.users["icb"])
    for role, sees in {"icb": True, "pcn": True, "practice": True, "analyst": True, "admin": True,
                       "icb-beta": False}.items():
        assert services.can_view(scope_of(role), draft) is sees, role
        assert (draft in services.visible(scope_of(role))) is sees, role
    assert services.can_comment(scope_of("pcn"), draft) and not services.can_edit(scope_of("pcn"), draft)
    assert services.steps(scope_of("pcn"), draft) == [] and services.steps(scope_of("analyst"), draft) == []
    assert services.steps(scope_of("icb"), draft) == [EventKind.SUBMITTED, EventKind.RETURNED]
    services.take_step(draft, EventKind.COMMENTED, placed.users["pcn"], "We would lose a third of our nurses")
    with pytest.raises(ValueError, match="Write the comment"):
        services.take_step(draft, EventKind.COMMENTED, placed.users["pcn"], "  ")


def test_a_scenario_of_another_network_is_not_shown_to_its_users(placed, scope_of):
    area = Organisation.objects.get(code="QBB")
    other = services.create(area, "Beta grows", DAY, "", placed.users["admin"],
                            [d.Change(d.GROW, practice="B82001", list_change=500)])
    services.take_step(other, EventKind.SHARED, placed.users["admin"])
    assert not services.can_view(scope_of("pcn"), other) and not services.can_view(scope_of("practice"), other)
    assert not services.can_view(scope_of("icb"), other) and services.can_view(scope_of("icb-beta"), other)


def test_the_workflow_refuses_steps_out_of_turn_and_needs_reasons(draft, placed):
    icb = placed.users["icb"]
    with pytest.raises(ValueError, match="cannot be approved"):
        services.take_step(draft, EventKind.APPROVED, icb, "Yes")
    services.take_step(draft, EventKind.SUBMITTED, icb)
    with pytest.raises(ValueError, match="Write the reason"):
        services.take_step(draft, EventKind.REJECTED, icb, "")
    services.take_step(draft, EventKind.REJECTED, icb, "The practice has not agreed")
    assert draft.status == Status.REJECTED and draft.decision_reason == "The practice has not agreed"
    empty = services.create(draft.area, "Nothing yet", DAY, "", icb)
    with pytest.raises(ValueError, match="Add at least one change"):
        services.take_step(empty, EventKind.SUBMITTED, icb)


def test_changes_that_cannot_apply_are_not_saved(draft, placed):
    with pytest.raises(d.ScenarioError):
        services.add_change(draft, d.Change(d.MOVE, practice="A81003", to_pcn="U00002"), placed.users["icb"])
    assert len(services.changes_of(draft)) == 1
    services.add_change(draft, d.Change(d.GROW, practice="A81004", list_change=100), placed.users["icb"])
    services.remove_change(draft, 0, placed.users["icb"])
    assert [c.action for c in services.changes_of(draft)] == [d.GROW]
    assert [e.kind for e in services.events(draft)] == [EventKind.CREATED, EventKind.CHANGED, EventKind.CHANGED,
                                                        EventKind.CHANGED]


def test_approved_on_or_after_its_date_it_is_applied_to_the_register(placed):
    icb = placed.users["icb"]
    area = Organisation.objects.get(code="QAA")
    on = dt.date(2025, 2, 1)
    scenario = services.create(area, "Alpha reshaped", on, "Two networks into two better ones", icb, [
        d.Change(d.MOVE, practice="A81003", to_pcn="U00002"),
        d.Change(d.SPLIT, practice="A81005", to_pcn="Alpha East"),
        d.Change(d.MERGE, from_pcn="U00001", to_pcn="U00002", name="Alpha Central PCN"),
        d.Change(d.GROW, practice="A81004", list_change=1_000),
        d.Change(d.ARRS, to_pcn="U00002", role="Paramedic", wte=Decimal(1), annual_cost=Decimal(55_000)),
        d.Change(d.CLOSE, practice="A81002"),
    ])
    services.take_step(scenario, EventKind.SUBMITTED, icb)
    services.take_step(scenario, EventKind.APPROVED, icb, "Agreed by the primary care committee",
                       today=dt.date(2025, 1, 15))
    assert scenario.status == Status.APPROVED and members_on(on, "U00002") == ["A81004", "A81005"]  # not yet due
    assert [s.pk for s in services.apply_due(dt.date(2025, 2, 1))] == [scenario.pk]
    scenario.refresh_from_db()
    assert scenario.status == Status.APPLIED
    day_before = on - dt.timedelta(days=1)
    assert members_on(day_before, "U00001") == ["A81001", "A81002", "A81003"]
    assert members_on(on, "U00002") == ["A81001", "A81003", "A81004"]
    assert members_on(on, "U00001") == []
    east = Organisation.objects.get(kind=OrgKind.PCN, name="Alpha East")
    assert east.code.startswith("L-ALPHAEAS") and members_on(on, east.code) == ["A81005"]
    south = Organisation.objects.get(code="U00002")
    assert south.name == "Alpha Central PCN"
    assert list(OrganisationName.objects.filter(organisation=south).values_list("name", "start")) == [
        ("Alpha Central PCN", on)]
    assert Organisation.objects.get(code="A81002").close_date == day_before
    assert ListSize.objects.get(organisation__code="A81004", date=on).registered == 30_000 + 1_000
    assert ArrsPost.objects.get(pcn=south, start=on).fte == Decimal(1)
    assert Succession.objects.filter(predecessor__code="U00001", successor__code="U00002").exists()
    kinds = [e.kind for e in services.events(scenario)]
    assert kinds == [EventKind.CREATED, EventKind.CHANGED, EventKind.SUBMITTED, EventKind.APPROVED, EventKind.APPLIED]
    assert Scenario.objects.get(pk=scenario.pk).events.last().text.startswith("Applied from 1 February 2025")


def test_applying_a_merger_hands_on_posts_and_sessions_and_ends_posts_as_compared(placed):
    """North merges into South; South then ends 1.2 WTE of clinical pharmacists: the latest to start first."""
    from pcnhub.finance.models import AccessSession, ArrsClaim

    icb = placed.users["icb"]
    on = dt.date(2025, 2, 1)
    north, south = placed.north, placed.south
    old = ArrsPost.objects.create(pcn=north, role="clinical_pharmacist", fte=Decimal(1), start=dt.date(2024, 4, 1),
                                  annual_cost=Decimal(50_000), label="North pharmacist")
    ArrsClaim.objects.create(post=old, month=dt.date(2024, 4, 1), amount=Decimal(4_000))
    later = ArrsPost.objects.create(pcn=north, role="clinical_pharmacist", fte=Decimal("0.6"),
                                    start=dt.date(2025, 3, 1), annual_cost=Decimal(30_000), label="Planned")
    ArrsPost.objects.create(pcn=north, role="paramedic", fte=Decimal(1), start=dt.date(2023, 4, 1),
                            end=dt.date(2024, 3, 31), annual_cost=Decimal(55_000), label="Ended long ago")
    session = AccessSession.objects.create(pcn=north, day=5, start=dt.time(9), end=dt.time(12), site="North Road",
                                           staff_type="GP")
    area = Organisation.objects.get(code="QAA")
    scenario = services.create(area, "One Alpha", on, "", icb, [
        d.Change(d.MERGE, from_pcn="U00001", to_pcn="U00002"),
        d.Change(d.ARRS, to_pcn="U00002", role="Clinical pharmacist", wte=Decimal("-1.2")),
    ])
    assert scenario.changes.count() == 2
    services.take_step(scenario, EventKind.SUBMITTED, icb)
    services.take_step(scenario, EventKind.APPROVED, icb, "Agreed", today=dt.date(2025, 3, 1))
    scenario.refresh_from_db()
    assert scenario.status == Status.APPLIED
    # the running post ends the day before in North (its claim stays with it) and continues in South, where ending
    # 1.2 WTE takes the planned 0.6 first (it never starts) and 0.6 of the continuing post, 0.4 WTE of it kept
    old.refresh_from_db()
    assert (old.pcn, old.end, old.claims.count()) == (north, on - dt.timedelta(days=1), 1)
    assert not ArrsPost.objects.filter(pk=later.pk).exists()
    in_south = ArrsPost.objects.filter(pcn=south, role="clinical_pharmacist").order_by("id")
    assert [(p.fte, p.start, p.end, p.annual_cost, p.label) for p in in_south] == [
        (Decimal("0.40"), on, None, Decimal("20000.00"), "North pharmacist")]
    assert ArrsPost.objects.filter(pcn=north, label="Ended long ago").exists()  # history stays where it was
    session.refresh_from_db()
    assert session.pcn == south


def test_ending_more_posts_than_a_network_has_is_refused_naming_the_change(placed):
    area = Organisation.objects.get(code="QAA")
    with pytest.raises(d.ScenarioError) as caught:
        services.create(area, "Too few", DAY, "", placed.users["icb"], [
            d.Change(d.ARRS, to_pcn="U00002", role="paramedic", wte=Decimal("-1"), row=3)])
    assert str(caught.value) == ("row 3 (arrs): Alpha South PCN has 0 WTE of Paramedic running on or after "
                                 "1 January 2025, less than the 1 WTE to end")
    assert not Scenario.objects.filter(name="Too few").exists()
