"""What the network money pages and the two plan editors (ARRS, access) share: the financial year of
a page's query string, and the views that add, change and delete the rows of a PCN's plan.

Every change finds the PCN the user may change (:func:`pcnhub.finance.permissions.editable_pcn`: 404
for an unknown code, 403 for a user who may only look) and the period of the page (``?year=`` or
``?date=``); a form that validates is saved with a success banner and a redirect to the plan's table
(POST-redirect-GET), one that does not is shown again with the NHS.UK error summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import permissions, services
from pcnhub.finance.forms_money import YearForm
from pcnhub.pages.views import bound_form, done, problems, query_form, saved
from pcnhub.register.asof import as_of
from pcnhub.register.models import Organisation


def year_default(request: HttpRequest) -> dict[str, str]:
    """``?year=``'s default: the financial year containing the one date of every page (:func:`as_of`), or the
    nearest the rates catalogue covers."""
    return {"year": services.default_year(as_of(request)).label}


def query_year(request: HttpRequest) -> tuple[YearForm, FinancialYear]:
    """The financial year of ``?year=`` (default: :func:`year_default`), with its validated form."""
    form = query_form(request, YearForm, year_default(request))
    return form, form.cleaned_data["year"]


@dataclass(frozen=True)
class PlanRows:
    """One kind of row of a PCN's plans (ARRS posts, ARRS claims, access sessions) and its changes.

    ``period(request)`` gives (form, period) from the query string; ``back(pcn, period)`` is the URL of
    the plan's table; ``form(data, pcn=, user=, period=, instance=)`` builds the row's form;
    ``page(request, pcn, form)`` shows the plan with a form that did not validate; ``rows(pcn)`` are the
    PCN's rows of this kind.
    """

    period: Callable[[HttpRequest], tuple[Any, Any]]
    back: Callable[[Organisation, Any], str]
    form: Callable[..., Any]
    page: Callable[[HttpRequest, Organisation, Any], HttpResponse]
    rows: Callable[[Organisation], Any]

    def editing(self, request: HttpRequest, code: str) -> tuple[Organisation, Any]:
        """The PCN whose plan the user may change, and the page's period."""
        pcn = permissions.editable_pcn(request.scope, code)
        _, period = self.period(request)
        return pcn, period

    def row(self, pcn: Organisation, row_id: int) -> Model:
        """The PCN's row with this id (404 for another PCN's)."""
        return get_object_or_404(self.rows(pcn), pk=row_id)

    def add(self, request: HttpRequest, code: str) -> HttpResponse:
        """POST: a new row."""
        pcn, period = self.editing(request, code)
        form = self.form(request.POST, pcn=pcn, user=request.user, period=period)
        return saved(request, form, self.back(pcn, period)) or self.page(request, pcn, form)

    def edit(self, request: HttpRequest, code: str, row_id: int, template: str,
             context: Callable[[Organisation, Any, Model], dict]) -> HttpResponse:
        """GET shows the row's form on ``template`` (with ``context(pcn, period, row)``, the form, its
        problems and the way back); POST changes the row."""
        pcn, period = self.editing(request, code)
        row = self.row(pcn, row_id)
        form = bound_form(request, self.form, pcn=pcn, user=request.user, period=period, instance=row)
        return saved(request, form, self.back(pcn, period)) or render(request, template, {
            "pcn": pcn, "form": form, "problems": problems(form), "back": self.back(pcn, period),
            **context(pcn, period, row),
        })

    def delete(self, request: HttpRequest, code: str, row_id: int, describe: Callable[[Model], str]) -> HttpResponse:
        """POST: delete the row, saying ``describe(row)``."""
        pcn, period = self.editing(request, code)
        row = self.row(pcn, row_id)
        text = describe(row)
        row.delete()
        return done(request, text, self.back(pcn, period))
