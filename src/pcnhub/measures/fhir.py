"""The measures as FHIR R4 Measure and MeasureReport resources, for :mod:`pcnhub.fhir.server`.

**Measure**: every packaged definition (``reference/measures/*.toml``); ``id`` the definition's id with ``-`` for
``_`` (a FHIR id has no underscore), ``identifier`` and ``url`` the id itself; ``scoring`` proportion for a
percentage, ratio for a rate or ratio, continuous-variable for money; ``improvementNotation`` from the direction;
the numerator and denominator as populations; the source as a citation.

**MeasureReport**: a summary report of one measure for one organisation (practice, PCN, sub-ICB location, ICB, or
England) and one month, from the measures engine's output (``pcnhub measures run``: ``measure_values.parquet``),
disclosure-controlled as the pages are: a suppressed row has neither counts nor score, only the extension saying
it was suppressed.  ``reporter`` is the organisation (none for England; search ``level=england``), ``period`` the
month.  ``id`` is ``<organisation>.<YYYY-MM>.<8 hex digits naming the measure>``.  ``meta.lastUpdated`` is when
the output was written.  A user sees the reports of the organisations whose measures pages they may see
(:mod:`pcnhub.measures.permissions`) and England's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from typing import Any, Final

from pcnhub.analytics.measures.levels import ENGLAND
from pcnhub.analytics.measures.run import VALUES_FILE
from pcnhub.fhir import search as s
from pcnhub.fhir.codes import (
    IMPROVEMENT_SYSTEM, MEASURE_SYSTEM, POPULATION_SYSTEM, SCORING_SYSTEM, measure_canonical,
)
from pcnhub.fhir.server import Page, ResourceType, SearchParameter, last_updated, resource_id
from pcnhub.finance import fhir as iif_fhir
from pcnhub.finance import iif_output
from pcnhub.finance.permissions import can_view_money
from pcnhub.measures import permissions, services
from pcnhub.reference import measures as definitions
from pcnhub.register.fhir import reference as organisation_reference
from pcnhub.register.models import Organisation

SUPPRESSED: Final = "urn:pcnhub:extension:suppressed-small-numbers"
NUMERATOR_SUM: Final = "urn:pcnhub:extension:numerator-sum"
LEVEL_SYSTEM: Final = "urn:pcnhub:measure-level"
#: A report's identifier: measure|level|organisation|YYYY-MM.
REPORT_SYSTEM: Final = "urn:pcnhub:measure-report"
SCORING: Final = {"percent": "proportion", "per_1000": "ratio", "ratio": "ratio", "gbp_per_patient": "ratio",
                  "gbp": "continuous-variable"}
IMPROVEMENT: Final = {"higher": "increase", "lower": "decrease"}
#: The language of a population's criteria: a section of a pcnhub measure definition (reference/measures/README.md).
CRITERIA_LANGUAGE: Final = "text/x-pcnhub-measure-definition"
LEVELS: Final = ("practice", "pcn", "sub_icb", "icb", "england")


def fhir_id(measure_id: str) -> str:
    return measure_id.replace("_", "-")


def canonical(measure_id: str) -> str:
    return measure_canonical(measure_id)


def _digest(measure_id: str) -> str:
    return hashlib.sha256(measure_id.encode()).hexdigest()[:8]


def _definitions_changed() -> str:
    return s.instant(definitions.changed())


def measure(m: definitions.Measure, last_updated: str) -> dict:
    resource: dict[str, Any] = {
        "resourceType": "Measure",
        "id": fhir_id(m.id),
        "meta": {"lastUpdated": last_updated},
        "url": canonical(m.id),
        "identifier": [{"system": MEASURE_SYSTEM, "value": m.id}],
        "name": "".join(part.capitalize() for part in m.id.split("_")),
        "title": m.title,
        "status": "active",
        "description": m.why,
        "usage": "Serves: " + "; ".join(m.serves) if m.serves else None,
        "scoring": {"coding": [{"system": SCORING_SYSTEM, "code": SCORING[m.unit]}]},
        "relatedArtifact": [{"type": "citation", "citation": f"{m.source} (pcnhub status: {m.status})"}],
        "group": [{
            "description": f"{services.UNIT_LABELS.get(m.unit, m.unit)}; disclosure-controlled: counts of 1 to 6 "
                           "suppressed, the others rounded to 5",
            "population": [
                _population(m, "numerator", f"Counts {m.numerator.count}" + (
                    f", summing {m.numerator.sum}" if m.numerator.sum else "")),
                _population(m, "denominator", f"Counts {m.denominator.count}"),
            ],
        }],
    }
    if m.direction in IMPROVEMENT:
        resource["improvementNotation"] = {"coding": [{"system": IMPROVEMENT_SYSTEM,
                                                       "code": IMPROVEMENT[m.direction]}]}
    if m.note:
        resource["purpose"] = m.note
    return {k: v for k, v in resource.items() if v is not None}


def _population(m: definitions.Measure, code: str, description: str) -> dict:
    """A population of the measure, its criteria the section of the definition file that says who counts."""
    return {"code": {"coding": [{"system": POPULATION_SYSTEM, "code": code}]}, "description": description,
            "criteria": {"language": CRITERIA_LANGUAGE,
                         "expression": f"{definitions.FOLDER}/{m.id}.toml [{code}]"}}


def _by_fhir_id() -> dict[str, definitions.Measure]:
    return {fhir_id(m.id): m for m in definitions.measures()}


def read_measure(request, resource_id: str) -> dict:
    found = _by_fhir_id().get(resource_id)
    if found is None:
        indicator = iif_fhir.read_measure(request, resource_id)
        if indicator is not None:
            return indicator
    if found is None:
        raise s.FhirError(404, "not-found", f"Measure/{resource_id} is not a measure of pcnhub")
    return measure(found, _definitions_changed())


def search_measures(request, filters: Mapping[str, list[Any]], offset: int, count: int) -> Page:
    found = list(definitions.measures())
    for wanted in filters.get("_id", ()):
        found = [m for m in found if fhir_id(m.id) == fhir_id(wanted)]
    for token in filters.get("identifier", ()):
        found = [m for m in found if token.system in (None, MEASURE_SYSTEM) and token.value in (None, m.id)]
    for url in filters.get("url", ()):
        found = [m for m in found if canonical(m.id) == url]
    for text in filters.get("title", ()):
        found = [m for m in found if s.text_matches(text, m.title)]
    changed = _definitions_changed()
    found = found if s.updated_within(filters, changed) else []
    every = [measure(m, changed) for m in found] + [
        m for m in iif_fhir.measures(filters) if s.updated_within(filters, m["meta"]["lastUpdated"])]
    return Page(every[offset: offset + count], len(every))


# --- MeasureReport ------------------------------------------------------------------------------------


def _month_end(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1) - dt.timedelta(days=1)


def measure_report(row: services.Value, org: Organisation | None, last_updated: str) -> dict:
    group: dict[str, Any] = {}
    extension = [{"url": SUPPRESSED, "valueBoolean": row.suppressed}]
    if not row.suppressed:
        populations = []
        if row.numerator is not None:
            numerator = {"code": {"coding": [{"system": POPULATION_SYSTEM, "code": "numerator"}]}}
            if float(row.numerator).is_integer():
                numerator["count"] = int(row.numerator)
            else:
                extension.append({"url": NUMERATOR_SUM, "valueDecimal": row.numerator})
            populations.append(numerator)
        if row.denominator is not None:
            populations.append({"code": {"coding": [{"system": POPULATION_SYSTEM, "code": "denominator"}]},
                                "count": int(row.denominator)})
        if populations:
            group["population"] = populations
        if row.value is not None:
            group["measureScore"] = {"value": row.value}
    resource: dict[str, Any] = {
        "resourceType": "MeasureReport",
        "id": f"{row.org_code}.{row.month:%Y-%m}.{_digest(row.measure)}",
        "meta": {"lastUpdated": last_updated},
        "extension": extension,
        "identifier": [{"system": REPORT_SYSTEM,
                        "value": f"{row.measure}|{row.level}|{row.org_code}|{row.month:%Y-%m}"}],
        "status": "complete",
        "type": "summary",
        "measure": canonical(row.measure),
        "period": {"start": row.month.isoformat(), "end": _month_end(row.month).isoformat()},
        "group": [group] if group else [{}],
    }
    if org is not None:
        resource["reporter"] = organisation_reference(org)
    if resource["group"] == [{}]:
        del resource["group"]
    return resource


def _output() -> services.Output:
    return s.required(services.output(), f"No measures output in {services.measures_dir()}: run `pcnhub measures run` "
                                         "first")


def _written(out: services.Output) -> str:
    return s.file_written(out.path(VALUES_FILE))


def _visible_codes(scope) -> list[str] | None:
    """The organisations whose reports the user may see (None: every one); England's always."""
    if scope.unrestricted:
        return None
    kinds = list(permissions.LEVELS)
    orgs = scope.organisations(Organisation.objects.filter(kind__in=kinds))
    return [ENGLAND, *(o.code for o in orgs if permissions.can_view(scope, o))]


