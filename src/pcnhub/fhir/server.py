"""The read-only FHIR R4 server: routes ``/fhir/`` to the resource types the apps provide.

A resource type is a :class:`ResourceType`: its name, profile, search parameters (each with a parser that
turns the request's values into a filter the type understands) and two callables, ``read(request, id)`` and
``search(request, filters, offset, count)`` (the user's scope is ``request.scope``; a read of patient-level data
writes its audit event with the request).  This module adds what every type shares:

* ``GET /fhir/metadata``: the CapabilityStatement, made from the types themselves;
* ``GET /fhir/<type>/<id>``: a resource, 404 for an unknown id, 403 outside the user's scope;
* ``GET /fhir/<type>?...``: a searchset Bundle, ``total`` and ``self``, ``first``, ``previous`` and
  ``next`` links (``_count``, default 50 and at most 1,000, and ``_offset``); parameters the type does not
  know are ignored, as R4's lenient handling says, and left out of the ``self`` link; with
  ``Prefer: handling=strict`` they are a 400;
* every error as an OperationOutcome (400 bad parameter, 401 not signed in, 403, 404, 405 not GET, 406 a
  format other than JSON);
* ``_format``: ``json``, ``application/json`` or ``application/fhir+json``; responses are
  ``application/fhir+json``.

Login, roles and scope are those of the JSON API: the login-required middleware answers 401 for
``/fhir/`` too, and each type filters by ``request.scope``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse

from pcnhub.fhir import bulk
from pcnhub.fhir.search import ID, FhirError, invalid, parser

FHIR_JSON: Final = "application/fhir+json"
FHIR_VERSION: Final = "4.0.1"
NDJSON_FORMATS: Final = ("application/fhir+ndjson", "application/ndjson", "ndjson")
JSON_FORMATS: Final = ("json", "application/json", "application/fhir+json", "application/json+fhir")
DEFAULT_COUNT: Final = 50
MAX_COUNT: Final = 1_000
MAX_OFFSET: Final = 10_000_000
#: Parameters of every search, handled here.
RESULT_PARAMETERS: Final = ("_count", "_offset", "_format")


@dataclass(frozen=True)
class SearchParameter:
    """A search parameter: its FHIR name and type, what it searches, and ``parse(modifier, value)`` giving the
    filter its resource type's ``search`` understands (one value; repeated parameters are ANDed)."""

    name: str
    type: str  # token, string, reference, date
    documentation: str
    parse: Callable[[str | None, str], Any]
    definition: str | None = None


@dataclass(frozen=True)
class Page:
    """A page of a search: the resources (already in the user's scope) and how many match in all."""

    resources: Sequence[dict]
    total: int


@dataclass(frozen=True)
class ResourceType:
    name: str
    profile: str | None
    documentation: str
    read: Callable[[Any, str], dict]
    search: Callable[[Any, Mapping[str, list[Any]], int, int], Page]
    parameters: tuple[SearchParameter, ...] = field(default=())
    #: Every resource the caller may see, one at a time, for a bulk export (default: search page after page).
    export: Callable[[Any, Mapping[str, list[Any]]], Iterator[dict]] | None = None
    #: Whether ``$export`` offers this type.
    exported: bool = False

    def parameter(self, name: str) -> SearchParameter | None:
        return next((p for p in self.parameters if p.name == name), None)


def last_updated(documentation: str = "When the resource last changed (prefixes eq, ne, gt, lt, ge, le, sa, eb)"
                 ) -> SearchParameter:
    """``_lastUpdated``, the search parameter every resource type has."""
    return SearchParameter("_lastUpdated", "date", documentation, parser("date", "_lastUpdated"),
                           "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated")


def resource_id(documentation: str = "The resource's id", parse=None) -> SearchParameter:
    """``_id``, the search parameter every resource type has (``parse``: default the id as given)."""
    return SearchParameter("_id", "token", documentation, parse or parser("id", "_id"),
                           "http://hl7.org/fhir/SearchParameter/Resource-id")


def outcome(code: str, diagnostics: str, severity: str = "error") -> dict:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}]}


def respond(body: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(body, separators=(",", ":"), ensure_ascii=False), status=status,
                            content_type=f"{FHIR_JSON}; charset=utf-8")
    return response


def error(status: int, code: str, diagnostics: str) -> HttpResponse:
    return respond(outcome(code, diagnostics), status)


