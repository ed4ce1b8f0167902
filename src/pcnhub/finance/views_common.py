"""The financial year a network money page or plan editor is for, from its query string."""

from __future__ import annotations

from django.http import HttpRequest

from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance.forms_money import YearForm
from pcnhub.pages.views import query_form


def query_year(request: HttpRequest) -> tuple[YearForm, FinancialYear]:
    """The financial year of ``?year=`` (default: the form's own), with its validated form."""
    form = query_form(request, YearForm)
    return form, form.cleaned_data["year"]
