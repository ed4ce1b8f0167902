"""JSON API of the measures (mounted at /api/measures/), with the same permissions as the pages.

    GET /api/measures/                                  the measures computed (definitions) and the run
    GET /api/measures/organisations/{code}/values       an organisation's monthly values (one measure or all)
    GET /api/measures/deciles                           the PCNs' deciles each month (one measure or all)
    GET /api/measures/pcns/{code}/neighbourhoods        a PCN's values in each of its neighbourhoods (LSOAs), by
                                                        month (one measure or all; when the run wrote them)

``{code}`` is a practice, PCN, sub-ICB location or ICB of the register, or ``ENG`` for England. Only the
engine's disclosure-controlled figures: a suppressed row has null numerator, denominator, value and limits.
Unknown codes give 404, codes outside the user's scope 403; without the measures output every call is a 404
saying how to produce it (and the neighbourhoods without ``--by-neighbourhood``'s file).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from pcnhub.analytics.measures.levels import ENGLAND
from pcnhub.measures import permissions, services
from pcnhub.pages.api import code_path, responses
from pcnhub.reference import measures as definitions
from pcnhub.register.models import OrgKind

router = Router(tags=["measures"])

#: ``?measure=``: a measure of ``reference/measures``; the schema lists them, any other is a 422.
MeasureId = Literal[tuple(m.id for m in definitions.measures())]  # type: ignore[valid-type]


def measure_parameter() -> Any:
    return Query(None, description="one measure only (default: every measure)")


class DefinitionOut(Schema):
    id: str
    title: str
    why: str = Field(description="Why the measure matters, in plain English.")
    direction: str = Field(description="higher or lower is better, or none")
    unit: str = Field(description="per_1000, percent, ratio, gbp_per_patient or gbp (GBP per what the denominator "
                                  "counts, e.g. an ASTRO-PU): what value is in")
    serves: list[str] = Field(description="The service specifications and IIF indicators the measure serves.")
    source: str
    status: str = Field(description="verified, derived or uncertain")
    note: str


class MeasuresOut(Schema):
    as_of: dt.date | None
    engine: str
    first_month: dt.date | None
    last_month: dt.date | None
    measures: list[DefinitionOut]
    skipped: dict[str, str] = Field(description="Measures the run left out, and why.")


class MeasuresOrgOut(Schema):
    code: str
    name: str
    level: str = Field(description="practice, pcn, sub_icb, icb or england")


class ValueOut(Schema):
    measure: str
    level: str
    org_code: str
    month: dt.date = Field(description="The month's first day.")
    numerator: float | None = Field(description="Rounded to 5 (a cost to the penny); null when suppressed.")
    denominator: int | None = Field(description="Rounded to 5; null when suppressed.")
    value: float | None = Field(description="numerator / denominator in the measure's unit; null when suppressed.")
    suppressed: bool = Field(description="True when a count was 1 to 6 (never shown).")
    england_value: float | None
    lower95: float | None = Field(description="Funnel limits around England's value for this denominator.")
    upper95: float | None
    lower998: float | None
    upper998: float | None
    percentile: float | None = Field(description="PCNs only: the percent rank (0 to 100) among all PCNs.")
    change_12m: float | None = Field(description="value minus the value 12 months before.")


class ValuesOut(Schema):
    organisation: MeasuresOrgOut
    measures: dict[str, str] = Field(description="Titles of the measures in rows.")
    rows: list[ValueOut]


class DecileOut(Schema):
    measure: str
    month: dt.date
    percentile: int = Field(description="10, 20, ... 90")
    value: float


class DecilesOut(Schema):
    measures: dict[str, str] = Field(description="Titles of the measures in rows.")
    rows: list[DecileOut]


class NeighbourhoodOut(Schema):
    measure: str
    pcn_code: str
    month: dt.date = Field(description="The month's first day.")
    neighbourhood: str | None = Field(description="The LSOA the patients live in; null: not recorded.")
    numerator: float | None = Field(description="Rounded to 5 (a cost to the penny); null when suppressed.")
    denominator: int | None = Field(description="Rounded to 5; null when suppressed.")
    value: float | None = Field(description="numerator / denominator in the measure's unit; null when suppressed.")
    suppressed: bool = Field(description="True when a count was 1 to 6 (never shown).")


class NeighbourhoodsOut(Schema):
    organisation: MeasuresOrgOut
    measures: dict[str, str] = Field(description="Titles of the measures in rows.")
    rows: list[NeighbourhoodOut]


def _output() -> services.Output:
    out = services.output()
    if out is None:
        raise HttpError(404, f"No measures output in {services.measures_dir()}: run `pcnhub measures run` first "
                             "(see the measures pages).")
    return out


def _titles(out: services.Output, measure: str | None) -> dict[str, str]:
    return {d.id: d.title for d in out.definitions if measure is None or d.id == measure}


@router.get("/", response=responses(MeasuresOut, 404), summary="The measures computed, and the run")
def measures_list(request: HttpRequest):
    out = _output()
    return {"as_of": out.as_of, "engine": out.engine, "first_month": out.first_month, "last_month": out.last_month,
            "measures": [d.to_dict() for d in out.definitions], "skipped": out.skipped}


@router.get("/organisations/{code}/values", response=responses(ValuesOut, 403, 404, 422),
            summary="An organisation's monthly values of the measures")
def organisation_values(request: HttpRequest, code: str = code_path("organisation (or ENG for England)"),
                        measure: MeasureId | None = measure_parameter()):
    """Every month of one measure (``measure``) or of all, for a practice, PCN, sub-ICB location, ICB or England."""
    if code.upper() == ENGLAND:
        org = {"code": ENGLAND, "name": "England", "level": "england"}
    else:
        found = permissions.subject(request.scope, code, tuple(permissions.LEVELS))
        org = {"code": found.code, "name": found.name, "level": permissions.LEVELS[found.kind]}
    out = _output()
    rows = services.measures_series(out, org["level"], [org["code"]], None if measure is None else [measure])
    return {"organisation": org, "measures": _titles(out, measure), "rows": [r.to_dict() for r in rows]}


@router.get("/deciles", response=responses(DecilesOut, 404, 422), summary="The deciles of all PCNs' values each month")
def measure_deciles(request: HttpRequest, measure: MeasureId | None = measure_parameter()):
    out = _output()
    rows = services.measures_deciles(out, None if measure is None else [measure])
    return {"measures": _titles(out, measure),
            "rows": [{"measure": m, "month": month, "percentile": p, "value": v} for m, month, p, v in rows]}


@router.get("/pcns/{code}/neighbourhoods", response=responses(NeighbourhoodsOut, 403, 404, 422),
            summary="A PCN's values in each of its neighbourhoods")
def pcn_neighbourhoods(request: HttpRequest, code: str = code_path("PCN"),
                       measure: MeasureId | None = measure_parameter()):
    """Every month of one measure (``measure``) or of all in each neighbourhood of the PCN: the lower layer super
    output areas its patients live in (``pcnhub measures run --by-neighbourhood``)."""
    pcn = permissions.subject(request.scope, code, (OrgKind.PCN,))
    out = _output()
    if not services.has_neighbourhoods(out):
        raise HttpError(404, f"The measures output in {services.measures_dir()} has no neighbourhoods: run "
                             "`pcnhub measures run --by-neighbourhood` (with --practice-map) first.")
    rows = services.neighbourhoods(out, pcn.code, None if measure is None else [measure])
    return {"organisation": {"code": pcn.code, "name": pcn.name, "level": "pcn"}, "measures": _titles(out, measure),
            "rows": [r.to_dict() for r in rows]}
