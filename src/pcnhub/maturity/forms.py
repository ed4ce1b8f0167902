"""Forms of the maturity pages: an action of the development plan, and starting a new assessment.

The assessment pages read their many statements' answers directly (see :mod:`pcnhub.maturity.views`);
these forms follow the register's NHS.UK conventions (:class:`~pcnhub.register.forms.NHSFormMixin`).
"""

from __future__ import annotations

from django import forms

from pcnhub.domain import maturity as m
from pcnhub.maturity import services
from pcnhub.maturity.models import Action, ActionStatus
from pcnhub.pages.forms import NHSFormMixin, date_field


class ActionForm(NHSFormMixin, forms.Form):
    """Add or change one action of a PCN's development plan."""

    title = forms.CharField(label="Action", max_length=200,
                            help_text="What will be done, for example 'Agree a data-sharing agreement with the practices'",
                            error_messages={"required": "Enter what the action is",
                                            "max_length": "Enter an action of at most 200 characters"})
    statements = forms.MultipleChoiceField(
        label="Statements it addresses", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="The gap statements this action works towards",
        error_messages={"invalid_choice": "Choose statements from the list"},
    )
    owner = forms.CharField(label="Owner", max_length=120, required=False,
                            help_text="The person or group responsible, for example 'Clinical Director'",
                            error_messages={"max_length": "Enter an owner of at most 120 characters"})
    due = date_field("Due date (optional)", required=False, help_text="For example 2025-09-30")
    status = forms.ChoiceField(label="Status", choices=ActionStatus.choices, initial=ActionStatus.PLANNED,
                               error_messages={"required": "Choose the status of the action"})
    support = forms.MultipleChoiceField(
        label="Support requested (optional)", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Support from the ICB's catalogue; the ICB sees what its PCNs ask for",
        error_messages={"invalid_choice": "Choose support from the list"},
    )
    notes = forms.CharField(label="Notes (optional)", required=False, max_length=services.MAX_TEXT,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            error_messages={"max_length": f"Enter notes of at most {services.MAX_TEXT:,} characters"})

    def __init__(self, *args, pcn, user, matrix: m.Matrix, gaps: list[m.Statement], instance: Action | None = None,
                 **kwargs):
        self.pcn, self.user, self.matrix, self.instance = pcn, user, matrix, instance
        if instance is not None and "initial" not in kwargs and not args:
            kwargs["initial"] = {
                "title": instance.title, "statements": instance.statement_ids, "owner": instance.owner,
                "due": instance.due, "status": instance.status, "support": instance.support_requested,
                "notes": instance.notes,
            }
        super().__init__(*args, **kwargs)
        gap_ids = [s.id for s in gaps]
        others = [s for s in matrix.statements(m.PCN) if s.id not in set(gap_ids)]
        choices = []
        if gaps:
            choices.append(("Gaps: the next step's statements not yet achieved",
                            [(s.id, f"{services.statement_place(matrix, s.id)}: {s.text}") for s in gaps]))
        choices.append(("Other statements" if gaps else "Statements",
                        [(s.id, f"{services.statement_place(matrix, s.id)}: {s.text}") for s in others]))
        stored = [sid for sid in (instance.statement_ids if instance else []) if not _known(matrix, sid)]
        if stored:
            choices.append(("No longer in the matrix", [(sid, sid) for sid in stored]))
        self.fields["statements"].choices = choices
        offers = list(services.ref.support_offers())
        keys = {o.key for o in offers}
        support = [(o.key, o.name) for o in offers]
        support += [(k, f"{k} (no longer offered)") for k in (instance.support_requested if instance else [])
                    if k not in keys]
        self.fields["support"].choices = support
        self.offers = offers

    def clean_title(self) -> str:
        return self.cleaned_data["title"].strip()

    def clean_owner(self) -> str:
        return self.cleaned_data["owner"].strip()

    def clean_notes(self) -> str:
        return self.cleaned_data["notes"].strip()

    def save(self) -> str:
        data = self.cleaned_data
        action = self.instance or Action(pcn=self.pcn, matrix=self.matrix.key, created_by=self.user)
        action.title, action.owner, action.due = data["title"], data["owner"], data["due"]
        action.status, action.notes = data["status"], data["notes"]
        action.statement_ids = list(data["statements"])
        action.support_requested = list(data["support"])
        action.updated_by = self.user
        created = action.pk is None
        action.save()
        return f"{'Added' if created else 'Saved'} the action '{action.title}'."


def _known(matrix: m.Matrix, statement_id: str) -> bool:
    try:
        return matrix.statement(statement_id) is not None
    except (KeyError, LookupError):
        return False


class NewAssessmentForm(NHSFormMixin, forms.Form):
    """Start a new assessment: the matrix to assess against."""

    matrix = forms.ChoiceField(label="Maturity matrix", error_messages={"required": "Choose a matrix",
                                                                       "invalid_choice": "Choose a matrix from the list"})

    def __init__(self, *args, audience: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matrix"].choices = [(mx.key, mx.name) for mx in services.matrices_for(audience)]
