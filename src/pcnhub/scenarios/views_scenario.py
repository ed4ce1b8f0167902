"""One scenario's page, ``/scenarios/<number>/``: what it is, its changes in words, the comparison of every network
it touches before and after, and its workflow (steps, comments, history).

* ``GET``: the page; ``?format=csv|xlsx`` downloads the comparison (every network, section and measure).
* ``POST changes/add/``, ``POST changes/<n>/remove/``: a change added or removed while the scenario is editable (a
  change that cannot apply is shown against the form, and nothing is saved).
* ``POST step/``: share, submit, approve, reject or return to draft (:func:`pcnhub.scenarios.services.steps`);
  approving and rejecting need a reason, and an approved scenario whose date has come is applied to the register.
* ``POST comment/``: a comment, while the scenario is shared or submitted.

Who may do what is :mod:`pcnhub.scenarios.services`: 404 for a scenario that does not exist, 403 for one the user
may not see or a step they may not take.  Every POST redirects to the page with a success banner.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from pcnhub.accounts.models import Role
from pcnhub.domain import scenario as d
from pcnhub.pages.views import done, download_response, page
from pcnhub.register import services as register
from pcnhub.scenarios import compare, display, services
from pcnhub.scenarios.forms import STEP_WORDS, ChangeForm, CommentForm, StepForm
from pcnhub.scenarios.models import EventKind, Scenario, Status
from pcnhub.scenarios.views import STATUS_TAGS, get_visible, require, who

#: What each step's success banner says.
DONE_WORDS = {
    EventKind.SHARED: "Shared for comment with the networks and practices it involves.",
    EventKind.SUBMITTED: "Submitted for decision.",
    EventKind.REJECTED: "Rejected.",
    EventKind.RETURNED: "Returned to draft.",
}


def comparison_of(scenario: Scenario) -> tuple[compare.Comparison | None, str, dt.date]:
    """The comparison, or the reason there is none (a change that no longer applies to the register), and the date
    compared: an applied scenario is compared with the register the day before it took effect."""
    date = scenario.effective_date
    if scenario.status == Status.APPLIED:
        date -= dt.timedelta(days=1)
    try:
        return compare.compare(scenario.area, date, services.changes_of(scenario)), "", date
    except d.ScenarioError as exc:
        return None, str(exc), date


def _choices(scenario: Scenario, found: compare.Comparison | None, date: dt.date) -> tuple[list, list]:
    """The area's practices and networks on the date for the change form (with those the scenario makes)."""
    view = register.cached_landscape(scenario.area, date)
    practices = sorted(((p.code, f"{p.name} ({p.code})") for p in view.practices), key=lambda c: c[1])
    networks = sorted(((r.pcn.code, r.pcn.name) for r in view.networks), key=lambda c: c[1])
    if found is not None:
        practices += [(code, f"{name} ({code}, opens in the scenario)") for code, name in found.outcome.opened.items()]
        networks += [(name, f"{name} (new in the scenario)") for name in found.outcome.new]
    return practices, networks


def _describe(scenario: Scenario, found: compare.Comparison | None, date: dt.date) -> list[str]:
    if found is not None:
        return found.changes
    view = register.cached_landscape(scenario.area, date)
    names = {**{p.code: p.name for p in view.practices}, **{r.pcn.code: r.pcn.name for r in view.networks}}
    return [c.describe(names) for c in services.changes_of(scenario)]


