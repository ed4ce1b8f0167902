"""Schemathesis against /api/openapi.json: every operation of the JSON API, called through the site's WSGI
application with examples generated from the schema, must never answer 5xx and must answer only with the
status codes, content types and JSON bodies the schema documents.

The register of tests/builders.py stands behind it, with everything the other apps need to answer with real
data (pipeline output for population health, the measures engine's output, a maturity assessment and plan
action, practices on the map for the designer), so that examples reach past the 404 of an unknown code: in valid examples a path's ``code``
and the landscape's ``area`` are, two times in three, a code the register holds of the kind asked for.

It runs as a user who sees everything (analyst, then ICB commissioner) and as a PCN user, who must get
403 and 404 where the others get data, never a 5xx.  Examples are derandomised (the same every run) and
bounded per operation, so the run is reproducible and takes seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time

import pytest
import schemathesis
import werkzeug
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pcnhub.domain import maturity as m
from pcnhub.domain import scenario as scenario_rules
from pcnhub.maturity import services as maturity_services
from pcnhub.maturity.models import Action
from pcnhub.reference.maturity import load_matrix
from pcnhub.scenarios import services as scenario_services
from pcnhub.scenarios.models import EventKind
from tests.designer.conftest import place_practices
from tests.finance.iif_dataset import write_measures_output
from tests.measures.fixtures import write_measures
from tests.phm.fixtures import write_output

pytestmark = pytest.mark.django_db

#: Every answer: no 5xx, a documented status, content type, body and headers; invalid parameters refused.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection]
#: Every call is signed in (the session cookie is not generated): calls without one are tested on their own.
CONFIG = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
#: Examples per operation and mode (valid and invalid parameters): bounded so the suite stays quick. The run on
#: PostgreSQL (whose purpose is the database: every operation's queries and writes on it) takes fewer; the breadth
#: of generated inputs, which the database does not change, is the SQLite run's.
EXAMPLES = 8 if os.environ.get("DATABASE_URL", "").startswith("postgres") else 10
#: Codes the register holds (tests/builders.py), by the kind of organisation a path asks for.
AREAS = ["Y99", "QAA", "QBB", "01A", "02B"]
PCNS = ["U00001", "U00002", "U00003"]
PRACTICES = ["A81001", "A81003", "A81006", "B82001"]
KNOWN = {"/pcns/": PCNS, "/practices/": PRACTICES, "/areas/": AREAS, "/landscape": AREAS,
         "/organisations/": [*AREAS, *PCNS, *PRACTICES, "RAA"]}
#: Parameters that name an organisation.
CODE_PARAMETERS = {("path", "code"), ("query", "area")}
#: The path parameter naming a scenario, and the ids of those the site holds (set by the ``site`` fixture).
SCENARIO_PARAMETER = ("path", "pk")
SCENARIOS: list[int] = []
#: A scenario's change, and the calls that need a body: the role that gets 200 for it, and the body.
MOVE = {"action": "move", "practice_code": "A81003", "to_pcn": "U00002"}
BODIES = {
    ("POST", "/api/scenarios/"): ("icb", {"area": "QAA", "name": "Try", "effective_date": "2025-01-01",
                                          "changes": [MOVE]}),
    ("POST", "/api/scenarios/preview"): ("icb", {"area": "QAA", "effective_date": "2025-01-01", "changes": [MOVE]}),
    ("PUT", "/api/scenarios/{pk}/changes"): ("icb", {"changes": [MOVE]}),
    ("POST", "/api/scenarios/{pk}/step"): ("analyst", {"step": "commented", "text": "Noted"}),
}


def _add_rows(into, more) -> None:
    """Append the rows of Parquet file ``more`` to ``into`` (columns it lacks are null): one measures output holding
    the measures app's fixture and the IIF's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table, extra = pq.read_table(into), pq.read_table(more)
    columns = {name: extra.column(name) if name in extra.column_names else pa.nulls(extra.num_rows)
               for name in table.column_names}
    pq.write_table(pa.concat_tables([table, pa.table(columns).cast(table.schema)]), into)


