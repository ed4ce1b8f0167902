"""What every app's pages share: bad query parameters answered with 400, validated query strings,
table downloads, links with a query and an anchor, and POST-redirect-GET.

* :func:`page` answers :class:`BadRequest` with the NHS.UK styled ``400.html``;
* :func:`query_form` validates a page's query parameters with a form (400 when they do not);
* :func:`download_response` answers ``?format=csv|xlsx&table=name`` with the table (see :mod:`pcnhub.pages.exports`);
* :func:`saved` and :func:`done`: a change that validates is saved and answered with a success banner
  and a redirect; one that does not is shown again with the NHS.UK error summary (:func:`problems`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from pcnhub.pages import exports
from pcnhub.pages.forms import DateForm


class BadRequest(Exception):
    """Query parameters a page cannot use: answered with 400 and the messages."""

    def __init__(self, *problems: str):
        super().__init__(*problems)
        self.problems = problems


def page(view):
    """Answer :class:`BadRequest` with the NHS.UK styled 400 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadRequest as exc:
            return render(request, "400.html", {"problems": exc.problems}, status=400)

    return wrapper


def query_form(request: HttpRequest, form_class, defaults: dict | None = None, **kwargs):
    """The page's query parameters, validated by ``form_class`` (blank ones take ``defaults``)."""
    data = request.GET.copy()
    for name, value in (defaults or {}).items():
        if not data.get(name, "").strip():
            data[name] = value
    form = form_class(data, **kwargs)
    if not form.is_valid():
        raise BadRequest(*(f"{form[name].label}: {error}" for name, errors in form.errors.items() for error in errors))
    return form


def download_response(request: HttpRequest, tables: dict[str, Callable[[], exports.Table]]) -> HttpResponse | None:
    """The table asked for by ``?format=csv|xlsx&table=name`` (default: the first), or None."""
    fmt = request.GET.get("format")
    if not fmt:
        return None
    if fmt not in exports.FORMATS:
        raise BadRequest(f"Tables download as CSV (format=csv) or Excel (format=xlsx), not format={fmt}.")
    name = request.GET.get("table") or next(iter(tables))
    if name not in tables:
        raise BadRequest(f"This page has no table called {name}: choose {' or '.join(tables)}.")
    table = tables[name]()
    return exports.table_response(table.stem, table.headers, table.rows, fmt)


def query_date(request: HttpRequest, default: dt.date | None = None) -> tuple[DateForm, dt.date]:
    """The date of ``?date=YYYY-MM-DD`` (blank: ``default``, else today), with its validated form."""
    form = query_form(request, DateForm, {"date": (default or dt.date.today()).isoformat()})
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
