"""The scenarios' forms: the list's filter, a new scenario (with a practice's move, or a CSV of changes), a change
added to a scenario, a workflow step and a comment.

A change's form shows every field; :data:`NEEDS` says which each action needs, checked here so that the page
names the missing field; whether the change applies to the register is checked by applying it
(:func:`pcnhub.domain.scenario.apply`), whose message the page shows against the form.
"""

from __future__ import annotations

import datetime as dt

from decimal import Decimal
from typing import Final

from django import forms

from pcnhub.domain import scenario as d
from pcnhub.finance.forms_plans import role_choices
from pcnhub.pages.forms import NHSFormMixin, date_field
from pcnhub.register import pickers
from pcnhub.scenarios.models import EventKind, Status

#: The most a CSV of changes may weigh (a scenario is a handful of changes).
MAX_UPLOAD_BYTES: Final = 1_000_000
#: A new network is named in ``new_network``; ``to`` stands for "the network the change goes to" (either field).
NEEDS: Final = {
    d.MOVE: ("practice", "to"), d.SPLIT: ("practice", "new_network"), d.MERGE: ("from_pcn", "to_pcn"),
    d.ADD: ("new_practice_code", "to", "list_change"), d.CLOSE: ("practice",), d.GROW: ("practice", "list_change"),
    d.ARRS: ("to_pcn", "role", "wte"), d.ACCESS: ("to_pcn", "minutes"),
}
MISSING: Final = {
    "practice": "Choose the practice",
    "to": "Choose the network it goes to, or name a new one",
    "new_network": "Name the new network",
    "from_pcn": "Choose the network that merges",
    "to_pcn": "Choose the network",
    "new_practice_code": "Enter the new practice's code",
    "list_change": "Enter the number of patients",
    "role": "Choose the ARRS role",
    "wte": "Enter the whole-time equivalent",
    "annual_cost": "Enter the annual cost of a whole-time post",
    "minutes": "Enter the access minutes a week",
}
#: The workflow's buttons, in the words of the page.
STEP_WORDS: Final = {
    EventKind.SHARED: "Share for comment",
    EventKind.SUBMITTED: "Submit for decision",
    EventKind.APPROVED: "Approve",
    EventKind.REJECTED: "Reject",
    EventKind.RETURNED: "Return to draft",
}


def _text(label: str, *, required: bool = False, help_text: str = "", width: int = 20,
          max_length: int = 200) -> forms.CharField:
    return forms.CharField(label=label, required=required, help_text=help_text, max_length=max_length,
                           widget=forms.TextInput(attrs={"class": f"nhsuk-input--width-{width}"}))


class FilterForm(NHSFormMixin, forms.Form):
    """``/scenarios/?status=``."""

    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Status.choices])


class ScenarioForm(NHSFormMixin, forms.Form):
    """A new scenario: name, area, effective date, reasons; optionally a CSV of changes, or a practice's move."""

    name = _text("Name", required=True, width=30, help_text="For example: Essex Way Surgery joins Alpha South PCN")
    area = forms.ChoiceField(label="Area", help_text="The ICB or sub-ICB location whose networks change")
    effective_date = date_field("Effective date", required=True, help_text="The date the changes would take effect, "
                                "for example 2025-04-01", required_message="Enter the effective date")
    reasons = forms.CharField(label="Reasons", required=False, help_text="The case for the changes",
                              widget=forms.Textarea(attrs={"rows": 4}))
    changes = forms.FileField(label="Changes (optional)", required=False,
                              help_text="A CSV file with columns action, practice_code, from_pcn, to_pcn, "
                              "list_change (and name, practice_name, role, wte, annual_cost, minutes where an "
                              "action needs them), one change a row")

    def __init__(self, *args, areas=(), day: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = {a.code: a for a in areas}
        self.fields["area"].choices = [("", "Choose an area"), *pickers.grouped(areas, day)]
        self.fields["area"].error_messages["required"] = "Choose the area"
        self.fields["name"].error_messages["required"] = "Enter a name for the scenario"

    def clean_area(self):
        code = self.cleaned_data["area"]
        if code not in self.areas:
            raise forms.ValidationError("Choose an ICB or sub-ICB location you are responsible for")
        return self.areas[code]

    def clean_changes(self):
        upload = self.cleaned_data.get("changes")
        if upload and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB: a scenario's "
                                        "changes fit in a few rows")
        return upload


