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