class Server:
    """The FHIR endpoints of a set of resource types (Django views: :meth:`metadata`, :meth:`type_level`,
    :meth:`instance`, :meth:`unknown`)."""

    def __init__(self, types: Sequence[ResourceType], *, software: str, version: str,
                 exports: Callable[[], Path] | None = None) -> None:
        self.types = {t.name: t for t in types}
        self.software, self.version = software, version
        self.exports = bulk.Exports(exports) if exports is not None else None

    # --- bulk export (pcnhub.fhir.bulk) ------------------------------------------------------------

    def export_kickoff(self, request: HttpRequest) -> HttpResponse:
        try:
            if request.method != "GET" or self.exports is None:
                raise FhirError(405, "not-supported", "$export is a GET")
            if "respond-async" not in request.headers.get("Prefer", ""):
                raise FhirError(400, "invalid", "$export needs the header Prefer: respond-async (FHIR Bulk Data)")
            wanted = request.GET.get("_outputFormat")
            if wanted is not None and wanted not in NDJSON_FORMATS:
                raise FhirError(400, "not-supported", f"_outputFormat={wanted}: only NDJSON ("
                                                      f"{', '.join(NDJSON_FORMATS)})")
            exported = [t.name for t in self.types.values() if t.exported]
            names = bulk.parse_types(request.GET.get("_type"), exported)
            since = request.GET.get("_since")
            job = self.exports.start([self.types[n] for n in names], bulk.Caller(request.scope, request.user),
                                     request.user.pk, request.build_absolute_uri(), None if since is None else
                                     bulk.since_range(since))
        except FhirError as problem:
            return error(problem.status, problem.code, problem.diagnostics)
        response = HttpResponse(status=202)
        response["Content-Location"] = request.build_absolute_uri(f"/fhir/$export-status/{job}")
        return response

    def export_status(self, request: HttpRequest, job: str) -> HttpResponse:
        try:
            if request.method == "DELETE":
                self.exports.cancel(job, request.user.pk)
                return HttpResponse(status=202)
            if request.method != "GET":
                raise FhirError(405, "not-supported", f"{request.method} is not supported on an export's status")
            state = self.exports.state(job, request.user.pk)
        except FhirError as problem:
            return error(problem.status, problem.code, problem.diagnostics)
        if state["status"] == "in-progress":
            response = HttpResponse(status=202)
            response["X-Progress"] = state.get("progress", "")
            response["Retry-After"] = "2"
            return response
        if state["status"] == "error":
            return error(500, "exception", state["error"])
        body = bulk.manifest(state, lambda name: request.build_absolute_uri(f"/fhir/$export-file/{job}/{name}"))
        return HttpResponse(json.dumps(body), content_type="application/json")

    def export_file(self, request: HttpRequest, job: str, name: str) -> HttpResponse:
        try:
            if request.method != "GET":
                raise FhirError(405, "not-supported", "an export's files are read with GET")
            path = self.exports.file(job, request.user.pk, name)
        except FhirError as problem:
            return error(problem.status, problem.code, problem.diagnostics)
        return FileResponse(path.open("rb"), content_type="application/fhir+ndjson")

    # --- views --------------------------------------------------------------------------------

    def metadata(self, request: HttpRequest) -> HttpResponse:
        return self._answer(request, lambda: self.capability_statement(request))

    def type_level(self, request: HttpRequest, resource_type: str) -> HttpResponse:
        return self._answer(request, lambda: self._search(request, self._type(resource_type)))

    def instance(self, request: HttpRequest, resource_type: str, resource_id: str) -> HttpResponse:
        def read() -> dict:
            kind = self._type(resource_type)
            if not ID.fullmatch(resource_id):
                raise FhirError(404, "not-found", f"{resource_type}/{resource_id} is not a FHIR id, so not here")
            return kind.read(request, resource_id)

        return self._answer(request, read)

    def unknown(self, request: HttpRequest, rest: str = "") -> HttpResponse:
        def refuse() -> dict:
            raise FhirError(404, "not-supported", f"/fhir/{rest} is not an interaction this server supports "
                                                  "(see /fhir/metadata)")

        return self._answer(request, refuse)

    # --- what they share ---------------------------------------------------------------------

    def _answer(self, request: HttpRequest, build: Callable[[], dict]) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return error(405, "not-supported", f"{request.method} is not supported: this FHIR server is read-only")
        wanted = request.GET.get("_format")
        if wanted is not None and wanted.strip().lower() not in JSON_FORMATS:
            return error(406, "not-supported", f"_format={wanted}: this server answers in JSON only "
                                               "(_format=json or application/fhir+json)")
        try:
            return respond(build())
        except FhirError as problem:
            return error(problem.status, problem.code, problem.diagnostics)
        except PermissionDenied as problem:
            return error(403, "forbidden", str(problem) or "Outside your role's scope.")
        except Http404 as problem:
            return error(404, "not-found", str(problem) or "Not found.")

    def _type(self, name: str) -> ResourceType:
        found = self.types.get(name)
        if found is None:
            raise FhirError(404, "not-supported", f"{name} is not a resource type this server has "
                                                  f"(it has {', '.join(sorted(self.types))})")
        return found

    def _search(self, request: HttpRequest, kind: ResourceType) -> dict:
        strict = "handling=strict" in request.headers.get("Prefer", "").replace(" ", "")
        filters: dict[str, list[Any]] = {}
        used: list[tuple[str, str]] = []
        for key in request.GET:
            name, _, modifier = key.partition(":")
            if name in RESULT_PARAMETERS:
                continue
            parameter = kind.parameter(name)
            if parameter is None:
                if strict:
                    raise invalid(key, f"not a search parameter of {kind.name} here (see /fhir/metadata)")
                continue
            for value in request.GET.getlist(key):
                if "\x00" in value:  # no value holds one, and PostgreSQL cannot compare text that does
                    raise invalid(key, "the value holds a NUL character")
                filters.setdefault(name, []).append(parameter.parse(modifier or None, value))
                used.append((key, value))
        count = _integer(request, "_count", DEFAULT_COUNT, 0, MAX_COUNT)
        offset = _integer(request, "_offset", 0, 0, MAX_OFFSET)
        page = kind.search(request, filters, offset, count)
        base = request.build_absolute_uri(request.path)
        prefix = base[: base.rindex("/fhir/") + len("/fhir/")]

        def link(relation: str, start: int) -> dict:
            query = [*used, ("_count", str(count)), ("_offset", str(start))]
            return {"relation": relation, "url": f"{base}?{urlencode(query)}"}

        links = [link("self", offset), link("first", 0)]
        if offset > 0:
            links.append(link("previous", max(0, offset - count)))
        if count and offset + count < page.total:
            links.append(link("next", offset + count))
        return {
            "resourceType": "Bundle",
            "type": "searchset",
            "meta": {"lastUpdated": _now()},
            "total": page.total,
            "link": links,
            "entry": [{"fullUrl": f"{prefix}{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
                      for r in page.resources],
        }

    def capability_statement(self, request: HttpRequest) -> dict:
        base = request.build_absolute_uri("/fhir")
        resources = []
        for kind in self.types.values():
            entry = {
                "type": kind.name,
                "documentation": kind.documentation,
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": [_parameter(p) for p in kind.parameters],
            }
            if kind.profile:
                entry["supportedProfile"] = [kind.profile]
            resources.append(entry)
        return {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": dt.date.today().isoformat(),
            "kind": "instance",
            "software": {"name": self.software, "version": self.version},
            "implementation": {"description": "pcnhub's read-only FHIR R4 API", "url": base},
            "fhirVersion": FHIR_VERSION,
            "format": ["json"],
            "rest": [{
                "mode": "server",
                "documentation": "Sign in at /accounts/login/ (session cookie); each user sees the organisations "
                                 "their role allows, as on the pages and the JSON API. Searches page with _count "
                                 f"(default {DEFAULT_COUNT}, at most {MAX_COUNT}) and _offset.",
                "security": {"description": "Session login; 401 without one, 403 outside the user's scope."},
                "resource": resources,
                "operation": [{"name": "export",
                               "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}],
            }],
        }


def _parameter(parameter: SearchParameter) -> dict:
    found = {"name": parameter.name, "type": parameter.type, "documentation": parameter.documentation}
    if parameter.definition:
        found["definition"] = parameter.definition
    return found


def _integer(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    text = request.GET.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise invalid(name, f"{text!r} is not a whole number") from None
    if not low <= value <= high:
        raise invalid(name, f"{value} is not between {low} and {high}")
    return value


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