def _may_see_iif(scope):
    return lambda org: can_view_money(scope, org)


def read_report(request, resource_id: str) -> dict:
    scope = request.scope
    if ".iif-" in resource_id:
        found = iif_fhir.read_report(request, resource_id, _may_see_iif(scope))
        if found is not None:
            return found
    parts = resource_id.split(".")
    if len(parts) != 3:
        raise s.FhirError(404, "not-found", f"MeasureReport/{resource_id} is not a report of pcnhub")
    code, month, digest = parts
    measure_id = next((m.id for m in definitions.measures() if _digest(m.id) == digest), None)
    org = None
    if code != ENGLAND:
        org = Organisation.objects.filter(code=code).first()
        if org is not None and org.kind in permissions.LEVELS and not permissions.can_view(scope, org):
            scope.refuse(f"MeasureReport/{resource_id}")
    out = _output()
    rows = []
    if measure_id is not None and (org is not None or code == ENGLAND):
        level = "england" if code == ENGLAND else permissions.LEVELS.get(org.kind)
        rows = [r for r in services.measures_series(out, level, [code], [measure_id]) if f"{r.month:%Y-%m}" == month]
    if not rows:
        raise s.FhirError(404, "not-found", f"MeasureReport/{resource_id} is not in the measures output")
    return measure_report(rows[0], org, _written(out))


