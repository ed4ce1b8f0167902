"""A scenario's board paper: ``/scenarios/<pk>/paper/`` (HTML, printed or saved as a PDF from the browser) and
``/scenarios/<pk>/paper.docx`` (the same paper as a Word document).

Whoever may view the scenario may read its paper (:func:`pcnhub.scenarios.services.can_view`; 403 otherwise, 404 for
a scenario that does not exist). When the scenario's changes no longer apply to the register on its date (it has been
applied, or the register has changed since), the page says so with status 409 and no figures.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from pcnhub.domain.scenario import ScenarioError
from pcnhub.scenarios import paper as p
from pcnhub.scenarios import paper_docx, services
from pcnhub.scenarios.models import Scenario

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _scenario(request: HttpRequest, pk: int) -> Scenario:
    scenario = get_object_or_404(Scenario.objects.select_related("area", "created_by"), pk=pk)
    if not services.can_view(request.scope, scenario):
        raise PermissionDenied("Your role does not give access to this scenario.")
    return scenario


def _paper(scenario: Scenario) -> tuple[p.Paper | None, str]:
    try:
        found = services.comparison(scenario)
    except ScenarioError as exc:
        return None, (f"The changes of this scenario no longer apply to the register on "
                      f"{p.day(scenario.effective_date)}, so no paper can be made from them: {exc}.")
    return p.build(scenario, found, dt.date.today()), ""


def file_name(scenario: Scenario) -> str:
    """The Word document's file name: ``board-paper-<the scenario's name>-<effective date>.docx`` in safe letters."""
    stem = slugify(scenario.name)[:60].strip("-") or "scenario"
    return f"board-paper-{stem}-{scenario.effective_date.isoformat()}.docx"


@require_GET
def paper_page(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    built, problem = _paper(scenario)
    # the paper is dated by the scenario's effective date: the site's "data as of" control does not apply to it
    context = {"scenario": scenario, "paper": built, "problem": problem, "as_of": None,
               "docx_url": reverse("scenarios:paper_docx", args=[scenario.pk])}
    return render(request, "scenarios/paper.html", context, status=409 if problem else 200)


@require_GET
def paper_word(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    built, problem = _paper(scenario)
    if built is None:
        return render(request, "scenarios/paper.html", {"scenario": scenario, "paper": None, "problem": problem,
                                                        "as_of": None}, status=409)
    html_url = request.build_absolute_uri(reverse("scenarios:paper", args=[scenario.pk]))
    response = HttpResponse(paper_docx.render(built, html_url), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{file_name(scenario)}"'
    return response
