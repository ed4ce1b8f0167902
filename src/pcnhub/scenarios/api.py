"""JSON API of scenarios (mounted at /api/scenarios/), with the workflow's permissions (:mod:`.services`).

    GET  /api/scenarios/                 the scenarios the user may see, newest first
    GET  /api/scenarios/{id}             one, with its changes, its events and its comparison
    POST /api/scenarios/                 a new draft {area, name, effective_date, reasons, changes: [...]}
    PUT  /api/scenarios/{id}/changes     replace its changes {changes: [...]}
    POST /api/scenarios/{id}/step        a workflow step or a comment {step, text}
    POST /api/scenarios/preview          compare changes with the register without saving anything

Who may do what is the services' (:func:`~.services.can_view`, :func:`~.services.can_edit`,
:func:`~.services.can_comment`, :func:`~.services.steps`): outside it 403, an unknown scenario or area 404, and
changes that cannot apply to the register, or a step out of turn, 400 with the reason (a change that cannot apply
is named by its place in the list, "change 2 (move): ...").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final, Literal

from django.http import Http404, HttpRequest
from pydantic import field_validator
from ninja import Field, Path, Router, Schema
from ninja.errors import HttpError

from pcnhub.domain import scenario as d
from pcnhub.ingest.scenario_changes import MAX_ROWS
from pcnhub.pages.api import CODE_PATTERN, responses
from pcnhub.register.models import Organisation
from pcnhub.scenarios import services
from pcnhub.scenarios.compare import compare
from pcnhub.scenarios.models import EventKind, Scenario, Status
from pcnhub.scenarios.serialise import comparison_dict

router = Router(tags=["scenarios"])

#: The steps a user may ask for (approving applies the scenario at once if its date has come).
Step = Literal["shared", "submitted", "approved", "rejected", "returned", "commented"]
Action = Literal[tuple(d.ACTIONS)]  # type: ignore[valid-type]


#: The largest id a scenario may have (the database's integer).
MAX_ID: Final = 2_147_483_647


def scenario_path() -> int:
    return Path(..., ge=1, le=MAX_ID, description="The scenario's id.")


# --- In ---------------------------------------------------------------------------------------------


class ScenarioTextIn(Schema):
    """Text fields refuse the NUL character (no database stores it)."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text cannot contain the NUL character")
        return value


class ScenarioChangeIn(ScenarioTextIn):
    """One change (see ``domain/scenario.py``): the fields each action uses, the others left out or blank."""

    action: Action = Field(description="move, split, merge, add, close, grow, arrs or access.")
    practice_code: str = Field("", max_length=16, description="The practice moved, split off, closed, grown or "
                               "opened (a new code for add).")
    practice_name: str = Field("", max_length=200, description="An opened practice's name.")
    from_pcn: str = Field("", max_length=200, description="The network a practice leaves, or that merges (code or "
                          "name).")
    to_pcn: str = Field("", max_length=200, description="The network a practice joins (a name the register does not "
                        "hold is a new network, for move, split and add), that a network merges into, or whose ARRS "
                        "posts or access minutes change.")
    list_change: int = Field(0, ge=-100_000_000, le=100_000_000,
                             description="Patients a list gains (grow: negative loses), or an opened practice's list.")
    name: str = Field("", max_length=200, description="A merged network's new name.")
    role: str = Field("", max_length=100, description="The ARRS role of posts added or ended.")
    wte: Decimal = Field(Decimal(0), ge=-9999, le=9999, decimal_places=2,
                         description="Whole-time equivalent of ARRS posts added (negative: of the role's posts "
                         "that end, the latest to start first).")
    annual_cost: Decimal = Field(Decimal(0), ge=0, le=99_999_999, decimal_places=2,
                                 description="A year's cost of one whole-time post, in pounds.")
    minutes: int = Field(0, ge=-1_000_000, le=1_000_000, description="Access minutes a week more (negative: fewer).")

    def to_domain(self) -> d.Change:
        return d.Change(self.action, practice=self.practice_code.strip().upper(), from_pcn=self.from_pcn,
                        to_pcn=self.to_pcn, list_change=self.list_change, name=self.name, role=self.role,
                        wte=self.wte, annual_cost=self.annual_cost, minutes=self.minutes,
                        practice_name=self.practice_name)


class ScenarioChangesIn(ScenarioTextIn):
    changes: list[ScenarioChangeIn] = Field(max_length=MAX_ROWS, description="The changes, applied in order.")


