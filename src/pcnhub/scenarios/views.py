"""The scenarios' list and the ways a new one is made, under /scenarios/ (namespace ``scenarios``).

* ``/scenarios/?status=``: the scenarios the user may see (:func:`pcnhub.scenarios.services.visible`), newest
  change first; a "New scenario" button for those who may make one.
* ``/scenarios/new/``: name, area, effective date, reasons and, optionally, a CSV of changes
  (:func:`pcnhub.ingest.scenario_changes.read_changes`).  Started from a PCN's page (``?pcn=``) the area is its
  ICB; from a practice's page (``?practice=``) the page also asks where the practice moves.  A file with problems,
  or changes that cannot apply to the register, are shown in the error summary (file, row and field) and nothing
  is saved.
* ``POST /scenarios/from-design/<area>/``: the configuration designer's proposal saved as a scenario
  (:mod:`pcnhub.scenarios.proposals`).

The comparison page and its workflow are :mod:`pcnhub.scenarios.views_scenario`.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pcnhub.accounts.scope import Scope, visible_organisation
from pcnhub.designer import permissions as design_permissions
from pcnhub.designer import services as designer
from pcnhub.designer.forms import DesignForm
from pcnhub.domain import scenario as d
from pcnhub.domain.errors import InputError
from pcnhub.ingest.scenario_changes import read_changes
from pcnhub.pages.views import done, page, query_form
from pcnhub.register import asof
from pcnhub.register import services as register
from pcnhub.register.models import Membership, Organisation, OrgKind
from pcnhub.scenarios import proposals, services
from pcnhub.scenarios.forms import FilterForm, MoveForm, ScenarioForm
from pcnhub.scenarios.models import Scenario, Status

#: The colour of each status's tag.
STATUS_TAGS = {Status.DRAFT: "grey", Status.SHARED: "blue", Status.SUBMITTED: "purple", Status.APPROVED: "green",
               Status.REJECTED: "red", Status.APPLIED: "aqua-green"}


def require_create(scope: Scope) -> None:
    if not services.can_create(scope):
        scope.refuse("making scenarios, which commissioners do")


def areas_of(scope: Scope) -> list[Organisation]:
    """The ICBs and sub-ICB locations the user may make scenarios for, ICBs first, by name."""
    found = scope.organisations(Organisation.objects.filter(kind__in=services.AREA_KINDS))
    order = {kind: i for i, kind in enumerate(services.AREA_KINDS)}
    return sorted(found, key=lambda a: (order[a.kind], a.name))


def who(user) -> str:
    if user is None:
        return "Someone no longer registered"
    return user.get_full_name() or user.get_username()


@require_GET
@page
def scenario_list(request: HttpRequest) -> HttpResponse:
    form = query_form(request, FilterForm)
    status = form.cleaned_data["status"]
    found = services.visible(request.scope)
    everything = found.count()
    if status:
        found = found.filter(status=status)
    rows = [{"scenario": s, "tag": STATUS_TAGS[Status(s.status)], "by": who(s.created_by)} for s in found]
    return render(request, "scenarios/list.html", {
        "form": form, "rows": rows, "everything": everything, "status": status,
        "status_label": Status(status).label if status else "",
        "can_create": services.can_create(request.scope),
    })


# --- A new scenario ------------------------------------------------------------------------------------------


def _icb_of(org: Organisation, areas: list[Organisation]) -> Organisation | None:
    icb = register.ancestor_of_kind(org, OrgKind.ICB)
    return icb if icb is not None and icb in areas else None


def _start(request: HttpRequest, areas: list[Organisation]) -> dict:
    """What the page was started from: a PCN (``?pcn=``) or a practice (``?practice=``) the user may see."""
    scope = request.scope
    date = asof.as_of(request)
    if request.GET.get("practice"):
        practice = visible_organisation(scope, request.GET["practice"].strip(), [OrgKind.PRACTICE], "practice")
        area = _icb_of(practice, areas)
        if area is None:
            scope.refuse(f"scenarios for {practice.name}'s ICB")
        now = Membership.objects.on(date).filter(practice=practice).select_related("pcn").first()
        networks = [(r.pcn.code, r.pcn.name) for r in register.cached_landscape(area, date).networks
                    if now is None or r.pcn.pk != now.pcn_id]
        return {"practice": practice, "area": area, "current": now.pcn if now else None, "networks": networks,
                "name": f"Move {practice.name}"}
    if request.GET.get("pcn"):
        pcn = visible_organisation(scope, request.GET["pcn"].strip(), [OrgKind.PCN], "PCN")
        area = _icb_of(pcn, areas)
        if area is None:
            scope.refuse(f"scenarios for {pcn.name}'s ICB")
        return {"pcn": pcn, "area": area, "name": f"Changes to {pcn.name}"}
    return {}


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name)[:100] or "changes.csv"


def read_upload(upload) -> list[d.Change]:
    """The changes of an uploaded CSV (InputError naming the file as uploaded, its rows and fields)."""
    with tempfile.TemporaryDirectory(prefix="pcnhub-scenario-") as folder:
        path = Path(folder) / _safe_name(upload.name)
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return read_changes(path)


@require_http_methods(["GET", "POST"])
@page
def new(request: HttpRequest) -> HttpResponse:
    scope = request.scope
    require_create(scope)
    areas = areas_of(scope)
    start = _start(request, areas)
    initial = {"effective_date": asof.as_of(request), "area": start["area"].code if start.get("area") else "",
               "name": start.get("name", "")}
    practice = start.get("practice")
    if request.method == "POST":
        form = ScenarioForm(request.POST, request.FILES, areas=areas, day=asof.as_of(request))
        move = MoveForm(request.POST, networks=start["networks"], prefix="move") if practice else None
    else:
        form = ScenarioForm(initial=initial, areas=areas, day=asof.as_of(request))
        move = MoveForm(networks=start["networks"], prefix="move") if practice else None
    if request.method == "POST" and form.is_valid() and (move is None or move.is_valid()):
        changes: list[d.Change] = []
        upload = form.cleaned_data["changes"]
        try:
            if upload:
                changes += read_upload(upload)
            if move is not None:
                changes.append(move.change(practice.code))
            data = form.cleaned_data
            scenario = services.create(data["area"], data["name"], data["effective_date"], data["reasons"],
                                       request.user, changes)
        except InputError as exc:
            for problem in exc.problems:
                form.add_error("changes", problem.describe(exc.file))
            if exc.truncated:
                form.add_error("changes", f"{exc.file}: stopped after the first {len(exc.problems)} problems")
        except d.ScenarioError as exc:
            where = form if upload and exc.change.row else move
            field = "changes" if where is form else "to_pcn"
            what = f"{upload.name} " if where is form else ""
            where.add_error(field, f"{what}{exc}: nothing was saved")
        else:
            count = len(changes)
            return done(request, f"Scenario saved with {count} change{'s' if count != 1 else ''}.",
                        reverse("scenarios:detail", args=[scenario.pk]))
    problems = []
    if form.is_bound:
        problems = form.error_list() + (move.error_list() if move is not None else [])
    return render(request, "scenarios/new.html", {
        "form": form, "move": move, "start": start, "problems": problems,
    }, status=400 if problems else 200)


@require_POST
@page
def from_design(request: HttpRequest, code: str) -> HttpResponse:
    """The designer's proposal for the area (the parameters of its page) saved as a new scenario."""
    scope = request.scope
    require_create(scope)
    area = design_permissions.design_area(scope, code)
    if area not in areas_of(scope):
        scope.refuse(f"scenarios for {area.name}")
    form = DesignForm(request.POST)
    back = reverse("designer:area", args=[area.code])
    if not form.is_valid():
        messages.error(request, "The proposal could not be saved: " + "; ".join(m for _, m in form.error_list()))
        return redirect(back)
    data = form.cleaned_data
    date = data["date"] or asof.as_of(request)
    try:
        view = designer.build(area, date, data["band"], data["networks"], keep=data["keep"], user=str(request.user.pk))
    except designer.Busy as exc:
        response = render(request, "429.html", {"message": str(exc), "again": back}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ValueError as exc:
        messages.error(request, f"The proposal could not be saved: {exc}")
        return redirect(back)
    changes = proposals.changes(view)
    if not changes:
        messages.error(request, "The proposal is the current configuration: no practice changes network, so there "
                       "is nothing to save as a scenario.")
        return redirect(back + f"?date={date.isoformat()}")
    networks = len(view.proposal.networks) if view.proposal else 0
    scenario = services.create(area, f"Designer proposal for {area.name}", date,
                               f"The configuration designer's proposal of {networks} networks (band {view.band}), "
                               f"{date:%-d %B %Y}.", request.user, changes)
    return done(request, f"The proposal is saved as a scenario with {len(changes)} changes.",
                reverse("scenarios:detail", args=[scenario.pk]))


def get_visible(request: HttpRequest, pk: int) -> Scenario:
    """The scenario: 404 if there is none, 403 if the user may not see it (as for the register's organisations)."""
    scenario = Scenario.objects.select_related("area", "created_by").filter(pk=pk).first()
    if scenario is None:
        raise Http404("There is no scenario with this number.")
    if not services.can_view(request.scope, scenario):
        raise PermissionDenied("This scenario is not shared with you: a draft is its commissioners' alone, and a "
                               "shared one is seen by the networks and practices it involves.")
    return scenario


def require(request: HttpRequest, scenario: Scenario, what: str, words: str) -> None:
    if not services.allowed(request.scope, scenario, what):
        raise PermissionDenied(f"You may not {words} this scenario.")
