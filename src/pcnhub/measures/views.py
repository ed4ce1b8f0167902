"""Measures pages, under /measures/ (namespace ``measures``).

* ``/measures/`` - where to start: a user's own PCN, practice or ICB; England for analysts and administrators.
* ``/measures/pcn/<code>/`` and ``/measures/practice/<code>/`` - every measure: why it matters, the latest
  value, the percentile and decile among all PCNs, the deciles chart over time with this organisation's line,
  change over 12 months, what it serves; a PCN's practices' values, the practice variation of one measure
  (funnel plot with the engine's 95% and 99.8% limits) and, when the run wrote them (``--by-neighbourhood``), the
  measure's values in each of the PCN's neighbourhoods (the LSOAs of its patients).
* ``/measures/area/<code>/`` - an ICB's PCNs ranked on a measure.
* ``/measures/england/`` - the deciles of every measure, and the ICBs (for those who may see them all).

Who may see what is in :mod:`pcnhub.measures.permissions`. Figures are the engine's, disclosure-controlled:
a suppressed value shows as "suppressed (fewer than 7)", never as a number. Without output the pages say how
to produce it. Every table downloads as CSV or Excel (``?format=csv|xlsx&table=NAME``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from pcnhub.analytics.measures.levels import PERCENTILES
from pcnhub.measures import permissions, services
from pcnhub.measures.services import Definition, Output, Value
from pcnhub.pages import charts, exports
from pcnhub.pages.views import BadRequest, download_response, page
from pcnhub.phm.services import SUPPRESSED, member_practices
from pcnhub.register import pickers
from pcnhub.register.models import Organisation, OrgKind
from pcnhub.register.services import area_members, latest_data_date

#: The decile drawn bolder, as OpenPrescribing does.
MEDIAN = 50


def _no_output(request: HttpRequest, subject: Organisation | None) -> HttpResponse:
    from pcnhub.phm import services as phm

    return render(request, "measures/no_output.html", {
        "subject": subject, "folder": services.measures_dir(), "data_dir": phm.data_dir(),
        "features": phm.output_dir() / phm.FEATURES,
        "missing": [n for n in services.OUTPUT_FILES if not (services.measures_dir() / n).is_file()],
    })


def _measure(request: HttpRequest, definitions: list[Definition]) -> Definition | None:
    chosen = request.GET.get("measure", "").strip()
    if chosen:
        found = next((d for d in definitions if d.id == chosen), None)
        if found is None:
            raise BadRequest(f"There is no measure called {chosen}: choose one of "
                             f"{', '.join(d.id for d in definitions)}.")
        return found
    return definitions[0] if definitions else None


def _number(value: Value | None, name: str):
    """A figure for a download: the number, or the suppression text when suppressed (never a number)."""
    if value is None:
        return None
    if value.suppressed:
        return SUPPRESSED
    found = getattr(value, name)
    return found.isoformat() if hasattr(found, "isoformat") else found


def _text(definition: Definition, value: Value | None) -> str:
    return "no patients counted" if value is None else value.text(definition.unit)


def _deciles_chart(out: Output, definition: Definition, deciles: dict[int, dict], lines: list[dict], title: str) -> dict:
    """OpenPrescribing's chart: the PCNs' deciles each month (dashed, the median bolder) and ``lines``
    (``{"name", "series": {month: Value}}``) in colour."""
    months = services.months(out)
    drawn = [{"name": line["name"],
              "values": [None if (v := line["series"].get(m)) is None or v.suppressed else v.value for m in months],
              "texts": [_text(definition, line["series"].get(m)) for m in months],
              "weight": sum(v.denominator or 0 for v in line["series"].values() if not v.suppressed)} for line in lines]
    # the deciles take one colour; of the organisations, the largest (most counted) keep one each
    grouped = charts.group_series(drawn, limit=charts.MAX_SERIES - 1, other="Other", additive=False,
                                  size=lambda line: line["weight"])
    return {
        "kind": "deciles", "title": title, "unit": definition.unit, "unit_label": definition.unit_label,
        "months": [m.isoformat() for m in months], "median": MEDIAN,
        "deciles": [{"percentile": p, "values": [deciles.get(p, {}).get(m) for m in months]} for p in PERCENTILES],
        "lines": grouped,
    }


def _funnel_chart(definition: Definition, subject: Organisation, rows: list[Value], names: dict[str, str]) -> dict:
    """Practices' values against their denominators, with the engine's limits at each practice's denominator
    (joined in order of denominator) around England's value."""
    shown = sorted((r for r in rows if not r.suppressed and r.value is not None and r.denominator),
                   key=lambda r: (r.denominator, r.org_code))
    # both limits, or none: for a summed measure (cost) the engine has no funnel
    limited = [r for r in shown if None not in (r.lower95, r.upper95, r.lower998, r.upper998)]
    return {
        "kind": "funnel", "title": f"{definition.title}: practices of {subject.name} against control limits",
        "unit": definition.unit, "unit_label": definition.unit_label,
        # outliers only are labelled on the plot, by name; the others have their names on hover
        "points": [{"code": r.org_code, "name": names.get(r.org_code, r.org_code), "n": r.denominator,
                    "value": r.value, "text": r.text(definition.unit), "outlier": r.outlier,
                    "label": f"{names.get(r.org_code, r.org_code)} ({r.outlier})" if r.outlier else ""}
                   for r in shown],
        "limits": {"n": [r.denominator for r in limited],
                   **{k: [getattr(r, k) for r in limited] for k in ("lower95", "upper95", "lower998", "upper998")},
                   "england": [r.england_value for r in limited]},
    }


