"""The access plan editor of a PCN: its weekly staff sessions checked against the Network Contract
DES access requirement on a date.

``/finance/pcn/<code>/access/?date=YYYY-MM-DD`` (default today). The requirement is Extended Hours
Access (30 minutes per 1,000 registered patients, to the nearest quarter hour) until 30 September
2022 and Enhanced Access (60 minutes per 1,000 adjusted population, within the Network Standard
Hours) from 1 October 2022, on the population of the financial year containing the date
(:func:`pcnhub.finance.plans.access_plan`). Who may see and change the plan is decided as for the
ARRS plan (:mod:`pcnhub.finance.permissions`); only ICB commissioners and administrators record the
commissioner's agreement to a session. The sessions download as CSV or Excel
(``?format=csv|xlsx&table=sessions``).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pcnhub.domain import access
from pcnhub.domain.money.catalogue import ADJUSTED
from pcnhub.finance import permissions, plans
from pcnhub.finance.forms_plans import SessionForm, can_agree
from pcnhub.finance.models import AccessSession
from pcnhub.pages import exports
from pcnhub.finance.views_common import PlanRows
from pcnhub.pages.views import BadRequest, download_response, page, page_url, query_date
from pcnhub.register.asof import as_of


def access_url(pcn, date: dt.date, anchor: str = "") -> str:
    return page_url("finance:access", [pcn.code], anchor, date=date.isoformat())


def _session_url(name: str, pcn, session_id: int, date: dt.date) -> str:
    return page_url(f"finance:access_session_{name}", [pcn.code, session_id], date=date.isoformat())


def _plan(pcn, date: dt.date) -> plans.AccessPlan:
    try:
        return plans.access_plan(pcn, date)
    except ValueError as exc:
        message = str(exc)
        raise BadRequest(f"Date: {message[:1].upper()}{message[1:]}.") from None


def _stands_in(plan: plans.AccessPlan) -> str:
    """", no adjusted population recorded: ..." when Enhanced Access is sized by the registered list instead."""
    if plan.result.scheme is not access.Scheme.ENHANCED_ACCESS:
        return ""
    said = plan.used.population.stands_in(ADJUSTED)
    return f", {said}" if said else ""


def _sessions_table(plan: plans.AccessPlan) -> exports.Table:
    rows = []
    for s in plan.sessions:
        r, res = s.row, s.result
        rows.append([
            r.get_day_display(), f"{r.start:%H:%M}", f"{r.end:%H:%M}", r.site, r.staff_type, r.agreed,
            res.session.minutes, res.counted_minutes, res.not_counted_minutes,
            "; ".join(f"{f.severity}: {f.message}" for f in s.findings),
        ])
    result = plan.result
    rows.append(["Total", None, None, "", "", None, sum(s.result.session.minutes for s in plan.sessions),
                 result.planned_minutes_per_week, sum(s.result.not_counted_minutes for s in plan.sessions),
                 (f"required {result.required_minutes_per_week} minutes a week ({result.scheme.label}, "
                  f"{result.population_text}{_stands_in(plan)}); short by {result.shortfall_minutes}")])
    return exports.Table(
        f"access-{plan.pcn.code}-sessions-{plan.date.isoformat()}",
        ["Day", "Start", "End", "Site", "Staff type", "Commissioner-agreed", "Minutes", "Minutes counted",
         "Minutes not counted", "Findings"],
        rows,
    )


def _chart(plan: plans.AccessPlan) -> dict:
    """Each session as a bar across its day, counted sessions apart from those with time not counted."""
    result = plan.result
    bands = []
    if result.scheme is access.Scheme.ENHANCED_ACCESS:
        weekday = (access.STANDARD_HOURS_WEEKDAY_START, access.STANDARD_HOURS_WEEKDAY_END)
        saturday = (access.STANDARD_HOURS_SATURDAY_START, access.STANDARD_HOURS_SATURDAY_END)
        bands = [{"day": access.DAY_NAMES[d], "from": _hours(weekday[0]), "to": _hours(weekday[1])} for d in access.WEEKDAYS]
        bands.append({"day": access.DAY_NAMES[access.SATURDAY], "from": _hours(saturday[0]), "to": _hours(saturday[1])})
        band_label = "Network Standard Hours"
    else:
        bands = [{"day": access.DAY_NAMES[d], "from": _hours(access.CORE_HOURS_START), "to": _hours(access.CORE_HOURS_END)}
                 for d in access.WEEKDAYS]
        band_label = "Core hours (do not count)"
    return {
        "kind": "timetable",
        "title": f"Weekly access sessions of {plan.pcn.name}",
        "days": list(access.DAY_NAMES),
        "sessions": [
            {"day": access.DAY_NAMES[s.row.day], "from": _hours(s.row.start), "to": _hours(s.row.end),
             "text": f"{s.row.start:%H:%M}-{s.row.end:%H:%M} {s.row.site}, {s.row.staff_type}",
             "counted": s.result.counted_minutes, "not_counted": s.result.not_counted_minutes, "agreed": s.row.agreed}
            for s in plan.sessions
        ],
        "bands": bands,
        "band_label": band_label,
    }


def _hours(time: dt.time) -> float:
    return round(time.hour + time.minute / 60, 4)


def _period(request: HttpRequest):
    """The access plan's date: ``?date=``, else the one date of every page (:func:`as_of`)."""
    return query_date(request, as_of(request))


