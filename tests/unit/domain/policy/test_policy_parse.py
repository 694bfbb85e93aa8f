"""Parsing a flow description: every problem is listed, with the key and the allowed values."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.policy import InvalidFlow, parse_flow, parse_flow_json
from ndop.domain.policy.inputs import LegalBasis, Purpose

TODAY = date(2026, 11, 23)
VALID = {
    "purpose": "research",
    "data": "identifiable",
    "nhs_number_obtainable": True,
    "legal_basis": "consent",
    "recipient": "other",
    "data_origin": "england_health_or_adult_social_care",
}


def problems(raw: object) -> dict[str, str]:
    with pytest.raises(InvalidFlow) as info:
        parse_flow(raw, today=TODAY)
    return {p.key: p.message for p in info.value.problems}


def test_parse_flow_date_defaults_to_today() -> None:
    assert parse_flow(VALID, today=TODAY).on == TODAY
    assert parse_flow({**VALID, "date": "2019-03-31"}, today=TODAY).on == date(2019, 3, 31)


def test_parse_flow_accepts_every_documented_value() -> None:
    for purpose in Purpose:
        extra = {"contracted": True} if purpose is Purpose.INVOICE_VALIDATION else {}
        assert parse_flow({**VALID, "purpose": purpose.value, **extra}, today=TODAY).purpose is purpose
    for basis in LegalBasis:
        extra = {"cag_exempted": False} if basis.is_section_251 else {}
        assert parse_flow({**VALID, "legal_basis": basis.value, **extra}, today=TODAY).legal_basis is basis


def test_parse_flow_lists_every_missing_key_with_allowed_values() -> None:
    found = problems({})
    assert set(found) == {"purpose", "data", "nhs_number_obtainable", "legal_basis", "recipient", "data_origin"}
    assert "individual_care, research, planning" in found["purpose"]
    assert "true, false" in found["nhs_number_obtainable"]


def test_parse_flow_names_unknown_keys_and_values() -> None:
    found = problems({**VALID, "purpose": "reserch", "colour": "blue"})
    assert found["purpose"].startswith('purpose: "reserch" is not allowed. Allowed values: individual_care')
    assert '"colour" is not a known key' in found["colour"]


def test_parse_flow_needs_conditional_keys_only_when_they_matter() -> None:
    found = problems({**VALID, "data": "pseudonymised", "legal_basis": "s251_reg2", "purpose": "invoice_validation"})
    assert set(found) == {"recipient_can_reidentify", "cag_exempted", "contracted"}
    assert "needed when data is pseudonymised" in found["recipient_can_reidentify"]
    flow = parse_flow({**VALID, "contracted": True, "cag_exempted": True}, today=TODAY)
    assert flow.contracted is None and flow.cag_exempted is None


@pytest.mark.parametrize("value", ["yes", 1, 0, None, "true"])
def test_parse_flow_booleans_must_be_json_booleans(value: object) -> None:
    assert "Allowed values: true, false" in problems({**VALID, "nhs_number_obtainable": value})["nhs_number_obtainable"]


@pytest.mark.parametrize("value", ["2019-02-30", "23/11/2026", "2026-1-1", 20261123, "2026-11-23T10:00"])
def test_parse_flow_rejects_dates_not_written_yyyy_mm_dd(value: object) -> None:
    assert "YYYY-MM-DD" in problems({**VALID, "date": value})["date"]


@pytest.mark.parametrize("raw", [[], "research", 3, None])
def test_parse_flow_input_must_be_an_object(raw: object) -> None:
    assert "must be a JSON object" in problems(raw)[""]


def test_parse_flow_json_reports_bad_json() -> None:
    with pytest.raises(InvalidFlow, match="not valid JSON"):
        parse_flow_json("{purpose: research", today=TODAY)


def test_invalid_flow_message_counts_and_lists_problems() -> None:
    with pytest.raises(InvalidFlow) as info:
        parse_flow({**VALID, "purpose": "x", "data": "y"}, today=TODAY)
    assert info.value.message.startswith("The flow description has 2 problems:\n- purpose:")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=20,
)


@given(JSON)
def test_parse_flow_refuses_arbitrary_json_only_with_invalid_flow(raw: object) -> None:
    try:
        parse_flow(raw, today=TODAY)
    except InvalidFlow as exc:
        assert exc.problems
        assert all(p.message for p in exc.problems)


@given(st.dictionaries(st.sampled_from(list(VALID)), JSON, max_size=6))
def test_parse_flow_refuses_wrong_types_for_known_keys(raw: dict[str, object]) -> None:
    try:
        parse_flow({**VALID, **raw}, today=TODAY)
    except InvalidFlow as exc:
        assert {p.key for p in exc.problems} <= set(VALID) | {"cag_exempted", "contracted", "recipient_can_reidentify"}


@pytest.mark.parametrize("value", ["9434765919", "943 476 5919", "943-476-5919"])
def test_parse_flow_errors_never_repeat_a_number_typed_in_the_wrong_place(value: str) -> None:
    with pytest.raises(InvalidFlow) as info:
        parse_flow({**VALID, "purpose": value, value: 1}, today=TODAY)
    assert "5919" not in str(info.value)
    assert "[number hidden]" in info.value.message
