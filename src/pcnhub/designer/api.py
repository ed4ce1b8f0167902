"""JSON API of the configuration designer (mounted at /api/design/), with the page's permissions.

    GET /api/design/areas                     the ICBs and sub-ICB locations the user may design
    GET /api/design/areas/{code}?date=YYYY-MM-DD&lower=30000&upper=50000&networks=K
        the current configuration and a proposal: networks, metrics, findings, entitlements, access

PCN and practice users get 403; unknown codes 404; bad parameters 400 with the reason; 429 when the user
already has as many proposals computing as they may (a cached proposal is always answered).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from pcnhub.designer import permissions, services
from pcnhub.designer.services import MAX_NETWORKS
from pcnhub.pages.api import (
    Detail,
    DateText,
    band_of,
    code_path,
    count_parameter,
    date_parameter,
    lower_parameter,
    responses,
    upper_parameter,
)
from pcnhub.register import services as register

router = Router(tags=["configuration designer"])


class AreaOut(Schema):
    code: str
    name: str
    kind: str


@router.get("/areas", response=responses(list[AreaOut], 403), summary="Areas the user may design")
def areas(request: HttpRequest):
    return [{"code": a.code, "name": a.name, "kind": a.kind} for a in permissions.design_areas(request.scope)]


@router.get("/areas/{code}", response={**responses(dict[str, Any], 400, 403, 404, 422), 429: Detail},
             summary="An area's current configuration beside a proposal")
def area_design(request: HttpRequest, code: str = code_path("area"),
                date: DateText | None = date_parameter("the date of the configuration, YYYY-MM-DD (default: the newest date the register has data for)"),
                lower: int | None = lower_parameter(), upper: int | None = upper_parameter(),
                networks: int | None = count_parameter("number of networks (default: chosen by size)", MAX_NETWORKS),
                keep: bool = False) -> dict:
    org = permissions.design_area(request.scope, code)
    try:
        day = register.parse_date(date, None) or register.latest_data_date()
    except ValueError as exc:
        raise HttpError(400, str(exc)) from None
    band = band_of(lower, upper)
    try:
        view = services.build(org, day, band, networks, keep=keep, user=str(request.user.pk))
    except ValueError as exc:
        raise HttpError(400, str(exc)) from None
    except services.Busy as exc:
        raise HttpError(429, str(exc)) from None
    return services.design_dict(view)
