"""The site's JSON API (django-ninja): every app's router mounted under ``/api/``.

Every call needs a signed-in session (the login-required middleware answers 401 otherwise);
organisations outside the user's scope give 403 and unknown codes 404, as on the pages.  OpenAPI
schema at /api/openapi.json, interactive docs at /api/docs (served from django-ninja's bundled
static files).
"""

from __future__ import annotations

from django.core import signals
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.log import log_response
from ninja import NinjaAPI
from ninja.security import django_auth

from pcnhub.designer.api import router as designer_router
from pcnhub.finance.api import router as finance_router
from pcnhub.maturity.api import router as maturity_router
from pcnhub.measures.api import router as measures_router
from pcnhub.phm.api import router as phm_router
from pcnhub.register.api import router as register_router
from pcnhub.scenarios.api import router as scenarios_router

api = NinjaAPI(title="pcnhub API", version="1", urls_namespace="api", auth=django_auth)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc)}, status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": str(exc)}, status=404)


#: The body of every 500 of the API: what went wrong is in the server's log, never in the response.
SERVER_ERROR_DETAIL = "Internal server error. It has been logged; try again later."


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception):
    """Any other error: answered as JSON (django-ninja leaves it to Django's HTML 500 page when DEBUG is off),
    and signalled and logged with its traceback as Django does for a page (``django.request``, to standard
    error in production; the test client re-raises it)."""
    signals.got_request_exception.send(sender=None, request=request)
    response = api.create_response(request, {"detail": SERVER_ERROR_DETAIL}, status=500)
    log_response("%s: %s", "Internal Server Error", request.path, response=response, request=request, exception=exc)
    return response


api.add_router("", register_router)
api.add_router("/finance", finance_router)
api.add_router("/maturity", maturity_router)
api.add_router("/phm", phm_router)
api.add_router("/measures", measures_router)
api.add_router("/design", designer_router)
api.add_router("/scenarios", scenarios_router)
