"""Forms of the plan pages: ARRS posts, monthly ARRS claims and access sessions (NHS.UK styled).

Each form is bound to a PCN and the signed-in user and saves itself, returning the sentence the
success banner shows. Validation messages follow the NHS.UK error message style.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.db import transaction

from pcnhub.accounts.models import Role
from pcnhub.accounts.scope import scope_for
from pcnhub.domain.money.years import FinancialYear, long_date
from pcnhub.finance import plans
from pcnhub.finance.models import (
    AccessSession,
    ArrsClaim,
    ArrsPost,
    Employment,
    Weekday,
)
from pcnhub.pages.forms import NHSFormMixin, date_field
from pcnhub.register.models import Organisation

TIME_FORMAT = "%H:%M"


def can_agree(user) -> bool:
    """May ``user`` record a commissioner's agreement to a session (ICB commissioners and administrators)?"""
    return scope_for(user).role in (Role.ICB, Role.ADMIN)


def role_choices(current: str | None = None) -> list[tuple[str, str]]:
    """Every catalogue role with the date it became reimbursable (and a stored role no longer in it)."""
    cat = plans.catalogue()
    choices = [("", "Choose a role")]
    choices += [(r.key, f"{r.name} (reimbursable from {long_date(r.eligible_from)})") for r in cat.roles]
    if current and cat.resolve(current) is None:
        choices.append((current, f"{current} (not in the roles catalogue)"))
    return choices


def pounds_field(label: str, help_text: str, *, what: str, short: str, example: str) -> forms.DecimalField:
    """An amount in pounds and pence below £10 billion; the messages name it "the ``what``" (e.g. "amount
    claimed") and, more briefly, "an ``short``"/"the ``short``" (e.g. "amount"), with ``example``."""
    return forms.DecimalField(
        label=label, max_digits=12, decimal_places=2, help_text=help_text,
        error_messages={
            "required": f"Enter the {what} in pounds, for example {example}",
            "invalid": f"Enter the {what} as an amount in pounds, for example {example}",
            "max_digits": f"Enter an {short} below £10 billion",
            "max_whole_digits": f"Enter an {short} below £10 billion",
            "max_decimal_places": f"Enter the {short} in pounds and pence, to at most 2 decimal places",
        },
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "inputmode": "decimal", "spellcheck": "false"}),
    )


def not_negative(amount: Decimal, message: str) -> Decimal:
    """``amount`` if it is a number of at least 0, else a validation error with ``message``."""
    if not amount.is_finite() or amount < 0:
        raise forms.ValidationError(message)
    return amount


def required_text(text: str, message: str) -> str:
    """``text`` without surrounding white space; a validation error with ``message`` if nothing is left."""
    text = text.strip()
    if not text:
        raise forms.ValidationError(message)
    return text


def post_title(post: ArrsPost) -> str:
    """E.g. "North (Clinical pharmacist)", or the role's name alone for a post without a title."""
    name = plans.role_name(post.role)
    return f"{post.label} ({name})" if post.label else name


def post_label(post: ArrsPost) -> str:
    """E.g. "North (Clinical pharmacist), 1 WTE from 01 Apr 2024"."""
    return f"{post_title(post)}, {plans.wte(post.fte)} WTE from {post.start:%d %b %Y}"


def post_description(post: ArrsPost) -> str:
    """E.g. "North (Clinical pharmacist), 1 WTE from 1 April 2024", for the success banners."""
    return f"{post_title(post)}, {plans.wte(post.fte)} WTE from {long_date(post.start)}"


class PlanRowForm(NHSFormMixin, forms.Form):
    """Add a row to a plan of ``pcn``, or change ``instance``: unbound, the form starts from the
    ``instance``'s values of ``copied_fields``."""

    copied_fields: tuple[str, ...] = ()

    def __init__(self, *args, pcn: Organisation, user, instance=None, **kwargs):
        self.pcn, self.user, self.instance = pcn, user, instance
        if instance is not None and "initial" not in kwargs and not args:
            kwargs["initial"] = {name: getattr(instance, name) for name in self.copied_fields}
        super().__init__(*args, **kwargs)

    @property
    def verb(self) -> str:
        """What saving did, for the success banner."""
        return "changed" if self.instance is not None else "added"


