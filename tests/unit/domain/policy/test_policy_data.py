"""The rules, the provisions and the questions agree with each other and with the parser."""

from __future__ import annotations

from datetime import date

from ndop.domain.policy.parse import CHOICE_KEYS, CONDITIONAL_BOOLEANS, KNOWN_KEYS, QUESTION_ORDER
from ndop.domain.policy.provisions import APPLIES, EXEMPTIONS, PROVISIONS, REVIEWED, SOURCES, Outcome
from ndop.domain.policy.questions import BY_KEY, QUESTIONS, Kind, next_question, questions_for, relevant
from ndop.domain.policy.rules import ORDER


def test_every_provision_has_exactly_one_rule_and_the_reverse() -> None:
    codes = [rule.code for rule in ORDER]
    assert len(codes) == len(set(codes))
    assert set(codes) == set(PROVISIONS)
    assert len(PROVISIONS) == len(EXEMPTIONS) + len(APPLIES)


def test_every_exemption_is_tried_before_the_rules_that_make_it_apply() -> None:
    outcomes = [PROVISIONS[rule.code].outcome for rule in ORDER]
    first_applies = outcomes.index(Outcome.APPLIES)
    assert all(o is Outcome.APPLIES for o in outcomes[first_applies:])
    assert ORDER[-1].code == "confidential_information_beyond_individual_care"


def test_every_rule_documents_when_it_holds() -> None:
    assert all(rule.summary for rule in ORDER)


def test_every_provision_cites_known_sources_and_explains_itself() -> None:
    for p in PROVISIONS.values():
        assert p.citation and p.explanation and p.title
        assert p.next_steps, f"{p.code} says nothing about what to do next"
        assert p.sources and set(p.sources) <= set(SOURCES)


def test_dated_exemptions_are_inclusive_of_their_last_day() -> None:
    survey = PROVISIONS["patient_survey_before_april_2019"]
    assert survey.in_force_on(date(2019, 3, 31)) and not survey.in_force_on(date(2019, 4, 1))
    launch = PROVISIONS["before_national_data_opt_out"]
    assert launch.in_force_on(date(2018, 5, 24)) and not launch.in_force_on(date(2018, 5, 25))


def test_rules_were_reviewed_on_a_real_day_not_in_the_future_of_the_code() -> None:
    assert date(2026, 1, 1) <= REVIEWED <= date(2030, 1, 1)


def test_questions_ask_for_every_input_key_once_in_the_export_order() -> None:
    assert [q.key for q in QUESTIONS] == list(QUESTION_ORDER)
    assert set(QUESTION_ORDER) == set(KNOWN_KEYS)


def test_question_options_are_exactly_the_allowed_values() -> None:
    for q in QUESTIONS:
        if q.kind is Kind.CHOICE:
            assert {o.value for o in q.options} == {m.value for m in CHOICE_KEYS[q.key]}, q.key
        assert q.error and q.short, q.key


def test_conditional_questions_are_asked_exactly_when_the_parser_needs_them() -> None:
    conditional = {q.key for q in QUESTIONS if not q.asked_when({})}
    # gp_data is optional for the parser (false when left out); the pages ask it whenever the data is health
    # data from England, the only data that can come from GP records.
    assert conditional == set(CONDITIONAL_BOOLEANS) | {"gp_data"}
    assert BY_KEY["gp_data"].asked_when({"data_origin": "england_health_or_adult_social_care"})
    assert not BY_KEY["gp_data"].asked_when({"data_origin": "childrens_social_care"})
    asked = {
        q.key
        for q in questions_for({"data": "pseudonymised", "legal_basis": "s251_reg2", "purpose": "invoice_validation"})
    }
    assert set(CONDITIONAL_BOOLEANS) <= asked


def test_next_question_walks_in_order_and_relevant_drops_moot_answers() -> None:
    assert next_question({}).key == "purpose"  # type: ignore[union-attr]
    answers = {"purpose": "research", "data": "pseudonymised", "recipient_can_reidentify": True}
    assert next_question(answers).key == "nhs_number_obtainable"  # type: ignore[union-attr]
    assert "recipient_can_reidentify" not in relevant({**answers, "data": "identifiable"})
