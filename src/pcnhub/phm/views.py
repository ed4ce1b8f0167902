"""Population health pages, under /phm/ (namespace ``phm``).

* ``/phm/`` - where to start: a user's own PCN, practice or ICB; the ICBs for analysts and administrators.
* ``/phm/pcn/<code>/`` and ``/phm/practice/<code>/`` - the dashboard: population segments, the frailty
  pyramid, the risk pyramid, cohort sizes, practice variation (funnel plot) and inequalities
  (by deprivation decile and ethnicity) of the chosen measure.
* ``/phm/area/<code>/`` - an ICB's PCNs compared on each measure.
* ``/phm/pcn/<code>/cohort/<cohort>/`` and ``/phm/practice/<code>/cohort/<cohort>/`` - a cohort's
  worklist of patients (sortable, 50 a page, filter by practice); CSV and Excel downloads.
* ``/phm/audit/`` - every view and download of a worklist, for administrators.

Who may see what is in :mod:`pcnhub.phm.permissions`. Every worklist page shown and every worklist
download writes one :class:`~pcnhub.phm.models.AuditEvent` before the patients leave the server. All
figures on the dashboards are disclosure-controlled: counts of 1 to 6 show as "suppressed (fewer than
7)", never as a number. Without pipeline output the pages say how to produce it.
"""

from __future__ import annotations

import math
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from pcnhub.accounts.scope import Scope
from pcnhub.phm import permissions, services
from pcnhub.phm.models import AuditAction, AuditEvent
from pcnhub.phm.services import COHORTS, SUPPRESSED, Shown
from pcnhub.pages import charts, exports
from pcnhub.register import pickers
from pcnhub.register.models import Organisation, OrgKind
from pcnhub.register.services import area_members, latest_data_date
from pcnhub.pages.views import BadRequest, download_response, page

IMD_LABELS = {"1": "1 (most deprived)", **{str(i): str(i) for i in range(2, 10)}, "10": "10 (least deprived)",
              "unknown": "Not known"}


def _text(shown: Shown):
    """A figure for a download: the number, or the suppression text (never a number when suppressed)."""
    return SUPPRESSED if shown.suppressed else shown.number


def _url(request: HttpRequest, **changes) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    query = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = str(value)
    encoded = query.urlencode()
    return request.path + (f"?{encoded}" if encoded else "")


def _no_output(request: HttpRequest, subject: Organisation | None) -> HttpResponse:
    return render(request, "phm/no_output.html", {
        "subject": subject, "phm_dir": services.phm_dir(), "data_dir": services.data_dir(),
        "output_dir": services.output_dir(), "missing": [n for n in services.OUTPUT_FILES
                                                         if not (services.output_dir() / n).is_file()],
    })


