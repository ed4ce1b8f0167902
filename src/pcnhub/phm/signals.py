"""Sign-ins, failed sign-ins and sign-outs written to the audit trail (:class:`~pcnhub.phm.models.AuditEvent`),
from Django's ``user_logged_in``, ``user_login_failed`` and ``user_logged_out`` signals. A failed sign-in
records the username tried, the address and whether django-axes had locked the pair out: never the password."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from pcnhub.phm.models import AuditAction, AuditEvent


@receiver(user_logged_in, dispatch_uid="pcnhub-audit-sign-in")
def signed_in(sender, request, user, **kwargs):
    AuditEvent.record(request, AuditAction.SIGN_IN, None, user=user)


@receiver(user_login_failed, dispatch_uid="pcnhub-audit-sign-in-failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    User = get_user_model()
    tried = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")
    known = User._default_manager.filter(**{User.USERNAME_FIELD: tried}).first() if tried else None
    filters = {"locked_out": True} if getattr(request, "axes_locked_out", False) else {}
    AuditEvent.record(request, AuditAction.SIGN_IN_FAILED, None, user=known, username=tried, filters=filters)


@receiver(user_logged_out, dispatch_uid="pcnhub-audit-sign-out")
def signed_out(sender, request, user, **kwargs):
    if user is None:
        return  # signing out without having signed in
    reason = getattr(request, "signed_out_because", "")
    AuditEvent.record(request, AuditAction.SIGN_OUT, None, user=user, filters={"reason": reason} if reason else None)