def _respond(request: HttpRequest, tables: dict[str, Callable[[], exports.Table]], chosen: Definition | None,
             template: str, context: Callable[[], dict]) -> HttpResponse:
    """A measures page's answer: the download of one of ``tables`` when ``?format=&table=`` asks for it, else
    ``template`` with ``context()`` and the query (the chosen measure in it, for the download links)."""
    download = download_response(request, tables)
    if download:
        return download
    query = request.GET.copy()
    if chosen is not None:
        query["measure"] = chosen.id
    return render(request, template, {**context(), "query": query})


def _latest(rows: list[Value], month) -> Value | None:
    return next((r for r in rows if r.month == month), None)


# --- Index -----------------------------------------------------------------------------------------


@require_GET
@page
def index(request: HttpRequest) -> HttpResponse:
    scope = request.scope
    own = scope.own_page()
    if own is not None:
        return redirect(f"measures:{own[0]}", code=own[1])
    return redirect("measures:england")


# --- A PCN or a practice ---------------------------------------------------------------------------


def _subject_page(request: HttpRequest, subject: Organisation) -> HttpResponse:
    out = services.output()
    if out is None:
        return _no_output(request, subject)
    is_pcn = subject.kind == OrgKind.PCN
    level = "pcn" if is_pcn else "practice"
    definitions = out.definitions
    chosen = _measure(request, definitions)
    last = out.last_month
    own = services.by_measure(services.measures_series(out, level, [subject.code]))
    practices = member_practices(subject) if is_pcn else []
    names = {p.code: p.name for p in practices}
    practice_rows = services.by_measure(services.measures_latest(out, "practice", list(names))) if is_pcn else {}
    england = {m: _latest(rows, last) for m, rows in services.by_measure(services.england(out)).items()}
    deciles = services.deciles_by_measure(services.measures_deciles(out))
    sections = []
    for d in definitions:
        series = own.get(d.id, [])
        latest = _latest(series, last)
        practice_values = sorted(practice_rows.get(d.id, []), key=lambda r: r.org_code)
        sections.append({
            "definition": d, "latest": latest, "text": _text(d, latest),
            "percentile": latest.percentile_text if latest else "not known",
            "change": "not known" if latest is None or latest.suppressed else services.format_change(d.unit, latest.change_12m),
            "judgement": d.judge(None if latest is None or latest.suppressed else latest.change_12m),
            "england": _text(d, england.get(d.id)),
            "chart": _deciles_chart(out, d, deciles.get(d.id, {}), [{"name": subject.name, "series": {r.month: r for r in series}}],
                                    f"{d.title}: {subject.name} against the deciles of England's PCNs"),
            "practices": [{"code": r.org_code, "name": names.get(r.org_code, r.org_code), "row": r,
                           "text": r.text(d.unit)} for r in practice_values],
        })
    variation = None
    if is_pcn and chosen is not None:
        rows = practice_rows.get(chosen.id, [])
        variation = {"definition": chosen, "chart": _funnel_chart(chosen, subject, rows, names),
                     "has_limits": any(None not in (r.lower998, r.upper998) for r in rows),
                     "rows": [{"code": r.org_code, "name": names.get(r.org_code, r.org_code), "row": r,
                               "text": r.text(chosen.unit),
                               "limits95": _limits(chosen, r.lower95, r.upper95),
                               "limits998": _limits(chosen, r.lower998, r.upper998)}
                              for r in sorted(rows, key=lambda r: r.org_code)]}
    neighbourhood = _neighbourhoods(out, subject, chosen) if is_pcn else None
    stem = f"measures-{subject.code}"
    tables = {
        "summary": lambda: exports.Table(f"{stem}-summary", [
            "Measure id", "Measure", "Direction", "Unit", "Month", "Value", "Numerator", "Denominator",
            "Percentile among PCNs", "Change over 12 months", "England", "Serves"],
            [[s["definition"].id, s["definition"].title, s["definition"].direction_text, s["definition"].unit_label,
              last, _number(s["latest"], "value"), _number(s["latest"], "numerator"), _number(s["latest"], "denominator"),
              _number(s["latest"], "percentile"), _number(s["latest"], "change_12m"),
              None if england.get(s["definition"].id) is None else england[s["definition"].id].england_value,
              "; ".join(s["definition"].serves)] for s in sections]),
        "series": lambda: exports.Table(f"{stem}-by-month", [
            "Measure id", "Month", "Value", "Numerator", "Denominator", "Percentile among PCNs", "Change over 12 months",
            *(f"PCNs' {services.ordinal(p)} percentile" for p in PERCENTILES)],
            [[r.measure, r.month, _number(r, "value"), _number(r, "numerator"), _number(r, "denominator"),
              _number(r, "percentile"), _number(r, "change_12m"),
              *(deciles.get(r.measure, {}).get(p, {}).get(r.month) for p in PERCENTILES)]
             for d in definitions for r in own.get(d.id, [])]),
    }
    if is_pcn:
        tables["practices"] = lambda: exports.Table(f"{stem}-practices", [
            "Measure id", "Month", "Practice code", "Practice", "Value", "Numerator", "Denominator",
            "Change over 12 months", "Lower 95% limit", "Upper 95% limit", "Lower 99.8% limit", "Upper 99.8% limit",
            "Against the limits"],
            [[r.measure, r.month, r.org_code, names.get(r.org_code, ""), _number(r, "value"), _number(r, "numerator"),
              _number(r, "denominator"), _number(r, "change_12m"), _number(r, "lower95"), _number(r, "upper95"),
              _number(r, "lower998"), _number(r, "upper998"), r.outlier_text]
             for d in definitions for r in sorted(practice_rows.get(d.id, []), key=lambda r: r.org_code)])
    if neighbourhood is not None:
        tables["neighbourhoods"] = lambda: exports.Table(f"{stem}-neighbourhoods", [
            "Measure id", "Month", "Neighbourhood (LSOA)", "Value", "Numerator", "Denominator"],
            [[r.measure, r.month, r.name, _number(r, "value"), _number(r, "numerator"), _number(r, "denominator")]
             for r in services.neighbourhoods(out, subject.code, None, latest=True)])

    def context() -> dict:
        pcn = None
        if not is_pcn:
            from pcnhub.phm.permissions import is_member

            found = [m for m in _pcns_of(subject) if is_member(subject, m)]
            pcn = found[0] if found else None
        return {
            "subject": subject, "is_pcn": is_pcn, "out": out, "last": last, "sections": sections,
            "variation": variation, "neighbourhood": neighbourhood, "definitions": definitions, "chosen": chosen,
            "practices": practices, "pcn": pcn,
            "pcn_visible": pcn is not None and permissions.can_view(request.scope, pcn),
        }

    return _respond(request, tables, chosen, "measures/subject.html", context)