def patient_data(view):
    """Mark a view as serving patient-level data, in one place for all of them:

    * every response it gives carries ``Cache-Control: no-store`` (with ``no-cache, must-revalidate,
      private`` and ``max-age=0``) and ``Pragma: no-cache``, so no browser or proxy keeps a copy of the
      patients shown or downloaded;
    * every refusal (403) is written to the audit trail (who, what they asked for, why it was refused).
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except PermissionDenied as refusal:
            code = str(kwargs.get("code", ""))
            AuditEvent.record(request, AuditAction.REFUSED, Organisation.objects.filter(code=code).first(),
                              cohort=str(kwargs.get("cohort", ""))[:40],
                              filters={"path": request.path, "code": code, "reason": str(refusal)[:300]})
            raise
        add_never_cache_headers(response)
        response["Pragma"] = "no-cache"
        return response

    wrapper.patient_data = True
    return wrapper


# --- Index -----------------------------------------------------------------------------------------


@require_GET
@page
def index(request: HttpRequest) -> HttpResponse:
    scope = request.scope
    own = scope.own_page()
    if own is not None:
        return redirect(f"phm:{own[0]}", code=own[1])
    if not scope.unrestricted:
        raise PermissionDenied(f"Your role ({scope.role_label}) does not give access to population health figures.")
    out = services.output()
    if out is None:
        return _no_output(request, None)
    codes = services.icb_codes(out)
    icbs = list(Organisation.objects.filter(kind=OrgKind.ICB, code__in=codes).order_by("name"))
    chosen = pickers.chosen(request, icbs, lambda code: reverse("phm:area", args=[code]))
    if chosen:
        return chosen
    return render(request, "phm/index.html", {"out": out, "icbs": icbs, "area_groups": pickers.grouped_on_page(request, icbs),
                                              "can_audit": permissions.can_view_audit(request.scope)})


# --- Dashboard -------------------------------------------------------------------------------------


def _measure(request: HttpRequest, choices: list[str]) -> str:
    chosen = request.GET.get("measure", "").strip()
    if chosen:
        if chosen not in choices:
            raise BadRequest(f"There is no measure called {chosen}: choose one of {', '.join(choices)}.")
        return chosen
    return services.DEFAULT_MEASURE if services.DEFAULT_MEASURE in choices else (choices[0] if choices else "")


def _segments(totals: dict[str, services.Aggregate]) -> list[dict]:
    rows = []
    for key, name in services.SEGMENTS.items():
        agg = totals.get(f"segment_{key}")
        rows.append({"key": key, "name": name,
                     "count": agg.shown_numerator if agg else Shown(None),
                     "percent": agg.shown_percent if agg else Shown(None, kind="percent")})
    return rows


def _pyramid_rows(pyramid: services.Pyramid) -> list[dict]:
    rows = []
    for band in reversed(services.OLDER_BANDS):
        rows.append({"band": band, "cells": [
            {"sex": sex, "category": cat, "shown": pyramid.cell(band, sex, cat)}
            for sex in services.SEXES for cat in services.EFI_CATEGORIES
        ]})
    return rows


def _pyramid_chart(subject, pyramid: services.Pyramid) -> dict:
    bands = list(services.OLDER_BANDS)
    shades = charts.ordinal_colours(list(services.EFI_CATEGORIES))  # fit lightest, severe darkest
    return {
        "kind": "pyramid",
        "title": f"Patients aged 65 and over by age, sex and frailty (eFI), {subject.name}",
        "bands": bands,
        "series": [{
            "category": cat, "label": label,
            "men": [pyramid.cell(b, "M", cat).value for b in bands],
            "women": [pyramid.cell(b, "F", cat).value for b in bands],
            "men_text": [pyramid.cell(b, "M", cat).text for b in bands],
            "women_text": [pyramid.cell(b, "F", cat).text for b in bands],
            "colour": shades[cat],
        } for cat, label in services.EFI_CATEGORIES.items()],
    }


def _risk_chart(subject, risk: list[dict]) -> dict:
    """The risk pyramid, highest need at the top, darkest; low risk at the bottom, lightest."""
    shades = charts.ordinal_colours([key for key, *_ in reversed(services.RISK_TIERS)])
    return {"kind": "risk", "title": f"Patients by risk tier, {subject.name}",
            "labels": [r["name"] for r in risk], "values": [r["count"].value for r in risk],
            "texts": [f'{r["count"].text} ({r["percent"].text})' for r in risk],
            "colours": [shades[r["key"]] for r in risk]}


def _worklist_target(scope: Scope, subject: Organisation) -> tuple[str, str] | None:
    """(URL name, code) of the worklists a user's grant opens from this dashboard: the subject's own, or
    on a PCN's dashboard those of the member practice they are granted; None without a grant."""
    if permissions.can_see_patients(scope, subject):
        return ("phm:worklist" if subject.kind == OrgKind.PCN else "phm:practice_worklist"), subject.code
    grant = permissions.active_grant(scope)
    if grant is not None and subject.kind == OrgKind.PCN and grant.organisation.kind == OrgKind.PRACTICE \
            and permissions.is_member(grant.organisation, subject):
        return "phm:practice_worklist", grant.organisation.code
    return None


