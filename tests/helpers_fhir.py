"""Reading the FHIR API as the tests do: the status, the media type, and every resource checked against
fhir.resources' FHIR R4 models (R4B, whose resources pcnhub serves are R4's)."""

from __future__ import annotations

from fhir.resources.R4B import get_fhir_model_class


def validate(resource: dict) -> dict:
    """``resource`` after checking it against its type's model (raises pydantic's ValidationError)."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def fhir(client, url: str, status: int = 200, **headers) -> dict:
    """The body of ``GET url``: ``status``, ``application/fhir+json``, and it and every entry valid FHIR R4."""
    response = client.get(url, **headers)
    assert response.status_code == status, (url, response.content[:500])
    assert response["Content-Type"].startswith("application/fhir+json")
    body = validate(response.json())
    for entry in body.get("entry", ()):
        validate(entry["resource"])
    return body