class PostForm(PlanRowForm):
    """Add or change one post of a PCN's ARRS workforce plan."""

    copied_fields = ("role", "label", "fte", "start", "end", "annual_cost", "employment")

    role = forms.ChoiceField(label="Role", error_messages={"required": "Choose the role",
                                                          "invalid_choice": "Choose a role from the list"})
    label = forms.CharField(label="Post title or holder (optional)", required=False, max_length=120,
                            help_text="How the PCN knows the post, for example 'Clinical pharmacist, north'",
                            error_messages={"max_length": "Enter a title of at most 120 characters"})
    fte = forms.DecimalField(
        label="Whole-time equivalent (WTE)", max_digits=5, decimal_places=2,
        help_text="For example 1 for full time or 0.8 for four days a week",
        error_messages={
            "required": "Enter the whole-time equivalent, for example 0.8",
            "invalid": "Enter the whole-time equivalent as a number, for example 0.8",
            "max_digits": "Enter a whole-time equivalent below 1,000",
            "max_whole_digits": "Enter a whole-time equivalent below 1,000",
            "max_decimal_places": "Enter the whole-time equivalent to at most 2 decimal places",
        },
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "decimal", "spellcheck": "false"}),
    )
    start = date_field("Start date", required=True, help_text="The first day in post, for example 2024-04-01",
                       required_message="Enter the date the post starts")
    end = date_field("End date (optional)", required=False, help_text="The last day in post; leave blank while it continues")
    annual_cost = pounds_field(
        "Annual cost in pounds", "Actual salary plus on-costs a year for this post at its WTE, for example 45000",
        what="annual cost", short="annual cost", example="45000",
    )
    employment = forms.ChoiceField(label="Employment", choices=Employment.choices, initial=Employment.EMPLOYED,
                                   error_messages={"required": "Choose how the post is filled"})

    def __init__(self, *args, pcn: Organisation, user, instance: ArrsPost | None = None, **kwargs):
        super().__init__(*args, pcn=pcn, user=user, instance=instance, **kwargs)
        self.fields["role"].choices = role_choices(instance.role if instance else None)

    def clean_label(self) -> str:
        return self.cleaned_data["label"].strip()

    def clean_fte(self) -> Decimal:
        fte = self.cleaned_data["fte"]
        if not fte.is_finite() or fte <= 0:
            raise forms.ValidationError("The whole-time equivalent must be more than 0")
        return fte

    def clean_annual_cost(self) -> Decimal:
        return not_negative(self.cleaned_data["annual_cost"], "The annual cost cannot be negative")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date must be the same as or after the start date")
        return data

    def save(self) -> str:
        data = self.cleaned_data
        post = self.instance or ArrsPost(pcn=self.pcn)
        for name in self.copied_fields:
            setattr(post, name, data[name])
        post.updated_by = self.user
        post.save()
        return f"{post_description(post)}, {self.verb}"


class ClaimForm(NHSFormMixin, forms.Form):
    """Record (or correct) the claim of one post for one month of the year."""

    post = forms.ModelChoiceField(queryset=ArrsPost.objects.none(), label="Post", empty_label="Choose a post",
                                  error_messages={"required": "Choose the post claimed for",
                                                  "invalid_choice": "Choose a post of this plan"})
    month = forms.ChoiceField(label="Month", error_messages={"required": "Choose the month claimed for",
                                                            "invalid_choice": "Choose a month of the year"})
    amount = pounds_field(
        "Amount claimed in pounds",
        "What was claimed for the post for the month; recording a month again replaces its claim",
        what="amount claimed", short="amount", example="3500",
    )

    def __init__(self, *args, pcn: Organisation, user, year: FinancialYear, **kwargs):
        self.pcn, self.user, self.year = pcn, user, year
        super().__init__(*args, **kwargs)
        posts = [p for p in plans.stored_posts(pcn) if plans.in_year(p, year)]
        self.fields["post"].queryset = ArrsPost.objects.filter(pk__in=[p.pk for p in posts]).order_by("start", "role", "id")
        self.fields["post"].label_from_instance = post_label
        self.fields["month"].choices = [("", "Choose a month")] + [
            (m.isoformat(), plans.month_label(m)) for m in year.months()
        ]

    def clean_month(self) -> dt.date:
        return dt.date.fromisoformat(self.cleaned_data["month"])

    def clean_amount(self) -> Decimal:
        return not_negative(self.cleaned_data["amount"], "The amount claimed cannot be negative")

    def clean(self):
        data = super().clean()
        post, month = data.get("post"), data.get("month")
        if post is not None and month is not None and not plans.post_in_month(post, month):
            self.add_error("month", f"The post was not in post in {plans.month_label(month)}")
        return data

    @transaction.atomic
    def save(self) -> str:
        data = self.cleaned_data
        claim, created = ArrsClaim.objects.update_or_create(
            post=data["post"], month=data["month"],
            defaults={"amount": data["amount"], "submitted_by": self.user},
        )
        verb = "recorded" if created else "updated"
        return (f"Claim of {plans.gbp(claim.amount)} for {post_label(claim.post)} in "
                f"{plans.month_label(claim.month)} {verb}")


