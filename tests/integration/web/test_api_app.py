"""The JSON API is mounted, and its OpenAPI schema and docs page are served."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_api_health_answers_ok(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_api_openapi_schema_lists_every_router(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "National Data Opt-out API"
    assert "/api/v1/health" in schema["paths"]


def test_api_docs_page_is_served(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_api_docs_page_loads_nothing_from_another_site(client):
    page = client.get("/api/docs").content.decode()
    assert "https://" not in page


ENVELOPE = {"error", "message", "problems"}


def test_api_refusals_share_one_envelope(client):
    unknown = client.get("/api/v1/nothing-here")
    assert unknown.status_code == 404 and set(unknown.json()) == ENVELOPE and unknown.json()["error"] == "not_found"
    wrong_method = client.delete("/api/v1/health")
    assert wrong_method.status_code == 405 and wrong_method.json()["error"] == "method_not_allowed"
    assert wrong_method["Allow"] == "GET, HEAD"
    no_key = client.get("/api/v1/checks/" + "0" * 32)
    assert no_key.status_code == 401
    assert no_key.json() == {"error": "unauthorized", "message": no_key.json()["message"], "problems": []}
    assert "X-API-Key" in no_key.json()["message"]


def test_api_openapi_documents_every_error_response_with_the_envelope(client):
    schema = client.get("/api/openapi.json").json()
    documented = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
                    assert set(component["required"]) >= ENVELOPE, (path, method, status)
                    documented += 1
    assert documented >= 10
