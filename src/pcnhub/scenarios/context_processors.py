"""``can_make_scenarios`` for every page: the register's and the designer's pages (below the scenarios app, so they
do not import it) offer to start a scenario only to those who may make one."""

from __future__ import annotations

from django.http import HttpRequest

from pcnhub.scenarios import services


def scenarios(request: HttpRequest) -> dict:
    scope = getattr(request, "scope", None)
    return {"can_make_scenarios": scope is not None and services.can_create(scope)}
