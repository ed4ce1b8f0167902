"""JSON API of maturity assessments (mounted at /api/maturity/), with the same permissions as the pages.

    GET /api/maturity/pcns/{code}/score       the PCN's current assessment scored, with its date
    GET /api/maturity/areas/{code}/heatmap    an ICB's PCNs by domain, and the support they ask for

Unknown codes give 404 and codes outside the user's maturity scope 403 (the handlers of
:mod:`pcnhub.webapp.api`).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema

from pcnhub.domain import maturity as m
from pcnhub.maturity import permissions, services
from pcnhub.pages.api import code_path, responses

router = Router(tags=["maturity"])


class OrgOut(Schema):
    code: str
    name: str


class GapOut(Schema):
    id: str
    text: str
    step: int


class DomainScoreOut(Schema):
    key: str
    name: str
    step_reached: int | None = Field(description="0 Foundation, 1-3 Step 1-3; null when Foundation is not reached.")
    step_name: str
    next_step: int | None
    gap: list[GapOut]
    achieved: int
    in_progress: int
    not_started: int
    total: int


class ScoreOut(Schema):
    pcn: OrgOut
    matrix: str
    matrix_name: str
    audience: str
    as_of: dt.date | None = Field(description="Date of the current assessment; null when none is started.")
    closed: bool | None
    domains: list[DomainScoreOut]
    unknown_statements: list[str]
    history: list[dt.date] = Field(description="Dates of every assessment against this matrix, oldest first.")


class HeatmapRowOut(Schema):
    code: str
    name: str
    as_of: dt.date | None
    steps: dict[str, int | None] = Field(description="Step reached per domain key (null: not at Foundation).")
    step_names: dict[str, str]
    open_actions: int
    overdue_actions: int


class SupportOut(Schema):
    offer: str
    name: str
    group: str
    pcns: list[str]
    open_actions: int


class DomainOut(Schema):
    key: str
    name: str


class HeatmapOut(Schema):
    icb: OrgOut
    matrix: str
    domains: list[DomainOut]
    pcns: list[HeatmapRowOut]
    support_requests: list[SupportOut]


@router.get("/pcns/{code}/score", response=responses(ScoreOut, 403, 404, 422),
             summary="A PCN's current maturity self-assessment, scored")
def pcn_score(request: HttpRequest, code: str = code_path("PCN")):
    pcn = permissions.maturity_pcn(request.scope, code)
    assessment = services.latest_assessment(pcn, m.PCN)
    mx = services.current_matrix(pcn, m.PCN)
    score = services.score_of(assessment, mx, m.PCN)
    return {
        "pcn": {"code": pcn.code, "name": pcn.name},
        **score.to_dict(),
        "matrix_name": mx.name,
        "as_of": assessment.as_of if assessment else None,
        "closed": assessment.closed if assessment else None,
        "history": [a.as_of for a in services.history(pcn, m.PCN, mx.key)],
    }


@router.get("/areas/{code}/heatmap", response=responses(HeatmapOut, 403, 404, 422),
            summary="An ICB's PCNs by maturity domain, and the support their plans ask for")
def area_heatmap(request: HttpRequest, code: str = code_path("ICB")):
    icb = permissions.maturity_area(request.scope, code)
    heat = services.heatmap(icb)
    keys = [d.key for d in heat.matrix.domains]
    rows = []
    for r in heat.rows:
        cells = {k: r.cell(k) for k in keys}
        rows.append({
            "code": r.pcn.code, "name": r.pcn.name, "as_of": r.assessment.as_of if r.assessment else None,
            "steps": {k: c.step_reached if c else None for k, c in cells.items()},
            "step_names": {k: c.step_name if c else "Not assessed" for k, c in cells.items()},
            "open_actions": r.open_actions, "overdue_actions": r.overdue_actions,
        })
    return {
        "icb": {"code": icb.code, "name": icb.name},
        "matrix": heat.matrix.key,
        "domains": [{"key": d.key, "name": d.name} for d in heat.matrix.domains],
        "pcns": rows,
        "support_requests": [
            {"offer": s.offer_key, "name": s.name, "group": s.group, "pcns": [p.code for p, _ in s.pcns],
             "open_actions": s.actions}
            for s in services.support_requests([r.pcn for r in heat.rows])
        ],
    }
