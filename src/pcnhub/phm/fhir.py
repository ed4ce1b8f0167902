"""The network service specifications' cohorts as FHIR R4 Group resources, for :mod:`pcnhub.fhir.server`.

A **Group** is one cohort (``cohort_smr``, ``cohort_cvd_statin``, ...: :data:`pcnhub.phm.services.COHORTS`) of one
practice, PCN or ICB, from the population health pipeline's output (``pcnhub phm run``): ``id``
``<organisation>.<cohort>`` (``U00001.cvd-statin``), ``type`` person, ``actual`` true, ``code`` the cohort,
``managingEntity`` the organisation, ``quantity`` its size from ``aggregates.parquet``, disclosure-controlled as
the dashboards (1 to 6 suppressed: no quantity, and the extension saying so; others rounded to 5).  A user sees the
groups of the organisations whose dashboards they may see (:mod:`pcnhub.phm.permissions`).

**Members** only on a read (``GET /fhir/Group/<id>``) of a PCN's or practice's group by a user holding a patient-data
grant that covers it (:func:`pcnhub.phm.permissions.can_see_patients`), exactly as the worklists: each member is
the patient's pseudonymous id (``urn:pcnhub:patient-id``), ``quantity`` is then the exact count, and the read writes
one audit event (action view, the cohort, the number of patients, ``{"via": "fhir"}``) before the answer leaves.
Searches never list members.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pcnhub.fhir import search as s
from pcnhub.fhir.server import Page, ResourceType, SearchParameter, last_updated, resource_id
from pcnhub.phm import permissions, services
from pcnhub.phm.models import AuditAction, AuditEvent
from pcnhub.register.fhir import reference as organisation_reference
from pcnhub.register.models import Organisation, OrgKind

COHORT_SYSTEM: Final = "urn:pcnhub:cohort"
PATIENT_SYSTEM: Final = "urn:pcnhub:patient-id"
SUPPRESSED: Final = "urn:pcnhub:extension:suppressed-small-numbers"
LEVELS: Final = {OrgKind.PRACTICE: "practice", OrgKind.PCN: "pcn", OrgKind.ICB: "icb"}


def _slug(key: str) -> str:
    return key.replace("_", "-")


def _cohort_of(slug: str) -> services.Cohort | None:
    return next((c for c in services.COHORTS.values() if _slug(c.key) == slug), None)


def _output() -> services.Output:
    return s.required(services.output(), f"No population health output in {services.output_dir()}: run `pcnhub phm "
                                         "run` first")


def _written(out: services.Output) -> str:
    return s.file_written(out.path(services.AGGREGATES))


def _may_see(scope, org: Organisation) -> bool:
    if org.kind == OrgKind.ICB:
        return permissions.can_view_area(scope, org)
    return permissions.can_view_dashboard(scope, org)


def group(org: Organisation, cohort: services.Cohort, row: services.Aggregate | None, last_updated: str,
          members: list[int] | None = None) -> dict:
    resource: dict[str, Any] = {
        "resourceType": "Group",
        "id": f"{org.code}.{_slug(cohort.key)}",
        "meta": {"lastUpdated": last_updated},
        "identifier": [{"system": COHORT_SYSTEM, "value": f"{org.code}|{cohort.measure}"}],
        "active": True,
        "type": "person",
        "actual": True,
        "code": {"coding": [{"system": COHORT_SYSTEM, "code": cohort.measure, "display": cohort.name}],
                 "text": cohort.description},
        "name": f"{cohort.name}: {org.name}",
        "managingEntity": organisation_reference(org),
    }
    if members is not None:
        resource["quantity"] = len(members)
        resource["member"] = [{"entity": {"identifier": {"system": PATIENT_SYSTEM, "value": str(patient)}}}
                              for patient in members]
    elif row is None or row.suppressed or row.numerator is None:
        resource["extension"] = [{"url": SUPPRESSED, "valueBoolean": True}]
    else:
        resource["quantity"] = int(row.numerator)
    return resource


def _rows(out: services.Output, orgs: list[Organisation], cohorts: list[services.Cohort]) -> dict[tuple, Any]:
    found: dict[tuple, Any] = {}
    for kind, level in LEVELS.items():
        codes = [o.code for o in orgs if o.kind == kind]
        if codes:
            for row in services.aggregates(out, level, codes, measures=[c.measure for c in cohorts]):
                found[(row.org_code, row.measure)] = row
    return found


def read_group(request, resource_id: str) -> dict:
    scope = request.scope
    code, _, slug = resource_id.rpartition(".")
    cohort = _cohort_of(slug)
    org = Organisation.objects.filter(code=code, kind__in=list(LEVELS)).first() if cohort else None
    if org is None or cohort is None:
        raise s.FhirError(404, "not-found", f"Group/{resource_id} is not a cohort of a practice, PCN or ICB")
    if not _may_see(scope, org):
        scope.refuse(f"Group/{resource_id}")
    out = _output()
    row = _rows(out, [org], [cohort]).get((org.code, cohort.measure))
    members = None
    if org.kind in permissions.SUBJECT_KINDS and permissions.can_see_patients(scope, org):
        practices = [p.code for p in services.practices_of(org)]
        members = [int(r["patient_id"]) for r in services.worklist(out, cohort, practices, sort="patient_id",
                                                                    descending=False)]
        AuditEvent.record(request, AuditAction.VIEW, org, cohort=cohort.key, patients=len(members),
                          filters={"via": "fhir", "resource": f"Group/{resource_id}"})
    return group(org, cohort, row, _written(out), members)


def search_groups(request, filters: Mapping[str, list[Any]], offset: int, count: int) -> Page:
    scope = request.scope
    out = _output()
    written = _written(out)
    if not s.updated_within(filters, written):
        return Page([], 0)
    cohorts = list(services.COHORTS.values())
    for token in filters.get("code", ()):
        if token.system not in (None, COHORT_SYSTEM):
            return Page([], 0)
        cohorts = [c for c in cohorts if token.value in (None, c.measure, c.key)]
    orgs = scope.organisations(Organisation.objects.filter(kind__in=list(LEVELS)))
    for code in filters.get("managing-entity", ()):
        orgs = orgs.filter(code=code)
    visible = [o for o in orgs.order_by("code") if _may_see(scope, o)]
    wanted = set(filters.get("_id", ()))
    pairs = [(o, c) for o in visible for c in cohorts if not wanted or f"{o.code}.{_slug(c.key)}" in wanted]
    page = pairs[offset: offset + count]
    rows = _rows(out, sorted({o for o, _ in page}, key=lambda o: o.code), sorted({c for _, c in page},
                                                                                 key=lambda c: c.key))
    return Page([group(o, c, rows.get((o.code, c.measure)), written) for o, c in page], len(pairs))


GROUP: Final = ResourceType(
    name="Group",
    profile=None,
    documentation="Each network service specification cohort of each practice, PCN and ICB (pcnhub phm run): its "
                  "size, disclosure-controlled; members (pseudonymous patient ids) on a read by a holder of a "
                  "patient-data grant for it, audited.",
    read=read_group,
    search=search_groups,
    parameters=(
        resource_id("The resource's id (<organisation>.<cohort>)"),
        SearchParameter("code", "token", f"The cohort ({COHORT_SYSTEM}: "
                        f"{', '.join(c.measure for c in services.COHORTS.values())})",
                        s.parser("token", "code"),
                        "http://hl7.org/fhir/SearchParameter/Group-code"),
        SearchParameter("managing-entity", "reference", "The practice, PCN or ICB (Organization/CODE or CODE)",
                        s.parser("reference", "managing-entity"),
                        "http://hl7.org/fhir/SearchParameter/Group-managing-entity"),
        last_updated("When the pipeline's output was written"),
    ),
)

TYPES: Final = (GROUP,)