def _period_sql(search: s.DateRange, params: dict, n: int) -> str:
    start, end = "CAST(month AS TIMESTAMP)", "CAST(month + INTERVAL 1 MONTH AS TIMESTAMP)"
    if search.prefix == "ne":
        return f"NOT ({_period_sql(s.DateRange('eq', search.start, search.end), params, n)})"
    parts = []
    for i, (side, op, moment) in enumerate(s.bounds(search)):
        name = f"p{n}_{i}"
        params[name] = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
        parts.append(f"{start if side == 'start' else end} {op} ${name}")
    return " AND ".join(parts)


def _iif_reports(request, filters: Mapping[str, list[Any]]) -> list[dict]:
    """The IIF's reports (PCNs only, so none when another level is asked for)."""
    if any(t.value not in (None, "pcn") for t in filters.get("level", ())):
        return []
    return iif_fhir.reports(request, filters, _may_see_iif(request.scope))


def search_reports(request, filters: Mapping[str, list[Any]], offset: int, count: int) -> Page:
    """The measures' reports (from the output file, a page at a time), then the IIF's."""
    out = services.output()
    if out is None and not iif_output.fingerprint():
        _output()  # neither output: say how to make them
    measures_page = Page([], 0) if out is None else _measure_reports(request, out, filters, offset, count)
    iif = _iif_reports(request, filters)
    start = max(0, offset - measures_page.total)
    room = max(0, count - len(measures_page.resources))
    return Page([*measures_page.resources, *iif[start: start + room]], measures_page.total + len(iif))


def _measure_reports(request, out: services.Output, filters: Mapping[str, list[Any]], offset: int,
                     count: int) -> Page:
    scope = request.scope
    written = _written(out)
    if not s.updated_within(filters, written):
        return Page([], 0)
    params: dict[str, Any] = {"path": out.path(VALUES_FILE)}
    where = ["true"]
    visible = _visible_codes(scope)
    if visible is not None:
        params["visible"] = visible
        where.append("list_contains($visible, org_code)")
    for i, wanted in enumerate(filters.get("measure", ())):
        params[f"m{i}"] = wanted
        where.append(f"measure = ${'m' + str(i)}")
    for i, code in enumerate(filters.get("reporter", ())):
        params[f"r{i}"] = code
        where.append(f"org_code = ${'r' + str(i)} AND level <> 'england'")
    for i, token in enumerate(filters.get("level", ())):
        if token.system not in (None, LEVEL_SYSTEM) or (token.value is not None and token.value not in LEVELS):
            return Page([], 0)
        if token.value is not None:
            params[f"l{i}"] = token.value
            where.append(f"level = ${'l' + str(i)}")
    for i, search in enumerate(filters.get("period", ())):
        where.append(_period_sql(search, params, i))
    condition = " AND ".join(where)
    query = services.reader().query
    total = query(f"SELECT count(*) FROM read_parquet($path) WHERE {condition}", params, [params["path"]])[0][0]
    rows = []
    if count:
        page = dict(params, limit=count, offset=offset)
        rows = [services.row_value(r) for r in query(
            services.SELECT + f"WHERE {condition} ORDER BY level, org_code, measure, month LIMIT $limit OFFSET $offset",
            page, [params["path"]])]
    orgs = {o.code: o for o in Organisation.objects.filter(code__in={r.org_code for r in rows})}
    return Page([measure_report(r, orgs.get(r.org_code), written) for r in rows], int(total))