class SessionForm(PlanRowForm):
    """Add or change one staff session of a PCN's weekly access plan.

    Only ICB commissioners and administrators see the "commissioner-agreed" box: it records the
    commissioner's agreement. When anyone else changes the day or times of an agreed session, the
    agreement no longer covers it and is cleared.
    """

    day = forms.TypedChoiceField(label="Day", choices=[("", "Choose a day"), *Weekday.choices], coerce=int,
                                 error_messages={"required": "Choose the day of the week",
                                                 "invalid_choice": "Choose a day of the week"})
    start = forms.TimeField(
        label="Start time", input_formats=[TIME_FORMAT], help_text="24-hour clock, for example 18:30",
        error_messages={"required": "Enter the start time", "invalid": "Enter the start time as HH:MM, for example 18:30"},
        widget=forms.TimeInput(attrs={"type": "time", "class": "nhsuk-input--width-10"}, format=TIME_FORMAT),
    )
    end = forms.TimeField(
        label="End time", input_formats=[TIME_FORMAT], help_text="24-hour clock, for example 20:00",
        error_messages={"required": "Enter the end time", "invalid": "Enter the end time as HH:MM, for example 20:00"},
        widget=forms.TimeInput(attrs={"type": "time", "class": "nhsuk-input--width-10"}, format=TIME_FORMAT),
    )
    site = forms.CharField(label="Site", max_length=120, help_text="Where the session runs, for example a surgery's name",
                           error_messages={"required": "Enter the site", "max_length": "Enter a site of at most 120 characters"})
    staff_type = forms.CharField(label="Staff type", max_length=60, help_text="For example GP, practice nurse or clinical pharmacist",
                                 error_messages={"required": "Enter the staff type",
                                                 "max_length": "Enter a staff type of at most 60 characters"})
    agreed = forms.BooleanField(label="The commissioner has agreed this session outside the Network Standard Hours",
                                required=False)

    copied_fields = ("day", "start", "end", "site", "staff_type", "agreed")

    def __init__(self, *args, pcn: Organisation, user, instance: AccessSession | None = None, **kwargs):
        super().__init__(*args, pcn=pcn, user=user, instance=instance, **kwargs)
        self.can_agree = can_agree(user)
        if not self.can_agree:
            del self.fields["agreed"]
        self.agreement_cleared = False

    def clean_site(self) -> str:
        return required_text(self.cleaned_data["site"], "Enter the site")

    def clean_staff_type(self) -> str:
        return required_text(self.cleaned_data["staff_type"], "Enter the staff type")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and end <= start:
            self.add_error("end", "The end time must be after the start time; enter a session that crosses "
                                  "midnight as one session on each day")
        return data

    def save(self) -> str:
        data = self.cleaned_data
        session = self.instance or AccessSession(pcn=self.pcn)
        moved = self.instance is not None and (
            (session.day, session.start, session.end) != (data["day"], data["start"], data["end"])
        )
        for name in ("day", "start", "end", "site", "staff_type"):
            setattr(session, name, data[name])
        if self.can_agree:
            session.agreed = data["agreed"]
        elif self.instance is None:
            session.agreed = False
        elif moved and session.agreed:
            session.agreed = False
            self.agreement_cleared = True
        session.updated_by = self.user
        session.save()
        what = f"{session.get_day_display()} {session.start:%H:%M} to {session.end:%H:%M}, {session.site}, {session.staff_type}"
        message = f"Session {what} {self.verb}"
        if self.agreement_cleared:
            message += "; its times changed, so the commissioner's agreement was cleared and must be given again"
        return message
