"""The register as FHIR R4 resources (UK Core profiles where they exist), for :mod:`pcnhub.fhir.server`.

**Organization** (UK Core Organization): every organisation of the register, regions, ICBs, sub-ICB
locations, places, PCNs, practices and partners; ``id`` and ``identifier`` the ODS code (system
``https://fhir.nhs.uk/Id/ods-organization-code``), or for a body without one (a local PCN or place, "L-..."),
pcnhub's local code (:data:`LOCAL_SYSTEM`); ``type`` the kind of organisation (:data:`KIND_SYSTEM`; a
practice also ODS's role RO76, GP practice); ``name`` the newest name and ``alias`` the earlier ones;
``active`` false once closed; ``address`` the postcode and address held; ``partOf`` where it sits today
(sub-ICB location, place, ICB or region, the nearest of those held).

**OrganizationAffiliation**: each dated membership of a practice in a PCN (``membership-<n>``, role
``member``, the DES sign-up as an extension) and each core or wider partner of a PCN (``partnership-<n>``,
role ``core-partner`` or ``wider-partner``): ``organization`` the PCN, ``participatingOrganization`` the
practice or partner, ``period`` the first and last day (inclusive), ``active`` whether today is in it.

``meta.lastUpdated`` is when the rows behind a resource last changed (an organisation's own, its names' and
its parents'; an affiliation's row).  A user sees the organisations of their scope
(:class:`pcnhub.accounts.scope.Scope`), and the affiliations both of whose organisations they see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Final

from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from pcnhub.fhir import queries
from pcnhub.fhir import search as s
from pcnhub.fhir.server import Page, ResourceType, SearchParameter, last_updated, resource_id
from pcnhub.register.models import Membership, Organisation, OrganisationName, OrgKind, Parentage, Partnership

ODS_SYSTEM: Final = "https://fhir.nhs.uk/Id/ods-organization-code"
LOCAL_SYSTEM: Final = "urn:pcnhub:local-organisation-code"
KIND_SYSTEM: Final = "urn:pcnhub:organisation-kind"
ROLE_SYSTEM: Final = "urn:pcnhub:affiliation-role"
DES_SIGNED: Final = "urn:pcnhub:extension:network-contract-des-signed"
#: ODS's role of a GP practice (the prescribing setting of newer epraccur files; shared/reference/data-formats.md).
ODS_ROLE_SYSTEM: Final = "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSOrganisationRole"
GP_PRACTICE_ROLE: Final = ("RO76", "GP PRACTICE")
UK_CORE_ORGANIZATION: Final = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Organization"
#: Which parent ``partOf`` names when an organisation sits in several: the nearest kind first.
PART_OF_ORDER: Final = (OrgKind.SUB_ICB, OrgKind.PLACE, OrgKind.ICB, OrgKind.REGION)
ROLES: Final = {"member": "Member practice", "core-partner": "Core partner", "wider-partner": "Wider partner"}


def _today() -> dt.date:
    return dt.date.today()


def _is_local(code: str) -> bool:
    return code.startswith("L-")


def identifier(code: str) -> dict:
    return {"system": LOCAL_SYSTEM if _is_local(code) else ODS_SYSTEM, "value": code}


def reference(org: Organisation) -> dict:
    return {"reference": f"Organization/{org.code}", "identifier": identifier(org.code), "display": org.name}


# --- Organization -----------------------------------------------------------------------------------


def _organisations() -> QuerySet[Organisation]:
    def newest(model, key: str) -> Subquery:
        rows = model.objects.filter(**{key: OuterRef("pk")}).order_by().values(key).annotate(last=Max("updated"))
        return Subquery(rows.values("last")[:1])

    return Organisation.objects.annotate(
        last_changed=Greatest(
            F("updated"),
            Coalesce(newest(OrganisationName, "organisation"), F("updated")),
            Coalesce(newest(Parentage, "child"), F("updated")),
        )
    )


def organization(org: Organisation, names: Iterable[str], parent: Organisation | None, today: dt.date) -> dict:
    kind = OrgKind(org.kind)
    codings = [{"system": KIND_SYSTEM, "code": kind.value, "display": kind.label}]
    if kind == OrgKind.PRACTICE:
        codings.append({"system": ODS_ROLE_SYSTEM, "code": GP_PRACTICE_ROLE[0], "display": GP_PRACTICE_ROLE[1]})
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": org.code,
        "meta": {"lastUpdated": s.instant(getattr(org, "last_changed", None) or org.updated),
                 "profile": [UK_CORE_ORGANIZATION]},
        "identifier": [identifier(org.code)],
        "active": org.close_date is None or org.close_date >= today,
        "type": [{"coding": codings, "text": kind.label}],
        "name": org.name,
    }
    aliases = sorted({n for n in names if n and n != org.name})
    if aliases:
        resource["alias"] = aliases
    if org.postcode or org.address:
        address: dict[str, Any] = {"use": "work"}
        if org.address:
            address["text"] = org.address
        if org.postcode:
            address["postalCode"] = org.postcode
        resource["address"] = [address]
    if parent is not None:
        resource["partOf"] = reference(parent)
    return resource


def _organizations(orgs: list[Organisation], today: dt.date) -> list[dict]:
    ids = [o.pk for o in orgs]
    names: dict[int, list[str]] = {}
    for pk, name in OrganisationName.objects.filter(organisation_id__in=ids).values_list("organisation_id", "name"):
        names.setdefault(pk, []).append(name)
    parents: dict[int, Organisation] = {}
    rank = {kind: i for i, kind in enumerate(PART_OF_ORDER)}
    for link in Parentage.objects.on(today).filter(child_id__in=ids).select_related("parent"):
        held = parents.get(link.child_id)
        if link.parent.kind in rank and (held is None or rank[link.parent.kind] < rank[held.kind]):
            parents[link.child_id] = link.parent
    return [organization(o, names.get(o.pk, ()), parents.get(o.pk), today) for o in orgs]


def read_organization(request, resource_id: str) -> dict:
    scope = request.scope
    org = _organisations().filter(code=resource_id).first()
    if org is None:
        raise s.FhirError(404, "not-found", f"Organization/{resource_id} is not in the register")
    if not scope.can_view(org):
        scope.refuse(f"Organization/{resource_id}")
    return _organizations([org], _today())[0]


def _identifier_q(tokens: list[s.Token], column: str = "code") -> Q:
    condition = Q()
    for token in tokens:
        if token.system not in (None, ODS_SYSTEM, LOCAL_SYSTEM):
            return Q(pk__in=[])
        if token.system is not None:
            local = Q(**{f"{column}__startswith": "L-"})
            condition &= local if token.system == LOCAL_SYSTEM else ~local
        if token.value is not None:
            condition &= Q(**{column: token.value.strip().upper()})
    return condition


def _name_q(texts: list[s.Text]) -> Q:
    condition = Q()
    for text in texts:
        lookup = {"starts": "istartswith", "exact": "exact", "contains": "icontains"}[text.how]
        former = OrganisationName.objects.filter(**{f"name__{lookup}": text.value}).values("organisation_id")
        condition &= Q(**{f"name__{lookup}": text.value}) | Q(pk__in=former)
    return condition


def search_organizations(request, filters: Mapping[str, list[Any]], offset: int, count: int) -> Page:
    scope = request.scope
    today = _today()
    rows = scope.organisations(_organisations())
    if "_id" in filters:
        for wanted in filters["_id"]:
            rows = rows.filter(code=wanted)
    if "identifier" in filters:
        rows = rows.filter(_identifier_q(filters["identifier"]))
    if "name" in filters:
        rows = rows.filter(_name_q(filters["name"]))
    for parent in filters.get("partof", ()):
        rows = rows.filter(pk__in=Parentage.objects.on(today).filter(parent__code=parent).values("child_id"))
    for kind in filters.get("type", ()):
        if kind.system not in (None, KIND_SYSTEM) or (kind.value is not None and kind.value not in OrgKind.values):
            return Page([], 0)
        if kind.value is not None:
            rows = rows.filter(kind=kind.value)
    for value in filters.get("active", ()):
        closed = Q(close_date__lt=today)
        rows = rows.filter(~closed if value else closed)
    for moment in filters.get("_lastUpdated", ()):
        rows = rows.filter(queries.instants(moment, "last_changed"))
    total = rows.count()
    page = list(rows.order_by("code")[offset: offset + count]) if count else []
    return Page(_organizations(page, today), total)


# --- OrganizationAffiliation -------------------------------------------------------------------------


def _membership(m: Membership, today: dt.date) -> dict:
    resource = _affiliation(f"membership-{m.pk}", m, m.pcn, m.practice, "member", today)
    resource["extension"] = [{"url": DES_SIGNED, "valueBoolean": m.des_signed}]
    return resource


def _partnership(p: Partnership, today: dt.date) -> dict:
    return _affiliation(f"partnership-{p.pk}", p, p.pcn, p.partner, f"{p.role}-partner", today)


def _affiliation(resource_id: str, row, pcn: Organisation, member: Organisation, role: str, today: dt.date) -> dict:
    resource: dict[str, Any] = {
        "resourceType": "OrganizationAffiliation",
        "id": resource_id,
        "meta": {"lastUpdated": s.instant(row.updated)},
        "active": row.applies_on(today),
        "organization": reference(pcn),
        "participatingOrganization": reference(member),
        "code": [{"coding": [{"system": ROLE_SYSTEM, "code": role, "display": ROLES[role]}], "text": ROLES[role]}],
    }
    period = {}
    if row.start is not None:
        period["start"] = row.start.isoformat()
    if row.end is not None:
        period["end"] = row.end.isoformat()
    if period:
        resource["period"] = period
    return resource


def _visible(scope, rows: QuerySet, member: str) -> QuerySet:
    ids = scope.visible_ids
    if ids is None:
        return rows
    return rows.filter(pcn_id__in=ids, **{f"{member}_id__in": ids})


def read_affiliation(request, resource_id: str) -> dict:
    scope = request.scope
    kind, _, number = resource_id.partition("-")
    model, member = {"membership": (Membership, "practice"), "partnership": (Partnership, "partner")}.get(
        kind, (None, None))
    row = None
    if model is not None and number.isdigit() and len(number) < 19:
        row = model.objects.select_related("pcn", member).filter(pk=int(number)).first()
    if row is None:
        raise s.FhirError(404, "not-found", f"OrganizationAffiliation/{resource_id} is not in the register")
    if not (scope.can_view(row.pcn) and scope.can_view(getattr(row, member))):
        scope.refuse(f"OrganizationAffiliation/{resource_id}")
    today = _today()
    return _membership(row, today) if model is Membership else _partnership(row, today)


def _affiliation_rows(model, member: str, scope, filters: Mapping[str, list[Any]], today: dt.date,
                      roles: set[str]) -> QuerySet:
    rows = _visible(scope, model.objects.select_related("pcn", member), member)
    if model is Membership and "member" not in roles:
        return rows.none()
    if model is Partnership:
        wanted = {role.removesuffix("-partner") for role in roles if role.endswith("-partner")}
        rows = rows.filter(role__in=wanted)
    for code in filters.get("primary-organization", ()):
        rows = rows.filter(pcn__code=code)
    for code in filters.get("participating-organization", ()):
        rows = rows.filter(**{f"{member}__code": code})
    for name in ("date", "period"):
        for moment in filters.get(name, ()):
            rows = rows.filter(queries.dated_rows(moment))
    for value in filters.get("active", ()):
        on = Q(start__isnull=True) | Q(start__lte=today), Q(end__isnull=True) | Q(end__gte=today)
        rows = rows.filter(*on) if value else rows.exclude(Q(*on))
    for moment in filters.get("_lastUpdated", ()):
        rows = rows.filter(queries.instants(moment, "updated"))
    prefix = "membership-" if model is Membership else "partnership-"
    for wanted in filters.get("_id", ()):
        number = wanted.removeprefix(prefix)
        rows = rows.filter(pk=int(number)) if wanted.startswith(prefix) and number.isdigit() and len(
            number) < 19 else rows.none()
    return rows.order_by("pk")


def search_affiliations(request, filters: Mapping[str, list[Any]], offset: int, count: int) -> Page:
    scope = request.scope
    today = _today()
    roles = set(ROLES)
    for token in filters.get("role", ()):
        if token.system not in (None, ROLE_SYSTEM):
            return Page([], 0)
        roles &= {token.value} if token.value is not None else roles
    members = _affiliation_rows(Membership, "practice", scope, filters, today, roles)
    partners = _affiliation_rows(Partnership, "partner", scope, filters, today, roles)
    first, second = members.count(), partners.count()
    resources: list[dict] = []
    if count:
        end = offset + count
        if offset < first:
            resources += [_membership(m, today) for m in members[offset: min(end, first)]]
        if end > first:
            start = max(0, offset - first)
            resources += [_partnership(p, today) for p in partners[start: end - first]]
    return Page(resources, first + second)


# --- the search parameters ----------------------------------------------------------------------------


_LAST_UPDATED = last_updated()
#: ``_id`` read as a FHIR id (a value that is not one is a 400).
_ID = resource_id(parse=s.parser("reference", "_id", ""))
_PERIOD_DOC = ("The days of the affiliation (FHIR date search on a period: period=ge2022-04-01&period=le2022-04-01 "
               "for those in force on 1 April 2022)")

ORGANIZATION: Final = ResourceType(
    exported=True,
    name="Organization",
    profile=UK_CORE_ORGANIZATION,
    documentation="Regions, ICBs, sub-ICB locations, places, PCNs, GP practices and partner organisations of the "
                  "register; id the ODS code (local 'L-' codes for bodies without one).",
    read=read_organization,
    search=search_organizations,
    parameters=(
        _ID,
        SearchParameter("identifier", "token", f"ODS code ({ODS_SYSTEM}|CODE) or local code ({LOCAL_SYSTEM}|CODE)",
                        s.parser("token", "identifier"), "http://hl7.org/fhir/SearchParameter/Organization-identifier"),
        SearchParameter("name", "string", "Name or former name: starts with (any case), :exact or :contains",
                        s.parser("string", "name"),
                        "http://hl7.org/fhir/SearchParameter/Organization-name"),
        SearchParameter("partof", "reference", "Sits in this organisation today (Organization/CODE or CODE)",
                        s.parser("reference", "partof"), "http://hl7.org/fhir/SearchParameter/Organization-partof"),
        SearchParameter("type", "token", f"Kind of organisation ({KIND_SYSTEM}: "
                        f"{', '.join(OrgKind.values)})", s.parser("token", "type"),
                        "http://hl7.org/fhir/SearchParameter/Organization-type"),
        SearchParameter("active", "token", "true: open today; false: closed", s.parser("boolean", "active"),
                        "http://hl7.org/fhir/SearchParameter/Organization-active"),
        _LAST_UPDATED,
    ),
)

ORGANIZATION_AFFILIATION: Final = ResourceType(
    exported=True,
    name="OrganizationAffiliation",
    profile=None,
    documentation="Each dated membership of a practice in a PCN (membership-N) and each core or wider partner of a "
                  "PCN (partnership-N).",
    read=read_affiliation,
    search=search_affiliations,
    parameters=(
        _ID,
        SearchParameter("primary-organization", "reference", "The PCN (Organization/CODE or CODE)",
                        s.parser("reference", "primary-organization"),
                        "http://hl7.org/fhir/SearchParameter/OrganizationAffiliation-primary-organization"),
        SearchParameter("participating-organization", "reference", "The practice or partner (Organization/CODE or "
                        "CODE)", s.parser("reference", "participating-organization"),
                        "http://hl7.org/fhir/SearchParameter/OrganizationAffiliation-participating-organization"),
        SearchParameter("role", "token", f"{ROLE_SYSTEM}: {', '.join(ROLES)}", s.parser("token", "role"),
                        "http://hl7.org/fhir/SearchParameter/OrganizationAffiliation-role"),
        SearchParameter("date", "date", _PERIOD_DOC, s.parser("date", "date"),
                        "http://hl7.org/fhir/SearchParameter/OrganizationAffiliation-date"),
        SearchParameter("period", "date", f"The same as date. {_PERIOD_DOC}", s.parser("date", "period")),
        SearchParameter("active", "token", "true: in force today", s.parser("boolean", "active"),
                        "http://hl7.org/fhir/SearchParameter/OrganizationAffiliation-active"),
        _LAST_UPDATED,
    ),
)

TYPES: Final = (ORGANIZATION, ORGANIZATION_AFFILIATION)
