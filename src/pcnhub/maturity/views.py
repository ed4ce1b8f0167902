"""Maturity matrix pages, under /maturity/ (namespace ``maturity``).

* ``/maturity/`` - where to start: a PCN user's own PCN, a commissioner's own ICB, a list of ICBs
  for analysts and administrators.
* ``/maturity/pcn/<code>/`` - a PCN's summary: step reached per domain (table and chart), progress
  over time (one column per dated assessment), gaps, and the links to assess, plan and print.
* ``/maturity/pcn/<code>/assess/<domain>/`` - the guided assessment, one domain per page, save and
  resume; the system statements of an ICB at ``/maturity/area/<code>/assess/<domain>/``.
* ``/maturity/pcn/<code>/plan/`` - the development plan; ``/maturity/pcn/<code>/report/`` - the
  printable report; ``/maturity/area/<code>/`` - an ICB's heatmap of PCNs and support requests.

Who may see and change what is in :mod:`pcnhub.maturity.permissions` (403 outside it, 404 for an
unknown code, 400 for query parameters a page cannot use). Every table downloads as CSV or Excel
(``?format=csv|xlsx&table=<name>``). Changes are POST-redirect-GET with a success banner; a form
that does not validate is shown again with the NHS.UK error summary and nothing saved. An answer
someone else saved after the page was loaded is not overwritten: the page comes back with a warning
naming who changed it and when, and the user may choose to replace it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pcnhub.accounts.models import Role
from pcnhub.domain import maturity as m
from pcnhub.domain.money.years import long_date
from pcnhub.maturity import permissions, services
from pcnhub.maturity.forms import ActionForm, NewAssessmentForm
from pcnhub.maturity.models import Action, ActionStatus, Assessment
from pcnhub.pages import charts, exports
from pcnhub.pages.views import BadRequest, download_response, page, page_url, saved
from pcnhub.register import pickers
from pcnhub.register.models import Organisation, OrgKind

STATUS_TAGS = {
    m.NOT_STARTED: "nhsuk-tag--grey",
    m.IN_PROGRESS: "nhsuk-tag--yellow",
    m.ACHIEVED: "nhsuk-tag--green",
}
ACTION_TAGS = {
    ActionStatus.PLANNED: "nhsuk-tag--grey",
    ActionStatus.IN_PROGRESS: "nhsuk-tag--blue",
    ActionStatus.DONE: "nhsuk-tag--green",
    ActionStatus.DROPPED: "nhsuk-tag--white",
}


def when(moment) -> str:
    """``3 June 2025 at 14:05``, in local time."""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def _domain_or_404(mx: m.Matrix, key: str) -> m.Domain:
    try:
        return mx.domain(key)
    except KeyError:
        raise Http404(f"The {mx.name} has no domain called {key}.") from None


def _step_names(mx: m.Matrix) -> list[str]:
    longest = max(mx.domains, key=lambda d: len(d.steps))
    return [m.BELOW_FOUNDATION, *(s.name for s in longest.steps)]


# --- Index ---------------------------------------------------------------------------------------


@require_GET
@page
def index(request: HttpRequest) -> HttpResponse:
    """A PCN user's own PCN, a commissioner's own ICB; the ICBs for analysts and administrators."""
    scope = request.scope
    if not scope.unrestricted:
        if scope.role == Role.PCN and scope.organisation is not None:
            return redirect("maturity:pcn", code=scope.organisation.code)
        if scope.role == Role.ICB and scope.organisation is not None:
            return redirect("maturity:area", code=scope.organisation.code)
        raise PermissionDenied(f"Your role ({scope.role_label}) does not give access to maturity assessments.")
    icbs = list(Organisation.objects.filter(kind=OrgKind.ICB).order_by("name"))
    chosen = pickers.chosen(request, icbs, lambda code: reverse("maturity:area", args=[code]))
    if chosen:
        return chosen
    assessed = {
        a.organisation_id: a for a in Assessment.objects.filter(organisation__in=icbs, audience=m.SYSTEM, closed=False)
    }
    pcn_assessments = Assessment.objects.filter(audience=m.PCN).values("organisation").distinct().count()
    rows = [{"icb": icb, "system": assessed.get(icb.pk)} for icb in icbs]
    download = download_response(request, {
        "icbs": lambda: exports.Table(
            "maturity-icbs", ["ICB code", "ICB name", "System assessment as of"],
            [[r["icb"].code, r["icb"].name, r["system"].as_of if r["system"] else None] for r in rows],
        ),
    })
    if download:
        return download
    return render(request, "maturity/index.html", {"rows": rows, "pcn_assessments": pcn_assessments,
                                                   "area_groups": pickers.grouped_on_page(request, icbs), "query": request.GET})


# --- PCN summary ---------------------------------------------------------------------------------


def _domain_rows(score: m.Score) -> list[dict]:
    return [{
        "score": d,
        "reached": services.reached(d),
        "next": d.next_step_name or "Top step reached",
        "gap": len(d.gap),
    } for d in score.domains]


def _score_table(stem: str, score: m.Score) -> exports.Table:
    return exports.Table(stem, [
        "Domain key", "Domain", "Step reached", "Steps reached (0-4)", "Statements", "Achieved", "In progress",
        "Not started", "Next step", "Gap statements",
    ], [[d.domain.key, d.domain.name, d.step_name, services.reached(d), d.total, d.achieved, d.in_progress,
         d.not_started, d.next_step_name or "", "; ".join(s.id for s in d.gap)] for d in score.domains])


def _gap_rows(score: m.Score, answers: dict) -> list[dict]:
    rows = []
    for d in score.domains:
        for s in d.gap:
            answer = answers.get(s.id)
            status = answer.status if answer else m.NOT_STARTED
            rows.append({"domain": d.domain, "step": d.next_step_name, "statement": s, "status": status,
                         "status_label": m.STATUS_LABELS[status], "tag": STATUS_TAGS[status],
                         "evidence": answer.evidence if answer else "", "comment": answer.comment if answer else ""})
    return rows


def _gap_table(stem: str, gaps: list[dict]) -> exports.Table:
    return exports.Table(stem, ["Domain", "Step", "Statement id", "Statement", "Status", "Evidence", "Comment"],
                         [[g["domain"].name, g["step"], g["statement"].id, g["statement"].text, g["status_label"],
                           g["evidence"], g["comment"]] for g in gaps])


def _progress_table(stem: str, prog: services.Progress) -> exports.Table:
    return exports.Table(stem, ["Assessment as of", "Closed", *(d.name for d in prog.domains)],
                         [[a.as_of, a.closed, *(d.step_name for d in row)]
                          for a, row in zip(prog.assessments, prog.rows)])


def _progress_view(prog: services.Progress) -> list[dict]:
    return [{"assessment": a, "cells": row} for a, row in zip(prog.assessments, prog.rows)]


def _charts(org, mx: m.Matrix, score: m.Score, prog: services.Progress) -> tuple[dict, dict]:
    ticks = _step_names(mx)
    bar = {
        "kind": "bar",
        "title": f"Step reached by domain, {org.name}",
        "labels": [d.domain.name for d in score.domains],
        "values": [services.reached(d) for d in score.domains],
        "texts": [d.step_name for d in score.domains],
        "ticks": ticks,
    }
    line = {
        "kind": "progress",
        "title": f"Step reached by domain at each assessment, {org.name}",
        "dates": [a.as_of.isoformat() for a in prog.assessments],
        "series": [{"name": domain.name, "values": [services.reached(row[j]) for row in prog.rows],
                    "texts": [row[j].step_name for row in prog.rows]}
                   for j, domain in enumerate(prog.domains)],
        "ticks": ticks,
    }
    return bar, line


def _first_domain_to_do(mx: m.Matrix, audience: str, answers: dict) -> m.Domain:
    """The first domain with a statement not yet answered, else the first with one not achieved, else the first."""
    for test in (lambda s: s.id not in answers, lambda s: answers[s.id].status != m.ACHIEVED):
        for domain in mx.domains:
            if any(test(s) for s in domain.statements(audience)):
                return domain
    return mx.domains[0]


def _summary(org, audience: str) -> dict:
    """What the summary, report and heatmap pages need about one organisation's current assessment."""
    assessment = services.latest_assessment(org, audience)
    mx = services.current_matrix(org, audience)
    answers = assessment.answers_by_id() if assessment else {}
    score = services.score_of(assessment, mx, audience)
    prog = services.progress(org, audience, mx)
    return {"assessment": assessment, "matrix": mx, "answers": answers, "score": score, "progress": prog,
            "next_domain": _first_domain_to_do(mx, audience, answers)}


