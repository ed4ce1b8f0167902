"""The site's API: every app's router mounted under /api/, with one answer for 403 and 404."""

import pytest

pytestmark = pytest.mark.django_db


def test_every_app_has_its_routes_under_api(client_for):
    paths = client_for("analyst").get("/api/openapi.json").json()["paths"]
    for prefix in ("/api/finance/", "/api/maturity/", "/api/phm/", "/api/design/"):
        assert any(path.startswith(prefix) for path in paths), prefix
    assert "/api/organisations" in paths and "/api/me" in paths  # the register's, at the root


def test_refusals_and_unknown_codes_are_json_from_every_router(client_for):
    client = client_for("practice")
    for url in ("/api/pcns/U00002", "/api/finance/pcns/U00001/entitlements"):
        response = client.get(url)
        assert response.status_code == 403 and "Your role" in response.json()["detail"], url
    response = client_for("analyst").get("/api/finance/pcns/U99999/entitlements")
    assert response.status_code == 404 and "no PCN with the code U99999" in response.json()["detail"]