class MoveForm(NHSFormMixin, forms.Form):
    """Where the practice of a new scenario goes (the page it was started from named the practice)."""

    to_pcn = forms.ChoiceField(label="Move it to", required=False)
    new_network = _text("Or a new network named", help_text="Leave blank to move it into the network chosen above")

    def __init__(self, *args, networks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_pcn"].choices = [("", "Choose a network"), *networks]

    def clean(self):
        data = super().clean()
        if not data.get("to_pcn") and not data.get("new_network", "").strip():
            self.add_error("to_pcn", "Choose the network it moves to, or name a new one")
        return data

    def change(self, practice: str) -> d.Change:
        new = self.cleaned_data["new_network"].strip()
        return d.Change(d.SPLIT if new else d.MOVE, practice=practice, to_pcn=new or self.cleaned_data["to_pcn"])


class ChangeForm(NHSFormMixin, forms.Form):
    """One change added to a scenario (every field; :data:`NEEDS` says which the action needs)."""

    action = forms.ChoiceField(label="What changes", choices=[("", "Choose a change"), *d.ACTIONS.items()])
    practice = forms.ChoiceField(label="Practice", required=False,
                                 help_text="For a move, split, closure or a list that changes")
    from_pcn = forms.ChoiceField(label="From network", required=False,
                                 help_text="For a merger: the network that merges into another")
    to_pcn = forms.ChoiceField(label="To network", required=False,
                               help_text="Where a practice moves or opens, what a network merges into, or whose "
                               "ARRS posts or access minutes change")
    new_network = _text("Or a new network named", help_text="For a move, split or a practice that opens in a "
                        "network the scenario makes")
    name = _text("New name after the merger", help_text="Optional")
    new_practice_code = _text("New practice's code", width=10, max_length=16, help_text="For a practice that opens")
    practice_name = _text("New practice's name", help_text="For a practice that opens")
    list_change = forms.IntegerField(
        label="Patients", required=False, help_text="A new practice's list, or how much a list grows (negative: "
        "falls)", error_messages={"invalid": "Enter the patients as a whole number, for example 1500"},
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-10", "inputmode": "numeric"}))
    role = forms.ChoiceField(label="ARRS role", required=False)
    wte = forms.DecimalField(
        label="Whole-time equivalent", required=False, max_digits=6, decimal_places=2,
        help_text="Posts added, or, negative, the WTE of the role's posts that end (the latest to start first)",
        error_messages={"invalid": "Enter the whole-time equivalent as a number, for example 1.5 or -1"},
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "decimal"}))
    annual_cost = forms.DecimalField(
        label="Annual cost of a whole-time post (£)", required=False, max_digits=10, decimal_places=2,
        help_text="For posts added",
        min_value=Decimal(0), error_messages={"invalid": "Enter the annual cost in pounds, for example 45000",
                                              "min_value": "An annual cost cannot be negative"},
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "inputmode": "decimal"}))
    minutes = forms.IntegerField(
        label="Access minutes a week", required=False, help_text="More (or, negative, fewer) minutes a week",
        error_messages={"invalid": "Enter the minutes as a whole number, for example 90"},
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "numeric"}))

    def __init__(self, *args, practices=(), networks=(), **kwargs):
        kwargs.setdefault("prefix", "change")
        super().__init__(*args, **kwargs)
        self.fields["action"].error_messages["required"] = "Choose what changes"
        self.fields["practice"].choices = [("", "Choose a practice"), *practices]
        for name in ("from_pcn", "to_pcn"):
            self.fields[name].choices = [("", "Choose a network"), *networks]
        self.fields["role"].choices = role_choices()

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if not action:
            return data
        for name in NEEDS[action]:
            if name == "to":
                if not data.get("to_pcn") and not (data.get("new_network") or "").strip():
                    self.add_error("to_pcn", MISSING["to"])
            elif data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, MISSING[name])
        wte = data.get("wte")
        if action == d.ARRS and wte is not None and "wte" not in self.errors:
            if wte == 0:
                self.add_error("wte", "Enter a whole-time equivalent other than 0")
            elif wte > 0 and data.get("annual_cost") in (None, "") and "annual_cost" not in self.errors:
                self.add_error("annual_cost", MISSING["annual_cost"])
        return data

    def change(self) -> d.Change:
        data = self.cleaned_data
        action = data["action"]
        new = (data.get("new_network") or "").strip()
        to_pcn = new if new and action in (d.MOVE, d.SPLIT, d.ADD) else data.get("to_pcn") or ""
        practice = data["new_practice_code"].strip().upper() if action == d.ADD else data.get("practice") or ""
        return d.Change(action, practice=practice, from_pcn=data.get("from_pcn") or "" if action == d.MERGE else "",
                        to_pcn=to_pcn, list_change=data.get("list_change") or 0,
                        name=data.get("name", "").strip() if action == d.MERGE else "",
                        role=data.get("role") or "" if action == d.ARRS else "",
                        wte=data.get("wte") or Decimal(0) if action == d.ARRS else Decimal(0),
                        annual_cost=data.get("annual_cost") or Decimal(0) if action == d.ARRS else Decimal(0),
                        minutes=data.get("minutes") or 0 if action == d.ACCESS else 0,
                        practice_name=data.get("practice_name", "").strip() if action == d.ADD else "")

    def field_for(self, message: str) -> str | None:
        """The field a message of :func:`pcnhub.domain.scenario.apply` is about (None: the whole change)."""
        for words, name in (("already in", "to_pcn"), ("list", "list_change"), ("practice", "practice"),
                            ("(from_pcn)", "from_pcn"), ("network", "to_pcn"), ("ARRS role", "role"),
                            ("whole-time", "wte"), ("annual cost", "annual_cost")):
            if words in message:
                if name == "practice" and self.cleaned_data.get("action") == d.ADD:
                    return "new_practice_code"
                return name
        return None


class StepForm(NHSFormMixin, forms.Form):
    """A workflow step (the button pressed) and, where the step needs one, its reason."""

    step = forms.ChoiceField(choices=list(STEP_WORDS.items()))
    reason = forms.CharField(label="Reason", required=False, max_length=5_000,
                             help_text="Needed to approve or reject: it is recorded with the decision",
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "step")
        super().__init__(*args, **kwargs)


class CommentForm(NHSFormMixin, forms.Form):
    text = forms.CharField(label="Your comment", max_length=5_000, widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": "Write the comment"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "comment")
        super().__init__(*args, **kwargs)