def _action_rows(actions: list[Action], mx: m.Matrix, can_edit: bool, pcn) -> list[dict]:
    day = services.today()
    offers = services.offers()
    rows = []
    for a in actions:
        rows.append({
            "action": a,
            "overdue": a.overdue_on(day),
            "tag": ACTION_TAGS.get(a.status, "nhsuk-tag--grey"),
            "statements": [{"id": sid, "place": services.statement_place(mx, sid),
                            "title": services.statement_label(mx, sid)} for sid in a.statement_ids],
            "support": [offers[k].name if k in offers else f"{k} (no longer offered)" for k in a.support_requested],
            "edit": reverse("maturity:action", args=[pcn.code, a.pk]) if can_edit else "",
            "by": services.who(a.updated_by) if a.updated_by_id else "",
        })
    return rows


def _actions_table(pcn, rows: list[dict]) -> exports.Table:
    return exports.Table(f"maturity-{pcn.code}-plan", [
        "Action", "Statements", "Owner", "Due", "Status", "Overdue", "Support requested", "Notes", "Last changed by",
        "Last changed",
    ], [[r["action"].title, "; ".join(s["id"] for s in r["statements"]), r["action"].owner, r["action"].due,
         r["action"].get_status_display(), r["overdue"], "; ".join(r["support"]), r["action"].notes, r["by"],
         timezone.localtime(r["action"].updated_at).replace(tzinfo=None)] for r in rows])