class ScenarioIn(ScenarioChangesIn):
    area: str = Field(pattern=CODE_PATTERN, description="The ICB or sub-ICB location's ODS code, e.g. QH8.")
    name: str = Field(min_length=1, max_length=200)
    effective_date: dt.date = Field(ge=services.EARLIEST_DATE, le=services.LATEST_DATE,
                                    description="When the changes would take effect, YYYY-MM-DD.")
    reasons: str = Field("", max_length=20_000, description="Why: the case for the changes.")
    changes: list[ScenarioChangeIn] = Field([], max_length=MAX_ROWS, description="The changes, applied in order.")


class ScenarioPreviewIn(ScenarioChangesIn):
    area: str = Field(pattern=CODE_PATTERN, description="The ICB or sub-ICB location's ODS code, e.g. QH8.")
    effective_date: dt.date = Field(ge=services.EARLIEST_DATE, le=services.LATEST_DATE,
                                    description="When the changes would take effect, YYYY-MM-DD.")


class ScenarioStepIn(ScenarioTextIn):
    step: Step = Field(description="shared, submitted, approved, rejected, returned (to draft), or commented.")
    text: str = Field("", max_length=20_000, description="The reason (needed to approve or reject) or the comment.")


# --- Out: the comparison (serialise.comparison_dict, key for key) --------------------------------------


class ScenarioAreaOut(Schema):
    code: str
    name: str


class ScenarioFindingOut(Schema):
    rule: str
    severity: str
    message: str
    practices: list[str]


class ScenarioPracticeOut(Schema):
    code: str
    name: str
    list_size: int = Field(description="Registered patients on the date (after: with the scenario's changes).")


class ScenarioBandOut(Schema):
    lower: int
    upper: int
    upper_binds: bool


class ScenarioLineOut(Schema):
    key: str
    name: str
    quantity: int
    rate: float | None
    amount: float | None = Field(description="Pounds (null: the catalogue does not give it).")
    counted: bool = Field(description="False for an amount shown apart from the total (the IIF's maximum).")


class ScenarioMoneyOut(Schema):
    total: float = Field(description="The Network Contract entitlement of the year, in pounds.")
    lines: list[ScenarioLineOut]


class ScenarioPostOut(Schema):
    label: str
    start: dt.date
    claims: float = Field(description="Projected claims in the year, in pounds.")


class ScenarioArrsOut(Schema):
    sum: float | None = Field(description="The network's ARRS sum for the year (null: not known).")
    claims: float
    headroom: float | None
    outside: list[str] = Field(description="Posts that would fall outside the sum, the latest to start first.")
    posts: list[ScenarioPostOut]


class ScenarioAccessOut(Schema):
    required: int | None = Field(description="Minutes a week required (null before the Network Contract DES).")
    planned: int
    shortfall: int | None
    basis: str


class ScenarioStepOut(Schema):
    domain: str
    step: int | None = Field(description="Step reached (-1 below Foundation; null: not assessed).")
    label: str


class ScenarioDevelopmentOut(Schema):
    steps: list[ScenarioStepOut]
    carried_from: list[str] = Field(description="The networks whose development this one carries (after).")


Controlled = int | str | None


class ScenarioPeopleOut(Schema):
    registered: int
    weighted: int | None
    adjusted: int | None
    ages: dict[str, float] = Field(description="Age group: share of the list (0 to 1).")
    ages_date: dt.date | None
    ages_from: str = Field(description='"list sizes", "patients" (the pipeline\'s), or "" (none).')
    patients: Controlled = Field(description="Patients the pipeline has: a number, or the text shown for a "
                                 "suppressed count; null without pipeline data.")
    tiers: dict[str, Controlled] = Field(description="Risk tier: patients (a number, or the suppressed text).")
    cohorts: dict[str, Controlled] = Field(description="Cohort: patients (a number, or the suppressed text).")


class ScenarioSpreadOut(Schema):
    farthest_km: float = Field(description="The two practices farthest apart, straight line (km).")
    mean_from_centre_km: float = Field(description="Mean straight line from the network's centre (km).")
    mean_between_km: float = Field(description="Mean straight line between two of its practices (km).")
    located: int = Field(description="Practices with a recorded location.")
    farthest_drive_minutes: int | None = Field(description="Estimated drive between the two farthest apart "
                                               "(minutes; see travel_basis).")
    mean_between_drive_minutes: int | None = Field(description="Estimated mean drive between two of its practices "
                                                   "(minutes).")


class ScenarioMeasureOut(Schema):
    id: str
    title: str
    unit: str
    direction: str = Field(description="lower or higher: which way is better.")
    value: float | None = Field(description="The ratio of the practices' counts; null when not known (a practice's "
                                "count suppressed or missing).")
    text: str
    percentile: float | None = Field(description="Percent rank (0-100) among every other PCN's value.")