def _breakdown_rows(rows: list[services.Aggregate], labels: dict[str, str] | None, order: list[str] | None) -> list[dict]:
    found = {r.breakdown_value: r for r in rows}
    keys = order if order is not None else sorted(found)
    keys = [k for k in keys if k in found] + sorted(k for k in found if k not in keys)
    return [{"key": k, "label": (labels or {}).get(k, k), "row": found[k]} for k in keys]


def _bars_chart(kind_title: str, rows: list[dict]) -> dict:
    return {"kind": "bars", "title": kind_title, "labels": [r["label"] for r in rows],
            "values": [r["row"].shown_percent.value for r in rows], "texts": [r["row"].shown_percent.text for r in rows]}


def _funnel_chart(subject, measure: str, rows: list[services.VariationRow], names: dict[str, str]) -> dict:
    """Practices (standardised rate against denominator) and the funnel: smooth limits around the dataset's
    overall rate when the limits show it, else lines through the limits at each practice's denominator."""
    shown = [r for r in rows if r.shown_denominator.value]
    p = services.overall_rate(rows)
    if p is not None and shown:
        sizes = [r.shown_denominator.value for r in shown]
        limits = services.funnel_limits(p, min(sizes) * 0.5, max(sizes) * 1.3)
    else:
        def pct(v):
            return None if v is None else 100.0 * v

        ordered = sorted(shown, key=lambda r: r.shown_denominator.value)
        limits = {"n": [r.shown_denominator.value for r in ordered], "target": [],
                  **{k: [pct(getattr(r, k)) for r in ordered] for k in ("lower95", "upper95", "lower998", "upper998")}}
    return {
        "kind": "funnel",
        "title": f"{services.measure_label(measure)}: practices of {subject.name} against control limits",
        "measure": services.measure_label(measure),
        "points": [{"code": r.practice_code, "name": names.get(r.practice_code, r.practice_code),
                    "n": r.shown_denominator.value, "rate": r.plotted_rate.value, "outlier": r.outlier,
                    # outliers only are labelled on the plot, by name; the others have their names on hover
                    "label": f"{names.get(r.practice_code, r.practice_code)} ({r.outlier})" if r.outlier else ""}
                   for r in rows if not r.suppressed and r.plotted_rate.value is not None],
        "limits": limits,
        "overall": None if p is None else 100.0 * p,
    }


def _limits(lower: float | None, upper: float | None) -> str:
    if lower is None or upper is None:
        return "not known"
    return f"{100 * lower:.1f} to {100 * upper:.1f}%"