def _pcn_context(request: HttpRequest, pcn) -> tuple[dict, dict]:
    """The summary of a PCN and its downloadable tables."""
    summary = _summary(pcn, m.PCN)
    can_edit = permissions.can_edit_pcn(request.scope, pcn)
    actions = services.actions_of(pcn)
    action_rows = _action_rows(actions, summary["matrix"], can_edit, pcn)
    gaps = _gap_rows(summary["score"], summary["answers"])
    tables = {
        "domains": lambda: _score_table(f"maturity-{pcn.code}-domains", summary["score"]),
        "progress": lambda: _progress_table(f"maturity-{pcn.code}-progress", summary["progress"]),
        "gaps": lambda: _gap_table(f"maturity-{pcn.code}-gaps", gaps),
        "plan": lambda: _actions_table(pcn, action_rows),
    }
    bar, line = _charts(pcn, summary["matrix"], summary["score"], summary["progress"])
    context = {
        **summary,
        "pcn": pcn,
        "org": pcn,
        "audience": m.PCN,
        "domain_rows": _domain_rows(summary["score"]),
        "progress_rows": _progress_view(summary["progress"]),
        "gaps": gaps,
        "actions": action_rows,
        "open_actions": sum(1 for a in actions if a.is_open),
        "overdue": sum(1 for r in action_rows if r["overdue"]),
        "bar_chart": bar,
        "progress_chart": line,
        "can_edit": can_edit,
        "query": request.GET,
        "today": services.today(),
        "step_names": _step_names(summary["matrix"])[1:],
    }
    return context, tables


def _own_icb(request: HttpRequest, pcn) -> Organisation | None:
    """The ICB of the PCN whose heatmap the user may see, if any (for a link back)."""
    scope = request.scope
    if scope.role == Role.ICB and scope.in_charge_of(pcn):
        return scope.organisation
    return None