def _neighbourhoods(out: Output, pcn: Organisation, chosen: Definition | None) -> dict | None:
    """The chosen measure in each neighbourhood of the PCN in the last month (None when the run wrote none)."""
    if chosen is None or not services.has_neighbourhoods(out):
        return None
    rows = services.neighbourhoods(out, pcn.code, [chosen.id], latest=True)
    return {"definition": chosen,
            "rows": [{"name": r.name, "row": r, "text": r.text(chosen.unit),
                      "numerator": _count_text(r, "numerator"), "denominator": _count_text(r, "denominator")}
                     for r in rows],
            "suppressed": sum(r.suppressed for r in rows)}


def _count_text(row: services.NeighbourhoodValue, name: str) -> str:
    if row.suppressed:
        return SUPPRESSED
    value = getattr(row, name)
    return "not known" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")


def _pcns_of(practice: Organisation) -> list[Organisation]:
    from pcnhub.register.models import Membership

    ids = Membership.objects.on(latest_data_date()).filter(practice=practice).values_list("pcn_id", flat=True)
    return list(Organisation.objects.filter(pk__in=list(ids)))


def _limits(definition: Definition, lower: float | None, upper: float | None) -> str:
    if lower is None or upper is None:
        return "not known"
    return f"{services.format_value(definition.unit, lower)} to {services.format_value(definition.unit, upper)}"


