"""Several scenarios side by side, ``/scenarios/compare/?ids=1&ids=2``: what each does to the networks it touches
(:mod:`pcnhub.scenarios.summary`), for scenarios the user may see (404 for one that does not exist, 403 for one
they may not see); ``?format=csv|xlsx`` downloads the table."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pcnhub.pages import exports
from pcnhub.pages.views import BadRequest, download_response, page
from pcnhub.scenarios import summary
from pcnhub.scenarios.views import STATUS_TAGS, get_visible
from pcnhub.scenarios.views_scenario import comparison_of

#: The most scenarios a table holds side by side (each is compared afresh).
MOST = 6


def _ids(request: HttpRequest) -> list[int]:
    raw = request.GET.getlist("ids")
    try:
        ids = list(dict.fromkeys(int(x) for x in raw))
    except ValueError:
        raise BadRequest("Choose scenarios by their numbers (?ids=1&ids=2).") from None
    if len(ids) < 2:
        raise BadRequest("Choose at least two scenarios to compare, from the list of scenarios.")
    if len(ids) > MOST:
        raise BadRequest(f"Choose at most {MOST} scenarios to compare at once.")
    return ids


@require_GET
@page
def side_by_side(request: HttpRequest) -> HttpResponse:
    columns = []
    for pk in _ids(request):
        scenario = get_visible(request, pk)
        found, broken, _date = comparison_of(scenario)
        columns.append({"scenario": scenario, "tag": STATUS_TAGS[scenario.status], "broken": broken,
                        "figures": summary.figures(found) if found is not None else None})
    labels = next((c["figures"] for c in columns if c["figures"] is not None), [])
    rows = [{"label": f.label, "key": f.key,
             "cells": [c["figures"][i].text if c["figures"] is not None else "Not known" for c in columns]}
            for i, f in enumerate(labels)]
    download = download_response(request, {"scenarios": lambda: exports.Table(
        "scenarios-side-by-side", ["Figure", *(c["scenario"].name for c in columns)],
        [[r["label"], *r["cells"]] for r in rows])})
    if download:
        return download
    return render(request, "scenarios/side_by_side.html", {"columns": columns, "rows": rows, "query": request.GET})