@require_GET
@page
def pcn_summary(request: HttpRequest, code: str) -> HttpResponse:
    pcn = permissions.maturity_pcn(request.scope, code)
    context, tables = _pcn_context(request, pcn)
    download = download_response(request, tables)
    if download:
        return download
    context["new_form"] = NewAssessmentForm(audience=m.PCN, initial={"matrix": context["matrix"].key})
    context["icb"] = _own_icb(request, pcn)
    return render(request, "maturity/pcn.html", context)


@require_GET
@page
def report(request: HttpRequest, code: str) -> HttpResponse:
    """The printable report of a PCN (for a Health and Wellbeing Board paper)."""
    pcn = permissions.maturity_pcn(request.scope, code)
    context, tables = _pcn_context(request, pcn)
    download = download_response(request, tables)
    if download:
        return download
    context["printed"] = services.today()
    answers = context["answers"]
    sections = []
    for d in context["score"].domains:
        ids = {s.id for s in d.domain.statements(m.PCN)}
        statements = []
        for step in d.domain.steps:
            for s in step.statements(m.PCN):
                answer = answers.get(s.id)
                status = answer.status if answer else m.NOT_STARTED
                statements.append({"statement": s, "step": step.name, "status": m.STATUS_LABELS[status],
                                   "tag": STATUS_TAGS[status], "evidence": answer.evidence if answer else ""})
        sections.append({
            "score": d, "statements": statements,
            "actions": [r for r in context["actions"] if ids & {x["id"] for x in r["statements"]}],
        })
    context["sections"] = sections
    return render(request, "maturity/report.html", context)


def _start(request: HttpRequest, org, audience: str, back: str) -> HttpResponse:
    form = NewAssessmentForm(request.POST, audience=audience)
    if not form.is_valid():
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    previous = services.open_assessment(org, audience)
    new = services.start_assessment(org, audience, form.cleaned_data["matrix"], request.user)
    mx = services.matrix(new.matrix)
    if previous is None:
        messages.success(request, f"Started an assessment against the {mx.name}.")
    else:
        copied = " It starts from the answers of the previous one." if previous.matrix == new.matrix else ""
        messages.success(request, f"Started a new assessment against the {mx.name}. The previous one, as of "
                                  f"{long_date(previous.as_of)}, is kept and shows in the progress over time.{copied}")
    return redirect(back)


@require_POST
@page
def pcn_new(request: HttpRequest, code: str) -> HttpResponse:
    """Close the PCN's current assessment (kept) and start a new one from its answers."""
    pcn = permissions.editable_pcn(request.scope, code)
    return _start(request, pcn, m.PCN, reverse("maturity:pcn", args=[pcn.code]))


@require_POST
@page
def area_new(request: HttpRequest, code: str) -> HttpResponse:
    """Close the ICB's current system assessment (kept) and start a new one."""
    icb = permissions.editable_area(request.scope, code)
    return _start(request, icb, m.SYSTEM, reverse("maturity:area", args=[icb.code]) + "#system")


# --- The guided assessment ------------------------------------------------------------------------


