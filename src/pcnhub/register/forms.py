"""Forms behind the register's pages: query parameters (area, date, band) and PCN edits.

They render with the NHS.UK classes of :class:`pcnhub.pages.forms.NHSFormMixin`.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pcnhub.accounts.scope import scope_for
from pcnhub.domain import rules
from pcnhub.domain.money.years import long_date
from pcnhub.pages.forms import DateForm, NHSFormMixin, clean_band, date_field
from pcnhub.register import listing, pickers
from pcnhub.register.services import MAX_QUERY
from pcnhub.register.models import (
    AgreementStatus,
    BandPolicy,
    ClinicalDirector,
    DeliveryModel,
    Governance,
    Membership,
    Organisation,
    OrgKind,
    PartnerRole,
    Partnership,
    PartnerType,
    RuleException,
    Succession,
)

RULE_LABELS = {
    rules.LIST_SIZE_BAND: "List size within the band",
    rules.ONE_PCN_PER_PRACTICE: "One PCN per practice",
    rules.FULL_COVERAGE: "Every practice in a PCN",
    rules.CLINICAL_DIRECTOR: "Named Clinical Director",
    rules.NOMINATED_PAYEE: "Nominated payee",
    rules.NETWORK_AGREEMENT: "Signed Network Agreement",
    rules.CONTIGUITY: "Contiguous area",
}
LOCAL_PARTNER_PREFIX = "LP"


# --- Query parameters --------------------------------------------------------------------------


class LandscapeForm(DateForm):
    """``?area=&date=&lower=&upper=&upper_binds=``: the area, date and list-size band of a landscape (all band
    fields blank: each network's band policy); ``?q=&size=&severity=&findings=&sort=&page=``: which of its PCNs
    are listed (:mod:`pcnhub.register.listing`), in what order, and which page of them."""

    area = forms.CharField(label="Area", required=False, widget=forms.Select)
    lower = forms.IntegerField(
        label="Lower limit", required=False, min_value=0,
        error_messages={"invalid": "Enter the lower limit as a whole number of patients"},
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "numeric"}),
    )
    upper = forms.IntegerField(
        label="Upper limit", required=False, min_value=0,
        error_messages={"invalid": "Enter the upper limit as a whole number of patients"},
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "numeric"}),
    )
    upper_binds = forms.BooleanField(
        label="The upper limit binds: a network above it breaks the rule (else it is a warning)", required=False,
    )
    q = forms.CharField(
        label="PCN or member practice", required=False, max_length=MAX_QUERY,
        help_text="Part of a name, or an ODS code",
        error_messages={"max_length": f"Enter at most {MAX_QUERY} characters to search for"},
        widget=forms.TextInput(attrs={"type": "search", "class": "nhsuk-input--width-20", "spellcheck": "false"}),
    )
    size = forms.ChoiceField(label="List size", required=False,
                             choices=[("", "Any list size"), *listing.SIZE_LABELS.items()])
    severity = forms.ChoiceField(label="Findings of severity", required=False,
                                 choices=[("", "Any severity"), *listing.SEVERITY_LABELS.items()])
    findings = forms.BooleanField(label="With findings only", required=False)
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in listing.SORTS], widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput,
                              error_messages={"invalid": "Enter the page as a whole number",
                                              "min_value": "Pages are numbered from 1"})
    field_order = ["area", "date", "lower", "upper", "upper_binds", "q", "size", "severity", "findings", "sort"]

    def __init__(self, *args, areas: list[Organisation] = (), day: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        groups = pickers.grouped(areas, day) if day is not None else listing.area_groups(list(areas))
        self.fields["area"].widget.choices = [("", "Choose an area"), *groups]
        self.fields["lower"].widget.attrs["placeholder"] = str(rules.DEFAULT_BAND.lower)
        self.fields["upper"].widget.attrs["placeholder"] = str(rules.DEFAULT_BAND.upper)

    def clean_area(self) -> str:
        return self.cleaned_data["area"].strip().upper()

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()

    @property
    def filters(self) -> listing.Filters:
        """The filters of the list of PCNs (once the form is valid)."""
        data = self.cleaned_data
        return listing.Filters(q=data["q"], size=data["size"], findings=data["findings"], severity=data["severity"])

    def clean(self):
        return clean_band(self, super().clean())


# --- Dated records ------------------------------------------------------------------------------


def start_after_latest(form: forms.Form, rows, start: dt.date | None, what: str) -> None:
    """An error on ``start`` unless it is after the latest start of ``rows`` (a change is recorded from a new date)."""
    latest = rows.filter(start__isnull=False).order_by("-start").first()
    if start and latest and start <= latest.start:
        form.add_error("start", f"{what} already recorded from {long_date(latest.start)}; record a change from a "
                                "later date")


def end_open_rows(rows, start: dt.date) -> None:
    """End the day before ``start`` every open row of ``rows`` that started before it (the new row replaces them)."""
    changes = {"end": start - dt.timedelta(days=1)}
    if any(field.name == "updated" for field in rows.model._meta.fields):
        changes["updated"] = timezone.now()
    rows.filter(end__isnull=True).filter(Q(start__lt=start) | Q(start__isnull=True)).update(**changes)


# --- Area band policy ---------------------------------------------------------------------------


def _limit(label: str, default: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=rules.MAX_LIST_SIZE, initial=default,
        error_messages={"invalid": f"Enter the {label.lower()} as a whole number of patients",
                        "required": f"Enter the {label.lower()}",
                        "max_value": f"The {label.lower()} cannot be more than {rules.MAX_LIST_SIZE:,}",
                        "min_value": f"The {label.lower()} cannot be negative"},
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "numeric"}),
    )


class BandPolicyForm(NHSFormMixin, forms.Form):
    """An area's band policy from a date: its limits, whether the upper one binds, and why (it replaces the
    area's policy from that date)."""

    title = "Record the band policy"
    submit = "Save band policy"

    start = date_field(
        "From", required=True, help_text="The first day the policy applies, for example 2026-04-01",
        required_message="Enter the date the policy starts",
    )
    lower = _limit("Lower limit", rules.DES_LOWER_LIST_SIZE)
    upper = _limit("Upper limit", rules.DES_UPPER_LIST_SIZE)
    upper_binds = forms.BooleanField(
        label="The upper limit binds: a network above it breaks the policy (else it is a warning)", required=False,
    )
    reason = forms.CharField(
        label="Decision and where it is recorded", max_length=2000,
        help_text="For example: networks of 30,000 to 70,000 agreed by the primary care commissioning committee",
        error_messages={"required": "Enter the decision and where it is recorded"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, area: Organisation, user, **kwargs):
        self.area = area
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter the decision and where it is recorded")
        return reason

    def clean(self):
        data = super().clean()
        lower, upper, start = data.get("lower"), data.get("upper"), data.get("start")
        if lower is not None and upper is not None and lower > upper:
            self.add_error("upper", f"The upper limit ({upper:,}) cannot be below the lower limit ({lower:,})")
        start_after_latest(self, BandPolicy.objects.filter(area=self.area), start, "A band policy is")
        return data

    @transaction.atomic
    def save(self) -> str:
        data = self.cleaned_data
        start = data["start"]
        end_open_rows(BandPolicy.objects.filter(area=self.area), start)
        policy = BandPolicy.objects.create(
            area=self.area, start=start, lower=data["lower"], upper=data["upper"], upper_binds=data["upper_binds"],
            reason=data["reason"], recorded_by=self.user,
        )
        binds = "binds" if policy.upper_binds else "is advisory"
        return (f"Band policy of {self.area.name} recorded from {long_date(start)}: networks of {policy.band} "
                f"registered patients; the upper limit {binds}")


# --- PCN edits ---------------------------------------------------------------------------------


class PCNEditForm(NHSFormMixin, forms.Form):
    """A change to one PCN, made by ``user``; :meth:`save` writes it and returns a message."""

    title = ""
    submit = "Save"
    #: Only a commissioner (an ICB user, or an administrator) may make this change.
    commissioners_only = False

    def __init__(self, *args, pcn: Organisation, user, **kwargs):
        self.pcn = pcn
        self.user = user
        super().__init__(*args, **kwargs)

    def member_practices(self):
        """Practices that are or were members of the PCN."""
        ids = Membership.objects.filter(pcn=self.pcn).values_list("practice_id", flat=True)
        return Organisation.objects.filter(pk__in=ids).order_by("name")

    def save(self) -> str:
        raise NotImplementedError


class GovernanceForm(PCNEditForm):
    title = "Record governance"
    submit = "Save governance"

    start = date_field(
        "From", required=True, help_text="The first day these arrangements apply, for example 2025-04-01",
        required_message="Enter the date these arrangements start",
    )
    nominated_payee = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, label="Nominated payee",
        empty_label="None recorded", to_field_name="code",
        help_text="The practice or provider that receives the network's funding",
    )
    delivery_model = forms.ChoiceField(
        label="Delivery model", required=False, choices=[("", "Not recorded"), *DeliveryModel.choices]
    )
    network_agreement = forms.ChoiceField(
        label="Network Agreement", choices=AgreementStatus.choices, initial=AgreementStatus.NOT_STARTED
    )
    network_agreement_date = date_field("Date the Network Agreement was signed", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        partners = Partnership.objects.filter(pcn=self.pcn).values_list("partner_id", flat=True)
        members = self.member_practices().values_list("pk", flat=True)
        self.fields["nominated_payee"].queryset = Organisation.objects.filter(
            Q(pk__in=list(members)) | Q(pk__in=list(partners))
        ).order_by("name")

    def clean(self):
        data = super().clean()
        start = data.get("start")
        start_after_latest(self, Governance.objects.filter(pcn=self.pcn), start, "Governance is")
        if data.get("network_agreement") == AgreementStatus.SIGNED and not data.get("network_agreement_date"):
            self.add_error("network_agreement_date", "Enter the date the Network Agreement was signed")
        return data

    @transaction.atomic
    def save(self) -> str:
        data = self.cleaned_data
        start = data["start"]
        end_open_rows(Governance.objects.filter(pcn=self.pcn), start)
        Governance.objects.create(
            pcn=self.pcn,
            start=start,
            nominated_payee=data["nominated_payee"],
            delivery_model=data["delivery_model"],
            network_agreement=data["network_agreement"],
            network_agreement_date=data["network_agreement_date"],
            recorded_by=self.user,
        )
        return f"Governance of {self.pcn.name} recorded from {long_date(start)}"


class ClinicalDirectorForm(PCNEditForm):
    title = "Add a Clinical Director"
    submit = "Add Clinical Director"

    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the Clinical Director's name"})
    start = date_field(
        "From", required=True, help_text="The first day in post, for example 2025-04-01",
        required_message="Enter the date the Clinical Director started",
    )
    practice = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, label="Their practice",
        empty_label="Not recorded", to_field_name="code",
    )
    replaces = forms.BooleanField(
        label="Replaces the current Clinical Director(s), whose term ends the day before", required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = self.member_practices()

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    @transaction.atomic
    def save(self) -> str:
        data = self.cleaned_data
        if data["replaces"]:
            end_open_rows(ClinicalDirector.objects.filter(pcn=self.pcn), data["start"])
        ClinicalDirector.objects.create(pcn=self.pcn, name=data["name"], start=data["start"], practice=data["practice"])
        return f"{data['name']} added as Clinical Director of {self.pcn.name} from {long_date(data['start'])}"


class PartnerForm(PCNEditForm):
    title = "Add a partner"
    submit = "Add partner"

    existing = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, label="Existing partner organisation",
        empty_label="Not listed: add a new one below", to_field_name="code",
    )
    new_name = forms.CharField(label="Name of a new partner organisation", required=False, max_length=200)
    new_code = forms.CharField(
        label="ODS code of the new partner (if it has one)", required=False, max_length=16,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "spellcheck": "false"}),
    )
    partner_type = forms.ChoiceField(
        label="Type of the new partner", required=False, choices=[("", "Choose a type"), *PartnerType.choices]
    )
    role = forms.ChoiceField(label="Role", choices=PartnerRole.choices, initial=PartnerRole.CORE)
    start = date_field("From", required=False, help_text="Leave blank if not known")
    description = forms.CharField(label="Description", required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["existing"].queryset = scope_for(self.user).organisations(
            Organisation.objects.filter(kind=OrgKind.PARTNER)
        ).order_by("name")

    def clean_new_code(self) -> str:
        code = self.cleaned_data["new_code"].strip().upper()
        if code and Organisation.objects.filter(code=code).exists():
            raise forms.ValidationError(f"An organisation with the code {code} is already recorded")
        if code and not re.fullmatch(r"[A-Z0-9-]+", code):
            raise forms.ValidationError("An ODS code has only letters, digits and dashes")
        return code

    def clean(self):
        data = super().clean()
        existing, name = data.get("existing"), (data.get("new_name") or "").strip()
        if existing and name:
            self.add_error("new_name", "Choose an existing partner or name a new one, not both")
        elif not existing and not name and "existing" not in self.errors:
            self.add_error("existing", "Choose an existing partner organisation or name a new one")
        elif name and not data.get("partner_type"):
            self.add_error("partner_type", "Choose the type of the new partner organisation")
        if existing and Partnership.objects.on(data.get("start") or dt.date.today()).filter(
            pcn=self.pcn, partner=existing
        ).exists():
            self.add_error("existing", f"{existing.name} is already a partner of {self.pcn.name}")
        data["new_name"] = name
        return data

    @staticmethod
    def local_code() -> str:
        """The next free local code for a partner without an ODS code: LP000001, LP000002 ..."""
        codes = Organisation.objects.filter(code__regex=rf"^{LOCAL_PARTNER_PREFIX}[0-9]{{6}}$").values_list("code", flat=True)
        number = max((int(c[len(LOCAL_PARTNER_PREFIX):]) for c in codes), default=0) + 1
        return f"{LOCAL_PARTNER_PREFIX}{number:06d}"

    @transaction.atomic
    def save(self) -> str:
        data = self.cleaned_data
        partner = data["existing"]
        if partner is None:
            partner = Organisation.objects.create(
                code=data["new_code"] or self.local_code(),
                name=data["new_name"],
                kind=OrgKind.PARTNER,
                partner_type=data["partner_type"],
                source=f"Recorded by {self.user.get_username()}",
            )
        Partnership.objects.create(
            pcn=self.pcn, partner=partner, role=data["role"], start=data["start"], description=data["description"]
        )
        return f"{partner.name} added as a {PartnerRole(data['role']).label.lower()} of {self.pcn.name}"


class RuleExceptionForm(PCNEditForm):
    title = "Record a rule exception"
    submit = "Record exception"

    rule = forms.ChoiceField(
        label="Rule", choices=[(r, RULE_LABELS[r]) for r in sorted(rules.EXCEPTABLE_RULES)]
    )
    reason = forms.CharField(
        label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the commissioner agreed the exception",
        error_messages={"required": "Enter the reason for the exception"},
    )
    start = date_field("From", required=True, required_message="Enter the date the exception starts")
    end = date_field("To", required=False, help_text="Leave blank if the exception has no end date")

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter the reason for the exception")
        return reason

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end date must be the same as or after the start date")
        return data

    def save(self) -> str:
        data = self.cleaned_data
        RuleException.objects.create(
            pcn=self.pcn, rule=data["rule"], reason=data["reason"], start=data["start"], end=data["end"],
            agreed_by=self.user,
        )
        return f"Exception to “{RULE_LABELS[data['rule']]}” recorded for {self.pcn.name}"


class DesSignUpForm(PCNEditForm):
    """Record whether a member practice has signed up to the Network Contract DES from a date.

    A practice that does not sign up stays in the PCN's membership: its patients are still covered
    by the PCN. The membership is split at the date, so the history keeps both states.
    """

    title = "Record a practice's DES sign-up"
    submit = "Record sign-up"

    practice = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label="Member practice", to_field_name="code",
        error_messages={"required": "Choose the member practice"},
    )
    des_signed = forms.TypedChoiceField(
        label="Network Contract DES", coerce=lambda v: v == "yes",
        choices=[("yes", "Signed up"), ("no", "Not signed up (patients still covered by this PCN)")],
    )
    start = date_field("From", required=True, required_message="Enter the date this applies from")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = self.member_practices()

    def clean(self):
        data = super().clean()
        if data.get("practice") and data.get("start"):
            self.membership = (
                Membership.objects.on(data["start"]).filter(pcn=self.pcn, practice=data["practice"]).first()
            )
            if self.membership is None:
                self.add_error("start", f"{data['practice'].name} is not a member of {self.pcn.name} on that date")
            elif self.membership.des_signed == data.get("des_signed"):
                self.add_error("des_signed", "That is already recorded for this practice on that date")
        return data

    @transaction.atomic
    def save(self) -> str:
        data = self.cleaned_data
        old, start = self.membership, data["start"]
        if old.start == start:
            old.des_signed = data["des_signed"]
            old.save(update_fields=["des_signed", "updated"])
        else:
            Membership.objects.create(
                practice=old.practice, pcn=old.pcn, start=start, end=old.end, des_signed=data["des_signed"],
                source=f"recorded by {self.user.get_username()}",
            )
            old.end = start - dt.timedelta(days=1)
            old.save(update_fields=["end", "updated"])
        state = "signed up to" if data["des_signed"] else "not signed up to"
        return f"{old.practice.name} recorded as {state} the Network Contract DES from {long_date(start)}"


