"""Who may see patient-level data, and the record of every look at it.

* :class:`PatientDataGrant` - a clinician of a network (a PCN or practice user) allowed to see the
  patients of one PCN or practice in the cohort worklists. Administrators grant and revoke it in the
  Django admin; a revoked grant is kept (``revoked_at`` set), so the grant's history stays readable.
* :class:`AuditEvent` - one row per worklist page shown or downloaded (and per grant or revocation, per
  patient-data request refused with 403, per sign-in, failed sign-in and sign-out): who, when, what, how
  many patients, from where. A failed sign-in records the username tried and the address, never the password. Events are written once and never changed or
  deleted: ``save`` of a stored event, ``delete`` and bulk ``update``/``delete`` all raise.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pcnhub.accounts.lockout import address as client_ip
from pcnhub.accounts.models import Role
from pcnhub.register.models import Membership, Organisation, OrgKind

#: The roles that may hold a grant: the clinicians of a network. ICB users and analysts never see patients.
GRANT_ROLES = (Role.PCN, Role.PRACTICE)


class GrantQuerySet(models.QuerySet):
    def active(self, at=None):
        """Grants not revoked at ``at`` (default now)."""
        at = at or timezone.now()
        return self.filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=at))


class PatientDataGrant(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="patient_data_grant")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+",
        help_text="The PCN or practice whose patients the user may see (a PCN user: their PCN or one of its "
                  "practices; a practice user: their practice).",
    )
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(help_text="Why this user needs patient-level data (e.g. the direct care role).")
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="Set to revoke the grant; the record is kept.")

    objects = GrantQuerySet.as_manager()

    class Meta:
        verbose_name = "patient-level data grant"

    def __str__(self) -> str:
        state = f", revoked {self.revoked_at:%Y-%m-%d}" if self.revoked_at else ""
        return f"{self.user.get_username()}: patients of {self.organisation.code}{state}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None or self.revoked_at > timezone.now()

    def clean(self) -> None:
        if not self.user_id or not self.organisation_id:
            return
        profile = getattr(self.user, "profile", None)
        if profile is None or profile.role not in GRANT_ROLES or profile.organisation is None:
            raise ValidationError({"user": "Only PCN and practice users (clinicians of a network) may see "
                                           "patient-level data; ICB users, analysts and administrators may not."})
        if not self.reason.strip():
            raise ValidationError({"reason": "Say why this user needs patient-level data."})
        org, own = self.organisation, profile.organisation
        if org.kind not in (OrgKind.PCN, OrgKind.PRACTICE):
            raise ValidationError({"organisation": "A grant is for the patients of a PCN or of a practice."})
        if profile.role == Role.PRACTICE and org.pk != own.pk:
            raise ValidationError({"organisation": f"A practice user may be granted only their own practice ({own.code})."})
        if profile.role == Role.PCN and org.pk != own.pk and not (
            org.kind == OrgKind.PRACTICE and Membership.objects.filter(pcn=own, practice=org).exists()
        ):
            raise ValidationError({"organisation": f"A PCN user may be granted only their PCN ({own.code}) or "
                                                   "one of its practices."})


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed a worklist"
    DOWNLOAD = "download", "Downloaded a worklist"
    GRANT = "grant", "Granted patient-level data"
    REVOKE = "revoke", "Revoked patient-level data"
    REFUSED = "refused", "Refused patient-level data (403)"
    SIGN_IN = "sign-in", "Signed in"
    SIGN_IN_FAILED = "sign-in-failed", "Failed to sign in"
    SIGN_OUT = "sign-out", "Signed out"


#: The actions about patient-level data itself (the rest are sign-ins and sign-outs).
PATIENT_DATA_ACTIONS = (AuditAction.VIEW, AuditAction.DOWNLOAD, AuditAction.GRANT, AuditAction.REVOKE,
                        AuditAction.REFUSED)


#: ``AuditEvent.record``'s default user: the request's.
REQUEST_USER = object()


class WriteOnceQuerySet(models.QuerySet):
    def patient_data(self):
        """Events about patient-level data: worklist views, downloads, grants, revocations and refusals."""
        return self.filter(action__in=PATIENT_DATA_ACTIONS)

    def sign_ins(self):
        """Sign-ins, failed sign-ins and sign-outs."""
        return self.exclude(action__in=PATIENT_DATA_ACTIONS)

    def update(self, **kwargs):
        raise PermissionError("audit events are never changed")

    def delete(self):
        raise PermissionError("audit events are never deleted")


class AuditEvent(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", help_text="Blank for a failed sign-in with an unknown username.")
    username = models.CharField(max_length=150, help_text="The user's name when the event happened (for a failed "
                                                          "sign-in, the username tried).")
    role = models.CharField(max_length=10, blank=True, help_text="The user's role when the event happened.")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     help_text="The PCN or practice whose patients were shown.")
    cohort = models.CharField(max_length=40, blank=True)
    patients = models.PositiveIntegerField(default=0, help_text="Patients shown on the page or in the file.")
    filters = models.JSONField(default=dict, blank=True, help_text="Practice, sort, page and format asked for.")
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name="client IP")
    user_agent = models.CharField(max_length=500, blank=True)

    objects = WriteOnceQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "at"]), models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        what = f" {self.cohort}" if self.cohort else ""
        org = f" of {self.organisation.code}" if self.organisation_id else ""
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}{what}{org} ({self.patients} patients)"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("audit events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are never deleted")

    @classmethod
    def record(cls, request, action: str, organisation: Organisation | None, *, cohort: str = "",
               patients: int = 0, filters: dict | None = None, user=REQUEST_USER, username: str = "") -> AuditEvent:
        """Write one event for ``request``'s user (or ``user``, which may be None), with the client's address
        and browser. A failed sign-in gives ``username``, the name tried (its user, if any, as ``user``)."""
        from pcnhub.accounts.scope import scope_for

        if user is REQUEST_USER:
            user = getattr(request, "user", None)
        if user is not None and not user.is_authenticated:
            user = None
        meta = request.META if request is not None else {}
        return cls.objects.create(
            user=user, username=(username or (user.get_username() if user else ""))[:150],
            role=(scope_for(user).role or "") if user else "", action=action,
            organisation=organisation, cohort=cohort, patients=patients, filters=filters or {},
            ip=client_ip(meta), user_agent=str(meta.get("HTTP_USER_AGENT", ""))[:500],
        )

