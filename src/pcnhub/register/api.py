"""The register's JSON API router (django-ninja), with the same permissions as the pages.

Mounted at the root of the site's API by :mod:`pcnhub.webapp.api`; organisations outside the
user's scope give 403.
"""


import datetime as dt

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from pcnhub.accounts.scope import visible_organisation
from pcnhub.domain import rules
from pcnhub.pages.api import (
    DateText,
    Pages,
    area_parameter,
    band_of,
    code_path,
    date_parameter,
    lower_parameter,
    responses,
    upper_binds_parameter,
    upper_parameter,
)
from pcnhub.register import services
from pcnhub.register.models import (
    BandPolicy,
    ClinicalDirector,
    Governance,
    ListSize,
    Membership,
    Organisation,
    OrgKind,
    Partnership,
)

router = Router()

#: What ``?date=`` means wherever the register answers for a date.
DATE = "the date to answer for, YYYY-MM-DD (default: the newest date the register has data for)"


class OrganisationOut(Schema):
    code: str
    name: str
    kind: str
    postcode: str
    status: str
    open_date: dt.date | None
    close_date: dt.date | None


class MemberOut(Schema):
    code: str
    name: str
    list_size: int | None = Field(description="Registered list on or before the date asked for.")
    list_size_date: dt.date | None
    member_from: dt.date | None
    member_to: dt.date | None
    des_signed: bool


class FindingOut(Schema):
    rule: str
    severity: str
    message: str
    network: str | None
    practices: list[str]


class BandOut(Schema):
    lower: int
    upper: int
    upper_binds: bool


class BandPolicyOut(Schema):
    area: str
    area_name: str
    start: dt.date | None
    end: dt.date | None
    lower: int
    upper: int
    upper_binds: bool
    reason: str


class NetworkOut(Schema):
    code: str
    name: str
    list_size: int
    practices: list[MemberOut]
    clinical_directors: list[str]
    findings: list[FindingOut]
    band: BandOut


class ContiguityOut(Schema):
    checked: bool
    note: str
    max_edge_km: float | None
    located: int
    approximate: dict[str, str]
    unlocated: dict[str, str]


class LandscapeOut(Schema):
    area: OrganisationOut
    date: dt.date
    band: BandOut
    policy: BandPolicyOut | None
    list_size: int
    networks: list[NetworkOut]
    uncovered_practices: list[OrganisationOut]
    findings: list[FindingOut]
    broken: bool
    contiguity: ContiguityOut | None


class MembershipOut(Schema):
    practice: str
    practice_name: str
    pcn: str
    pcn_name: str
    start: dt.date | None
    end: dt.date | None
    des_signed: bool
    source: str


class ListSizeOut(Schema):
    date: dt.date
    registered: int
    weighted: float | None
    adjusted: float | None
    source: str


class PartnerOut(Schema):
    code: str
    name: str
    partner_type: str
    role: str
    start: dt.date | None
    end: dt.date | None


class ClinicalDirectorOut(Schema):
    name: str
    practice: str | None
    start: dt.date | None
    end: dt.date | None


class GovernanceOut(Schema):
    start: dt.date | None
    end: dt.date | None
    nominated_payee: str | None = Field(description="ODS code of the organisation receiving network funding.")
    nominated_payee_name: str | None
    delivery_model: str
    network_agreement: str
    network_agreement_date: dt.date | None


class GovernanceHistoryOut(Schema):
    clinical_directors: list[ClinicalDirectorOut]
    governance: list[GovernanceOut]


class MeOut(Schema):
    username: str
    role: str | None
    organisation: OrganisationOut | None


def _visible(request: HttpRequest, code: str, kind: str | None = None) -> Organisation:
    return visible_organisation(request.scope, code, None if kind is None else [kind], kind or "organisation")


def _date(value: str | None) -> dt.date:
    try:
        return services.parse_date(value) or services.latest_data_date()
    except ValueError as exc:
        raise HttpError(400, str(exc)) from None


def _finding(f: rules.Finding) -> dict:
    return f.to_dict()


def _member(m: services.MemberRow) -> dict:
    return {
        "code": m.practice.code,
        "name": m.practice.name,
        "list_size": m.registered,
        "list_size_date": m.list_size.date if m.list_size else None,
        "member_from": m.membership.start,
        "member_to": m.membership.end,
        "des_signed": m.membership.des_signed,
    }


def _network(row: services.NetworkRow) -> dict:
    return {
        "code": row.pcn.code,
        "name": row.pcn.name,
        "list_size": row.list_size,
        "practices": [_member(m) for m in row.members],
        "clinical_directors": [cd.name for cd in row.clinical_directors],
        "findings": [_finding(f) for f in row.findings],
        "band": row.band.to_dict(),
    }


@router.get("/me", response=responses(MeOut), summary="The signed-in user and their role")
def me(request):
    scope = request.scope
    return {"username": request.user.username, "role": scope.role, "organisation": scope.organisation}


@router.get("/organisations", response=responses(list[OrganisationOut], 422), summary="Organisations you can see")
@paginate(Pages)
def organisations(request, kind: OrgKind | None = None,
                  q: str = Query("", max_length=services.MAX_QUERY, pattern=r"^[^\x00]*$",
                                 description=f"an ODS code or part of a name, up to {services.MAX_QUERY} characters "
                                 "(no NUL character)")):
    qs = request.scope.organisations()
    if kind:
        qs = qs.filter(kind=kind)
    if q.strip():
        qs = qs.filter(Q(code__iexact=q.strip()) | Q(name__icontains=q.strip()))
    return qs.order_by("name", "code")