class SuccessionForm(PCNEditForm):
    """Record where this network came from or went (its lineage), where the register cannot infer it: a merger
    or split whose practices scattered, or a new code whose members changed too.  The link is kept as recorded
    (:class:`~pcnhub.register.models.Succession`, basis "recorded"): later imports never replace it."""

    title = "Record where this network came from or went"
    submit = "Record the link"
    commissioners_only = True

    direction = forms.ChoiceField(label="This network", choices=[
        ("from", "came from the other network (the other is its predecessor)"),
        ("to", "went into the other network (the other is its successor)"),
    ])
    other = forms.CharField(label="The other network's ODS code", max_length=16,
                            error_messages={"required": "Enter the other network's ODS code"},
                            widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "spellcheck": "false"}))
    kind = forms.ChoiceField(label="Change", choices=Succession.Kind.choices)
    date = date_field("From", required=True, help_text="The successor's first day, for example 2026-04-01",
                      required_message="Enter the successor's first day")
    note = forms.CharField(label="Note", max_length=300, required=False,
                           help_text="For example where it was agreed (a primary care committee and its date)")

    def clean_other(self) -> Organisation:
        code = self.cleaned_data["other"].strip().upper()
        other = Organisation.objects.filter(code__iexact=code, kind=OrgKind.PCN).first()
        if other is None:
            raise forms.ValidationError(f"There is no primary care network with the code {code}")
        if other.pk == self.pcn.pk:
            raise forms.ValidationError("Enter another network's code, not this one's")
        return other

    def save(self) -> str:
        data = self.cleaned_data
        other: Organisation = data["other"]
        predecessor, successor = (other, self.pcn) if data["direction"] == "from" else (self.pcn, other)
        Succession.objects.update_or_create(
            predecessor=predecessor, successor=successor, date=data["date"],
            defaults={"kind": data["kind"], "basis": Succession.Basis.RECORDED, "note": data["note"].strip(),
                      "recorded_by": self.user, "practices": None, "of_predecessor": None, "of_successor": None},
        )
        label = Succession.Kind(data["kind"]).label.lower()
        return f"Recorded: {predecessor.name} {label} {successor.name} from {data['date']:%-d %B %Y}"


EDIT_FORMS: dict[str, type[PCNEditForm]] = {
    "governance": GovernanceForm,
    "clinical-director": ClinicalDirectorForm,
    "partner": PartnerForm,
    "exception": RuleExceptionForm,
    "des-sign-up": DesSignUpForm,
    "lineage": SuccessionForm,
}
