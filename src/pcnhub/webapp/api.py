"""The site's JSON API (django-ninja): every app's router mounted under ``/api/``.

Every call needs a signed-in session (the login-required middleware answers 401 otherwise);
organisations outside the user's scope give 403 and unknown codes 404, as on the pages.  OpenAPI
schema at /api/openapi.json, interactive docs at /api/docs (served from django-ninja's bundled
static files).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.security import django_auth

from pcnhub.designer.api import router as designer_router
from pcnhub.finance.api import router as finance_router
from pcnhub.maturity.api import router as maturity_router
from pcnhub.phm.api import router as phm_router
from pcnhub.register.api import router as register_router

api = NinjaAPI(title="pcnhub API", version="1", urls_namespace="api", auth=django_auth)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc)}, status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": str(exc)}, status=404)


api.add_router("", register_router)
api.add_router("/finance", finance_router)
api.add_router("/maturity", maturity_router)
api.add_router("/phm", phm_router)
api.add_router("/design", designer_router)