@require_GET
@page
def pcn(request: HttpRequest, code: str) -> HttpResponse:
    return _subject_page(request, permissions.subject(request.scope, code, (OrgKind.PCN,)))


@require_GET
@page
def practice(request: HttpRequest, code: str) -> HttpResponse:
    return _subject_page(request, permissions.subject(request.scope, code, (OrgKind.PRACTICE,)))


# --- An ICB's PCNs ---------------------------------------------------------------------------------


def _ranked(definition: Definition, rows: list[Value]) -> list[Value]:
    """Best first (by the measure's direction; highest first without one), suppressed and unknown last."""
    known = [r for r in rows if not r.suppressed and r.value is not None]
    rest = [r for r in rows if r.suppressed or r.value is None]
    known.sort(key=lambda r: (r.value if definition.direction == "lower" else -r.value, r.org_code))
    return known + sorted(rest, key=lambda r: r.org_code)


@require_GET
@page
def area(request: HttpRequest, code: str) -> HttpResponse:
    icb = permissions.subject(request.scope, code, (OrgKind.ICB,))
    out = services.output()
    if out is None:
        return _no_output(request, icb)
    definitions = out.definitions
    chosen = _measure(request, definitions)
    pcns = area_members(icb, latest_data_date())[0]
    names = {p.code: p for p in pcns}
    latest = services.by_measure(services.measures_latest(out, "pcn", list(names)))
    own = services.by_measure(services.measures_latest(out, "icb", [icb.code]))
    last = out.last_month
    ranking = []
    chart = None
    if chosen is not None:
        rows = _ranked(chosen, latest.get(chosen.id, []))
        ranking = [{"rank": i + 1 if not r.suppressed and r.value is not None else None, "pcn": names[r.org_code],
                    "row": r, "text": r.text(chosen.unit),
                    "change": "not known" if r.suppressed else services.format_change(chosen.unit, r.change_12m)}
                   for i, r in enumerate(rows)]
        series = services.by_measure(services.measures_series(out, "pcn", [r.org_code for r in rows], [chosen.id]))
        by_org: dict[str, dict] = {}
        for r in series.get(chosen.id, []):
            by_org.setdefault(r.org_code, {})[r.month] = r
        deciles = services.deciles_by_measure(services.measures_deciles(out, [chosen.id])).get(chosen.id, {})
        chart = _deciles_chart(out, chosen, deciles, [{"name": names[c].name, "series": by_org[c]}
                                                      for c in [r.org_code for r in rows] if c in by_org],
                               f"{chosen.title}: the PCNs of {icb.name} against the deciles of England's PCNs")
    missing = [p for p in pcns if not any(r.org_code == p.code for rows in latest.values() for r in rows)]
    stem = f"measures-{icb.code}"
    tables = {"ranking": lambda: exports.Table(f"{stem}-pcns", [
        "Measure id", "Measure", "Month", "PCN code", "PCN", "Value", "Numerator", "Denominator",
        "Percentile among PCNs", "Change over 12 months"],
        [[d.id, d.title, r.month, r.org_code, names[r.org_code].name, _number(r, "value"), _number(r, "numerator"),
          _number(r, "denominator"), _number(r, "percentile"), _number(r, "change_12m")]
         for d in definitions for r in _ranked(d, latest.get(d.id, []))])}
    icb_value = _latest(own.get(chosen.id, []), last) if chosen is not None else None
    return _respond(request, tables, chosen, "measures/area.html", lambda: {
        "icb": icb, "out": out, "last": last, "definitions": definitions, "chosen": chosen, "ranking": ranking,
        "chart": chart, "missing": missing, "icb_text": _text(chosen, icb_value) if chosen is not None else "",
    })


