"""A user's role and the organisation it is tied to."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from pcnhub.register.models import Organisation, OrgKind


class Role(models.TextChoices):
    ICB = "icb", "ICB commissioner"
    PCN = "pcn", "PCN user"
    PRACTICE = "practice", "Practice user"
    ANALYST = "analyst", "Analyst"
    ADMIN = "admin", "Administrator"


#: The kind of organisation each organisation-bound role is tied to.
ROLE_ORG_KIND = {Role.ICB: OrgKind.ICB, Role.PCN: OrgKind.PCN, Role.PRACTICE: OrgKind.PRACTICE}


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(max_length=10, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The ICB, PCN or practice the user works for (blank for analysts and administrators).",
    )

    def clean(self) -> None:
        kind = ROLE_ORG_KIND.get(self.role)
        if kind is None:
            if self.organisation_id is not None:
                raise ValidationError({"organisation": "Analysts and administrators are not tied to an organisation."})
        elif self.organisation is None or self.organisation.kind != kind:
            raise ValidationError({"organisation": f"A {self.get_role_display()} must be tied to a {kind.label}."})

    def __str__(self) -> str:
        org = f" - {self.organisation}" if self.organisation_id else ""
        return f"{self.user.username}: {self.get_role_display()}{org}"
