"""Login is required for every page and API call, except the login page itself and static files; each
request's :class:`~pcnhub.accounts.scope.Scope` is worked out once, as ``request.scope``. A session
ends 30 minutes after its last request (Django's session expiry, ``SESSION_COOKIE_AGE``, moved on by
:class:`SessionLimitMiddleware` at most once every ``PCNHUB_SESSION_REFRESH_SECONDS``, so that a busy user
does not cost a database write per request) and, however active, ``PCNHUB_SESSION_MAX_SECONDS`` after
sign-in (the same middleware)."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
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
        if path.startswith("/fhir/"):
            from pcnhub.fhir.server import error

            return error(401, "login", "Authentication required. Sign in at /accounts/login/.")
        return redirect_to_login(request.get_full_path(), reverse("login"))


#: The session key holding when the user signed in (seconds since the epoch).
SIGNED_IN_AT = "pcnhub_signed_in_at"

#: The session key holding when the session's expiry was last moved on (seconds since the epoch).
REFRESHED_AT = "pcnhub_refreshed_at"

#: Why the session ended, for the audit trail's sign-out event (``request.signed_out_because``).
SESSION_LIMIT_REASON = "session limit"


@receiver(user_logged_in, dispatch_uid="pcnhub-accounts-signed-in-at")
def _remember_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = request.session[REFRESHED_AT] = time.time()


class SessionLimitMiddleware:
    """Sign the user out once ``PCNHUB_SESSION_MAX_SECONDS`` have passed since they signed in (the
    absolute limit); the login-required middleware after it then sends them to the login page.

    The idle limit is the session's own expiry, ``SESSION_COOKIE_AGE`` after it was last saved. Rather
    than saving it on every request (``SESSION_SAVE_EVERY_REQUEST``: a database write each time), a
    request saves it only when ``PCNHUB_SESSION_REFRESH_SECONDS`` have passed since the last refresh
    (a timestamp in the session; changing it makes Django save the session with a new expiry and send
    the cookie again). A session therefore ends between 30 minutes less the refresh interval and 30
    minutes after its last request, never later."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(SIGNED_IN_AT, now)
            if now - started > settings.PCNHUB_SESSION_MAX_SECONDS:
                request.signed_out_because = SESSION_LIMIT_REASON
                logout(request)
            elif now - request.session.get(REFRESHED_AT, 0) >= settings.PCNHUB_SESSION_REFRESH_SECONDS:
                request.session[REFRESHED_AT] = now
        return self.get_response(request)