# --- England ---------------------------------------------------------------------------------------


@require_GET
@page
def england(request: HttpRequest) -> HttpResponse:
    out = services.output()
    if out is None:
        return _no_output(request, None)
    definitions = out.definitions
    chosen = _measure(request, definitions)
    last = out.last_month
    deciles = services.deciles_by_measure(services.measures_deciles(out))
    national = services.by_measure(services.england(out))
    rows = []
    for d in definitions:
        value = _latest(national.get(d.id, []), last)
        rows.append({"definition": d, "england": _text(d, value),
                     "deciles": [services.format_value(d.unit, deciles.get(d.id, {}).get(p, {}).get(last))
                                 for p in PERCENTILES]})
    may_rank = permissions.can_rank_icbs(request.scope)
    icbs = []
    areas = []
    if may_rank:  # the ICBs with measures, to choose one
        areas = list(Organisation.objects.filter(
            kind=OrgKind.ICB, code__in={r.org_code for r in services.measures_latest(out, "icb")}).order_by("name"))
        keep = f"?measure={request.GET['measure']}" if request.GET.get("measure") else ""
        picked = pickers.chosen(request, areas, lambda code: reverse("measures:area", args=[code]) + keep)
        if picked:
            return picked
    chart = None
    if chosen is not None:
        series = {r.month: r for r in national.get(chosen.id, [])}
        chart = _deciles_chart(out, chosen, deciles.get(chosen.id, {}), [{"name": "England", "series": series}],
                               f"{chosen.title}: England against the deciles of its PCNs")
        if may_rank:
            found = services.measures_latest(out, "icb")
            orgs = {o.code: o for o in Organisation.objects.filter(kind=OrgKind.ICB,
                                                                    code__in=[r.org_code for r in found])}
            icbs = [{"code": r.org_code, "org": orgs.get(r.org_code), "row": r, "text": r.text(chosen.unit),
                     "change": "not known" if r.suppressed else services.format_change(chosen.unit, r.change_12m)}
                    for r in _ranked(chosen, [r for r in found if r.measure == chosen.id])]
    tables = {"deciles": lambda: exports.Table("measures-england-deciles", [
        "Measure id", "Measure", "Month", "England", *(f"PCNs' {services.ordinal(p)} percentile" for p in PERCENTILES)],
        [[d.id, d.title, m, _number(national_row, "value") if (national_row := _latest(national.get(d.id, []), m)) else None,
          *(deciles.get(d.id, {}).get(p, {}).get(m) for p in PERCENTILES)]
         for d in definitions for m in services.months(out)])}
    if may_rank:
        tables["icbs"] = lambda: exports.Table("measures-england-icbs", [
            "Measure id", "Month", "ICB code", "Value", "Numerator", "Denominator", "Change over 12 months"],
            [[r.measure, r.month, r.org_code, _number(r, "value"), _number(r, "numerator"), _number(r, "denominator"),
              _number(r, "change_12m")] for r in services.measures_latest(out, "icb")])
    return _respond(request, tables, chosen, "measures/england.html", lambda: {
        "out": out, "last": last, "rows": rows, "percentiles": [services.ordinal(p) for p in PERCENTILES],
        "definitions": definitions, "chosen": chosen, "chart": chart, "icbs": icbs, "may_rank": may_rank,
        "area_groups": pickers.grouped_on_page(request, areas) if may_rank else [],
        "picker_hidden": [("measure", chosen.id)] if chosen else [],
    })