def _dashboard(request: HttpRequest, subject: Organisation) -> HttpResponse:
    out = services.output()
    if out is None:
        return _no_output(request, subject)
    practices = services.practices_of(subject)
    codes = [p.code for p in practices]
    names = {p.code: p.name for p in practices}
    level = "pcn" if subject.kind == OrgKind.PCN else "practice"
    totals = services.by_measure(services.aggregates(out, level, [subject.code]))
    choices = services.ordered_measures(
        [m for m in services.aggregate_measures(out) if m != "patients"] + services.variation_measures(out))
    measure = _measure(request, choices)

    segments = _segments(totals)
    pyramid = services.frailty_pyramid(out, codes)
    tiers, tier_total = services.risk_tiers(out, codes)
    risk = [{"key": key, "name": name, "rule": rule_text, "count": tiers[key],
             "percent": services.percent_of(tiers[key], tier_total)} for key, name, rule_text, _ in services.RISK_TIERS]
    target = _worklist_target(request.scope, subject)
    # A PCN or practice user without a grant opening any of these worklists is told how to ask for one.
    ask = target is None and permissions.may_ask_for_patients(request.scope, subject)
    cohorts = []
    for c in COHORTS.values():
        agg = totals.get(c.measure)
        cohorts.append({"cohort": c, "count": agg.shown_numerator if agg else Shown(None),
                        "denominator": agg.shown_denominator if agg else Shown(None),
                        "percent": agg.shown_percent if agg else Shown(None, kind="percent"),
                        "url": reverse(target[0], args=[target[1], c.key]) if target else ""})
    variation = services.variation(out, measure, codes) if measure else []
    breakdowns = services.aggregates(out, level, [subject.code], measures=[measure], breakdown=None) if measure else []
    imd = _breakdown_rows([r for r in breakdowns if r.breakdown_key == "imd_decile"], IMD_LABELS, list(IMD_LABELS))
    ethnicity = _breakdown_rows([r for r in breakdowns if r.breakdown_key == "ethnicity"], services.ETHNICITIES,
                                list(services.ETHNICITIES))
    patients = totals.get("patients")
    stem = f"phm-{subject.code}"
    tables = {
        "segments": lambda: exports.Table(f"{stem}-segments", ["Segment", "Patients", "Per cent"],
                                          [[r["name"], _text(r["count"]), _text(r["percent"])] for r in segments]),
        "frailty": lambda: exports.Table(f"{stem}-frailty", ["Age band", "Sex", "eFI category", "Patients"], [
            [band, services.SEXES[sex], services.EFI_CATEGORIES[cat], _text(pyramid.cell(band, sex, cat))]
            for band in services.OLDER_BANDS for sex in services.SEXES for cat in services.EFI_CATEGORIES]),
        "risk": lambda: exports.Table(f"{stem}-risk", ["Risk tier", "Rule", "Patients", "Per cent"],
                                      [[r["name"], r["rule"], _text(r["count"]), _text(r["percent"])] for r in risk]),
        "cohorts": lambda: exports.Table(f"{stem}-cohorts", ["Cohort key", "Cohort", "Patients", "Of", "Per cent"],
                                         [[r["cohort"].key, r["cohort"].name, _text(r["count"]),
                                           _text(r["denominator"]), _text(r["percent"])] for r in cohorts]),
        "variation": lambda: exports.Table(f"{stem}-variation-{measure}", [
            "Measure", "Practice code", "Practice", "Patients counted", "Denominator", "Rate (%)",
            "Standardised rate (%)", "Lower 95% limit (%)", "Upper 95% limit (%)", "Lower 99.8% limit (%)",
            "Upper 99.8% limit (%)", "Outlier"],
            [[measure, r.practice_code, names.get(r.practice_code, ""), _text(r.shown_observed),
              _text(r.shown_denominator), _text(r.shown_rate), _text(r.shown_standardised_rate),
              *(None if v is None else round(100 * v, 3) for v in (r.lower95, r.upper95, r.lower998, r.upper998)),
              r.outlier or ""] for r in variation]),
        "imd": lambda: _breakdown_table(f"{stem}-{measure}-imd", "IMD decile (1 most deprived)", imd),
        "ethnicity": lambda: _breakdown_table(f"{stem}-{measure}-ethnicity", "Ethnicity", ethnicity),
    }
    download = download_response(request, tables)
    if download:
        return download
    query = request.GET.copy()
    query["measure"] = measure
    context = {
        "subject": subject,
        "is_pcn": subject.kind == OrgKind.PCN,
        "pcn": _pcn_of(subject),
        "out": out,
        "has_aggregates": bool(totals),
        "practices": practices,
        "patients": patients.shown_numerator if patients else Shown(None),
        "segments": segments,
        "segments_chart": {"kind": "segments", "title": f"Patients by population segment, {subject.name}",
                           "labels": [r["name"] for r in segments], "values": [r["count"].value for r in segments],
                           "texts": [f'{r["count"].text} ({r["percent"].text})' for r in segments]},
        "pyramid_rows": _pyramid_rows(pyramid),
        "pyramid_chart": _pyramid_chart(subject, pyramid),
        "categories": services.EFI_CATEGORIES,
        "sexes": services.SEXES,
        "risk": risk,
        "risk_total": tier_total,
        "risk_chart": _risk_chart(subject, risk),
        "cohorts": cohorts,
        "can_see_patients": any(r["url"] for r in cohorts),
        "may_ask_for_patients": ask,
        "administrators": permissions.administrators() if ask else [],
        "measure": measure,
        "measure_label": services.measure_label(measure) if measure else "",
        "measures": [{"key": m, "label": services.measure_label(m)} for m in choices],
        "variation": [{"row": r, "name": names.get(r.practice_code, r.practice_code),
                       "limits95": _limits(r.lower95, r.upper95), "limits998": _limits(r.lower998, r.upper998)}
                      for r in variation],
        "funnel_chart": _funnel_chart(subject, measure, variation, names),
        "imd": imd,
        "imd_chart": _bars_chart(f"{services.measure_label(measure)} by deprivation decile, {subject.name}", imd),
        "ethnicity": ethnicity,
        "ethnicity_chart": _bars_chart(f"{services.measure_label(measure)} by ethnicity, {subject.name}", ethnicity),
        "query": query,
        "suppressed_text": SUPPRESSED,
    }
    return render(request, "phm/dashboard.html", context)


