"""Scenarios kept in the database: the changes, the workflow's state and every step of it.

A :class:`Scenario` is a named set of :class:`ScenarioChange` rows (see :mod:`pcnhub.domain.scenario` for the
actions) against an area's register on its effective date.  It moves through :class:`Status` (draft, shared with
the networks concerned, submitted, approved or rejected, applied); each step, comment and change of the changes is
a :class:`ScenarioEvent` with who and when, never edited or deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pcnhub.domain import scenario as d
from pcnhub.register.models import Organisation


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SHARED = "shared", "Shared for comment"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    APPLIED = "applied", "Applied to the register"


class Scenario(models.Model):
    name = models.CharField(max_length=200)
    area = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="scenarios",
                             help_text="The ICB or sub-ICB location whose networks the scenario changes.")
    effective_date = models.DateField(help_text="The date the changes would take effect.")
    reasons = models.TextField(blank=True, help_text="Why: the case for the changes, for the board paper.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    decision_reason = models.TextField(blank=True, help_text="The ICB's reason for approving or rejecting.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="scenarios")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: The codes of the networks and practices the changes touch (kept with every change of the changes, so that
    #: who may see the scenario is one query): " U12345 F81001 ... ".
    involves = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.SHARED)


class ScenarioChange(models.Model):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="changes")
    order = models.PositiveIntegerField(default=0)
    action = models.CharField(max_length=8, choices=list(d.ACTIONS.items()))
    practice_code = models.CharField(max_length=16, blank=True)
    practice_name = models.CharField(max_length=200, blank=True)
    from_pcn = models.CharField(max_length=200, blank=True)
    to_pcn = models.CharField(max_length=200, blank=True)
    list_change = models.IntegerField(default=0)
    name = models.CharField(max_length=200, blank=True, help_text="A merged network's new name.")
    role = models.CharField(max_length=100, blank=True)
    wte = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    annual_cost = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    minutes = models.IntegerField(default=0)

    class Meta:
        ordering = ["scenario", "order", "pk"]

    def to_domain(self) -> d.Change:
        return d.Change(self.action, practice=self.practice_code, from_pcn=self.from_pcn, to_pcn=self.to_pcn,
                        list_change=self.list_change, name=self.name, role=self.role, wte=self.wte,
                        annual_cost=self.annual_cost, minutes=self.minutes, practice_name=self.practice_name)


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    CHANGED = "changed", "Changes edited"
    SHARED = "shared", "Shared for comment"
    COMMENTED = "commented", "Comment"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    APPLIED = "applied", "Applied to the register"
    RETURNED = "returned", "Returned to draft"


class ScenarioEvent(models.Model):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    #: The username at the time (kept if the user is deleted).
    username = models.CharField(max_length=150, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.username or 'someone'}"