def _render(request: HttpRequest, scenario: Scenario, *, change_form: ChangeForm | None = None,
            step_form: StepForm | None = None, comment_form: CommentForm | None = None,
            problems: list | None = None) -> HttpResponse:
    scope = request.scope
    found, broken, date = comparison_of(scenario)
    shown = display.tables(found) if found is not None else []
    stem = f"scenario-{slugify(scenario.name)[:60] or 'comparison'}-{scenario.effective_date.isoformat()}"
    download = download_response(request, {"comparison": lambda: display.comparison_table(stem, shown)})
    if download:
        return download
    editable = services.can_edit(scope, scenario)
    practices, networks = _choices(scenario, found, date) if editable else ([], [])
    if editable and change_form is None:
        change_form = ChangeForm(practices=practices, networks=networks)
    steps = services.steps(scope, scenario)
    plain = [(kind, STEP_WORDS[kind]) for kind in steps if kind not in services.NEEDS_REASON]
    decisions = [(kind, STEP_WORDS[kind]) for kind in steps if kind in services.NEEDS_REASON]
    if steps and step_form is None:
        step_form = StepForm()
    can_comment = services.can_comment(scope, scenario)
    if can_comment and comment_form is None:
        comment_form = CommentForm()
    problems = list(problems or [])
    for form in (change_form, step_form, comment_form):
        if form is not None and form.is_bound and form.errors:
            problems += form.error_list()
    events = [{"event": e, "by": who(e.user) if e.user is not None else e.username or who(None)}
              for e in services.events(scenario)]
    context = {
        "scenario": scenario,
        "tag": STATUS_TAGS[Status(scenario.status)],
        "by": who(scenario.created_by),
        "descriptions": _describe(scenario, found, date),
        "found": found,
        "broken": broken,
        "compared_on": date,
        "tables": shown,
        "editable": editable,
        "change_form": change_form,
        "step_form": step_form,
        "plain_steps": plain,
        "decisions": decisions,
        "comment_form": comment_form,
        "events": events,
        "problems": problems,
        "show_seconds": scope.role == Role.ANALYST,
        "query": request.GET,
    }
    return render(request, "scenarios/detail.html", context, status=400 if problems else 200)


def _url(scenario: Scenario, anchor: str = "") -> str:
    return reverse("scenarios:detail", args=[scenario.pk]) + (f"#{anchor}" if anchor else "")


@require_GET
@page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, get_visible(request, pk))


def _cannot_apply(exc: d.ScenarioError) -> str:
    return f"This change cannot apply: {str(exc).split('): ', 1)[-1]}"


@require_POST
@page
def add_change(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = get_visible(request, pk)
    require(request, scenario, "edit", "change")
    found, _, date = comparison_of(scenario)
    practices, networks = _choices(scenario, found, date)
    form = ChangeForm(request.POST, practices=practices, networks=networks)
    if form.is_valid():
        change = form.change()
        try:
            services.add_change(scenario, change, request.user)
        except d.ScenarioError as exc:
            later = exc.index < len(services.changes_of(scenario))
            message = str(exc) + ": remove or correct that change first" if later else _cannot_apply(exc)
            form.add_error(None if later else form.field_for(message), message)
        else:
            return done(request, "Change added. The comparison below includes it.", _url(scenario, "comparison"))
    return _render(request, scenario, change_form=form)


@require_POST
@page
def remove_change(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    scenario = get_visible(request, pk)
    require(request, scenario, "edit", "change")
    try:
        services.remove_change(scenario, number - 1, request.user)
    except IndexError as exc:
        raise Http404(f"The scenario has no change {number}.") from exc
    except d.ScenarioError as exc:
        return _render(request, scenario, problems=[("#changes", f"The change cannot be removed: {exc}. Remove the "
                                                                 "changes that depend on it first.")])
    return done(request, "Change removed.", _url(scenario, "changes"))


@require_POST
@page
def step(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = get_visible(request, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        if "step" in form.errors:
            raise Http404("There is no such step.")
        return _render(request, scenario, step_form=form)
    kind = form.cleaned_data["step"]
    require(request, scenario, kind, STEP_WORDS[kind].lower())
    try:
        services.take_step(scenario, kind, request.user, form.cleaned_data["reason"])
    except ValueError as exc:
        form.add_error("reason" if kind in services.NEEDS_REASON else None, str(exc))
        return _render(request, scenario, step_form=form)
    if kind == EventKind.APPROVED:
        on = f"{scenario.effective_date:%-d %B %Y}"
        message = (f"Approved and applied to the register from {on}." if scenario.status == Status.APPLIED
                   else f"Approved. It will be applied to the register on {on}.")
    else:
        message = DONE_WORDS[kind]
    return done(request, message, _url(scenario))


@require_POST
@page
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = get_visible(request, pk)
    require(request, scenario, EventKind.COMMENTED, "comment on")
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.take_step(scenario, EventKind.COMMENTED, request.user, form.cleaned_data["text"])
        except ValueError as exc:
            form.add_error("text", str(exc))
        else:
            return done(request, "Comment added.", _url(scenario, "history"))
    return _render(request, scenario, comment_form=form)