def _pcn_of(subject: Organisation) -> Organisation | None:
    if subject.kind == OrgKind.PCN:
        return subject
    from pcnhub.register.models import Membership

    link = Membership.objects.on(latest_data_date()).filter(practice=subject).select_related("pcn").first()
    return link.pcn if link else None


def _breakdown_table(stem: str, heading: str, rows: list[dict]) -> exports.Table:
    return exports.Table(stem, [heading, "Patients counted", "Denominator", "Per cent"],
                         [[r["label"], _text(r["row"].shown_numerator), _text(r["row"].shown_denominator),
                           _text(r["row"].shown_percent)] for r in rows])


@require_GET
@page
def pcn(request: HttpRequest, code: str) -> HttpResponse:
    return _dashboard(request, permissions.dashboard_pcn(request.scope, code))


@require_GET
@page
def practice(request: HttpRequest, code: str) -> HttpResponse:
    return _dashboard(request, permissions.dashboard_practice(request.scope, code))


# --- Area ------------------------------------------------------------------------------------------


@require_GET
@page
def area(request: HttpRequest, code: str) -> HttpResponse:
    """The PCNs of an ICB side by side on every measure (per cent of patients), with the ICB's own figure."""
    icb = permissions.dashboard_area(request.scope, code)
    out = services.output()
    if out is None:
        return _no_output(request, icb)
    pcns, _ = area_members(icb, latest_data_date())
    rows = services.aggregates(out, "pcn", [p.code for p in pcns])
    found: dict[str, dict[str, services.Aggregate]] = {}
    for r in rows:
        found.setdefault(r.org_code, {})[r.measure] = r
    whole = services.by_measure(services.aggregates(out, "icb", [icb.code]))
    measures = [m for m in services.ordered_measures({r.measure for r in rows} | set(whole)) if m != "patients"]
    measure = _measure(request, measures)
    headline = [m for m in measures if not m.startswith("segment_")]
    short = [{"key": m, "label": services.SHORT_MEASURES.get(m, services.measure_label(m)),
              "title": services.measure_label(m)} for m in headline]
    table_rows = []
    for p in pcns:
        mine = found.get(p.code, {})
        patients = mine.get("patients")
        table_rows.append({"pcn": p, "has_data": bool(mine),
                           "patients": patients.shown_numerator if patients else Shown(None),
                           "cells": [{"measure": m, "row": mine.get(m)} for m in headline],
                           "chosen": mine.get(measure)})
    missing = [r["pcn"] for r in table_rows if not r["has_data"]]
    table_rows = [r for r in table_rows if r["has_data"]]
    with_data = [r for r in table_rows if r["chosen"] is not None]
    average = whole.get(measure)
    download = download_response(request, {
        "pcns": lambda: exports.Table(f"phm-{icb.code}-pcns", [
            "PCN code", "PCN", "Measure key", "Measure", "Patients counted", "Denominator", "Per cent"],
            [[p.code, p.name, m, services.measure_label(m), _text(found[p.code][m].shown_numerator),
              _text(found[p.code][m].shown_denominator), _text(found[p.code][m].shown_percent)]
             for p in pcns for m in (["patients"] + measures) if m in found.get(p.code, {})]),
    })
    if download:
        return download
    query = request.GET.copy()
    query["measure"] = measure
    chart = {
        "kind": "compare", "title": f"{services.measure_label(measure)}: PCNs of {icb.name}",
        "labels": [r["pcn"].name for r in with_data],
        "values": [r["chosen"].shown_percent.value for r in with_data],
        "texts": [r["chosen"].shown_percent.text for r in with_data],
        "average": average.shown_percent.value if average else None,
        "average_label": f"{icb.name}:",
    }
    return render(request, "phm/area.html", {
        "icb": icb, "out": out, "rows": table_rows, "headline": short,
        "whole": whole, "whole_patients": whole["patients"].shown_numerator if "patients" in whole else Shown(None),
        "whole_cells": [whole.get(m) for m in headline],
        "measure": measure, "measure_label": services.measure_label(measure),
        "measures": [{"key": m, "label": services.measure_label(m)} for m in measures],
        "chart": chart, "average": average, "query": query, "missing": missing,
    })