def _access_page(request: HttpRequest, pcn, session_form: SessionForm | None = None) -> HttpResponse:
    form, date = _period(request)
    plan = _plan(pcn, date)
    download = download_response(request, {"sessions": lambda: _sessions_table(plan)})
    if download:
        return download
    can_edit = permissions.can_edit_plans(request.scope, pcn)
    if can_edit and session_form is None:
        session_form = SessionForm(pcn=pcn, user=request.user, prefix="session")
    result = plan.result
    population = plan.used.population
    failed = session_form is not None and session_form.is_bound and bool(session_form.errors)
    context = {
        "query": form.data,
        "form": form,
        "pcn": pcn,
        "date": date,
        "plan": plan,
        "result": result,
        "used": plan.used,
        "requirement": {
            "scheme": result.scheme.label,
            "minutes": result.required_minutes_per_week,
            "hours": access.format_minutes(result.required_minutes_per_week),
            "population": result.population,
            "basis": result.population_basis,
            "adjusted_defaulted": result.scheme is access.Scheme.ENHANCED_ACCESS and population.adjusted is None,
            "rule": (
                f"{access.EXTENDED_HOURS_MINUTES_PER_1000} minutes a week per 1,000 registered patients, to the nearest "
                f"quarter hour, outside core hours (08:00-18:30 Monday to Friday)"
                if result.scheme is access.Scheme.EXTENDED_HOURS else
                f"{access.ENHANCED_ACCESS_MINUTES_PER_1000} minutes a week per 1,000 PCN adjusted population, within "
                "the Network Standard Hours (18:30-20:00 Monday to Friday, 09:00-17:00 Saturday) unless the "
                "commissioner agrees otherwise"
            ),
        },
        "planned": result.planned_minutes_per_week,
        "planned_hours": access.format_minutes(result.planned_minutes_per_week or 0),
        "shortfall": result.shortfall_minutes,
        "shortfall_hours": access.format_minutes(result.shortfall_minutes or 0),
        "surplus": max(0, (result.planned_minutes_per_week or 0) - result.required_minutes_per_week),
        "sessions": [
            {"id": s.row.pk, "day": s.row.get_day_display(), "start": f"{s.row.start:%H:%M}", "end": f"{s.row.end:%H:%M}",
             "site": s.row.site, "staff_type": s.row.staff_type, "agreed": s.row.agreed,
             "minutes": s.result.session.minutes, "counted": s.result.counted_minutes,
             "not_counted": s.result.not_counted_minutes, "findings": s.findings, "errors": s.errors,
             "edit": _session_url("edit", pcn, s.row.pk, date), "delete": _session_url("delete", pcn, s.row.pk, date)}
            for s in plan.sessions
        ],
        "total_minutes": sum(s.result.session.minutes for s in plan.sessions),
        "total_not_counted": sum(s.result.not_counted_minutes for s in plan.sessions),
        "by_day": plan.minutes_by_day,
        "errors": plan.errors,
        "warnings": plan.warnings,
        "chart": _chart(plan),
        "can_edit": can_edit,
        "can_agree": can_agree(request.user),
        "session_form": session_form,
        "failed": failed,
        "problems": session_form.error_list() if failed else [],
        "session_action": page_url("finance:access_session_add", [pcn.code], date=date.isoformat()),
    }
    return render(request, "finance/plans_access.html", context)


@require_GET
@page
def access_plan(request: HttpRequest, code: str) -> HttpResponse:
    return _access_page(request, permissions.money_pcn(request.scope, code))


SESSIONS = PlanRows(
    period=_period,
    back=lambda pcn, date: access_url(pcn, date, "sessions"),
    form=lambda *data, period, **kwargs: SessionForm(*data, prefix="session", **kwargs),
    page=lambda request, pcn, form: _access_page(request, pcn, form),
    rows=lambda pcn: AccessSession.objects.filter(pcn=pcn),
)


@require_POST
@page
def access_session_add(request: HttpRequest, code: str) -> HttpResponse:
    return SESSIONS.add(request, code)


@require_http_methods(["GET", "POST"])
@page
def access_session_edit(request: HttpRequest, code: str, session_id: int) -> HttpResponse:
    return SESSIONS.edit(request, code, session_id, "finance/plans_access_session.html", lambda pcn, date, session: {
        "date": date, "session": session, "action": _session_url("edit", pcn, session.pk, date)})


@require_POST
@page
def access_session_delete(request: HttpRequest, code: str, session_id: int) -> HttpResponse:
    return SESSIONS.delete(request, code, session_id, lambda session: (
        f"Session {session.get_day_display()} {session.start:%H:%M} to {session.end:%H:%M}, {session.site}, "
        f"{session.staff_type} deleted"))