class ScenarioSideOut(Schema):
    key: str
    name: str
    code: str | None = Field(description="ODS code (null: a network the scenario makes).")
    practices: list[ScenarioPracticeOut]
    list_size: int
    placing: str = Field(description="below, within or above the band.")
    band: ScenarioBandOut
    findings: list[ScenarioFindingOut]
    errors: int
    money: ScenarioMoneyOut | None = Field(description="Null when the rates catalogue has no year to use.")
    arrs: ScenarioArrsOut | None
    access: ScenarioAccessOut
    development: ScenarioDevelopmentOut
    people: ScenarioPeopleOut
    spread: ScenarioSpreadOut | None = Field(description="Null when no practice is located.")
    measures: list[ScenarioMeasureOut] = Field(description="The main measures in the measures run's last month.")


class ScenarioDifferenceOut(Schema):
    """After minus before (null when either side, or the figure on it, is missing)."""

    list_size: int | None
    total: float | None
    arrs_headroom: float | None
    access_shortfall: int | None
    errors: int | None


class ScenarioRowOut(Schema):
    key: str = Field(description="The network's code, or its name for a network the scenario makes.")
    fate: str = Field(description='"Continues", "Ends: merged into ...", "New network", ...')
    before: ScenarioSideOut | None
    after: ScenarioSideOut | None
    difference: ScenarioDifferenceOut


class ScenarioAreaFindingsOut(Schema):
    before: list[ScenarioFindingOut]
    after: list[ScenarioFindingOut]


class ScenarioMoveOut(Schema):
    practice: str
    from_pcn: str = Field(description="Its network's key before (\"\": none; a practice that opens).")
    to_pcn: str = Field(description="Its network's key after (\"\": none; a practice that closes).")


class ScenarioOutcomeOut(Schema):
    ended: list[str]
    new: list[str]
    closed: list[str]
    opened: dict[str, str]
    moves: list[ScenarioMoveOut]


class ScenarioComparisonOut(Schema):
    area: ScenarioAreaOut
    date: dt.date
    year: str = Field(description="The financial year whose rates are used.")
    year_known: bool
    changes: list[str] = Field(description="The changes in words.")
    notes: list[str]
    travel_basis: str = Field(description="How drives are estimated from straight lines (there is no road network).")
    measures_month: str | None = Field(description="The month of the main measures (ISO date), null without a run.")
    seconds: float
    area_findings: ScenarioAreaFindingsOut
    outcome: ScenarioOutcomeOut
    rows: list[ScenarioRowOut] = Field(description="Every network the changes touch, before and after.")


# --- Out: scenarios ---------------------------------------------------------------------------------


class ScenarioOut(Schema):
    id: int
    name: str
    area: ScenarioAreaOut
    effective_date: dt.date
    status: str = Field(description="draft, shared, submitted, approved, rejected or applied.")
    status_label: str
    reasons: str
    decision_reason: str
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ScenarioChangeOut(Schema):
    action: str
    practice_code: str
    practice_name: str
    from_pcn: str
    to_pcn: str
    list_change: int
    name: str
    role: str
    wte: float
    annual_cost: float
    minutes: int
    text: str = Field(description="The change in words.")


class ScenarioEventOut(Schema):
    kind: str
    label: str
    at: dt.datetime
    username: str
    text: str


class ScenarioDetailOut(ScenarioOut):
    changes: list[ScenarioChangeOut]
    events: list[ScenarioEventOut]
    comparison: ScenarioComparisonOut | None = Field(description="Null when the changes no longer apply to the register "
                                             "(comparison_error says why; an applied scenario's are in it).")
    comparison_error: str
    can_edit: bool
    can_comment: bool
    steps: list[str] = Field(description="The workflow steps the user may take now.")


# --- The calls --------------------------------------------------------------------------------------


def _summary(scenario: Scenario) -> dict:
    return {
        "id": scenario.pk, "name": scenario.name, "area": {"code": scenario.area.code, "name": scenario.area.name},
        "effective_date": scenario.effective_date, "status": scenario.status,
        "status_label": Status(scenario.status).label, "reasons": scenario.reasons,
        "decision_reason": scenario.decision_reason,
        "created_by": scenario.created_by.get_username() if scenario.created_by else "",
        "created_at": scenario.created_at, "updated_at": scenario.updated_at,
    }


