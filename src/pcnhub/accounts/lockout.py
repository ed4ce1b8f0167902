"""Sign-in throttling with django-axes: the client's address as the server saw it, and the NHS.UK styled
page a locked-out sign-in gets (429) instead of axes' plain text.

The limits are settings (``AXES_FAILURE_LIMIT`` failures for one username from one address lock that
pair out for ``AXES_COOLOFF_TIME``); administrators clear a lockout in the admin (Axes: access attempts).
"""

from __future__ import annotations

import ipaddress
import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from axes.helpers import get_cool_off


def address(meta) -> str | None:
    """The client's address as the server saw it: REMOTE_ADDR, validated (forwarded headers can be
    forged; a proxy in front sets REMOTE_ADDR). Used by axes and by the audit trail."""
    value = str(meta.get("REMOTE_ADDR", "")).strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """:func:`address` of a request (axes' ``AXES_CLIENT_IP_CALLABLE``)."""
    return address(request.META)


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The lockout page: how long to wait, and whom to ask."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    return render(request, "accounts/lockout.html", {"minutes": minutes},
                  status=settings.AXES_HTTP_RESPONSE_CODE)