def export_reports(caller, filters: Mapping[str, list[Any]]) -> Iterator[dict]:
    """Every report the caller may see (changed after ``_lastUpdated``), streamed from the output file."""
    out = services.output()
    if out is None:
        yield from _iif_reports(caller, filters)
        return
    written = _written(out)
    if not s.updated_within(filters, written):
        yield from _iif_reports(caller, filters)
        return
    params: dict[str, Any] = {"path": out.path(VALUES_FILE)}
    condition = "true"
    visible = _visible_codes(caller.scope)
    if visible is not None:
        params["visible"], condition = visible, "list_contains($visible, org_code)"
    orgs = {o.code: o for o in Organisation.objects.filter(kind__in=list(permissions.LEVELS))}
    rows = services.reader().stream(services.SELECT + f"WHERE {condition} ORDER BY level, org_code, measure, month",
                                    params, [params["path"]])
    for row in rows:
        value = services.row_value(row)
        yield measure_report(value, orgs.get(value.org_code), written)
    yield from _iif_reports(caller, filters)


def _measure_parameter(modifier: str | None, value: str) -> str:
    """A Measure as a search value: ``Measure/<id>``, its id, or its canonical URL; the definition's id."""
    if modifier is not None:
        raise s.invalid(f"measure:{modifier}", "no modifier is supported on this parameter")
    text = value.strip()
    if text.startswith(iif_fhir.IIF_SYSTEM + ":") or text.removeprefix("Measure/") in iif_fhir.indicator_ids():
        return text.removeprefix("Measure/")  # an IIF indicator (pcnhub.finance.fhir)
    if text.startswith(MEASURE_SYSTEM + ":"):
        text = text.removeprefix(MEASURE_SYSTEM + ":")
    else:
        text = s.reference("measure", text, "Measure")
    found = _by_fhir_id().get(fhir_id(text))
    return found.id if found is not None else text


_LAST_UPDATED = last_updated("When the resource last changed")

MEASURE: Final = ResourceType(
    exported=True,
    name="Measure",
    profile=None,
    documentation="Every measure pcnhub computes (reference/measures), with its scoring and populations.",
    read=read_measure,
    search=search_measures,
    parameters=(
        resource_id(),
        SearchParameter("identifier", "token", f"{MEASURE_SYSTEM}|<definition id>", s.parser("token", "identifier"),
                        "http://hl7.org/fhir/SearchParameter/Measure-identifier"),
        SearchParameter("url", "uri", f"The canonical URL ({MEASURE_SYSTEM}:<definition id>, or "
                        f"{iif_fhir.IIF_SYSTEM}:<year>:<indicator>)", s.parser("uri", "url"),
                        "http://hl7.org/fhir/SearchParameter/Measure-url"),
        SearchParameter("title", "string", "Title: starts with (any case), :exact or :contains",
                        s.parser("string", "title"),
                        "http://hl7.org/fhir/SearchParameter/Measure-title"),
        _LAST_UPDATED,
    ),
)

MEASURE_REPORT: Final = ResourceType(
    exported=True,
    name="MeasureReport",
    profile=None,
    documentation="Summary reports of each measure for each practice, PCN, sub-ICB location, ICB and England by "
                  "month, disclosure-controlled (pcnhub measures run).",
    read=read_report,
    search=search_reports,
    export=export_reports,
    parameters=(
        SearchParameter("measure", "reference", "The measure (Measure/<id>, <id> or its canonical URL)",
                        _measure_parameter, "http://hl7.org/fhir/SearchParameter/MeasureReport-measure"),
        SearchParameter("reporter", "reference", "The organisation (Organization/CODE or CODE)",
                        s.parser("reference", "reporter"),
                        "http://hl7.org/fhir/SearchParameter/MeasureReport-reporter"),
        SearchParameter("period", "date", "The month reported (every prefix; period=2024-03 is March 2024's)",
                        s.parser("date", "period"), "http://hl7.org/fhir/SearchParameter/MeasureReport-period"),
        SearchParameter("level", "token", f"{LEVEL_SYSTEM}: {', '.join(LEVELS)}", s.parser("token", "level")),
        _LAST_UPDATED,
    ),
)

TYPES: Final = (MEASURE, MEASURE_REPORT)
