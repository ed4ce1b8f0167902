"""JSON API of network money (mounted at /api/finance/), with the same permissions as the pages.

    GET /api/finance/pcns/{code}/entitlements?year=2023/24    a PCN's payments, total and monthly schedule
    GET /api/finance/areas/{code}/entitlements?year=2023/24   every PCN of an area, with totals
    GET /api/finance/pcns/{code}/iif?year=2024/25             a PCN's IIF computed from the measures

A total counts the Investment and Impact Fund computed from the PCN's indicators where the measures give it,
and otherwise shows the IIF's maximum apart (``counted`` false, listed in ``not_counted``), never adding it.

Unknown codes give 404 and codes outside the user's money scope 403 (the handlers of
:mod:`pcnhub.webapp.api`); a year the catalogue does not cover gives 400.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import iif_output, permissions, services
from pcnhub.pages.api import code_path, responses, year_parameter

router = Router(tags=["finance"])


class OrgOut(Schema):
    code: str
    name: str


class OverrideOut(Schema):
    rate: float
    by: str
    at: dt.datetime | dt.date
    reason: str


class AlternativeOut(Schema):
    value: float | None = Field(description="Another published rate (or, with unit, amount); null when only the start differs.")
    start: str | None = Field(description="Another published start date of the payment (ISO); null when only the value differs.")
    unit: str
    source: str
    note: str


class LineOut(Schema):
    key: str
    name: str
    basis: str
    quantity: int
    rate: float | None = Field(description="GBP per unit of the basis; null when not known.")
    amount: float | None = Field(description="GBP for the year; null when not known (not counted in the total).")
    maximum: bool = Field(description="The amount is the most that can be earned (the IIF's maximum, CAIP).")
    counted: bool = Field(description="In the total. False for the IIF's maximum where no achievement is "
                                      "computed: shown apart, never added.")
    computed: bool = Field(description="The IIF computed from the PCN's indicators (the measures).")
    paid_to: str
    schedule: str
    status: str = Field(description="verified, derived or uncertain.")
    source: str
    note: str
    override: OverrideOut | None
    alternatives: list[AlternativeOut] = Field(description="Other published figures, each with its source.")


class MonthOut(Schema):
    month: str
    amount: float


class PracticeOut(Schema):
    code: str
    name: str
    payment: str
    amount: float


class PopulationOut(Schema):
    registered: int
    weighted: int
    adjusted: int
    care_home_beds: int


class PcnEntitlementOut(Schema):
    pcn: OrgOut
    icb: OrgOut | None
    year: str
    population: PopulationOut
    defaulted_to_registered: list[str]
    as_of: dt.date | None = Field(description="Date of the list sizes used.")
    notes: list[str]
    lines: list[LineOut]
    total: float
    total_to_pcn: float
    total_to_practices: float
    per_head: float | None
    not_known: list[str]
    not_counted: list[str] = Field(description="Payments shown apart from the total (the IIF's maximum).")
    iif: str = Field(description="How the IIF is in the total: counted (computed from n indicators, as of a "
                                 "date), maximum not counted, or not known; blank in a year without it.")
    monthly: list[MonthOut]
    paid_after_year_end: float
    practices: list[PracticeOut]


class AreaRowOut(Schema):
    code: str
    name: str
    icb: str | None
    practices: int
    registered: int
    total: float
    total_to_pcn: float
    total_to_practices: float
    arrs: float
    per_head: float | None
    not_known: list[str]
    not_counted: list[str]
    iif: str
    overrides: list[str]
    as_of: dt.date | None


class AreaTotalsOut(Schema):
    pcns: int
    registered: int
    total: float
    total_to_pcn: float
    total_to_practices: float
    arrs: float
    per_head: float | None


class AreaEntitlementsOut(Schema):
    area: OrgOut
    year: str
    rows: list[AreaRowOut]
    totals: AreaTotalsOut


def _year(text: str | None) -> FinancialYear:
    try:
        return services.parse_year(text)
    except ValueError as exc:
        raise HttpError(400, str(exc)) from None


def _float(value) -> float | None:
    return None if value is None else float(value)


def _org(org) -> dict | None:
    return None if org is None else {"code": org.code, "name": org.name}


def line_dict(line) -> dict:
    p = line.payment
    return {
        "key": p.key, "name": p.name, "basis": p.basis, "quantity": line.quantity, "rate": _float(line.rate),
        "amount": _float(line.amount), "maximum": line.maximum, "counted": line.counted,
        "computed": line.earned is not None, "paid_to": p.paid_to, "schedule": p.schedule,
        "status": line.status, "source": line.override.describe() if line.override else p.source,
        "note": "; ".join(filter(None, [line.how, p.note])),
        "alternatives": [{"value": _float(a.value), "start": a.start.isoformat() if a.start else None, "unit": a.unit,
                          "source": a.source, "note": a.note} for a in p.alternatives],
        "override": None if line.override is None else {
            "rate": float(line.override.rate), "by": line.override.by, "at": line.override.at,
            "reason": line.override.reason,
        },
    }


def pcn_dict(money: services.PcnMoney) -> dict:
    ent = money.entitlement
    return {
        "pcn": _org(money.pcn),
        "icb": _org(money.icb),
        "year": money.year.label,
        "population": money.population.to_dict(),
        "defaulted_to_registered": money.population.defaulted(),
        "as_of": money.as_of,
        "notes": money.notes,
        "lines": [line_dict(line) for line in ent.lines],
        "total": float(money.total),
        "total_to_pcn": float(money.to_pcn),
        "total_to_practices": float(money.to_practices),
        "per_head": _float(money.per_head),
        "not_known": [line.payment.key for line in ent.not_known],
        "not_counted": [line.payment.key for line in ent.not_counted],
        "iif": money.iif_text,
        "monthly": [{"month": m.strftime("%Y-%m"), "amount": float(a)} for m, a in ent.monthly()],
        "paid_after_year_end": float(ent.after_year_end),
        "practices": [
            {"code": m.code, "name": m.name, "payment": line.payment.key, "amount": float(a)}
            for line in ent.lines if line.payment.paid_to == c.TO_PRACTICES for m, a in line.practices
        ],
    }


def _sums(money: services.PcnMoney | services.AreaMoney) -> dict:
    """The sums of a PCN's money or of an area's PCNs, as area rows and totals give them."""
    return {
        "registered": money.registered, "total": float(money.total), "total_to_pcn": float(money.to_pcn),
        "total_to_practices": float(money.to_practices), "arrs": float(money.arrs), "per_head": _float(money.per_head),
    }


def area_row(r: services.PcnMoney) -> dict:
    return {
        "code": r.pcn.code, "name": r.pcn.name, "icb": r.icb.code if r.icb else None, "practices": len(r.members),
        **_sums(r),
        "not_known": [line.payment.key for line in r.entitlement.not_known],
        "not_counted": [line.payment.key for line in r.entitlement.not_counted], "iif": r.iif_text,
        "overrides": sorted(r.overrides),
        "as_of": r.as_of,
    }


def area_totals(money: services.AreaMoney) -> dict:
    return {"pcns": len(money.rows), **_sums(money)}


@router.get("/pcns/{code}/entitlements", response=responses(PcnEntitlementOut, 400, 403, 404, 422),
            summary="A PCN's Network Contract entitlement for a financial year")
def pcn_entitlements(request: HttpRequest, code: str = code_path("PCN"), year: str | None = year_parameter()):
    pcn = permissions.money_pcn(request.scope, code)
    return pcn_dict(services.pcn_entitlement(pcn, _year(year)))


@router.get("/areas/{code}/entitlements", response=responses(AreaEntitlementsOut, 400, 403, 404, 422),
            summary="Every PCN of an area (ICB, region, sub-ICB location or place) for a financial year")
def area_entitlements(request: HttpRequest, code: str = code_path("area"), year: str | None = year_parameter()):
    area = permissions.money_area(request.scope, code)
    money = services.area_entitlements(area, _year(year))
    return {"area": _org(area), "year": money.year.label, "rows": [area_row(r) for r in money.rows],
            "totals": area_totals(money)}


# --- The Investment and Impact Fund computed from the measures -----------------------------------------------


class IIFMonthOut(Schema):
    month: dt.date
    numerator: float | None = Field(description="null when the measures output suppressed the count")
    denominator: float | None


class IIFForecastOut(Schema):
    achievement: float | None
    points: float | None
    gbp: float | None
    method: str = Field(description="How the year end is forecast from the months so far.")


class IIFIndicatorOut(Schema):
    indicator: str
    name: str
    measure: str
    measure_note: str
    worklist: str | None = Field(description="The population health cohort listing the patients to act on.")
    unit: str
    direction: str
    lower: float | None
    upper: float | None
    max_points: float | None
    prevalence_adjusted: bool | None
    months: list[IIFMonthOut]
    numerator: float | None = Field(description="Over the year to date (flows summed, snapshots the latest month).")
    denominator: float | None
    achievement: float | None
    points: float | None = Field(description="null when the indicator's points or thresholds are not known.")
    gbp: float | None = Field(description="null when points or the value of a point are not known.")
    forecast: IIFForecastOut
    to_act_on: int | None = Field(description="Patients in the denominator not in the numerator (or, where lower "
                                              "is better, in the numerator).")
    to_upper_threshold: int | None
    status: str
    notes: list[str]


class IIFNotComputedOut(Schema):
    indicator: str
    name: str
    reason: str


class IIFTotalOut(Schema):
    points: float | None
    gbp: float | None
    forecast_points: float | None
    forecast_gbp: float | None
    status: str
    note: str


class IIFCountedOut(Schema):
    gbp: float = Field(description="What the entitlement counts: the GBP of the indicators computed so far.")
    indicators: list[str]
    not_counted: list[str] = Field(description="The year's other indicators (not computed, or without points).")
    as_of: dt.date
    status: str
    label: str


class PcnIIFOut(Schema):
    pcn: OrgOut
    year: str
    computed: bool = Field(description="false when the measures output has nothing for this PCN and year: "
                                       "the entitlement then shows the IIF's maximum apart, not counted.")
    counted: IIFCountedOut | None = Field(description="What the entitlement's total counts of the IIF; null when "
                                                      "no indicator has GBP (the maximum is then not counted).")
    last_month: dt.date | None
    list_size: int | None
    counts: str = Field(description="Where the counts come from (disclosure-controlled or exact).")
    indicators: list[IIFIndicatorOut]
    not_computed: list[IIFNotComputedOut]
    total: IIFTotalOut | None


@router.get("/pcns/{code}/iif", response=responses(PcnIIFOut, 400, 403, 404, 422),
            summary="A PCN's Investment and Impact Fund over the year to date, computed from the measures")
def pcn_iif(request: HttpRequest, code: str = code_path("PCN"), year: str | None = year_parameter()):
    """Without ``year``, the IIF year of the measures output's last month (else the money pages' year)."""
    pcn = permissions.money_pcn(request.scope, code)
    last = iif_output.last_month() if year is None else None
    chosen = FinancialYear.containing(last) if last is not None else _year(year)
    try:
        catalogue = iif_output.catalogue(chosen)
    except ValueError as exc:
        raise HttpError(400, str(exc)) from None
    result = iif_output.pcn_iif(pcn.code, chosen)
    if result is None:
        return {"pcn": _org(pcn), "year": chosen.label, "computed": False, "counted": None, "last_month": None,
                "list_size": None, "counts": "", "indicators": [], "total": None,
                "not_computed": [{"indicator": i.id, "name": i.name,
                                  "reason": i.measure_note if not i.measure else "no measures for this PCN and year"}
                                 for i in catalogue.indicators]}
    data = result.to_dict()
    return {"pcn": _org(pcn), "year": chosen.label, "computed": True, "counted": data["counted"],
            "last_month": result.last_month,
            "list_size": result.list_size, "counts": data["counts"], "indicators": data["indicators"],
            "not_computed": data["not_computed"], "total": data["total"]}
