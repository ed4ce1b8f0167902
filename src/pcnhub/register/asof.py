"""One date for every page: the day the user looks at the register "as of".

The user sets it once, with the control in the header (``?date=YYYY-MM-DD`` on any page, which every page
carries in its links while it is set); it is kept in the session, so that moving between pages keeps it, and a
blank ``?date=`` returns to the default: the latest date the register holds data for
(:func:`pcnhub.register.services.latest_data_date`).  Pages default to it: the register's pages show
memberships on it, money pages the financial year containing it, the designer the configuration on it.

:func:`data_context` (a template context processor) tells every page the date and what the register holds on
it: the practice map (or configuration) and the list sizes in use, and how old they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from django.db.models import Max
from django.http import HttpRequest

from pcnhub.register.models import ImportRun
from pcnhub.register.services import latest_data_date

SESSION_KEY: Final = "pcnhub_as_of"
#: The kinds of import that give memberships, and list sizes, with the words a page uses for each.
MEMBERSHIP_KINDS: Final = {"practice-map": "practice-to-PCN map", "configuration": "local configuration",
                           "epcn": "ODS ePCN file", "clusters": "local list of practice clusters"}
SIZE_KINDS: Final = {"list-sizes": "list sizes", "quinary-age": "list sizes by age",
                     "single-age": "list sizes by age", "configuration": "local configuration's list sizes"}
_ATTRIBUTE: Final = "_pcnhub_as_of"
_LATEST: Final = "_pcnhub_latest"


def _parsed(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text and text.strip() else None
    except ValueError:
        return None


def chosen(request: HttpRequest) -> dt.date | None:
    """The date the user chose (in this URL, else earlier in the session), or None for the default."""
    if "date" in request.GET:
        return _parsed(request.GET.get("date"))
    session = getattr(request, "session", None)
    return _parsed(session.get(SESSION_KEY)) if session is not None else None


def latest(request: HttpRequest) -> dt.date:
    """The latest date the register holds data for (:func:`latest_data_date`), once a request."""
    if not hasattr(request, _LATEST):
        setattr(request, _LATEST, latest_data_date())
    found: dt.date = getattr(request, _LATEST)
    return found


def as_of(request: HttpRequest) -> dt.date:
    """The page's date: the user's choice, else the latest date the register holds data for."""
    if not hasattr(request, _ATTRIBUTE):
        setattr(request, _ATTRIBUTE, chosen(request) or latest(request))
    found: dt.date = getattr(request, _ATTRIBUTE)
    return found


class AsOfMiddleware:
    """Keeps the date a page was asked for (``?date=``) in the session; a blank one forgets it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        session = getattr(request, "session", None)
        if request.method == "GET" and "date" in request.GET and session is not None:
            day = _parsed(request.GET.get("date"))
            if day is not None:
                session[SESSION_KEY] = day.isoformat()
            elif not request.GET.get("date", "").strip():
                session.pop(SESSION_KEY, None)
        return self.get_response(request)


def held_on(day: dt.date) -> dict[str, tuple[str, dt.date] | None]:
    """What the register holds on ``day``: the newest membership file and list sizes dated on or before it
    (``(what, date)``, or None when there are none)."""
    found: dict[str, tuple[str, dt.date] | None] = {"members": None, "sizes": None}
    # one query: the newest file of each kind by then (the import log is small: one row a file)
    runs = (ImportRun.objects.filter(kind__in=[*MEMBERSHIP_KINDS, *SIZE_KINDS], extract_date__lte=day)
            .values_list("kind").annotate(newest=Max("extract_date")))
    for kind, newest in runs:
        for key, kinds in (("members", MEMBERSHIP_KINDS), ("sizes", SIZE_KINDS)):
            if kind in kinds and (found[key] is None or newest > found[key][1]):
                found[key] = (kinds[kind], newest)
    return found


def data_context(request: HttpRequest) -> dict:
    """``as_of``, ``as_of_chosen`` (the user set it), ``as_of_query`` (``?date=...`` for links while it is set),
    ``as_of_latest`` and ``as_of_held`` (:func:`held_on`) for every signed-in page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    day = as_of(request)
    picked = chosen(request)
    return {
        "as_of": day,
        "as_of_chosen": picked is not None,
        "as_of_query": f"?date={picked.isoformat()}" if picked is not None else "",
        "as_of_latest": latest(request),
        "as_of_held": held_on(day),
    }
