"""A PCN's Investment and Impact Fund computed from the measures (``/finance/pcn/<code>/iif/``).

The measures output is ``PCNHUB_PHM_DIR/measures/measure_values.parquet`` (``pcnhub measures run --out``;
the demo writes it there), read through the cache of :mod:`pcnhub.finance.iif_output`.  Its counts are
disclosure-controlled, and the page says so.  Where there is no output for the PCN and year, the page says
the IIF is not computed, and the money page shows its maximum apart, not counted in the total.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from pcnhub.domain import iif as d
from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance.forms_money import YearForm
from pcnhub.finance import iif as service
from pcnhub.finance import iif_output, permissions
from pcnhub.finance.views_common import query_year
from pcnhub.pages import exports
from pcnhub.pages.views import download_response, page


def gbp_text(value: Any) -> str:
    return "not known" if value is None else f"£{Decimal(str(value)):,.2f}"


def _figure(value: Any, unit: str) -> str:
    if value is None:
        return "not known"
    shown = round(value, 1)  # the measures' counts are rounded: a tenth is as precise as they are
    return f"{shown:g}%" if unit == d.PERCENT else f"{shown:g} per 1,000"


def rows(result: service.PCNAchievement, pcn_code: str) -> list[dict]:
    out = []
    for row in result.rows:
        r = row.to_dict()
        unit = r["unit"]
        out.append({
            **r, "achievement_text": _figure(r["achievement"], unit),
            "lower_text": _figure(r["lower"], unit), "upper_text": _figure(r["upper"], unit),
            "points_text": "not known" if r["points"] is None else f"{r['points']:g} of {r['max_points']:g}",
            "gbp_text": gbp_text(r["gbp"]), "forecast_text": _figure(r["forecast"]["achievement"], unit),
            "forecast_gbp_text": gbp_text(r["forecast"]["gbp"]),
            "forecast_points_text": "not known" if r["forecast"]["points"] is None else f"{r['forecast']['points']:g}",
            "worklist_url": reverse("phm:worklist", args=[pcn_code, r["worklist"]]) if r["worklist"] else "",
        })
    return out


def table(result: service.PCNAchievement, pcn_code: str) -> exports.Table:
    return exports.Table(
        f"iif-{pcn_code}-{result.year.year.slug}",
        ["Indicator", "Name", "Measure", "Numerator", "Denominator", "Achievement", "Unit", "Lower threshold",
         "Upper threshold", "Points", "Maximum points", "GBP", "Forecast achievement", "Forecast points",
         "Forecast GBP", "Forecast method", "Patients to act on", "To reach the upper threshold", "Status", "Notes"],
        [[r["indicator"], r["name"], r["measure"], r["numerator"], r["denominator"], r["achievement"], r["unit"],
          r["lower"], r["upper"], r["points"], r["max_points"], r["gbp"], r["forecast"]["achievement"],
          r["forecast"]["points"], r["forecast"]["gbp"], r["forecast"]["method"], r["to_act_on"],
          r["to_upper_threshold"], r["status"], "; ".join([r["measure_note"], *r["notes"]])]
         for r in (row.to_dict() for row in result.rows)]
        + [[i.id, i.name, None, None, None, None, i.unit, None, None, None, None, None, None, None, None, None,
            None, None, "not computed", i.measure_note] for i in result.not_linked],
    )


@require_GET
@page
def pcn_iif_page(request: HttpRequest, code: str) -> HttpResponse:
    pcn = permissions.money_pcn(request.scope, code)
    form, year = query_year(request)
    last = iif_output.last_month()
    if not request.GET.get("year") and last is not None:
        # Without ?year=, the IIF year of the measures' last month (and the form shows that year).
        year = FinancialYear.containing(last)
        data = QueryDict(mutable=True)
        data["year"] = year.label
        form = YearForm(data)
        form.is_valid()
    result = iif_output.pcn_iif(pcn.code, year)
    if result is not None:
        download = download_response(request, {"iif": lambda: table(result, pcn.code)})
        if download:
            return download
    try:
        catalogue = iif_output.catalogue(year)
    except ValueError as error:
        catalogue, why = None, str(error)
    else:
        why = ""
    earned = result.earned if result else None
    query = form.data.copy()
    query["year"] = year.label
    return render(request, "finance/iif_pcn.html", {
        "pcn": pcn, "form": form, "year": year, "query": query, "catalogue": catalogue, "why": why,
        "result": result, "rows": rows(result, pcn.code) if result else [],
        "total": result.to_dict()["total"] if result else None,
        "total_gbp": gbp_text(result.gbp) if result else "", "forecast_gbp": gbp_text(result.forecast_gbp) if result else "",
        "earned": earned, "earned_gbp": gbp_text(earned.amount) if earned else "",
        "point_value": point_value_text(catalogue) if catalogue else "",
        "not_linked": result.not_linked if result else tuple(i for i in (catalogue.indicators if catalogue else ())
                                                             if not i.measure),
        "measures_folder": iif_output.measures_folder(),
    })


def point_value_text(catalogue: d.IIFYear) -> str:
    """The year's value of a point as the pages write it: "£198 (verified)", or that no source held gives it."""
    figure = catalogue.point_value
    if figure.value is None:
        return f"{d.NOT_PUBLISHED} for {catalogue.year}"
    return f"£{figure.value:,} ({figure.status})"
