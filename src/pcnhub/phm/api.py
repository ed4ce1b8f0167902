"""JSON API of population health aggregates (mounted at /api/phm/), with the same permissions as the dashboards.

    GET /api/phm/pcns/{code}/aggregates        a PCN's aggregates (optionally its practices' too)
    GET /api/phm/practices/{code}/aggregates   a practice's aggregates

Only disclosure-controlled aggregates: a suppressed row (1 to 6 patients) has null numerator and value.
Patient-level data is never served by the API. Unknown codes give 404, codes outside the user's scope
403; without pipeline output the answer is 404 saying how to produce it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from pcnhub.pages.api import code_path, responses
from pcnhub.phm import permissions, services

router = Router(tags=["population health"])

#: ``?measure=``: one of the measures the pipeline writes (tests/phm ties :data:`services.MEASURES` to them); the
#: schema lists them, any other is a 422.
Measure = Literal[tuple(services.MEASURES)]  # type: ignore[valid-type]


def measure_parameter() -> Any:
    return Query(None, description="one measure only (default: every measure)")


class OrgOut(Schema):
    code: str
    name: str


class AggregateOut(Schema):
    level: str = Field(description="practice, pcn or icb")
    org_code: str
    measure: str
    breakdown: str = Field(description="'' for the total, else e.g. 'imd_decile=3', 'ethnicity=white', 'sex=F'")
    numerator: int | None = Field(description="Patients counted, rounded to 5; null when suppressed.")
    denominator: int | None
    value: float | None = Field(description="numerator / denominator; null when suppressed.")
    suppressed: bool = Field(description="True when 1 to 6 patients were counted (never shown).")


class AggregatesOut(Schema):
    organisation: OrgOut
    as_of: dt.date | None
    engine: str
    measures: dict[str, str] = Field(description="Names of the measures in rows.")
    rows: list[AggregateOut]


def _answer(org, level: str, codes: list[str], measure: str | None, breakdowns: bool, extra=()) -> dict:
    out = services.output()
    if out is None:
        raise HttpError(404, f"No population health output in {services.output_dir()}: run `pcnhub phm synth` and "
                             "`pcnhub phm run` first (see the dashboard page).")
    measures = [measure] if measure else None
    breakdown = None if breakdowns else ""
    rows = services.aggregates(out, level, codes, measures=measures, breakdown=breakdown)
    for other_level, other_codes in extra:
        rows += services.aggregates(out, other_level, other_codes, measures=measures, breakdown=breakdown)
    return {"organisation": {"code": org.code, "name": org.name}, "as_of": out.as_of, "engine": out.engine,
            "measures": {r.measure: r.label for r in rows}, "rows": [r.to_dict() for r in rows]}


@router.get("/pcns/{code}/aggregates", response=responses(AggregatesOut, 403, 404, 422),
             summary="A PCN's population health aggregates")
def pcn_aggregates(request: HttpRequest, code: str = code_path("PCN"), measure: Measure | None = measure_parameter(),
                   breakdowns: bool = False, practices: bool = False):
    """``measure`` narrows to one measure; ``breakdowns`` adds the rows by IMD decile, ethnicity, age band
    and sex; ``practices`` adds the member practices' rows."""
    pcn = permissions.dashboard_pcn(request.scope, code)
    extra = [("practice", [p.code for p in services.member_practices(pcn)])] if practices else []
    return _answer(pcn, "pcn", [pcn.code], measure, breakdowns, extra)


@router.get("/practices/{code}/aggregates", response=responses(AggregatesOut, 403, 404, 422),
            summary="A practice's population health aggregates")
def practice_aggregates(request: HttpRequest, code: str = code_path("practice"), measure: Measure | None = measure_parameter(),
                        breakdowns: bool = False):
    org = permissions.dashboard_practice(request.scope, code)
    return _answer(org, "practice", [org.code], measure, breakdowns)