@pytest.fixture
def site(register, settings, tmp_path):
    """The site's WSGI application over the test database, with data behind every app's API."""
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    write_output(settings.PCNHUB_PHM_DIR / "output")
    measures = write_measures(settings.PCNHUB_PHM_DIR / "measures")
    _add_rows(measures / "measure_values.parquet", write_measures_output(tmp_path / "iif") / "measure_values.parquet")
    settings.PCNHUB_DESIGN_SECONDS = 1.0
    place_practices()
    matrix = load_matrix()
    foundation = [s.id for s in matrix.domain("lpp").steps[0].statements(m.PCN)]
    posted = [maturity_services.Posted(s, m.ACHIEVED, "", "", 0, maturity_services.fingerprint("", "", ""))
              for s in foundation]
    maturity_services.save_answers(register.north, m.PCN, matrix, posted, register.users["pcn"])
    Action.objects.create(pcn=register.south, matrix=matrix.key, title="Agree a data sharing agreement",
                          support_requested=["events"], due=dt.date(2024, 6, 30))
    shared = scenario_services.create(register.icb_a, "Essex Way to South", dt.date(2025, 1, 1), "",
                                      register.users["icb"],
                                      [scenario_rules.Change(scenario_rules.MOVE, practice="A81003", to_pcn="U00002")])
    scenario_services.take_step(shared, EventKind.SHARED, register.users["icb"])
    SCENARIOS[:] = [shared.pk]
    # The WSGI handler closes the database connection after each request; in a test that would end the
    # transaction holding the register (Django's own test client disconnects it the same way).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    from pcnhub.webapp.wsgi import application

    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


#: The CSRF token of every call (its cookie and its header), so that examples of the calls that change something
#: reach past the CSRF check.
CSRF_TOKEN = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"
CSRF_HEADERS = {"X-CSRFToken": CSRF_TOKEN}


def session_cookie(user) -> dict[str, str]:
    """The cookies of a signed-in session: the session's and the CSRF token's."""
    client = Client()
    client.force_login(user)
    return {django_settings.SESSION_COOKIE_NAME: client.cookies[django_settings.SESSION_COOKIE_NAME].value,
            django_settings.CSRF_COOKIE_NAME: CSRF_TOKEN}


def operations(app, cookies):
    """The API's operations, from the schema the site serves (to a signed-in user, like every API call)."""
    client = werkzeug.Client(app)
    for name, value in cookies.items():
        client.set_cookie(name, value, domain="localhost")
    response = client.get("/api/openapi.json")
    assert response.status_code == 200, response.status_code
    schema = schemathesis.openapi.from_dict(response.json, config=CONFIG)
    schema.app = app  # calls go through the site's WSGI application
    return [result.ok() for result in schema.get_all_operations()]


def with_known_codes(operation, strategy):
    """``strategy``'s cases, with each organisation code (and scenario id) swapped for one the register holds two
    times in three."""
    names = [(p.location.value, p.name) for p in operation.iter_parameters()
             if (p.location.value, p.name) in CODE_PARAMETERS | {SCENARIO_PARAMETER}]
    if not names:
        return strategy

    def swap(case, codes):
        for (location, name), code in zip(names, codes):
            if code is not None:
                (case.path_parameters if location == "path" else case.query)[name] = code
        return case

    def choice(parameter):
        known = SCENARIOS if parameter == SCENARIO_PARAMETER else next(
            codes for part, codes in KNOWN.items() if part in operation.path)
        return st.one_of(st.none(), st.sampled_from(known), st.sampled_from(known))

    return st.builds(swap, strategy, st.tuples(*[choice(name) for name in names]))


def fuzz(operation, cookies, tally) -> None:
    """Run :data:`EXAMPLES` valid and :data:`EXAMPLES` invalid examples of one operation (invalid only where it
    has parameters to get wrong)."""
    modes = [schemathesis.GenerationMode.POSITIVE]
    if any(True for _ in operation.iter_parameters()):
        modes.append(schemathesis.GenerationMode.NEGATIVE)
    for mode in modes:
        strategy = operation.as_strategy(generation_mode=mode)
        if mode.is_positive:  # an invalid code is left as generated: a valid one would make the case valid
            strategy = with_known_codes(operation, strategy)

        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case):
            response = case.call(cookies=cookies, headers=CSRF_HEADERS)
            tally[response.status_code] = tally.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS)

        run()


