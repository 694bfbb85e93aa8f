"""schemathesis against /api/openapi.json: no 5xx and no response that breaks the schema."""

from __future__ import annotations

import pytest
import schemathesis
import schemathesis.checks as checks
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from ndop import container
from ndop.domain.organisations.accounts import OdsCode, Organisation
from ndop.services.organisations.accounts import register_organisation
from ndop.services.organisations.api_keys import issue_api_key
from ndop.wsgi import application
from tests.conftest import TESTER

# Loaded at import (pytest-django has set Django up by then); the schema itself needs no database.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def api_key(db):
    from django.core.cache import cache

    # As Django's own test client does: the test's connection (and its transaction) outlives each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    cache.clear()
    registry = container.registry()
    register_organisation(registry, Organisation(OdsCode("RX1"), "Trust one"), by=TESTER)
    yield issue_api_key(registry, container.check_clients(), OdsCode("RX1"), by=TESTER).token
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_schema(case, api_key) -> None:
    # A schema-valid list can still hold an invalid NHS number (a 422 by design), so positive-data
    # acceptance is not asked for; everything the issue asks for is.
    case.call_and_validate(
        headers={"X-API-Key": api_key},
        checks=[checks.not_a_server_error, checks.response_schema_conformance, checks.status_code_conformance,
                checks.content_type_conformance, checks.response_headers_conformance],
    )