def _int(value: str | None, what: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{what} must be a whole number, not {value!r}.") from None
    if number < 0:
        raise BadRequest(f"{what} cannot be negative.")
    return number


def _posted(request: HttpRequest, mx: m.Matrix,
            statements: list[m.Statement]) -> tuple[list[services.Posted], list[tuple[str, str]]]:
    """The answers a domain page posted, and the problems (anchor, message) that stop them being saved."""
    posted, problems = [], []
    for s in statements:
        status = request.POST.get(f"status-{s.id}", "")
        p = services.Posted(
            statement_id=s.id, status=status,
            evidence=request.POST.get(f"evidence-{s.id}", ""), comment=request.POST.get(f"comment-{s.id}", ""),
            revision=_int(request.POST.get(f"revision-{s.id}"), f"The revision of {s.id}") or 0,
            loaded=request.POST.get(f"loaded-{s.id}", ""),
            replace=_int(request.POST.get(f"replace-{s.id}"), f"The revision to replace of {s.id}"),
        )
        if status and status not in m.STATUSES:
            problems.append((f"#status-{s.id}", "Choose not started, in progress or achieved for "
                                                f"{services.statement_place(mx, s.id)}"))
        for name, label in (("evidence", "evidence"), ("comment", "comment")):
            if len(getattr(p, name)) > services.MAX_TEXT:
                problems.append((f"#{name}-{s.id}",
                                 f"Enter {label} of at most {services.MAX_TEXT:,} characters for "
                                 f"{services.statement_place(mx, s.id)}"))
        posted.append(p)
    return posted, problems


def _statement_view(mx: m.Matrix, s: m.Statement, answer, posted: services.Posted | None,
                    conflict: services.Conflict | None, problems: dict[str, list[str]]) -> dict:
    if posted is not None:
        status, evidence, comment = posted.status, posted.evidence, posted.comment
        revision, loaded = posted.revision, posted.loaded
    else:
        status, evidence, comment = services.answer_values(answer)
        revision, loaded = (answer.revision if answer else 0), services.fingerprint(status, evidence, comment)
    view = {
        "statement": s,
        "place": services.statement_place(mx, s.id),
        "status": status,
        "status_label": m.STATUS_LABELS.get(status or m.NOT_STARTED, status),
        "tag": STATUS_TAGS.get(status or m.NOT_STARTED, "nhsuk-tag--grey"),
        "evidence": evidence,
        "comment": comment,
        "revision": revision,
        "loaded": loaded,
        "answer": answer,
        "by": services.recorder(answer),
        "at": when(answer.updated_at) if answer is not None else "",
        "errors": problems.get(s.id, []),
        "choices": [(value, m.STATUS_LABELS[value]) for value in m.STATUSES],
        "conflict": None,
    }
    if conflict is not None:
        theirs = conflict.theirs
        view["conflict"] = {
            "by": services.recorder(theirs),
            "at": when(theirs.updated_at),
            "status": m.STATUS_LABELS.get(theirs.status, theirs.status),
            "tag": STATUS_TAGS.get(theirs.status, "nhsuk-tag--grey"),
            "evidence": theirs.evidence,
            "comment": theirs.comment,
            "revision": theirs.revision,
        }
    return view


def _assess_page(request: HttpRequest, org, audience: str, domain_key: str, can_edit: bool, urls: dict,
                 posted: list[services.Posted] | None = None, problems: list | None = None,
                 conflicts: list[services.Conflict] | None = None, saved: int = 0) -> HttpResponse:
    # Starting a new assessment closes the open one only when it opens another, so the latest is open.
    assessment = services.latest_assessment(org, audience)
    mx = services.current_matrix(org, audience)
    domain = _domain_or_404(mx, domain_key)
    answers = assessment.answers_by_id() if assessment is not None else {}
    by_id = {p.statement_id: p for p in posted or []}
    conflict_by_id = {c.posted.statement_id: c for c in conflicts or []}
    problem_by_id: dict[str, list[str]] = {}
    for anchor, message in problems or []:
        problem_by_id.setdefault(anchor.split("-", 1)[1], []).append(message)
    steps = []
    for step in domain.steps:
        statements = step.statements(audience)
        if not statements:
            continue
        steps.append({"step": step, "statements": [
            _statement_view(mx, s, answers.get(s.id), by_id.get(s.id), conflict_by_id.get(s.id), problem_by_id)
            for s in statements
        ]})
    score = services.score_of(assessment, mx, audience)
    domains = []
    for i, d in enumerate(mx.domains):
        ids = [s.id for s in d.statements(audience)]
        domains.append({
            "domain": d, "number": i + 1, "current": d.key == domain.key,
            "href": reverse(urls["assess"], args=[org.code, d.key]),
            "answered": sum(1 for sid in ids if sid in answers), "total": len(ids),
            "step": score.domain(d.key).step_name,
        })
    position = next(i for i, d in enumerate(mx.domains) if d.key == domain.key)
    following = mx.domains[position + 1] if position + 1 < len(mx.domains) else None
    context = {
        "org": org,
        "audience": audience,
        "audience_label": "PCN statements" if audience == m.PCN else "System statements",
        "matrix": mx,
        "domain": domain,
        "domain_score": score.domain(domain.key),
        "position": position + 1,
        "following": following,
        "following_href": reverse(urls["assess"], args=[org.code, following.key]) if following else "",
        "domains": domains,
        "steps": steps,
        "assessment": assessment,
        "can_edit": can_edit,
        "problems": problems or [],
        "conflicts": [
            {"id": c.posted.statement_id, "place": services.statement_place(mx, c.posted.statement_id),
             "by": services.recorder(c.theirs), "at": when(c.theirs.updated_at)}
            for c in conflicts or []
        ],
        "saved": saved,
        "back": urls["back"],
        "back_text": urls["back_text"],
        "action": request.path,
    }
    return render(request, "maturity/assess.html", context)


def _assess(request: HttpRequest, org, audience: str, domain_key: str, can_edit: bool, urls: dict) -> HttpResponse:
    if request.method == "GET":
        return _assess_page(request, org, audience, domain_key, can_edit, urls)
    if not can_edit:
        scope = request.scope
        raise PermissionDenied(f"Your role ({scope.role_label}) may look at these answers of {org.code} but not change them.")
    mx = services.current_matrix(org, audience)
    posted_matrix = request.POST.get("matrix", mx.key)
    if posted_matrix != mx.key:
        messages.error(request, f"A new assessment against the {mx.name} was started after you opened this page, "
                                "so your answers were not saved. Answer the statements below again.")
        return redirect(request.path)
    domain = _domain_or_404(mx, domain_key)
    posted, problems = _posted(request, mx, domain.statements(audience))
    if problems:
        return _assess_page(request, org, audience, domain_key, can_edit, urls, posted=posted, problems=problems)
    result = services.save_answers(org, audience, mx, posted, request.user)
    if result.conflicts:
        return _assess_page(request, org, audience, domain_key, can_edit, urls, posted=posted,
                            conflicts=result.conflicts, saved=len(result.changed))
    position = [d.key for d in mx.domains].index(domain.key)
    changed = len(result.changed)
    said = f"Saved {changed} answer{'s' if changed != 1 else ''} for {domain.name}." if changed else \
        f"No answers changed for {domain.name}."
    if request.POST.get("then") == "continue" and position + 1 < len(mx.domains):
        messages.success(request, said)
        return redirect(reverse(urls["assess"], args=[org.code, mx.domains[position + 1].key]))
    if request.POST.get("then") == "continue":
        messages.success(request, f"{said} That was the last domain: the summary below shows where you stand.")
    else:
        messages.success(request, f"{said} Your answers are kept: come back to carry on at any time.")
    return redirect(urls["back"])


@require_http_methods(["GET", "POST"])
@page
def assess(request: HttpRequest, code: str, domain_key: str) -> HttpResponse:
    pcn = permissions.maturity_pcn(request.scope, code)
    urls = {"assess": "maturity:assess", "back": reverse("maturity:pcn", args=[pcn.code]),
            "back_text": f"Maturity of {pcn.name}"}
    return _assess(request, pcn, m.PCN, domain_key, permissions.can_edit_pcn(request.scope, pcn), urls)


@require_http_methods(["GET", "POST"])
@page
def assess_system(request: HttpRequest, code: str, domain_key: str) -> HttpResponse:
    icb = permissions.maturity_area(request.scope, code)
    urls = {"assess": "maturity:assess_system", "back": reverse("maturity:area", args=[icb.code]) + "#system",
            "back_text": f"Maturity of the PCNs of {icb.name}"}
    return _assess(request, icb, m.SYSTEM, domain_key, permissions.can_edit_area(request.scope, icb), urls)


# --- Development plan ----------------------------------------------------------------------------


def _offer_views(form: ActionForm, chosen: set[str], gaps: set[str]) -> list[dict]:
    """The support checkboxes, each with the statements it helps with (chosen and gap ones named)."""
    selected = set(form["support"].value() or [])
    views = []
    for i, (key, name) in enumerate(form.fields["support"].choices):
        offer = next((o for o in form.offers if o.key == key), None)
        statements = set(offer.statements) if offer else set()
        views.append({
            "key": key, "name": name, "id": f"id_support_{i}", "checked": key in selected,
            "description": offer.description if offer else "",
            "group": offer.group if offer else "",
            "statements": " ".join(sorted(statements)),
            "helps_chosen": [services.statement_place(form.matrix, sid) for sid in sorted(statements & chosen)],
            "helps_gaps": [services.statement_place(form.matrix, sid) for sid in sorted(statements & gaps)],
        })
    return views


def _statement_views(form: ActionForm) -> list[dict]:
    selected = set(form["statements"].value() or [])
    groups, n = [], 0
    for group, options in form.fields["statements"].choices:
        items = []
        for value, label in options:
            items.append({"value": value, "label": label, "id": f"id_statements_{n}", "checked": value in selected,
                          "place": services.statement_place(form.matrix, value)})
            n += 1
        groups.append({"name": group, "options": items})
    return groups


def _plan_page(request: HttpRequest, pcn, form: ActionForm | None = None, action: Action | None = None) -> HttpResponse:
    summary = _summary(pcn, m.PCN)
    can_edit = permissions.can_edit_pcn(request.scope, pcn)
    gaps = [s for d in summary["score"].domains for s in d.gap]
    action_rows = _action_rows(services.actions_of(pcn), summary["matrix"], can_edit, pcn)
    download = download_response(request, {"plan": lambda: _actions_table(pcn, action_rows)})
    if download:
        return download
    if can_edit and form is None:
        form = ActionForm(pcn=pcn, user=request.user, matrix=summary["matrix"], gaps=gaps, instance=action)
    chosen = set(form["statements"].value() or []) if form is not None else set()
    gap_ids = {s.id for s in gaps}
    offer_gaps = services.offers_for_statements(gap_ids)
    context = {
        "pcn": pcn,
        "matrix": summary["matrix"],
        "assessment": summary["assessment"],
        "actions": action_rows,
        "form": form,
        "editing": action,
        "problems": form.error_list() if form is not None and form.is_bound else [],
        "statement_groups": _statement_views(form) if form is not None else [],
        "offer_views": _offer_views(form, chosen, gap_ids) if form is not None else [],
        "offers_for_gaps": offer_gaps,
        "gaps": gaps,
        "can_edit": can_edit,
        "query": request.GET,
        "overdue": sum(1 for r in action_rows if r["overdue"]),
        "today": services.today(),
        "form_action": reverse("maturity:action", args=[pcn.code, action.pk]) if action else
                       reverse("maturity:plan", args=[pcn.code]),
    }
    return render(request, "maturity/plan.html" if action is None else "maturity/action.html", context)


@require_http_methods(["GET", "POST"])
@page
def plan(request: HttpRequest, code: str) -> HttpResponse:
    """A PCN's development plan; a POST adds an action."""
    if request.method == "GET":
        return _plan_page(request, permissions.maturity_pcn(request.scope, code))
    pcn = permissions.editable_pcn(request.scope, code)
    summary = _summary(pcn, m.PCN)
    gaps = [s for d in summary["score"].domains for s in d.gap]
    form = ActionForm(request.POST, pcn=pcn, user=request.user, matrix=summary["matrix"], gaps=gaps)
    return saved(request, form, page_url("maturity:plan", [pcn.code], "actions")) or _plan_page(request, pcn, form)


@require_http_methods(["GET", "POST"])
@page
def action_edit(request: HttpRequest, code: str, action_id: int) -> HttpResponse:
    """Change one action of a PCN's plan (its own users and administrators)."""
    pcn = permissions.editable_pcn(request.scope, code)
    action = get_object_or_404(Action, pk=action_id, pcn=pcn)
    if request.method == "GET":
        return _plan_page(request, pcn, action=action)
    summary = _summary(pcn, m.PCN)
    gaps = [s for d in summary["score"].domains for s in d.gap]
    try:
        mx = services.matrix(action.matrix)
    except (KeyError, LookupError, ValueError):
        mx = summary["matrix"]
    form = ActionForm(request.POST, pcn=pcn, user=request.user, matrix=mx, gaps=gaps, instance=action)
    return saved(request, form, page_url("maturity:plan", [pcn.code], "actions")) or _plan_page(request, pcn, form, action)


# --- An ICB's PCNs -------------------------------------------------------------------------------


def _heat_class(d: m.DomainScore | None) -> str:
    if d is None:
        return "pcnhub-heat--none"
    return f"pcnhub-heat--{services.reached(d)}"


def _heatmap_table(icb, heat: services.Heatmap) -> exports.Table:
    return exports.Table(f"maturity-{icb.code}-heatmap", [
        "PCN code", "PCN name", "Assessment as of", *(d.name for d in heat.matrix.domains), "Open actions",
        "Overdue actions",
    ], [[r.pcn.code, r.pcn.name, r.assessment.as_of if r.assessment else None,
         *((r.cell(d.key).step_name if r.cell(d.key) else "Not assessed") for d in heat.matrix.domains),
         r.open_actions, r.overdue_actions] for r in heat.rows])


def _support_table(icb, requests: list[services.SupportRequest]) -> exports.Table:
    return exports.Table(f"maturity-{icb.code}-support-requests", [
        "Offer key", "Support offer", "Group", "PCN code", "PCN name", "Open actions asking for it", "Actions",
    ], [[s.offer_key, s.name, s.group, pcn.code, pcn.name, len(acts), "; ".join(a.title for a in acts)]
        for s in requests for pcn, acts in s.pcns])


@require_GET
@page
def area(request: HttpRequest, code: str) -> HttpResponse:
    """An ICB's PCNs by domain (step reached), the support they ask for, and the system assessment."""
    icb = permissions.maturity_area(request.scope, code)
    heat = services.heatmap(icb)
    requests = services.support_requests([r.pcn for r in heat.rows])
    system = _summary(icb, m.SYSTEM)
    download = download_response(request, {
        "heatmap": lambda: _heatmap_table(icb, heat),
        "support": lambda: _support_table(icb, requests),
        "system": lambda: _score_table(f"maturity-{icb.code}-system", system["score"]),
        "system-progress": lambda: _progress_table(f"maturity-{icb.code}-system-progress", system["progress"]),
    })
    if download:
        return download
    ticks = _step_names(heat.matrix)
    assessed = [r for r in heat.rows if r.score is not None]
    chart = {
        "kind": "heatmap",
        "title": f"Step reached by domain, PCNs of {icb.name}",
        "domains": [d.name for d in heat.matrix.domains],
        "pcns": [r.pcn.name for r in assessed],
        "values": [[services.reached(r.cell(d.key)) for d in heat.matrix.domains] for r in assessed],
        "texts": [[r.cell(d.key).step_name for d in heat.matrix.domains] for r in assessed],
        "ticks": ticks,
        # one hue, light (not yet at Foundation) to dark (the last step), as the table's cells (maturity.css)
        "scale": charts.step_colours(len(ticks)),
    }
    rows = [{
        "row": r,
        "cells": [{"text": r.cell(d.key).step_name if r.cell(d.key) else "Not assessed",
                   "css": _heat_class(r.cell(d.key)), "domain": d.key} for d in heat.matrix.domains],
        "can_view": permissions.can_view_pcn(request.scope, r.pcn),
    } for r in heat.rows]
    context = {
        "icb": icb,
        "heat": heat,
        "rows": rows,
        "assessed": len(assessed),
        "chart": chart,
        "requests": requests,
        "system": system,
        "system_rows": _domain_rows(system["score"]),
        "system_progress": _progress_view(system["progress"]),
        "can_edit_system": permissions.can_edit_area(request.scope, icb),
        "new_form": NewAssessmentForm(audience=m.SYSTEM, initial={"matrix": system["matrix"].key}),
        "legend": [{"text": t, "css": f"pcnhub-heat--{i}"} for i, t in enumerate(ticks)],
        "query": request.GET,
    }
    return render(request, "maturity/area.html", context)
