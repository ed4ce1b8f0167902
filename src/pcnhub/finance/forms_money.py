"""Forms of the money pages: the year asked for, rate overrides and care home beds (NHS.UK styled)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db import transaction

from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.years import FinancialYear, catalogue_years
from pcnhub.finance import services
from pcnhub.finance.models import CareHomeBeds, RateOverride
from pcnhub.reference.rates import year_rates
from pcnhub.pages.forms import NHSFormMixin
from pcnhub.register.models import Organisation

#: ``?sort=`` values of the area page (a leading ``-`` sorts from the largest).
SORTS = {
    "name": "PCN",
    "registered": "Registered patients",
    "total": "Total",
    "arrs": "ARRS sum",
    "per_head": "Per registered patient",
}


def year_choices() -> list[tuple[str, str]]:
    return [(y.label, y.label) for y in reversed(catalogue_years())]


def rate_text(rate: Decimal | None, basis: str) -> str:
    """"GBP 1.50 per registered patient" style text of a rate."""
    if rate is None:
        return "not known"
    unit = {
        c.REGISTERED: "registered patient", c.WEIGHTED: "weighted patient", c.ADJUSTED: "adjusted patient",
        c.CARE_HOME_BEDS: "care home bed", c.POINTS: "IIF point",
    }[basis]
    digits = max(2, min(6, -rate.normalize().as_tuple().exponent))
    return f"£{rate:,.{digits}f} per {unit}"


class YearForm(NHSFormMixin, forms.Form):
    """``?year=2023/24``: the financial year a money page shows."""

    year = forms.ChoiceField(label="Financial year", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()

    def clean_year(self) -> FinancialYear:
        try:
            return services.parse_year(self.cleaned_data["year"])
        except ValueError as exc:
            message = str(exc)
            raise forms.ValidationError(message[:1].upper() + message[1:]) from None

    def full_clean(self):
        # "2023-24" is accepted as well as the choices' "2023/24".
        if self.is_bound and self.data.get("year"):
            data = self.data.copy()
            try:
                data["year"] = FinancialYear.parse(data["year"]).label
            except ValueError:
                pass
            self.data = data
        super().full_clean()


class AreaYearForm(YearForm):
    """``?year=&sort=`` of the area page."""

    sort = forms.ChoiceField(label="Sort by", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sort"].choices = [("", "PCN")] + [
            (f"{sign}{key}", f"{label}{' (largest first)' if sign else ''}")
            for key, label in SORTS.items()
            for sign in ("", "-")
        ]

    def clean_sort(self) -> str:
        return self.cleaned_data["sort"] or "name"


class OverrideForm(NHSFormMixin, forms.Form):
    """A commissioner's rate for one payment of one year in their ICB."""

    payment = forms.ChoiceField(label="Payment", error_messages={"required": "Choose the payment to override",
                                                                 "invalid_choice": "Choose a payment of this year"})
    rate = forms.DecimalField(
        label="Rate in pounds", min_value=Decimal(0), max_digits=14, decimal_places=6,
        help_text="Pounds per unit of the payment's basis (per patient, per care home bed or per IIF point)",
        error_messages={
            "required": "Enter the rate in pounds, for example 1.50",
            "invalid": "Enter the rate as a number of pounds, for example 1.50",
            "min_value": "The rate cannot be negative",
            "max_digits": "Enter a rate of at most 14 digits",
            "max_decimal_places": "Enter a rate with at most 6 decimal places",
            "max_whole_digits": "Enter a rate below 100 million pounds",
        },
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "inputmode": "decimal", "spellcheck": "false"}),
    )
    reason = forms.CharField(
        label="Reason", max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the ICB pays this rate (shown with every calculation that uses it)",
        error_messages={"required": "Enter the reason for the override",
                        "max_length": "Enter a reason of at most 300 characters"},
    )

    def __init__(self, *args, icb: Organisation, year: FinancialYear, user, **kwargs):
        self.icb, self.year, self.user = icb, year, user
        super().__init__(*args, **kwargs)
        rates = year_rates(year)
        choices = [("", "Choose a payment")]
        for payment in rates.payments:
            if services._usable(payment):
                rate, _, _ = rates.catalogue_rate(payment)
                choices.append((payment.key, f"{payment.name} (catalogue: {rate_text(rate, payment.basis)})"))
        self.fields["payment"].choices = choices

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter the reason for the override")
        return reason

    def save(self) -> str:
        data = self.cleaned_data
        payment = year_rates(self.year).payment(data["payment"])
        RateOverride.objects.create(icb=self.icb, year=self.year.label, payment=payment.key, rate=data["rate"],
                                    reason=data["reason"], created_by=self.user)
        return (f"{payment.name} in {self.year} for {self.icb.name} is now {rate_text(data['rate'], payment.basis)}")


class WithdrawForm(forms.Form):
    """Withdraw the override in force for one payment: a new row without a rate."""

    payment = forms.CharField()

    def __init__(self, *args, icb: Organisation, year: FinancialYear, user, **kwargs):
        self.icb, self.year, self.user = icb, year, user
        super().__init__(*args, **kwargs)

    def clean_payment(self) -> str:
        key = self.cleaned_data["payment"]
        if key not in services.overrides_for(self.icb, year_rates(self.year)):
            raise forms.ValidationError(f"No override of {key} is in force for {self.year}")
        return key

    def save(self) -> str:
        payment = year_rates(self.year).payment(self.cleaned_data["payment"])
        RateOverride.objects.create(icb=self.icb, year=self.year.label, payment=payment.key, rate=None,
                                    reason="Withdrawn", created_by=self.user)
        return f"The override of {payment.name} in {self.year} is withdrawn: the catalogue rate applies again"


class CareHomeBedsForm(NHSFormMixin, forms.Form):
    """CQC-registered beds in the care homes aligned to a PCN, for one year."""

    beds = forms.IntegerField(
        label="Care home beds", min_value=0, max_value=100_000,
        help_text="CQC-registered beds in the care homes aligned to the PCN",
        error_messages={"required": "Enter the number of care home beds",
                        "invalid": "Enter the number of beds as a whole number",
                        "min_value": "The number of beds cannot be negative",
                        "max_value": "Enter at most 100,000 beds"},
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "numeric"}),
    )
    homes = forms.IntegerField(
        label="Care homes (optional)", min_value=0, max_value=10_000, required=False,
        error_messages={"invalid": "Enter the number of care homes as a whole number",
                        "min_value": "The number of care homes cannot be negative",
                        "max_value": "Enter at most 10,000 care homes"},
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "numeric"}),
    )

    def __init__(self, *args, pcn: Organisation, year: FinancialYear, user, **kwargs):
        self.pcn, self.year, self.user = pcn, year, user
        kwargs.setdefault("prefix", "beds")
        super().__init__(*args, **kwargs)

    @transaction.atomic
    def save(self) -> str:
        data = self.cleaned_data
        CareHomeBeds.objects.update_or_create(
            pcn=self.pcn, year=self.year.label,
            defaults={"beds": data["beds"], "homes": data["homes"], "updated_by": self.user},
        )
        return f"{data['beds']:,} care home beds recorded for {self.pcn.name} in {self.year}"
