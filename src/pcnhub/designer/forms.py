"""The designer's query parameters: area and date (the index), date, band and number of networks."""

from __future__ import annotations

import datetime as dt

from django import forms

from pcnhub.domain import rules
from pcnhub.pages.forms import NHSFormMixin, clean_band, date_field
from pcnhub.register import pickers


def _count(label: str, message: str, placeholder: str = "") -> forms.IntegerField:
    attrs = {"class": "nhsuk-input--width-5", "inputmode": "numeric"}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.IntegerField(label=label, required=False, min_value=0, error_messages={"invalid": message},
                              widget=forms.NumberInput(attrs=attrs))


class ChooseForm(NHSFormMixin, forms.Form):
    """``/design/?area=&date=``: the area and date to design."""

    area = forms.CharField(label="Area", required=False, widget=forms.Select)
    date = date_field("Date", required=False, help_text="The register as it stood on this date, e.g. 2022-01-01")

    def __init__(self, *args, areas=(), date: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        # Grouped as the register landscape's picker is: region > ICB > sub-ICB location; areas gone by the page's
        # date last, marked former.
        self.fields["area"].widget.choices = [("", "Choose an area"), *pickers.grouped(areas, date)]

    def clean_area(self) -> str:
        return self.cleaned_data["area"].strip().upper()


class DesignForm(NHSFormMixin, forms.Form):
    """``?date=&lower=&upper=&networks=&keep=``: the date, the list-size band, the number of networks and
    whether PCNs that meet the rules are kept together."""

    date = date_field("Date", required=False)
    lower = _count("Lower limit", "Enter the lower limit as a whole number of patients",
                   str(rules.DEFAULT_BAND.lower))
    upper = _count("Upper limit", "Enter the upper limit as a whole number of patients",
                   str(rules.DEFAULT_BAND.upper))
    networks = forms.IntegerField(
        label="Number of networks", required=False, min_value=1,
        help_text="Blank: chosen from the area's list size",
        error_messages={"invalid": "Enter the number of networks as a whole number",
                        "min_value": "The number of networks must be 1 or more"},
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4", "inputmode": "numeric"}),
    )
    keep = forms.BooleanField(
        label="Keep together the practices of each current PCN that is in the band and contiguous",
        required=False,
    )

    def clean(self):
        return clean_band(self, super().clean())
