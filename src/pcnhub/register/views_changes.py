"""The page of what changed in an area's configuration between two dates (:mod:`pcnhub.register.changes`)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pcnhub.accounts.models import Role
from pcnhub.accounts.scope import visible_organisation
from pcnhub.pages import exports
from pcnhub.pages.forms import NHSFormMixin, date_field
from pcnhub.pages.views import BadRequest, download_response, page, query_form
from pcnhub.register import asof, lineage, services
from pcnhub.register.changes import area_changes, previous_snapshot


class ChangesForm(NHSFormMixin, forms.Form):
    """``?area=&since=&date=``: the area, and the dates compared (``date``: the one date of every page)."""

    area = forms.CharField(label="Area", required=False, max_length=16)
    since = date_field("Since", required=False)
    date = date_field("Until", required=False)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("date") and data["since"] >= data["date"]:
            self.add_error("since", "Must be before the date shown")
        return data


@require_GET
@page
def changes(request: HttpRequest) -> HttpResponse:
    scope = request.scope
    until = asof.as_of(request)
    since = None if request.GET.get("since") else previous_snapshot(until)
    own = scope.organisation.code if scope.role == Role.ICB and scope.organisation else ""
    form = query_form(request, ChangesForm, {"area": own, "date": until.isoformat(),
                                             **({"since": since.isoformat()} if since else {})})
    code, since, until = form.cleaned_data["area"], form.cleaned_data["since"], form.cleaned_data["date"]
    if not code:
        raise BadRequest("Choose an area (?area=, an ICB or sub-ICB location code): open it from its landscape.")
    if since is None:
        raise BadRequest(f"The register holds no configuration before {until:%-d %B %Y} to compare with.")
    area = visible_organisation(scope, code, services.AREA_KINDS, "area")
    found = area_changes(area, since, until)
    moved = [*found.found.moved, *found.found.joined, *found.found.left]

    def name(pk):
        org = found.org(pk)
        return "" if org is None else org.name

    download = download_response(request, {"moves": lambda: exports.Table(
        f"changes-{area.code}-{since.isoformat()}-{until.isoformat()}",
        ["Practice code", "Practice", f"Network on {since.isoformat()}", f"Network on {until.isoformat()}"],
        [[found.org(m.practice).code, name(m.practice), name(m.before), name(m.after)] for m in moved],
    )})
    if download:
        return download
    opened, closed = set(found.found.opened), set(found.found.closed)
    rows = [{"practice": found.org(m.practice), "before": found.org(m.before), "after": found.org(m.after),
             "opened": m.practice in opened, "closed": m.practice in closed} for m in moved]
    renamed = [(found.org(pk), old, new) for pk, old, new in found.found.renamed]
    context = {"area": area, "since": since, "until": until, "changes": found, "rows": rows, "renamed": renamed,
               "links": [lineage.shown(link) for link in found.links],
               "query": request.GET, "visible_ids": scope.visible_ids}
    return render(request, "register/changes.html", context)