@pytest.mark.parametrize("role", ["analyst", "icb", "pcn"])
def test_every_operation_answers_as_documented(site, register, role):
    cookies = session_cookie(register.users[role])
    ops = operations(site, cookies)
    tally: dict[int, int] = {}
    failures = []
    started = time.perf_counter()
    for operation in ops:
        try:
            fuzz(operation, cookies, tally)
        except Exception as exc:  # every operation is fuzzed; all their failures are reported together
            failures.append(f"{operation.label}: {exc}")
    seconds = time.perf_counter() - started
    print(f"{role}: {len(ops)} operations, {sum(tally.values())} calls in {seconds:.1f} s, by status "
          f"{sorted(tally.items())}")
    assert failures == []
    assert len(ops) == len(OPERATIONS)
    assert not any(status >= 500 for status in tally)
    assert tally.get(200, 0) > len(ops)  # examples reached real data, not only refusals


def _operations_of_the_schema() -> list[tuple[str, str]]:
    from pcnhub.webapp.api import api

    return [(method.upper(), path) for path, methods in api.get_openapi_schema()["paths"].items() for method in methods]


#: (method, path) of every operation, read from the schema without a database, to parametrise over.
OPERATIONS = _operations_of_the_schema()


@pytest.mark.parametrize("method, path", [*OPERATIONS, ("GET", "/api/openapi.json")])
def test_without_a_session_every_operation_answers_401_json(client, register, method, path):
    response = client.generic(method, path.replace("{code}", "U00001"))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["detail"] and isinstance(response.json()["detail"], str)


#: A code an analyst gets 200 and a body that is not empty for, by the first part of the path that matches.
ANSWERED = {"/list-sizes": "A81001", "/pcns/": "U00001", "/practices/": "A81001", "/areas/": "QAA",
            "/landscape": "QAA", "/organisations/": "QAA"}


def _known_case(operation):
    """A call of ``operation`` with the code of :data:`ANSWERED` for each parameter naming an organisation, the
    scenario the site holds, and the body of :data:`BODIES`; and the role that gets 200 for it."""
    code = next((code for part, code in ANSWERED.items() if part in operation.path), None)
    parameters = {(p.location.value, p.name) for p in operation.iter_parameters()}
    names = parameters & CODE_PARAMETERS
    path = {name: code for location, name in names if location == "path"}
    if SCENARIO_PARAMETER in parameters:
        path[SCENARIO_PARAMETER[1]] = SCENARIOS[0]
    role, body = BODIES.get((operation.method.upper(), operation.path), ("analyst", None))
    extra = {} if body is None else {"body": body, "media_type": "application/json"}
    return operation.Case(path_parameters=path, query={name: code for location, name in names if location == "query"},
                          **extra), role


def _with_body(response, body) -> schemathesis.Response:
    """``response`` with another JSON body."""
    return schemathesis.Response(status_code=response.status_code, headers=response.headers,
                                 content=json.dumps(body).encode(), request=response.request,
                                 elapsed=response.elapsed, verify=response.verify,
                                 http_version=response.http_version)


def _body_of_the_wrong_shape(body):
    """An object (or a list of one) with none of the documented keys."""
    wrong = {"not_documented": True}
    return [wrong] if isinstance(body, list) else wrong


def test_the_schema_check_refuses_a_body_of_the_wrong_shape_for_every_operation(site, register):
    """The fuzz test's response_schema_conformance would catch a body that is not what the schema says: every
    operation's real 200 body passes it, and the same body with none of its documented keys fails it."""
    cookies = {role: session_cookie(register.users[role]) for role in ("analyst", "icb")}
    accepted = []
    for operation in operations(site, cookies["analyst"]):
        case, role = _known_case(operation)
        response = case.call(cookies=cookies[role], headers=CSRF_HEADERS)
        assert response.status_code == 200, (operation.label, response.status_code, response.content[:300])
        case.validate_response(response, checks=[response_schema_conformance])
        body = response.json()
        assert body, operation.label  # an empty list would make the wrong shape below an empty list too
        try:
            case.validate_response(_with_body(response, _body_of_the_wrong_shape(body)),
                                   checks=[response_schema_conformance])
        except FailureGroup:
            continue
        accepted.append(operation.label)
    assert accepted == []
