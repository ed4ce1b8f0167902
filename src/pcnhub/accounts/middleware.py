"""Login is required for every page and API call, except the login page itself and static files; each
request's :class:`~pcnhub.accounts.scope.Scope` is worked out once, as ``request.scope``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse

from pcnhub.accounts.scope import scope_for

OPEN_PREFIXES = ("/static/", "/accounts/login/", "/favicon.ico")


class LoginRequiredEverywhereMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope = scope_for(request.user)
        path = request.path_info
        if request.user.is_authenticated or path.startswith(OPEN_PREFIXES) or path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        if path.startswith("/api/"):
            return JsonResponse({"detail": "Authentication required. Sign in at /accounts/login/."}, status=401)
        return redirect_to_login(request.get_full_path(), reverse("login"))
