"""The policy engine for a flow of GP data: it says Type 1 objections apply too, and how to apply them."""

from __future__ import annotations

from datetime import date

import pytest

from ndop.domain.policy.engine import decide
from ndop.domain.policy.parse import InvalidFlow, parse_flow

TODAY = date(2026, 11, 23)
RESEARCH = {"purpose": "research", "data": "identifiable", "nhs_number_obtainable": True, "legal_basis": "s251_reg5",
            "cag_exempted": False, "recipient": "other", "data_origin": "england_health_or_adult_social_care"}


@pytest.mark.parametrize(("answers", "type1"), [
    ({**RESEARCH, "gp_data": True}, True),
    ({**RESEARCH, "gp_data": False}, False),
    (RESEARCH, False),
    ({**RESEARCH, "purpose": "individual_care", "gp_data": True}, False),
    ({**RESEARCH, "data": "anonymised", "gp_data": True}, False),
])
def test_policy_gp_data_type1_warning(answers, type1) -> None:
    flow = parse_flow(answers, today=TODAY)
    decision = decide(flow)
    warnings = {w.code: w.message for w in decision.warnings}
    assert ("type1_applies" in warnings) is type1
    if type1:
        assert "type 1 opt-outs apply as well" in warnings["type1_applies"]
        assert "gp_data: true" in warnings["type1_applies"] and "--gp-data" in warnings["type1_applies"]
    assert ("gp_data" in flow.as_answers()) is (answers.get("gp_data") is True)


def test_policy_gp_data_must_be_a_boolean() -> None:
    with pytest.raises(InvalidFlow) as refused:
        parse_flow({**RESEARCH, "gp_data": "yes"}, today=TODAY)
    assert refused.value.problems[0].key == "gp_data"