def _detail(request: HttpRequest, scenario: Scenario) -> dict:
    scope = request.scope
    try:
        found, error = comparison_dict(services.comparison(scenario)), ""
    except d.ScenarioError as exc:
        found, error = None, str(exc)
    rows = list(scenario.changes.all())
    return {
        **_summary(scenario),
        "changes": [{"action": r.action, "practice_code": r.practice_code, "practice_name": r.practice_name,
                     "from_pcn": r.from_pcn, "to_pcn": r.to_pcn, "list_change": r.list_change, "name": r.name,
                     "role": r.role, "wte": float(r.wte), "annual_cost": float(r.annual_cost), "minutes": r.minutes,
                     "text": r.to_domain().describe()} for r in rows],
        "events": [{"kind": e.kind, "label": EventKind(e.kind).label, "at": e.at, "username": e.username,
                    "text": e.text} for e in services.events(scenario)],
        "comparison": found, "comparison_error": error,
        "can_edit": services.can_edit(scope, scenario), "can_comment": services.can_comment(scope, scenario),
        "steps": [str(s) for s in services.steps(scope, scenario)],
    }


def _scenario(request: HttpRequest, pk: int) -> Scenario:
    """The scenario the user may see: 404 unknown, 403 outside what they may see."""
    scenario = Scenario.objects.select_related("area", "created_by").filter(pk=pk).first()
    if scenario is None:
        raise Http404(f"There is no scenario {pk}.")
    if not services.can_view(request.scope, scenario):
        request.scope.refuse(f"scenario {pk}")
    return scenario


def _area(request: HttpRequest, code: str) -> Organisation:
    """The area a user may make scenarios of: 403 for a role that makes none, 404 unknown, 403 another ICB's."""
    scope = request.scope
    if not services.can_create(scope):
        scope.refuse("making or trying scenarios (an ICB commissioner's)")
    area = Organisation.objects.filter(code__in={code, code.upper()}, kind__in=services.AREA_KINDS).first()
    if area is None:
        raise Http404(f"There is no ICB or sub-ICB location with the code {code}.")
    if not services.may_create_in(scope, area):
        scope.refuse(area.code)
    return area


def _changes(body: ScenarioChangesIn) -> list[d.Change]:
    return [c.to_domain() for c in body.changes]


@router.get("/", response=responses(list[ScenarioOut]), summary="The scenarios the user may see")
def scenario_list(request: HttpRequest):
    return [_summary(s) for s in services.visible(request.scope)]


@router.post("/preview", response=responses(ScenarioComparisonOut, 400, 403, 404, 422),
             summary="Compare changes with the register, saving nothing")
def preview(request: HttpRequest, body: ScenarioPreviewIn):
    area = _area(request, body.area)
    try:
        found = compare(area, body.effective_date, _changes(body))
    except d.ScenarioError as exc:
        raise HttpError(400, str(exc)) from None
    return comparison_dict(found)


@router.post("/", response=responses(ScenarioDetailOut, 400, 403, 404, 422),
             summary="Make a draft scenario")
def create(request: HttpRequest, body: ScenarioIn):
    area = _area(request, body.area)
    try:
        scenario = services.create(area, body.name, body.effective_date, body.reasons, request.user, _changes(body))
    except d.ScenarioError as exc:
        raise HttpError(400, str(exc)) from None
    return _detail(request, _scenario(request, scenario.pk))


@router.get("/{pk}", response=responses(ScenarioDetailOut, 403, 404, 422),
            summary="A scenario with its changes, events and comparison")
def scenario_detail(request: HttpRequest, pk: int = scenario_path()):
    return _detail(request, _scenario(request, pk))


@router.put("/{pk}/changes", response=responses(ScenarioDetailOut, 400, 403, 404, 422),
            summary="Replace a draft's changes")
def set_changes(request: HttpRequest, body: ScenarioChangesIn, pk: int = scenario_path()):
    scenario = _scenario(request, pk)
    if not services.can_edit(request.scope, scenario):
        if services.can_move_on(request.scope, scenario):
            raise HttpError(400, f"A scenario that is {Status(scenario.status).label.lower()} cannot be edited: "
                                 "return it to draft first.")
        request.scope.refuse(f"editing scenario {pk}")
    try:
        services.set_changes(scenario, _changes(body), request.user)
    except d.ScenarioError as exc:
        raise HttpError(400, str(exc)) from None
    return _detail(request, _scenario(request, pk))


@router.post("/{pk}/step", response=responses(ScenarioDetailOut, 400, 403, 404, 422),
             summary="Move a scenario on (share, submit, approve, reject, return to draft) or comment on it")
def take_step(request: HttpRequest, body: ScenarioStepIn, pk: int = scenario_path()):
    scenario = _scenario(request, pk)
    scope = request.scope
    may = (services.can_view(scope, scenario) if body.step == EventKind.COMMENTED
           else services.can_move_on(scope, scenario))
    if not may:
        scope.refuse(f"taking the step {body.step!r} on scenario {pk} (the ICB's)")
    try:
        services.take_step(scenario, body.step, request.user, body.text)
    except ValueError as exc:  # out of turn, a reason missing, or changes that no longer apply
        raise HttpError(400, str(exc)) from None
    return _detail(request, _scenario(request, pk))
