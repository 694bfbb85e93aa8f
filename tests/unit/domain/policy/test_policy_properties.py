"""Properties of the policy engine that hold for every flow, checked with hypothesis."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.policy import decide, parse_flow, parse_flow_json
from ndop.domain.policy.provisions import EXEMPTIONS, PROVISIONS, Outcome
from tests.unit.domain.policy.strategies import answers

TODAY = date(2026, 11, 23)


@given(answers(), st.randoms(use_true_random=False))
def test_decision_does_not_depend_on_the_order_of_keys(raw: dict[str, object], rnd) -> None:
    keys = list(raw)
    rnd.shuffle(keys)
    shuffled = {key: raw[key] for key in keys}
    assert list(shuffled) == keys
    expected = decide(parse_flow(raw, today=TODAY))
    assert decide(parse_flow(shuffled, today=TODAY)) == expected
    assert decide(parse_flow_json(json.dumps(shuffled), today=TODAY)) == expected


@given(answers(), st.sampled_from(EXEMPTIONS))
def test_removing_one_exemption_never_turns_applies_into_does_not_apply(raw: dict[str, object], removed) -> None:
    flow = parse_flow(raw, today=TODAY)
    if decide(flow).applies:
        assert decide(flow, [e for e in EXEMPTIONS if e is not removed]).applies


@given(answers(), st.sets(st.sampled_from([e.code for e in EXEMPTIONS])))
def test_removing_any_exemptions_never_turns_applies_into_does_not_apply(raw: dict[str, object], removed) -> None:
    flow = parse_flow(raw, today=TODAY)
    fewer = decide(flow, [e for e in EXEMPTIONS if e.code not in removed])
    assert fewer.applies or not decide(flow).applies
    # And with no exemptions at all, the opt-out always applies.
    assert decide(flow, []).applies


@given(answers())
def test_decision_first_reason_decides_and_the_rest_are_exemptions(raw: dict[str, object]) -> None:
    decision = decide(parse_flow(raw, today=TODAY))
    outcomes = [PROVISIONS[r.code].outcome for r in decision.reasons]
    assert outcomes[0] is (Outcome.APPLIES if decision.applies else Outcome.DOES_NOT_APPLY)
    assert all(o is Outcome.DOES_NOT_APPLY for o in outcomes[1:])
    assert len({r.code for r in decision.reasons}) == len(decision.reasons)
    assert decision.next_steps


@given(answers())
def test_decision_warns_of_no_lawful_basis_only_for_identifiable_use_beyond_care(raw: dict[str, object]) -> None:
    flow = parse_flow(raw, today=TODAY)
    warned = any(w.code == "no_lawful_basis" for w in decide(flow).warnings)
    expected = (
        raw["legal_basis"] == "none"
        and raw["purpose"] != "individual_care"
        and (raw["data"] == "identifiable" or (raw["data"] == "pseudonymised" and raw["recipient_can_reidentify"]))
    )
    assert warned == expected


@given(answers())
def test_flow_answers_round_trip(raw: dict[str, object]) -> None:
    flow = parse_flow(raw, today=TODAY)
    assert parse_flow(flow.as_answers(), today=date(2000, 1, 1)) == flow
