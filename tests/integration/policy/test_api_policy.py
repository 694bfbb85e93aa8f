"""`POST /api/v1/policy/decisions`: the same input and decision as the command line."""

from __future__ import annotations

import json
from datetime import date

import pytest

from ndop.domain.policy import decide, parse_flow
from ndop.domain.policy.parse import KNOWN_KEYS
from tests.integration.policy.test_cli_policy import FLOW

pytestmark = pytest.mark.django_db
URL = "/api/v1/policy/decisions"


def post(client, body):
    return client.post(URL, data=body if isinstance(body, str) else json.dumps(body), content_type="application/json")


def test_api_policy_decision_matches_the_engine(client) -> None:
    response = post(client, {**FLOW, "date": "2020-01-01"})
    assert response.status_code == 200
    expected = decide(parse_flow({**FLOW, "date": "2020-01-01"}, today=date(2000, 1, 1))).as_dict()
    assert response.json() == expected


def test_api_policy_invalid_flow_is_422_with_every_problem(client) -> None:
    response = post(client, {"purpose": "reserch"})
    assert response.status_code == 422
    body = response.json()
    keys = [p["key"] for p in body["problems"]]
    assert keys[0] == "purpose" and "data_origin" in keys
    assert "research" in body["problems"][0]["allowed"]
    assert body["error"] == "invalid_flow" and body["message"].startswith("The flow description has")


def test_api_policy_bad_json_is_422(client) -> None:
    response = post(client, "{nope")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_flow" and "not valid JSON" in body["message"]
    assert [p["key"] for p in body["problems"]] == [""]


def test_api_policy_needs_no_credentials_and_no_csrf_token(client) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert post(strict, FLOW).status_code == 200


def test_api_policy_is_in_the_openapi_schema_with_its_body(client) -> None:
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"][URL]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]) == set(KNOWN_KEYS)
    assert "research" in body["properties"]["purpose"]["enum"]
    assert {"200", "422"} <= set(operation["responses"])


def test_api_policy_rules_lists_every_rule_in_order(client) -> None:
    from ndop.domain.policy.rules import ORDER

    body = client.get("/api/v1/policy/rules").json()
    assert [r["code"] for r in body["rules"]] == [rule.code for rule in ORDER]
    survey = next(r for r in body["rules"] if r["code"] == "patient_survey_before_april_2019")
    assert survey["in_force_until"] == "2019-03-31" and survey["outcome"] == "does_not_apply"
    assert body["rules"][-1]["outcome"] == "applies"
    assert all(r["sources"][0].startswith("https://") for r in body["rules"])
