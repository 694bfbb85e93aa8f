"""`POST /api/v1/policy/decisions`: does the national data opt-out apply to this data flow?

The body is the same JSON as `ndop policy decide` reads; the answer is the same decision. The body
is parsed by the domain's parser (not by pydantic), so that errors list every problem with the
allowed values, exactly as the command line does. Its schema is written from the same enums.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from ndop.domain.common.clock import SystemClock, today
from ndop.domain.policy import InvalidFlow, decide, parse_flow_json
from ndop.domain.policy.parse import CHOICE_KEYS, CONDITIONAL_BOOLEANS, NestedTooDeeply
from ndop.domain.policy.provisions import GUIDANCE, PROVISIONS, REVIEWED, SOURCES
from ndop.domain.policy.questions import QUESTIONS, Kind
from ndop.domain.policy.rules import ORDER
from ndop.web.api.errors import Error
from ndop.web.kit.errors import api_error

router = Router(tags=["policy"])


def flow_schema() -> dict[str, Any]:
    """The request body's JSON schema, from the domain's questions and enums."""
    properties: dict[str, Any] = {}
    for question in QUESTIONS:
        if question.kind is Kind.CHOICE:
            prop: dict[str, Any] = {"type": "string", "enum": [m.value for m in CHOICE_KEYS[question.key]]}
        elif question.kind is Kind.YES_NO:
            prop = {"type": "boolean"}
        else:
            prop = {"type": "string", "format": "date"}
        description = question.text
        if question.key in CONDITIONAL_BOOLEANS:
            description += f" Required when {CONDITIONAL_BOOLEANS[question.key]}."
        if question.kind is Kind.DATE:
            description += " Optional: today when left out."
        properties[question.key] = {**prop, "description": description}
    properties["gp_data"] = {"type": "boolean", "description": "The data comes from GP records: type 1 opt-outs "
                             "apply as well, and the decision says how to apply them. Optional: false when left out."}
    return {
        "type": "object",
        "properties": properties,
        "required": [*CHOICE_KEYS, "nhs_number_obtainable"],
        "additionalProperties": False,
        "example": {
            "purpose": "research",
            "data": "identifiable",
            "nhs_number_obtainable": True,
            "legal_basis": "s251_reg5",
            "cag_exempted": False,
            "recipient": "other",
            "data_origin": "england_health_or_adult_social_care",
        },
    }


class ReasonOut(Schema):
    code: str
    citation: str
    explanation: str


class WarningOut(Schema):
    code: str
    message: str


class DecisionOut(Schema):
    applies: bool
    reasons: list[ReasonOut]
    next_steps: list[str]
    warnings: list[WarningOut]
    guidance: str
    rules_reviewed: str


class RuleOut(Schema):
    order: int
    code: str
    outcome: str
    title: str
    holds_when: str
    citation: str
    sources: list[str]
    explanation: str
    next_steps: list[str]
    in_force_from: str | None
    in_force_until: str | None


class RulesOut(Schema):
    guidance: str
    rules_reviewed: str
    rules: list[RuleOut]


@router.post(
    "/decisions",
    response={200: DecisionOut, 400: Error, 422: Error},
    auth=None,
    summary="Decide whether the national data opt-out applies to a data flow",
    description="The first reason decides. A 422 answer lists every problem with the input and the allowed values.",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": flow_schema()}}}},
)
def create_decision(request: HttpRequest) -> dict[str, object] | HttpResponse:
    try:
        flow = parse_flow_json(request.body, today=today(SystemClock()))
    except NestedTooDeeply as exc:  # not a flow at all: 400, not the 422 of a flow with problems (ADR 0048)
        return api_error(400, "bad_json", exc.problems[0].message)
    except InvalidFlow as exc:
        return api_error(422, exc.code, exc.message, [p.as_dict() for p in exc.problems])
    return decide(flow).as_dict()


@router.get("/rules", response=RulesOut, auth=None, summary="The rules, in the order they are tried")
def list_rules(request: HttpRequest) -> dict[str, object]:
    rules = []
    for number, rule in enumerate(ORDER, start=1):
        p = PROVISIONS[rule.code]
        rules.append(
            {
                "order": number,
                "code": p.code,
                "outcome": p.outcome.value,
                "title": p.title,
                "holds_when": rule.summary,
                "citation": p.citation,
                "sources": [SOURCES[tag][1] for tag in p.sources],
                "explanation": p.explanation,
                "next_steps": list(p.next_steps),
                "in_force_from": p.in_force_from.isoformat() if p.in_force_from else None,
                "in_force_until": p.in_force_until.isoformat() if p.in_force_until else None,
            }
        )
    return {"guidance": GUIDANCE, "rules_reviewed": REVIEWED.isoformat(), "rules": rules}
