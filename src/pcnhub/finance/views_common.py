"""View plumbing shared by the network money pages and the plan editors.

The year or date a page is for (from its query string), links back to a page with that query and an
anchor, and POST-redirect-GET: a change that validates is saved and answered with a success banner
and a redirect; one that does not is shown again with the NHS.UK error summary.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance.forms_money import YearForm
from pcnhub.register.forms import DateForm
from pcnhub.register.views import _query


def query_year(request: HttpRequest) -> tuple[YearForm, FinancialYear]:
    """The financial year of ``?year=`` (default: the form's own), with its validated form."""
    form = _query(request, YearForm)
    return form, form.cleaned_data["year"]


def query_date(request: HttpRequest) -> tuple[DateForm, dt.date]:
    """The date of ``?date=YYYY-MM-DD`` (default: today), with its validated form."""
    form = _query(request, DateForm, {"date": dt.date.today().isoformat()})
    return form, form.cleaned_data["date"]


def page_url(name: str, args: list, anchor: str = "", **query: str) -> str:
    """The URL of view ``name`` with ``?key=value`` for each of ``query`` and ``#anchor`` if given."""
    url = reverse(name, args=args)
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url + (f"#{anchor}" if anchor else "")


def bound_form(request: HttpRequest, form_class, **kwargs):
    """``form_class`` bound to the POST data on a POST, else unbound (for a GET showing it)."""
    if request.method == "POST":
        return form_class(request.POST, **kwargs)
    return form_class(**kwargs)


def done(request: HttpRequest, message: str, url: str) -> HttpResponse:
    """Show ``message`` as a success banner on the page at ``url``, and redirect there."""
    messages.success(request, message)
    return redirect(url)


def saved(request: HttpRequest, form, url: str) -> HttpResponse | None:
    """If the request is a POST and ``form`` validates: save it (its ``save`` says what changed) and
    redirect to ``url`` with that as a success banner. None otherwise, for the view to show the form."""
    if request.method == "POST" and form.is_valid():
        return done(request, form.save(), url)
    return None


def problems(form) -> list:
    """The error summary of a bound form that did not validate, else nothing."""
    return form.error_list() if form.is_bound and form.errors else []