# --- Worklists -------------------------------------------------------------------------------------


def _sort(request: HttpRequest, cohort: services.Cohort) -> tuple[str, bool]:
    sort = request.GET.get("sort", "").strip() or cohort.sort
    if sort not in services.sortable(cohort):
        raise BadRequest(f"The worklist cannot be sorted by {sort}: choose one of "
                         f"{', '.join(services.sortable(cohort))}.")
    direction = request.GET.get("dir", "").strip()
    if direction and direction not in ("asc", "desc"):
        raise BadRequest(f"Sort direction dir={direction}: use asc or desc.")
    if direction:
        return sort, direction == "desc"
    return sort, (cohort.descending if sort == cohort.sort else False)


def _page_number(request: HttpRequest) -> int:
    text = request.GET.get("page", "").strip() or "1"
    if not text.isdigit() or int(text) < 1:
        raise BadRequest(f"Page {text}: pages are numbered from 1.")
    return int(text)


def _worklist(request: HttpRequest, code: str, cohort_key: str, kind: str) -> HttpResponse:
    subject = permissions.patients_of(request.scope, code, kind)
    cohort = COHORTS.get(cohort_key)
    if cohort is None:
        raise Http404(f"There is no cohort called {cohort_key}.")
    out = services.output()
    if out is None:
        return _no_output(request, subject)
    practices = services.practices_of(subject)
    allowed = [p.code for p in practices]
    chosen = request.GET.get("practice", "").strip().upper()
    if chosen and chosen not in allowed:
        raise BadRequest(f"Practice {chosen} is not one of the practices of {subject.name}: choose "
                         f"{', '.join(allowed)}.")
    codes = [chosen] if chosen else allowed
    sort, descending = _sort(request, cohort)
    columns = services.sortable(cohort)
    headers = [services.COLUMNS[c] for c in columns]
    fmt = request.GET.get("format")
    filters = {"practice": chosen, "sort": sort, "dir": "desc" if descending else "asc"}
    if fmt:
        if fmt not in exports.FORMATS:
            raise BadRequest(f"Worklists download as CSV (format=csv) or Excel (format=xlsx), not format={fmt}.")
        rows = services.worklist(out, cohort, codes, sort=sort, descending=descending)
        with transaction.atomic():
            AuditEvent.record(request, AuditAction.DOWNLOAD, subject, cohort=cohort.key, patients=len(rows),
                              filters={**filters, "format": fmt})
        return exports.table_response(
            f"phm-{subject.code}-{cohort.key}-worklist{'-' + chosen if chosen else ''}", headers,
            ([services.export_value(c, row[c]) for c in columns] for row in rows), fmt)
    number = _page_number(request)
    rows, total = services.worklist_page(out, cohort, codes, sort=sort, descending=descending,
                                         limit=services.PAGE_SIZE, offset=(number - 1) * services.PAGE_SIZE)
    pages = max(1, math.ceil(total / services.PAGE_SIZE))
    if number > pages:
        raise BadRequest(f"Page {number}: this worklist has {pages} page{'s' if pages > 1 else ''}.")
    with transaction.atomic():
        AuditEvent.record(request, AuditAction.VIEW, subject, cohort=cohort.key, patients=len(rows),
                          filters={**filters, "page": number, "total": total})
    names = {p.code: p.name for p in practices}
    heading = []
    for c in columns:
        current = c == sort
        next_desc = not descending if current else c in ("qrisk3", "efi_score", "repeat_medicines", "condition_count",
                                                          "cms_score")
        heading.append({"key": c, "text": services.COLUMNS[c], "current": current,
                        "aria_sort": ("descending" if descending else "ascending") if current else "none",
                        "url": _url(request, sort=c, dir="desc" if next_desc else "asc", page=None),
                        "numeric": c in ("age", "efi_score", "repeat_medicines", "qrisk3", "condition_count",
                                         "cms_score", "imd_decile")})
    numeric = {h["key"] for h in heading if h["numeric"]}
    body = [{"id": row["patient_id"], "cells": [
        {"key": c, "text": services.cell_text(c, row[c]) if c != "practice_code" else row[c], "numeric": c in numeric,
         "title": names.get(row[c], "") if c == "practice_code" else ""} for c in columns]} for row in rows]
    first = (number - 1) * services.PAGE_SIZE + 1 if rows else 0
    context = {
        "subject": subject, "is_pcn": subject.kind == OrgKind.PCN, "cohort": cohort, "out": out,
        "practices": practices, "chosen": chosen, "heading": heading, "rows": body, "total": total,
        "page": number, "pages": pages, "first": first, "last": first + len(rows) - 1 if rows else 0,
        "previous_url": _url(request, page=number - 1) if number > 1 else "",
        "next_url": _url(request, page=number + 1) if number < pages else "",
        "query": request.GET, "dashboard": reverse("phm:pcn" if subject.kind == OrgKind.PCN else "phm:practice",
                                                   args=[subject.code]),
        "sort": sort, "descending": descending,
    }
    return render(request, "phm/worklist.html", context)


