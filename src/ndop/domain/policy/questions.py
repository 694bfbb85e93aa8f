"""The questions that build a flow description, in plain English, one at a time.

The web tool asks them in this order and skips a question that does not matter for the answers
so far. Each answer is a value of the JSON input, so the tool builds exactly what the API takes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final


class Kind(StrEnum):
    CHOICE = "choice"
    YES_NO = "yes_no"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    hint: str = ""


Answers = Mapping[str, object]


def _always(answers: Answers) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    text: str
    hint: str
    kind: Kind
    options: tuple[Option, ...] = ()
    asked_when: Callable[[Answers], bool] = _always
    short: str = ""  # the label in the summary of answers
    error: str = ""  # what to do when the question is not answered

    def label_for(self, value: object) -> str:
        """The answer in words, as the summary shows it."""
        if self.kind is Kind.YES_NO:
            return "Yes" if value is True else "No" if value is False else ""
        if self.kind is Kind.DATE:
            if not value:
                return "Today"
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                return str(value)
            return f"{day.day} {day:%B %Y}"
        for option in self.options:
            if option.value == value:
                return option.label
        return str(value)


YES_NO: Final = (Option("true", "Yes"), Option("false", "No"))

QUESTIONS: Final[tuple[Question, ...]] = (
    Question(
        "purpose",
        "What is the data used for?",
        "Choose the main purpose of this flow.",
        Kind.CHOICE,
        (
            Option(
                "individual_care",
                "The patient's own care and treatment",
                "For example a referral, a prescription, a shared care record or a screening invitation.",
            ),
            Option("research", "Research"),
            Option("planning", "Planning services"),
            Option("commissioning", "Commissioning services"),
            Option("audit", "Clinical audit or service evaluation"),
            Option("risk_stratification", "Risk stratification"),
            Option("invoice_validation", "Invoice validation"),
            Option("payment", "Payment", "For example prescription charges."),
            Option("official_statistics", "Official statistics"),
            Option("public_health", "Public health", "For example managing an outbreak."),
            Option("patient_survey", "A national patient experience survey"),
            Option("other", "Something else"),
        ),
        short="Purpose",
        error="Select what the data is used for",
    ),
    Question(
        "data",
        "In what form is the data used or shared?",
        "",
        Kind.CHOICE,
        (
            Option(
                "identifiable",
                "Identifiable",
                "It includes details such as a name, address, date of birth or NHS number.",
            ),
            Option(
                "pseudonymised",
                "Pseudonymised",
                "Identifiers are replaced with codes, but someone could link them back.",
            ),
            Option(
                "anonymised", "Anonymised", "It meets the ICO anonymisation code: nobody can be identified from it."
            ),
            Option("aggregate", "Aggregate", "Numbers only, such as counts, with small numbers suppressed."),
        ),
        short="Form of the data",
        error="Select the form the data is used or shared in",
    ),
    Question(
        "recipient_can_reidentify",
        "Can the people who receive the data re-identify anyone?",
        "Think about the key to the pseudonyms and any other data they hold or are likely to get.",
        Kind.YES_NO,
        YES_NO,
        asked_when=lambda a: a.get("data") == "pseudonymised",
        short="Recipient can re-identify",
        error="Select yes if the people who receive the data can re-identify anyone",
    ),
    Question(
        "nhs_number_obtainable",
        "Can you get the patients' NHS numbers without disproportionate effort?",
        "Answer yes if the data holds NHS numbers, or you could add them without great effort.",
        Kind.YES_NO,
        YES_NO,
        short="NHS numbers obtainable",
        error="Select yes if you can get the NHS numbers without disproportionate effort",
    ),
    Question(
        "legal_basis",
        "What allows you to use confidential patient information for this?",
        "The basis that sets aside the common law duty of confidence.",
        Kind.CHOICE,
        (
            Option("consent", "The patient's consent", "For example consent to take part in a research study."),
            Option(
                "s251_reg5",
                "Section 251 support, regulation 5",
                "Approved by the Confidentiality Advisory Group for general medical purposes.",
            ),
            Option("s251_reg2", "Section 251 support, regulation 2", "Approved for cancer (neoplasia) purposes."),
            Option(
                "copi_reg3",
                "COPI regulation 3",
                "Communicable disease and other risks to public health, including COVID-19 notices.",
            ),
            Option(
                "legal_requirement",
                "A legal requirement",
                "For example CQC powers, NHS Counter Fraud, coroners or notifiable diseases.",
            ),
            Option("court_order", "A court order"),
            Option("direction", "A Direction or data provision notice to NHS England"),
            Option(
                "overriding_public_interest",
                "An overriding public interest",
                "The result of a positive public interest test.",
            ),
            Option("none", "None of these"),
        ),
        short="Legal basis",
        error="Select what allows you to use the information, or None of these",
    ),
    Question(
        "cag_exempted",
        "Does the section 251 approval say the national data opt-out need not be applied?",
        "Check the approval letter or the published minutes of the Confidentiality Advisory Group.",
        Kind.YES_NO,
        YES_NO,
        asked_when=lambda a: a.get("legal_basis") in ("s251_reg2", "s251_reg5"),
        short="Approval sets the opt-out aside",
        error="Select yes if the approval says the opt-out need not be applied",
    ),
    Question(
        "recipient",
        "Who receives the data?",
        "",
        Kind.CHOICE,
        (
            Option("ons", "The Office for National Statistics"),
            Option(
                "ndrs",
                "The National Disease Registration Service",
                "The cancer registry, or the congenital anomalies and rare diseases registry.",
            ),
            Option("nhsbsa", "The NHS Business Services Authority"),
            Option("other", "Someone else", "Including your own organisation."),
        ),
        short="Recipient",
        error="Select who receives the data",
    ),
    Question(
        "data_origin",
        "Where does the data come from?",
        "",
        Kind.CHOICE,
        (
            Option(
                "england_health_or_adult_social_care",
                "Health or adult social care in England",
                "Including private care given in NHS settings.",
            ),
            Option("childrens_social_care", "Children's social care"),
            Option("outside_england", "A provider outside England"),
        ),
        short="Origin of the data",
        error="Select where the data comes from",
    ),
    # GP data carries a second objection beside the national one: the Type 1 opt-out recorded at the
    # practice (engine.TYPE1_APPLIES). Only health data in England can be GP data, so only then is it asked.
    Question(
        "gp_data",
        "Does the data come from GP records?",
        "For example, an extract from GP practice systems.",
        Kind.YES_NO,
        YES_NO,
        asked_when=lambda a: a.get("data_origin") == "england_health_or_adult_social_care",
        short="GP data",
        error="Select yes if the data comes from GP records",
    ),
    Question(
        "contracted",
        "Is the activity being invoiced covered by a contract?",
        "",
        Kind.YES_NO,
        YES_NO,
        asked_when=lambda a: a.get("purpose") == "invoice_validation",
        short="Contracted activity",
        error="Select yes if the activity is covered by a contract",
    ),
    Question(
        "date",
        "On what date does the data flow?",
        "Leave this empty for today. For example, 23 11 2026.",
        Kind.DATE,
        short="Date of the flow",
        error="Enter a real date, or leave it empty for today",
    ),
)

BY_KEY: Final[dict[str, Question]] = {q.key: q for q in QUESTIONS}


def questions_for(answers: Answers) -> list[Question]:
    """The questions asked, given the answers so far (conditional ones only where they matter)."""
    return [q for q in QUESTIONS if q.asked_when(answers)]


def next_question(answers: Answers) -> Question | None:
    """The first question still to answer, or None when the answers are complete."""
    for question in questions_for(answers):
        if question.key not in answers:
            return question
    return None


def relevant(answers: Answers) -> dict[str, object]:
    """Only the answers to questions that are asked: a changed answer can make others moot."""
    keys = {q.key for q in questions_for(answers)}
    return {k: v for k, v in answers.items() if k in keys}
