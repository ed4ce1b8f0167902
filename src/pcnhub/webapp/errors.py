"""The site's 404 and 500 answers: JSON under ``/api/`` (an unknown API path, or an error outside the API's own
handlers, such as in a middleware), the NHS.UK-styled ``404.html`` and ``500.html`` pages everywhere else.

Django uses them when DEBUG is off, as in production; ``webapp/urls.py`` names them.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from pcnhub.webapp.api import SERVER_ERROR_DETAIL

API_PREFIX = "/api/"
NOT_FOUND_DETAIL = "Not found: no API operation at this path. The operations are listed at /api/docs."


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": NOT_FOUND_DETAIL}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": SERVER_ERROR_DETAIL}, status=500)
    return defaults.server_error(request)