@router.get("/organisations/{code}", response=responses(OrganisationOut, 403, 404, 422), summary="One organisation")
def organisation(request, code: str = code_path("organisation")):
    return _visible(request, code)


@router.get("/organisations/{code}/list-sizes", response=responses(list[ListSizeOut], 400, 403, 404, 422),
             summary="List sizes by date")
def list_sizes(request, code: str = code_path("organisation")):
    org = _visible(request, code)
    if org.kind == OrgKind.PCN:
        raise HttpError(400, f"A PCN's list size is the sum of its members' on a date: use "
                             f"/api/pcns/{org.code}?date=YYYY-MM-DD.")
    return ListSize.objects.filter(organisation=org).order_by("date")


@router.get("/practices/{code}/memberships", response=responses(list[MembershipOut], 403, 404, 422),
             summary="A practice's PCN history")
def practice_memberships(request, code: str = code_path("practice")):
    org = _visible(request, code, OrgKind.PRACTICE)
    return [_membership(m) for m in Membership.objects.filter(practice=org).select_related("practice", "pcn")]


@router.get("/pcns/{code}", response=responses(NetworkOut, 400, 403, 404, 422),
             summary="A PCN on a date: members, list size, findings")
def pcn(request, code: str = code_path("PCN"), date: DateText | None = date_parameter(DATE),
        lower: int | None = lower_parameter(), upper: int | None = upper_parameter(),
        upper_binds: bool | None = upper_binds_parameter()):
    org = _visible(request, code, OrgKind.PCN)
    return _network(services.checked_network(org, _date(date), band_of(lower, upper, upper_binds), contiguity=False))


@router.get("/pcns/{code}/memberships", response=responses(list[MembershipOut], 403, 404, 422),
             summary="Membership history of a PCN")
def pcn_memberships(request, code: str = code_path("PCN")):
    org = _visible(request, code, OrgKind.PCN)
    return [_membership(m) for m in Membership.objects.filter(pcn=org).select_related("practice", "pcn")]


@router.get("/pcns/{code}/partners", response=responses(list[PartnerOut], 403, 404, 422),
             summary="Core and wider partners of a PCN")
def pcn_partners(request, code: str = code_path("PCN")):
    org = _visible(request, code, OrgKind.PCN)
    return [
        {"code": p.partner.code, "name": p.partner.name, "partner_type": p.partner.partner_type,
         "role": p.role, "start": p.start, "end": p.end}
        for p in Partnership.objects.filter(pcn=org).select_related("partner")
    ]


@router.get("/pcns/{code}/governance", response=responses(GovernanceHistoryOut, 403, 404, 422),
             summary="Clinical Directors and governance over time")
def pcn_governance(request, code: str = code_path("PCN")):
    org = _visible(request, code, OrgKind.PCN)
    directors = ClinicalDirector.objects.filter(pcn=org).select_related("practice").order_by("start", "name")
    governance = Governance.objects.filter(pcn=org).select_related("nominated_payee").order_by("start")
    return {
        "clinical_directors": [
            {"name": cd.name, "practice": cd.practice.code if cd.practice else None, "start": cd.start, "end": cd.end}
            for cd in directors
        ],
        "governance": [
            {"start": g.start, "end": g.end,
             "nominated_payee": g.nominated_payee.code if g.nominated_payee else None,
             "nominated_payee_name": g.nominated_payee.name if g.nominated_payee else None,
             "delivery_model": g.delivery_model, "network_agreement": g.network_agreement,
             "network_agreement_date": g.network_agreement_date}
            for g in governance
        ],
    }


@router.get("/landscape", response=responses(LandscapeOut, 400, 403, 404, 422),
             summary="The PCN landscape of an area, checked against the rules")
def landscape(request, area: str = area_parameter(), date: DateText | None = date_parameter(DATE),
              lower: int | None = lower_parameter(), upper: int | None = upper_parameter(),
              upper_binds: bool | None = upper_binds_parameter()):
    org = _visible(request, area)
    if org.kind not in services.AREA_KINDS:
        raise HttpError(400, f"{area} is a {org.get_kind_display()}, not an area (region, ICB, sub-ICB or place).")
    view = services.cached_landscape(org, _date(date), band_of(lower, upper, upper_binds))
    return {
        "area": org,
        "date": view.date,
        "band": view.band.to_dict(),
        "policy": _policy(view.policy),
        "list_size": view.total,
        "networks": [_network(r) for r in view.networks],
        "uncovered_practices": view.uncovered,
        "findings": [_finding(f) for f in view.result.findings],
        "broken": view.result.broken,
        "contiguity": view.contiguity.to_dict() if view.contiguity else None,
    }


def _policy(policy: BandPolicy | None) -> dict | None:
    if policy is None:
        return None
    return {
        "area": policy.area.code, "area_name": policy.area.name, "start": policy.start, "end": policy.end,
        "lower": policy.lower, "upper": policy.upper, "upper_binds": policy.upper_binds, "reason": policy.reason,
    }


def _membership(m: Membership) -> dict:
    return {
        "practice": m.practice.code, "practice_name": m.practice.name, "pcn": m.pcn.code,
        "pcn_name": m.pcn.name, "start": m.start, "end": m.end, "des_signed": m.des_signed, "source": m.source,
    }
