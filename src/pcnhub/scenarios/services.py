"""Scenarios kept and moved through their workflow: who may see and do what, every step recorded.

Who may do what (:func:`allowed`):

* an ICB commissioner makes, edits, shares, submits, approves or rejects the scenarios of the areas of their ICB;
  an administrator the same anywhere;
* a PCN user sees (and may comment on, while it is shared or submitted) a scenario once it is shared, if it
  involves their network; a practice user likewise if it involves their practice or its network;
* an analyst sees every scenario that is no longer a draft (read only).

The workflow (:data:`MOVES`): draft -> shared (for comment) -> submitted -> approved or rejected; shared or
submitted may go back to draft; an approved scenario is applied to the register on its effective date
(:func:`apply_due`, run after each approval and by ``pcnhub scenario apply-due``).  Every step, comment and edit of
the changes is a :class:`~pcnhub.scenarios.models.ScenarioEvent`.

Applying (:func:`apply_to_register`): each practice that changes network leaves its old one the day before the
effective date and joins the new one on it (a network the scenario makes is created with a local code); a
merged network's new name is dated from the effective date; a practice that closes closes the day before; one
that opens is created with its list; lists that change are recorded on the date; a network that merges hands its
ARRS posts and access sessions to the one it merges into, and ARRS posts added or ended change the network's plan
(:mod:`pcnhub.scenarios.applied_plans`).  Access minutes are not sessions: the applied event says to add the
sessions on the access plan.  The lineage is inferred again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final

from django.db import transaction
from django.db.models import Q, QuerySet

from pcnhub.accounts.models import Role
from pcnhub.accounts.scope import Scope
from pcnhub.domain import scenario as d
from pcnhub.domain.history import apply_snapshot
from pcnhub.register import closures, lineage
from pcnhub.register import services as register
from pcnhub.register.loaders import local_code
from pcnhub.register.models import (
    ListSize,
    Membership,
    Organisation,
    OrganisationName,
    OrgKind,
    Parentage,
)
from pcnhub.scenarios import applied_plans, compare
from pcnhub.scenarios.models import EventKind, Scenario, ScenarioChange, ScenarioEvent, Status

#: The kinds of area a scenario changes.
AREA_KINDS: Final = (OrgKind.ICB, OrgKind.SUB_ICB)
#: status -> the steps that may be taken from it (event kind, status after).
MOVES: Final = {
    Status.DRAFT: {EventKind.SHARED: Status.SHARED, EventKind.SUBMITTED: Status.SUBMITTED},
    Status.SHARED: {EventKind.SUBMITTED: Status.SUBMITTED, EventKind.RETURNED: Status.DRAFT},
    Status.SUBMITTED: {EventKind.APPROVED: Status.APPROVED, EventKind.REJECTED: Status.REJECTED,
                       EventKind.RETURNED: Status.DRAFT},
    Status.APPROVED: {},
    Status.REJECTED: {EventKind.RETURNED: Status.DRAFT},
    Status.APPLIED: {},
}
#: The effective dates a scenario may have (the register's dated history starts in the 2010s; the rates catalogue's
#: nearest year is used beyond it, within reason).
EARLIEST_DATE: Final = dt.date(2000, 1, 1)
LATEST_DATE: Final = dt.date(2099, 12, 31)
#: Steps that need a reason written.
NEEDS_REASON: Final = frozenset({EventKind.APPROVED, EventKind.REJECTED, EventKind.COMMENTED})


def check_date(date: dt.date) -> dt.date:
    """``date`` if a scenario may take effect on it; ValueError saying the range otherwise."""
    if not EARLIEST_DATE <= date <= LATEST_DATE:
        raise ValueError(f"a scenario's date must be from {EARLIEST_DATE:%-d %B %Y} to {LATEST_DATE:%-d %B %Y} "
                         f"({date.isoformat()})")
    return date


class NotAllowed(Exception):
    """The user may not do this to this scenario (the pages answer 403)."""


def _icb_covers(scope: Scope, scenario: Scenario) -> bool:
    if scope.role == Role.ADMIN:
        return True
    return scope.role == Role.ICB and scope.visible_ids is not None and scenario.area_id in scope.visible_ids


def _involves(scope: Scope, scenario: Scenario) -> bool:
    if scope.organisation is None:
        return False
    codes = {scope.organisation.code}
    if scope.role == Role.PRACTICE:  # its network(s) on the date too
        codes |= set(Membership.objects.on(scenario.effective_date).filter(practice=scope.organisation)
                     .values_list("pcn__code", flat=True))
    return any(f" {code} " in scenario.involves for code in codes)


def can_view(scope: Scope, scenario: Scenario) -> bool:
    if _icb_covers(scope, scenario):
        return True
    if scenario.status == Status.DRAFT:
        return False
    if scope.role == Role.ANALYST:
        return True
    return scope.role in (Role.PCN, Role.PRACTICE) and _involves(scope, scenario)


def visible(scope: Scope) -> QuerySet[Scenario]:
    """The scenarios the user may see, newest first."""
    found = Scenario.objects.select_related("area", "created_by")
    if scope.role == Role.ADMIN:
        return found
    if scope.role == Role.ANALYST:
        return found.exclude(status=Status.DRAFT)
    if scope.role == Role.ICB and scope.visible_ids is not None:
        return found.filter(area_id__in=scope.visible_ids)
    if scope.role in (Role.PCN, Role.PRACTICE) and scope.organisation is not None:
        codes = {scope.organisation.code}
        if scope.role == Role.PRACTICE:
            codes |= set(Membership.objects.filter(practice=scope.organisation).values_list("pcn__code", flat=True))
        match = Q()
        for code in codes:
            match |= Q(involves__contains=f" {code} ")
        return found.exclude(status=Status.DRAFT).filter(match)
    return found.none()


def can_create(scope: Scope) -> bool:
    return scope.role == Role.ADMIN or (scope.role == Role.ICB and scope.organisation is not None)


def can_edit(scope: Scope, scenario: Scenario) -> bool:
    return _icb_covers(scope, scenario) and scenario.editable


def can_comment(scope: Scope, scenario: Scenario) -> bool:
    return can_view(scope, scenario) and scenario.status in (Status.SHARED, Status.SUBMITTED)


def can_move_on(scope: Scope, scenario: Scenario) -> bool:
    """Does the user decide the scenario's workflow (the ICB commissioner of its area, an administrator), whatever
    its status now allows?"""
    return _icb_covers(scope, scenario)


def may_create_in(scope: Scope, area: Organisation) -> bool:
    """May the user make (or try) scenarios of ``area``: an administrator anywhere, an ICB commissioner in their
    ICB."""
    if scope.role == Role.ADMIN:
        return True
    return can_create(scope) and scope.can_view(area)


def steps(scope: Scope, scenario: Scenario) -> list[str]:
    """The workflow steps the user may take now (event kinds)."""
    if not _icb_covers(scope, scenario):
        return []
    return list(MOVES[Status(scenario.status)])


def allowed(scope: Scope, scenario: Scenario, what: str) -> bool:
    """May the user do ``what`` (view, edit, comment, or a workflow step's event kind) to the scenario?"""
    if what == "view":
        return can_view(scope, scenario)
    if what == "edit":
        return can_edit(scope, scenario)
    if what == EventKind.COMMENTED:
        return can_comment(scope, scenario)
    return what in steps(scope, scenario)


def _record(scenario: Scenario, kind: str, user, text: str = "") -> ScenarioEvent:
    return ScenarioEvent.objects.create(scenario=scenario, kind=kind, user=user,
                                        username=user.get_username() if user is not None else "", text=text)


def changes_of(scenario: Scenario) -> list[d.Change]:
    return [row.to_domain() for row in scenario.changes.all()]


def comparison(scenario: Scenario, extra: Sequence[d.Change] = ()) -> compare.Comparison:
    return compare.compare(scenario.area, scenario.effective_date, [*changes_of(scenario), *extra])


def _involved_codes(found: compare.Comparison) -> str:
    codes: set[str] = set()
    for row in found.rows:
        for side in (row.before, row.after):
            if side is not None:
                if side.code:
                    codes.add(side.code)
                codes |= {p.code for p in side.practices}
    return " " + " ".join(sorted(codes)) + " " if codes else ""


@transaction.atomic
def create(area: Organisation, name: str, effective_date: dt.date, reasons: str, user,
           changes: Iterable[d.Change] = ()) -> Scenario:
    """A new draft; ``changes`` must all apply (:class:`~pcnhub.domain.scenario.ScenarioError` otherwise)."""
    scenario = Scenario.objects.create(area=area, name=name.strip(), effective_date=effective_date,
                                       reasons=reasons.strip(), created_by=user)
    _record(scenario, EventKind.CREATED, user, f"Effective {effective_date:%-d %B %Y}, area {area.name}")
    changes = list(changes)
    if changes:
        set_changes(scenario, changes, user)
    return scenario


@transaction.atomic
def set_changes(scenario: Scenario, changes: Sequence[d.Change], user, what: str = "") -> compare.Comparison:
    """Replace the scenario's changes with ``changes`` (checked by applying them first: a change that cannot apply
    raises :class:`~pcnhub.domain.scenario.ScenarioError` and nothing is saved)."""
    found = compare.compare(scenario.area, scenario.effective_date, changes)
    scenario.changes.all().delete()
    ScenarioChange.objects.bulk_create([
        ScenarioChange(scenario=scenario, order=i, action=c.action, practice_code=c.practice.strip().upper(),
                       practice_name=c.practice_name, from_pcn=c.from_pcn.strip(), to_pcn=c.to_pcn.strip(),
                       list_change=c.list_change, name=c.name.strip(), role=c.role.strip(), wte=c.wte,
                       annual_cost=c.annual_cost, minutes=c.minutes)
        for i, c in enumerate(changes)])
    scenario.involves = _involved_codes(found)
    scenario.save(update_fields=["involves", "updated_at"])
    _record(scenario, EventKind.CHANGED, user, what or "; ".join(found.changes) or "All changes removed")
    return found


def add_change(scenario: Scenario, change: d.Change, user) -> compare.Comparison:
    return set_changes(scenario, [*changes_of(scenario), change], user,
                       f"Added: {change.describe()}")


def remove_change(scenario: Scenario, index: int, user) -> compare.Comparison:
    changes = changes_of(scenario)
    if not 0 <= index < len(changes):
        raise IndexError(f"the scenario has no change {index + 1}")
    removed = changes.pop(index)
    return set_changes(scenario, changes, user, f"Removed: {removed.describe()}")


@transaction.atomic
def take_step(scenario: Scenario, step: str, user, text: str = "", today: dt.date | None = None) -> Scenario:
    """Move the scenario on by ``step`` (an event kind of :data:`MOVES`) or comment on it, recorded with ``text``.
    ValueError when the step is not one of the status's, or a reason is missing; approving applies the scenario at
    once if its effective date has come."""
    text = text.strip()
    if step in NEEDS_REASON and not text:
        raise ValueError("Write the reason." if step != EventKind.COMMENTED else "Write the comment.")
    if step == EventKind.COMMENTED:
        if scenario.status not in (Status.SHARED, Status.SUBMITTED):
            raise ValueError("Comments are taken while the scenario is shared or submitted.")
        _record(scenario, step, user, text)
        return scenario
    after = MOVES[Status(scenario.status)].get(step)
    if after is None:
        raise ValueError(f"A scenario that is {Status(scenario.status).label.lower()} cannot be "
                         f"{EventKind(step).label.lower()}.")
    if step == EventKind.SUBMITTED and not scenario.changes.exists():
        raise ValueError("Add at least one change before submitting.")
    scenario.status = after
    if step in (EventKind.APPROVED, EventKind.REJECTED):
        scenario.decision_reason = text
    scenario.save(update_fields=["status", "decision_reason", "updated_at"])
    _record(scenario, step, user, text)
    if step == EventKind.APPROVED:
        apply_due(today, user=user, only=[scenario.pk])
        scenario.refresh_from_db()
    return scenario


def apply_due(today: dt.date | None = None, *, user=None, only: Sequence[int] | None = None) -> list[Scenario]:
    """Apply every approved scenario whose effective date has come (of ``only``, if given); return them."""
    today = today or dt.date.today()
    due = Scenario.objects.filter(status=Status.APPROVED, effective_date__lte=today)
    if only is not None:
        due = due.filter(pk__in=only)
    applied = []
    for scenario in due.order_by("effective_date", "pk"):
        apply_to_register(scenario, user)
        applied.append(scenario)
    return applied


def _fold(rows: QuerySet, subject: dict, value_field: str, date: dt.date, value, source: str) -> None:
    """Fold "``value`` from ``date``" (None: nothing) into the dated rows of one subject (a practice's memberships,
    an organisation's names), as an import's snapshot would (:func:`pcnhub.domain.history.apply_snapshot`)."""
    stored = list(rows)
    intervals = [(r.start, r.end, getattr(r, value_field)) for r in stored]
    wanted = apply_snapshot(intervals, date, value)
    if sorted(wanted, key=_start) == sorted(intervals, key=_start):
        return
    for row in stored:
        if (row.start, row.end, getattr(row, value_field)) not in wanted:
            row.delete()
    for start, end, held in wanted:
        if (start, end, held) not in intervals:
            rows.model.objects.create(**subject, **{value_field: held}, start=start, end=end, source=source)


def _start(interval) -> dt.date:
    return interval[0] or dt.date.min


@transaction.atomic
def apply_to_register(scenario: Scenario, user=None) -> None:
    """Write the scenario's changes into the register from its effective date (see the module docs)."""
    date = scenario.effective_date
    found = comparison(scenario)
    outcome = found.outcome
    source = f"scenario {scenario.pk}: {scenario.name}"[:200]
    view = register.cached_landscape(scenario.area, date)
    sub_icb = {r.pcn.code: register.ancestor_of_kind(r.pcn, OrgKind.SUB_ICB) for r in view.networks}
    pcns: dict[str, Organisation] = {r.pcn.code: r.pcn for r in view.networks}
    area_name = scenario.area.name
    for name in outcome.new:
        code = local_code(OrgKind.PCN, name, area_name)
        pcn, _ = Organisation.objects.get_or_create(code=code, defaults={"kind": OrgKind.PCN, "name": name,
                                                                          "open_date": date, "source": source})
        _fold(OrganisationName.objects.filter(organisation=pcn), {"organisation": pcn}, "name", date, name, source)
        pcns[name] = pcn
        # placed in the sub-ICB location of the network most of its practices come from
        donors = Counter(sub_icb.get(before) for before, after in outcome.moves.values() if after == name)
        donors.pop(None, None)
        if donors:
            sub_icb[name] = donors.most_common(1)[0][0]
            Parentage.objects.create(child=pcn, parent=sub_icb[name], start=date, source=source)
    for code, name in outcome.opened.items():
        practice, _ = Organisation.objects.get_or_create(
            code=code, defaults={"kind": OrgKind.PRACTICE, "name": name, "open_date": date, "status": "active",
                                 "source": source})
        _fold(OrganisationName.objects.filter(organisation=practice), {"organisation": practice}, "name", date, name,
              source)
        target = outcome.moves.get(code, ("", ""))[1]
        parent = sub_icb.get(target) if target in sub_icb else None
        if parent is not None:
            Parentage.objects.create(child=practice, parent=parent, start=date, source=source)
    practices = {o.code: o for o in Organisation.objects.filter(code__in=[*outcome.moves, *outcome.sizes,
                                                                          *outcome.closed])}
    for code, (_before, after) in sorted(outcome.moves.items()):
        practice = practices[code]
        pcn = pcns.get(after) if after else None
        _fold(Membership.objects.filter(practice=practice), {"practice": practice}, "pcn_id", date,
              pcn.pk if pcn is not None else None, source)
    for code in outcome.closed:
        practice = practices[code]
        practice.close_date = date - dt.timedelta(days=1)
        practice.status = "closed"
        practice.save(update_fields=["close_date", "status", "updated"])
    for code, registered in outcome.sizes.items():
        ListSize.objects.update_or_create(organisation=practices[code], date=date,
                                          defaults={"registered": registered, "source": source})
    for network in outcome.networks:
        key = d.key_of(network)
        pcn = pcns.get(key)
        if pcn is not None and network.code and network.name != pcn.name:
            _fold(OrganisationName.objects.filter(organisation=pcn), {"organisation": pcn}, "name", date, network.name,
                  source)
            pcn.name = network.name
            pcn.save(update_fields=["name", "updated"])
    for row in found.rows:
        if row.into is not None and row.key in pcns and row.into in pcns:
            applied_plans.carry_merged(pcns[row.key], pcns[row.into], date)
    for key, posts in outcome.posts.items():
        applied_plans.change_posts(pcns[key], posts, date, f"From {scenario.name}"[:120])
    closures.end_closed_memberships()
    lineage.refresh()
    register.note_change()
    scenario.status = Status.APPLIED
    scenario.save(update_fields=["status", "updated_at"])
    text = f"Applied from {date:%-d %B %Y}: " + "; ".join(found.changes)
    if outcome.minutes:
        text += (". Access minutes are not sessions: add the sessions on each network's access plan ("
                 + ", ".join(f"{pcns[k].name} {m:+,} minutes a week" for k, m in outcome.minutes.items()) + ")")
    _record(scenario, EventKind.APPLIED, user, text)


def events(scenario: Scenario) -> list[ScenarioEvent]:
    return list(scenario.events.select_related("user").all())
