"""Storage for maturity self-assessments and development plans.

* :class:`Assessment` - one dated self-assessment of an organisation against a matrix: a PCN
  assesses the PCN statements, an ICB the system statements for its area. An organisation has at
  most one open assessment per audience; starting a new one closes (keeps) the current one and
  copies its answers, so the closed assessments are the organisation's progress over time.
* :class:`Answer` - the status of one statement in one assessment, with evidence and a comment.
  ``revision`` counts the saves, so a form saved over someone else's newer answer is noticed.
* :class:`Action` - one action of a PCN's development plan: the gap statements it addresses, owner,
  due date, status and the support it asks for (offer keys of the support catalogue).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pcnhub.register.models import Organisation


class Audience(models.TextChoices):
    PCN = "pcn", "PCN"
    SYSTEM = "system", "System (ICB)"


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    ACHIEVED = "achieved", "Achieved"


class Assessment(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="maturity_assessments",
                                     help_text="The PCN (PCN statements) or the ICB (system statements).")
    matrix = models.CharField(max_length=40, help_text="Key of the maturity matrix, e.g. national-2019.")
    audience = models.CharField(max_length=8, choices=Audience.choices)
    as_of = models.DateField(help_text="The date the assessment stands at: the day of its latest change.")
    closed = models.BooleanField(default=False, help_text="Closed when a newer assessment was started; kept.")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "audience", "as_of", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "audience"], condition=Q(closed=False),
                                    name="maturity_one_open_assessment"),
        ]

    def __str__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"{self.organisation.code} {self.matrix} {self.audience} as of {self.as_of} ({state})"

    def answers_by_id(self) -> dict[str, Answer]:
        return {a.statement_id: a for a in self.answers.select_related("updated_by")}

    def statuses(self) -> dict[str, str]:
        return dict(self.answers.values_list("statement_id", "status"))


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    statement_id = models.CharField(max_length=40)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    evidence = models.TextField(blank=True, help_text="What shows the statement's status.")
    comment = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=1, help_text="1 when first saved, one more at each save.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now, help_text="When the answer was last changed (kept when copied).")
    recorded_by = models.CharField(
        max_length=150, blank=True,
        help_text="Who last changed the answer, as their name then (kept should their account be deleted), or where "
                  "it came from when no user did (e.g. 'the demo data'); blank when not recorded.")

    class Meta:
        ordering = ["assessment", "statement_id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "statement_id"], name="maturity_one_answer_per_statement"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.status} (revision {self.revision})"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


OPEN_ACTION_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


class Action(models.Model):
    pcn = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="maturity_actions")
    matrix = models.CharField(max_length=40, help_text="The matrix whose statements the action addresses.")
    title = models.CharField(max_length=200)
    statement_ids = models.JSONField(default=list, blank=True, help_text="The (gap) statements it addresses.")
    owner = models.CharField(max_length=120, blank=True)
    due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    support_requested = models.JSONField(default=list, blank=True, help_text="Keys of the support offers asked for.")
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return f"{self.pcn.code}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    def overdue_on(self, today: dt.date) -> bool:
        """Due before ``today`` and neither done nor dropped."""
        return self.is_open and self.due is not None and self.due < today
