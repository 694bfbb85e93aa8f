"""The web questionnaire: one question a page, error summaries, the decision with its reasons."""

from __future__ import annotations

import re

import pytest

from ndop.domain.policy.provisions import PROVISIONS
from ndop.domain.policy.questions import QUESTIONS

pytestmark = pytest.mark.django_db


def answer(client, key: str, value: str | None = None, **fields: str):
    data = dict(fields)
    if value is not None:
        data[key] = value
    return client.post(f"/policy/questions/{key}", data)


def walk(client, answers: dict[str, str]):
    """Answer each question the tool asks, following its redirects; returns the last response."""
    response = client.get("/policy/questions/purpose")
    while True:
        key = response.wsgi_request.path.rsplit("/", 1)[-1]
        if key not in answers:
            return response
        response = answer(client, key, answers[key], **({"date-day": "", "date-month": "", "date-year": ""}))
        assert response.status_code == 302, response.content.decode()[:500]
        response = client.get(response["Location"])


S251_STUDY = {
    "purpose": "research",
    "data": "identifiable",
    "nhs_number_obtainable": "true",
    "legal_basis": "s251_reg5",
    "cag_exempted": "false",
    "recipient": "other",
    "data_origin": "england_health_or_adult_social_care",
    "gp_data": "false",
    "date": "",
}


def test_questionnaire_start_page_is_public_and_links_the_first_question(client) -> None:
    page = client.get("/policy/").content.decode()
    assert "Does the national data opt-out apply to your data flow?" in page
    assert 'href="/policy/questions/purpose"' in page


def test_questionnaire_is_on_the_landing_page(client) -> None:
    assert 'href="/policy/"' in client.get("/").content.decode()


def test_questionnaire_asks_one_question_per_page_with_a_heading_legend(client) -> None:
    page = client.get("/policy/questions/purpose").content.decode()
    assert page.count('type="radio"') == 12
    assert re.search(r"<legend[^>]*>\s*<h1[^>]*>\s*What is the data used for\?", page)
    assert 'name="csrfmiddlewaretoken"' in page


def test_questionnaire_unanswered_question_shows_an_error_summary(client) -> None:
    response = answer(client, "purpose")
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'href="#purpose"' in page
    assert "Select what the data is used for" in page
    assert "<title>Error: " in page


def test_questionnaire_rejects_values_not_offered(client) -> None:
    assert "Select what the data is used for" in answer(client, "purpose", "shopping").content.decode()


def test_questionnaire_section_251_study_applies_with_reasons_and_citations(client) -> None:
    response = walk(client, S251_STUDY)
    assert response.wsgi_request.path == "/policy/check-answers"
    summary = response.content.decode()
    assert "Section 251 support, regulation 5" in summary
    page = client.get("/policy/decision").content.decode()
    assert "The national data opt-out applies" in page
    assert "Operational Policy Guidance, section 5.1" in page
    assert "Section 251 support with the standard condition" in page
    assert "section_251_standard_condition" not in page  # the reason in words; its code is the API's
    assert "ndop-system" not in page and "list item" not in page
    assert "Check for National Data Opt-outs service" in page
    assert "&#34;legal_basis&#34;: &#34;s251_reg5&#34;" in page or "&quot;legal_basis&quot;" in page


def test_gp_data_is_asked_and_its_decision_says_type1_opt_outs_apply_too(client) -> None:
    walk(client, {**S251_STUDY, "gp_data": "true"})
    summary = client.get("/policy/check-answers").content.decode()
    assert re.search(r"GP data\s*</dt>\s*<dd[^>]*>\s*Yes", summary)
    page = client.get("/policy/decision").content.decode()
    assert "Type 1 opt-outs apply too" in page and "No lawful basis" not in page
    assert "type 1 opt-out, recorded at the patient's GP practice" in page.replace("&#39;", "'")
    assert answer(client, "gp_data", "false").status_code == 302  # changed: the warning goes
    assert "Type 1 opt-outs apply too" not in client.get("/policy/decision").content.decode()


