"""JSON API of the configuration designer (mounted at /api/design/), with the page's permissions.

    GET /api/design/areas                     the ICBs and sub-ICB locations the user may design
    GET /api/design/areas/{code}?date=YYYY-MM-DD&lower=30000&upper=50000&networks=K
        the current configuration and a proposal: networks, metrics, findings, entitlements, access

PCN and practice users get 403; unknown codes 404; bad parameters 400 with the reason; 429 when the user
already has as many proposals computing as they may (a cached proposal is always answered).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema
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
from pcnhub.register.api import BandOut, FindingOut

router = Router(tags=["configuration designer"])


class AreaOut(Schema):
    code: str
    name: str
    kind: str


# The design's body (:func:`pcnhub.designer.services.design_dict`), key for key: tests/designer checks the API
# answers exactly that dictionary and that this schema refuses a body of another shape.


class DesignPracticeOut(Schema):
    code: str
    name: str
    list_size: int | None = Field(description="Registered list on or before the date (null: none recorded).")


class DesignEntitlementOut(Schema):
    """A network's Network Contract entitlement for the financial year of the date, in pounds."""

    total: float
    to_pcn: float
    to_practices: float
    core: float | None = Field(description="Core PCN funding (null: the catalogue does not state it).")
    not_known: list[str] = Field(description="Payments whose amount the catalogue does not give.")
    not_counted: list[str] = Field(description="Amounts shown apart from the total: the IIF's maximum (a designed "
                                               "network has no achievement to compute it from).")


class DesignNetworkOut(Schema):
    label: str = Field(description="The short label on the map and in the tables.")
    name: str
    code: str | None = Field(description="The PCN's ODS code (null for a proposed network).")
    list_size: int
    in_band: bool
    practices: list[DesignPracticeOut]
    entitlement: DesignEntitlementOut | None = Field(description="Null when the rates catalogue has no such year.")
    access_minutes_per_week: int | None = Field(description="Null before the Network Contract DES.")
    access_basis: str
    continues: str | None = Field(description="For a proposed network: the current network it continues.")
    continuity: str = Field("", description="For a proposed network that continues a current one: how many of "
                            "its practices stay, where the others move and who joins, in words.")


class DesignMetricsOut(Schema):
    networks: int
    in_band: int
    below_band: int
    above_band: int
    largest_deviation: int = Field(description="Most patients by which a network lies outside the band.")
    mean_distance_km: float = Field(description="Patient-weighted mean distance of practices to their network's centre.")
    cut_edges: int = Field(description="Neighbour-graph edges joining practices of different networks.")
    compactness: float = Field(description="Mean Polsby-Popper ratio of the networks' convex hulls (0 to 1).")


class DesignChangeOut(Schema):
    practices_moved: int
    patients_moved: int
    continues: dict[str, str | None] = Field(description="Proposed network -> the current network it continues.")


class DesignCurrentOut(Schema):
    networks: list[DesignNetworkOut]
    uncovered: list[str] = Field(description="Codes of the area's practices in no network.")
    metrics: DesignMetricsOut | None = Field(description="Null when no practice can be placed on the map.")
    findings: list[FindingOut]


class DesignProposalOut(DesignCurrentOut):
    metrics: DesignMetricsOut
    change: DesignChangeOut
    method: str = Field(description="How the proposal was found (exact or heuristic).")
    optimal: bool
    seconds: float


class DesignUnplacedOut(Schema):
    code: str
    name: str
    reason: str


class DesignApproximateOut(Schema):
    code: str
    precision: str = Field(description="How roughly the practice is placed (its postcode sector or district).")


class DesignOut(Schema):
    area: AreaOut
    date: dt.date
    band: BandOut
    networks_asked: int | None
    keep: bool
    year: str = Field(description="The financial year of the date, e.g. 2024/25.")
    practices: int = Field(description="Practices of the area on the date.")
    list_size: int
    unplaced: list[DesignUnplacedOut]
    approximate: list[DesignApproximateOut]
    location_source: str
    current: DesignCurrentOut
    proposal: DesignProposalOut | None = Field(description="Null when no practice can be placed on the map.")
    notes: list[str]


@router.get("/areas", response=responses(list[AreaOut], 403), summary="Areas the user may design")
def areas(request: HttpRequest):
    return [{"code": a.code, "name": a.name, "kind": a.kind} for a in permissions.design_areas(request.scope)]


@router.get("/areas/{code}", response={**responses(DesignOut, 400, 403, 404, 422), 429: Detail},
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
