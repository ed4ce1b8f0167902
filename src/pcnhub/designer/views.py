"""The configuration designer's pages, under /design/ (namespace ``designer``).

* ``/design/``: choose an area (an ICB or sub-ICB location the user may see) and a date.
* ``/design/<area>/?date=&lower=&upper=&networks=``: the current configuration and a proposal side
  by side, each on an offline map, with metrics, findings and per-network tables (list size, band,
  entitlement for the financial year of the date, required access hours).

Downloads: ``?format=json`` (the whole design, the API's answer), ``?format=csv|xlsx&table=`` one of
``configuration`` (the proposal as a configuration CSV that ``pcnhub check FILE.csv`` reads),
``current``, ``proposal`` (the per-network tables) and ``metrics``.

Who may use it: :mod:`pcnhub.designer.permissions` (403 for PCN and practice users). Parameters the
page cannot use are shown on the page in the NHS.UK error summary, with status 400. A user who already
has as many proposals computing as they may is answered 429 with ``429.html`` (:class:`services.Busy`).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from pcnhub.accounts.models import Role
from pcnhub.designer import maps, permissions, services
from pcnhub.designer.forms import ChooseForm, DesignForm
from pcnhub.finance.views_money import gbp
from pcnhub.geo import places
from pcnhub.pages import exports
from pcnhub.register.asof import as_of
from pcnhub.pages.forms import show_band
from pcnhub.pages.views import download_response, page

METRICS = [
    ("networks", "Networks", "{:,}"),
    ("in_band", "Networks in the band", "{:,}"),
    ("below_band", "Networks below the band", "{:,}"),
    ("above_band", "Networks above the band", "{:,}"),
    ("largest_deviation", "Largest deviation from the band (patients)", "{:,}"),
    ("mean_distance_km", "Population-weighted mean distance to the network's centre (km)", "{:.2f}"),
    ("cut_edges", "Cut edges (neighbour links between networks; fewer is tidier)", "{:,}"),
    ("compactness", "Compactness (mean Polsby-Popper, 1 is a circle)", "{:.2f}"),
]


@require_GET
@page
def index(request: HttpRequest) -> HttpResponse:
    areas = permissions.design_areas(request.scope)
    scope = request.scope
    data = request.GET.copy()
    if not data.get("area") and scope.role == Role.ICB and scope.organisation:
        data["area"] = scope.organisation.code
    if not data.get("date"):
        data["date"] = as_of(request).isoformat()
    form = ChooseForm(data, areas=areas, date=as_of(request))
    problems = []
    if form.is_valid() and "area" in request.GET:
        code = form.cleaned_data["area"]
        if not code:
            form.add_error("area", "Choose an area")
        elif code not in {a.code for a in areas}:
            form.add_error("area", f"There is no ICB or sub-ICB location you may design with the code {code}")
        else:
            date = form.cleaned_data["date"] or as_of(request)
            return redirect(reverse("designer:area", args=[code]) + f"?date={date.isoformat()}")
    if form.is_bound and form.errors:
        problems = form.error_list()
    return render(request, "designer/index.html", {"form": form, "areas": areas, "problems": problems},
                  status=400 if problems else 200)


def _money_cells(n: services.NetworkView) -> dict:
    m = n.money
    return {
        "total": gbp(m.total) if m.known else "Not known",
        "to_pcn": gbp(m.to_pcn) if m.known else "Not known",
        "to_practices": gbp(m.to_practices) if m.known else "Not known",
        "not_known": m.not_known,
        "not_counted": m.not_counted,
    }


def _network_rows(side: services.Side) -> list[dict]:
    return [{"n": n, "money": _money_cells(n)} for n in side.networks]


def _network_table(v: services.DesignView, side: services.Side) -> exports.Table:
    headers = ["Network number", "Network", "PCN code", "Practices", "Practice codes", "List size", "In band",
               f"Entitlement {v.year} (GBP)", "To the PCN (GBP)", "To member practices (GBP)",
               "Payments not known", "Not counted in the total", "Required access (minutes a week)",
               "Populations not recorded"]
    rows = []
    for n in side.networks:
        m = n.money
        rows.append([n.number, n.name, n.code, len(n.practices), " ".join(n.codes), n.list_size, n.in_band,
                     None if m.total is None else float(m.total), None if m.to_pcn is None else float(m.to_pcn),
                     None if m.to_practices is None else float(m.to_practices), "; ".join(m.not_known),
                     "; ".join(m.not_counted), n.access.minutes, n.stands_in])
    return exports.Table(f"design-{v.area.code}-{v.date.isoformat()}-{side.key}", headers, rows)


def _metrics_rows(v: services.DesignView) -> list[dict]:
    rows = []
    for key, label, fmt in METRICS:
        values = []
        for side in (v.current, v.proposal):
            m = side.metrics if side is not None else None
            values.append(fmt.format(getattr(m, key)) if m is not None else "Not measured")
        rows.append({"key": key, "label": label, "current": values[0], "proposal": values[1]})
    for label, getter in (("Networks that are not contiguous", lambda s: len(s.not_contiguous)),
                          ("Rule errors", lambda s: s.errors)):
        rows.append({"key": label, "label": label, "current": f"{getter(v.current):,}",
                     "proposal": f"{getter(v.proposal):,}" if v.proposal else "Not measured"})
    if v.proposal is not None and v.proposal.change is not None:
        moved = v.proposal.change
        rows.append({"key": "practices_moved", "label": "Practices that would change PCN", "current": "",
                     "proposal": f"{moved.practices_moved:,}"})
        rows.append({"key": "patients_moved", "label": "Patients whose practice would change PCN", "current": "",
                     "proposal": f"{moved.patients_moved:,}"})
    for key, label, total in (
        ("money_total", f"Network entitlements {v.year}, all networks", lambda s: _money_sum(s, "total")),
        ("money_to_pcn", f"Of which paid to the PCNs {v.year}", lambda s: _money_sum(s, "to_pcn")),
        ("access_minutes", "Required access a week, all networks", _access_sum),
    ):
        rows.append({"key": key, "label": label, "current": total(v.current),
                     "proposal": total(v.proposal) if v.proposal else "Not measured"})
    return rows


def _money_sum(side: services.Side, attr: str) -> str:
    """The sum of a money column over a side's networks, or "Not known" if any network's is not known."""
    values = [getattr(n.money, attr) for n in side.networks]
    if not values or any(value is None for value in values):
        return "Not known"
    return gbp(sum(values))


def _access_sum(side: services.Side) -> str:
    minutes = [n.access.minutes for n in side.networks]
    if not minutes or any(m is None for m in minutes):
        return "No requirement"
    return services.Access(sum(minutes), "", "").hours_text


def _metrics_table(v: services.DesignView, rows: list[dict]) -> exports.Table:
    return exports.Table(f"design-{v.area.code}-{v.date.isoformat()}-metrics", ["Measure", "Current", "Proposal"],
                         [[r["label"], r["current"], r["proposal"]] for r in rows])


def _maps(v: services.DesignView) -> dict[str, dict]:
    if v.graph is None:
        return {}
    tiling = services.map_cells(v.graph.xy)
    located = {p.code: tuple(v.graph.xy[v.graph.index[p.code]]) for p in v.located if p.code in v.graph.index}
    towns = places.towns({p.code: p.address for p in v.located}, located)
    out = {}
    for side in v.sides:
        colours = maps.colour_networks([n.codes for n in side.networks], v.graph, tiling)
        for n, colour in zip(side.networks, colours, strict=True):
            n.colour = colour
        networks = [{"label": n.label, "name": n.name, "codes": n.codes, "colour": n.colour,
                     "list_size": n.list_size, "short": maps.short_name(n.name) if n.code else ""}
                    for n in side.networks]
        network_of = {code: f"{n.label}: {n.name}" for n in side.networks for code in n.codes}
        if side.uncovered:
            networks.append({"label": "", "name": services.NO_NETWORK, "codes": [p.code for p in side.uncovered],
                             "colour": "", "list_size": sum(p.list_size for p in side.uncovered)})
        practices = {p.code: {"name": p.name, "list_size": p.registered,
                              "network": network_of.get(p.code, services.NO_NETWORK)} for p in v.located}
        title = f"{side.title}: {len(side.networks)} networks of {v.area.name}"
        out[side.key] = maps.figure(title, v.graph, networks, practices, tiling, towns)
    return out


def _render(request, context: dict, status: int = 200) -> HttpResponse:
    return render(request, "designer/area.html", context, status=status)


@require_GET
@page
def area(request: HttpRequest, code: str) -> HttpResponse:
    org = permissions.design_area(request.scope, code)
    data = request.GET.copy()
    if not data.get("date", "").strip():
        data["date"] = as_of(request).isoformat()
    form = DesignForm(data)
    context: dict = {"area": org, "form": form, "query": request.GET}
    if not form.is_valid():
        return _render(request, {**context, "problems": form.error_list()}, status=400)
    date: dt.date = form.cleaned_data["date"]
    band = form.cleaned_data["band"]
    try:
        view = services.build(org, date, band, form.cleaned_data["networks"], keep=form.cleaned_data["keep"],
                              user=str(request.user.pk))
    except ValueError as exc:
        form.add_error("networks", str(exc))
        return _render(request, {**context, "problems": form.error_list()}, status=400)
    except services.Busy as exc:
        response = render(request, "429.html", {"message": str(exc), "again": request.get_full_path()}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    show_band(form, view.band)
    if request.GET.get("format") == "json":
        response = JsonResponse(services.design_dict(view), json_dumps_params={"indent": 2})
        response["Content-Disposition"] = f'attachment; filename="design-{org.code}-{date.isoformat()}.json"'
        return response
    metrics_rows = _metrics_rows(view)
    tables = {
        "configuration": lambda: exports.Table(
            f"proposal-{org.code}-{date.isoformat()}", services.CONFIGURATION_HEADERS,
            services.configuration_rows(view.proposal) if view.proposal else []),
        "current": lambda: _network_table(view, view.current),
        "proposal": lambda: _network_table(view, view.proposal) if view.proposal else exports.Table(
            "proposal", ["Network"], []),
        "metrics": lambda: _metrics_table(view, metrics_rows),
    }
    download = download_response(request, tables)
    if download:
        return download
    figures = _maps(view)
    context.update(
        view=view,
        date=date,
        band=view.band,
        figures=figures,
        sides=[{"side": side, "rows": _network_rows(side), "figure": figures.get(side.key),
                "chart_id": f"design-map-{side.key}"} for side in view.sides],
        metrics=metrics_rows,
        proposal=view.design.proposal if view.design else None,
    )
    return _render(request, context)