@patient_data
@require_GET
@page
def worklist(request: HttpRequest, code: str, cohort: str) -> HttpResponse:
    return _worklist(request, code, cohort, OrgKind.PCN)


@patient_data
@require_GET
@page
def practice_worklist(request: HttpRequest, code: str, cohort: str) -> HttpResponse:
    return _worklist(request, code, cohort, OrgKind.PRACTICE)


# --- Audit -----------------------------------------------------------------------------------------


@require_GET
@page
def audit(request: HttpRequest) -> HttpResponse:
    """Every worklist view and download (and grant), newest first, 50 a page; filter by user, organisation, action."""
    permissions.audit_viewer(request.scope)
    events = AuditEvent.objects.select_related("organisation")
    user = request.GET.get("user", "").strip()
    org = request.GET.get("organisation", "").strip().upper()
    action = request.GET.get("action", "").strip()
    if user:
        events = events.filter(username=user)
    if org:
        events = events.filter(organisation__code=org)
    if action:
        if action not in AuditAction.values:
            raise BadRequest(f"There is no action called {action}: choose {', '.join(AuditAction.values)}.")
        events = events.filter(action=action)
    download = download_response(request, {
        "events": lambda: exports.Table("phm-audit", [
            "At", "User", "Role", "Action", "Organisation", "Cohort", "Patients", "Filters", "Client IP", "User agent"],
            ([timezone.localtime(e.at).replace(tzinfo=None), e.username, e.role, e.action,
              e.organisation.code if e.organisation_id else "", e.cohort, e.patients,
              ", ".join(f"{k}={v}" for k, v in sorted(e.filters.items())), e.ip or "", e.user_agent]
             for e in events.iterator())),
    })
    if download:
        return download
    paginator = Paginator(events, services.PAGE_SIZE)
    number = _page_number(request)
    if number > paginator.num_pages:
        raise BadRequest(f"Page {number}: the log has {paginator.num_pages} page(s).")
    current = paginator.page(number)
    return render(request, "phm/audit.html", {
        "events": current, "paginator": paginator, "user_filter": user, "organisation": org, "action": action,
        "actions": AuditAction.choices, "query": request.GET,
        "previous_url": _url(request, page=number - 1) if current.has_previous() else "",
        "next_url": _url(request, page=number + 1) if current.has_next() else "",
    })