def test_the_decision_page_says_its_headline_once(client) -> None:
    walk(client, S251_STUDY)
    page = client.get("/policy/decision").content.decode()
    explanation = PROVISIONS["section_251_standard_condition"].explanation
    assert page.count(explanation) == 1  # under "Why", not again in the panel


def test_questionnaire_skips_questions_that_do_not_matter(client) -> None:
    response = walk(client, {**S251_STUDY, "legal_basis": "consent"})
    assert response.wsgi_request.path == "/policy/check-answers"
    page = response.content.decode()
    assert "Approval sets the opt-out aside" not in page
    assert "Recipient can re-identify" not in page
    decision = client.get("/policy/decision").content.decode()
    assert "The national data opt-out does not apply" in decision
    assert "The patient consented" in decision


def test_questionnaire_asks_conditional_questions_when_they_matter(client) -> None:
    seen = []
    answers = {
        **S251_STUDY,
        "data": "pseudonymised",
        "recipient_can_reidentify": "false",
        "purpose": "invoice_validation",
        "contracted": "false",
    }
    response = client.get("/policy/questions/purpose")
    while response.wsgi_request.path.startswith("/policy/questions/"):
        key = response.wsgi_request.path.rsplit("/", 1)[-1]
        seen.append(key)
        response = client.get(answer(client, key, answers[key])["Location"])
    assert seen == [q.key for q in QUESTIONS]
    assert "The national data opt-out does not apply" in client.get("/policy/decision").content.decode()


def test_questionnaire_warns_when_there_is_no_lawful_basis(client) -> None:
    walk(client, {**S251_STUDY, "legal_basis": "none"})
    page = client.get("/policy/decision").content.decode()
    assert "The national data opt-out applies" in page
    assert "No lawful basis" in page


def test_questionnaire_date_must_be_real_or_empty(client) -> None:
    walk(client, {k: v for k, v in S251_STUDY.items() if k != "date"})
    bad = answer(client, "date", **{"date-day": "30", "date-month": "2", "date-year": "2019"})
    assert "Enter a real date" in bad.content.decode()
    partial = answer(client, "date", **{"date-day": "1", "date-month": "", "date-year": "2019"})
    assert "Enter a full date" in partial.content.decode()
    ok = answer(client, "date", **{"date-day": "24", "date-month": "5", "date-year": "2018"})
    assert ok["Location"] == "/policy/check-answers"
    page = client.get("/policy/decision").content.decode()
    assert "Before the national data opt-out began" in page


def test_questionnaire_cannot_skip_ahead(client) -> None:
    response = client.get("/policy/questions/recipient")
    assert response.status_code == 302 and response["Location"] == "/policy/questions/purpose"
    assert client.get("/policy/decision")["Location"] == "/policy/questions/purpose"
    assert client.get("/policy/check-answers")["Location"] == "/policy/questions/purpose"


def test_questionnaire_changed_answer_drops_answers_that_no_longer_matter(client) -> None:
    walk(client, S251_STUDY)
    answer(client, "legal_basis", "consent")
    assert "cag_exempted" not in client.session["policy_answers"]
    answer(client, "legal_basis", "s251_reg2")
    # The approval question is asked again rather than assumed.
    assert client.get("/policy/check-answers")["Location"] == "/policy/questions/cag_exempted"


def test_questionnaire_unknown_question_is_404(client) -> None:
    assert client.get("/policy/questions/colour").status_code == 404


def test_questionnaire_start_again_clears_the_answers(client) -> None:
    walk(client, S251_STUDY)
    response = client.post("/policy/start-again")
    assert response["Location"] == "/policy/questions/purpose"
    assert "policy_answers" not in client.session


def test_questionnaire_rules_page_lists_every_rule_in_order(client) -> None:
    from ndop.domain.policy.rules import ORDER

    page = client.get("/policy/rules").content.decode()
    positions = [page.index(f"<code>{rule.code}</code>") for rule in ORDER]
    assert positions == sorted(positions)
