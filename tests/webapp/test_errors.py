"""With DEBUG off (production, and the test client): the API answers every error in JSON, the pages with the
NHS.UK-styled 404 and 500 pages, and a 500 is logged with its traceback, never shown."""

import logging

import pytest
from django.db import DatabaseError

from pcnhub.webapp.api import SERVER_ERROR_DETAIL

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_is_a_json_404(client_for):
    response = client_for("analyst").get("/api/no/such/operation")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert "/api/docs" in response.json()["detail"]


def test_an_unknown_page_is_the_html_404(client_for):
    response = client_for("analyst").get("/no/such/page/")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


def failing_organisations(*args, **kwargs):
    raise DatabaseError("the database went away")


def test_an_api_error_is_a_json_500_and_its_traceback_is_logged(client_for, monkeypatch, caplog):
    client = client_for("analyst")
    client.raise_request_exception = False
    from pcnhub.accounts.scope import Scope

    monkeypatch.setattr(Scope, "organisations", failing_organisations)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/organisations")
    assert (response.status_code, response["Content-Type"].split(";")[0]) == (500, "application/json")
    assert response.json() == {"detail": SERVER_ERROR_DETAIL}
    assert "went away" not in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Internal Server Error: /api/organisations"
    assert record.exc_info[0] is DatabaseError


def test_an_api_error_still_reaches_the_test_client(client_for, monkeypatch):
    from pcnhub.accounts.scope import Scope

    monkeypatch.setattr(Scope, "organisations", failing_organisations)
    with pytest.raises(DatabaseError):
        client_for("analyst").get("/api/organisations")


def test_a_page_error_is_the_nhs_500_page(client_for, monkeypatch):
    client = client_for("analyst")
    client.raise_request_exception = False
    from pcnhub.register import views

    monkeypatch.setattr(views, "render", failing_organisations)
    response = client.get("/search/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Sorry, there is a problem with the service" in text and "nhsuk-header" in text
    assert "went away" not in text
