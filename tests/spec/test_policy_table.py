"""The policy engine, specified as a table: one row per scenario.

Each row: a name, the answers that differ from BASE, whether the opt-out applies, and the code of
the deciding (first) reason. Sources: ndop-system.md §5.2-§5.5 and the seeds' lists of what the
opt-out will and will not stop (shared/seeds/003_*.txt).
"""

from __future__ import annotations

from datetime import date

import pytest

from ndop.domain.policy import decide, parse_flow
from ndop.domain.policy.provisions import EXEMPTIONS, PROVISIONS

TODAY = date(2026, 11, 23)

# Identifiable data from an English provider, for research, with no exemption: the opt-out applies.
BASE: dict[str, object] = {
    "purpose": "research",
    "data": "identifiable",
    "nhs_number_obtainable": True,
    "legal_basis": "none",
    "recipient": "other",
    "data_origin": "england_health_or_adult_social_care",
}
S251 = {"legal_basis": "s251_reg5", "cag_exempted": False}

ROWS: list[tuple[str, dict[str, object], bool, str]] = [
    # --- the seeds: what the opt-out will not stop ---
    ("GP referral through e-RS", {"purpose": "individual_care"}, False, "individual_care"),
    ("prescription through EPS", {"purpose": "individual_care", "recipient": "other"}, False, "individual_care"),
    ("GP2GP record transfer", {"purpose": "individual_care"}, False, "individual_care"),
    ("Summary Care Record", {"purpose": "individual_care"}, False, "individual_care"),
    ("local shared care record", {"purpose": "individual_care", "legal_basis": "none"}, False, "individual_care"),
    (
        "screening invitation (cervical, breast, bowel, AAA, diabetic eye)",
        {"purpose": "individual_care"},
        False,
        "individual_care",
    ),
    (
        "cancer registration",
        {"purpose": "public_health", "recipient": "ndrs", **S251},
        False,
        "national_disease_registration",
    ),
    (
        "congenital anomalies registration",
        {"purpose": "other", "recipient": "ndrs"},
        False,
        "national_disease_registration",
    ),
    ("court order", {"purpose": "other", "legal_basis": "court_order"}, False, "court_order"),
    (
        "section 259 collection mandated by NHS England",
        {"purpose": "planning", "legal_basis": "direction"},
        False,
        "direction",
    ),
    ("anonymised open data", {"purpose": "planning", "data": "anonymised"}, False, "anonymised"),
    ("aggregate numbers only", {"purpose": "planning", "data": "aggregate"}, False, "aggregate"),
    ("research study the patient consented to", {"legal_basis": "consent"}, False, "consent"),
    ("UK Biobank with permission", {"legal_basis": "consent", "recipient": "other"}, False, "consent"),
    # --- the seeds: what it will stop ---
    ("study under section 251 (reg 5)", S251, True, "section_251_standard_condition"),
    (
        "cancer study under section 251 (reg 2)",
        {"legal_basis": "s251_reg2", "cag_exempted": False},
        True,
        "section_251_standard_condition",
    ),
    ("CPRD extract under section 251", {"purpose": "research", **S251}, True, "section_251_standard_condition"),
    (
        "identifiable release from the cancer registry to researchers under section 251",
        {"purpose": "research", "legal_basis": "s251_reg2", "cag_exempted": False, "recipient": "other"},
        True,
        "section_251_standard_condition",
    ),
    (
        "pseudonymised HES release the recipient cannot re-identify (seed: not stopped)",
        {"purpose": "commissioning", "data": "pseudonymised", "recipient_can_reidentify": False},
        False,
        "pseudonymised_not_identifiable",
    ),
    (
        "risk stratification under section 251",
        {"purpose": "risk_stratification", **S251},
        True,
        "section_251_standard_condition",
    ),
    (
        "commissioning with identifiable data and no basis",
        {"purpose": "commissioning"},
        True,
        "confidential_information_beyond_individual_care",
    ),
    (
        "planning with re-identifiable pseudonymised data",
        {"purpose": "planning", "data": "pseudonymised", "recipient_can_reidentify": True, **S251},
        True,
        "section_251_standard_condition",
    ),
    ("clinical audit under section 251", {"purpose": "audit", **S251}, True, "section_251_standard_condition"),
    # --- every other exemption ---
    (
        "pseudonymised, recipient cannot re-identify",
        {"purpose": "planning", "data": "pseudonymised", "recipient_can_reidentify": False},
        False,
        "pseudonymised_not_identifiable",
    ),
    ("no NHS number without disproportionate effort", {"nhs_number_obtainable": False, **S251}, False, "no_nhs_number"),
    ("CQC inspection powers", {"purpose": "audit", "legal_basis": "legal_requirement"}, False, "legal_requirement"),
    ("coroner's request", {"purpose": "other", "legal_basis": "legal_requirement"}, False, "legal_requirement"),
    (
        "overriding public interest",
        {"purpose": "other", "legal_basis": "overriding_public_interest"},
        False,
        "overriding_public_interest",
    ),
    (
        "meningitis outbreak under COPI regulation 3",
        {"purpose": "public_health", "legal_basis": "copi_reg3"},
        False,
        "copi_reg3_public_health",
    ),
    (
        "COVID-19 analytics under a COPI notice",
        {"purpose": "research", "legal_basis": "copi_reg3"},
        False,
        "copi_reg3_public_health",
    ),
    ("census data to ONS", {"purpose": "official_statistics", "recipient": "ons"}, False, "ons_official_statistics"),
    (
        "mortality statistics to ONS under a Direction",
        {"purpose": "official_statistics", "recipient": "ons", "legal_basis": "direction"},
        False,
        "direction",
    ),
    (
        "non-contracted invoice validation",
        {"purpose": "invoice_validation", "contracted": False, **S251},
        False,
        "non_contracted_invoice_validation",
    ),
    (
        "prescription charges to NHSBSA",
        {"purpose": "payment", "recipient": "nhsbsa"},
        False,
        "nhsbsa_prescription_charges",
    ),
    (
        "section 251 approval that sets the opt-out aside",
        {"legal_basis": "s251_reg5", "cag_exempted": True},
        False,
        "cag_exempted",
    ),
    (
        "section 251 reg 2 approval that sets it aside",
        {"legal_basis": "s251_reg2", "cag_exempted": True},
        False,
        "cag_exempted",
    ),
    ("children's social care", {"data_origin": "childrens_social_care", **S251}, False, "origin_childrens_social_care"),
    ("provider in Wales", {"data_origin": "outside_england", **S251}, False, "origin_outside_england"),
    # --- near misses: a specific exemption needs all its conditions ---
    (
        "contracted invoice validation",
        {"purpose": "invoice_validation", "contracted": True, **S251},
        True,
        "section_251_standard_condition",
    ),
    (
        "research data sent to ONS",
        {"purpose": "research", "recipient": "ons", **S251},
        True,
        "section_251_standard_condition",
    ),
    (
        "NHSBSA for something other than payment",
        {"purpose": "planning", "recipient": "nhsbsa", **S251},
        True,
        "section_251_standard_condition",
    ),
    (
        "public health purpose without COPI regulation 3",
        {"purpose": "public_health", **S251},
        True,
        "section_251_standard_condition",
    ),
    # --- dates: exemptions on both sides of their dates ---
    (
        "patient survey on 31 March 2019",
        {"purpose": "patient_survey", **S251, "date": "2019-03-31"},
        False,
        "patient_survey_before_april_2019",
    ),
    (
        "patient survey on 1 April 2019",
        {"purpose": "patient_survey", **S251, "date": "2019-04-01"},
        True,
        "section_251_standard_condition",
    ),
    ("patient survey today", {"purpose": "patient_survey", **S251}, True, "section_251_standard_condition"),
    ("section 251 study on 24 May 2018", {**S251, "date": "2018-05-24"}, False, "before_national_data_opt_out"),
    ("section 251 study on 25 May 2018", {**S251, "date": "2018-05-25"}, True, "section_251_standard_condition"),
    # --- the order between rules: the earlier rule decides ---
    (
        "individual care before anonymised",
        {"purpose": "individual_care", "data": "anonymised"},
        False,
        "individual_care",
    ),
    (
        "scope before individual care",
        {"purpose": "individual_care", "data_origin": "outside_england"},
        False,
        "origin_outside_england",
    ),
    (
        "launch date before scope",
        {"data_origin": "childrens_social_care", "date": "2018-01-01"},
        False,
        "before_national_data_opt_out",
    ),
    ("anonymised before consent", {"data": "anonymised", "legal_basis": "consent"}, False, "anonymised"),
    ("consent before the registries", {"recipient": "ndrs", "legal_basis": "consent"}, False, "consent"),
    (
        "court order before public health",
        {"purpose": "public_health", "legal_basis": "court_order"},
        False,
        "court_order",
    ),
    (
        "registries before no NHS number",
        {"recipient": "ndrs", "nhs_number_obtainable": False},
        False,
        "national_disease_registration",
    ),
    (
        "no NHS number before CAG exemption",
        {"nhs_number_obtainable": False, "legal_basis": "s251_reg5", "cag_exempted": True},
        False,
        "no_nhs_number",
    ),
    (
        "a lapsed survey exemption falls through to no NHS number",
        {"purpose": "patient_survey", "nhs_number_obtainable": False, "date": "2020-06-01"},
        False,
        "no_nhs_number",
    ),
    (
        "NHSBSA prescription charges before no NHS number",
        {"purpose": "payment", "recipient": "nhsbsa", "nhs_number_obtainable": False},
        False,
        "nhsbsa_prescription_charges",
    ),
]


@pytest.mark.parametrize(("name", "answers", "applies", "code"), ROWS, ids=[row[0] for row in ROWS])
def test_policy_table(name: str, answers: dict[str, object], applies: bool, code: str) -> None:
    decision = decide(parse_flow({**BASE, **answers}, today=TODAY))
    assert (decision.applies, decision.deciding.code) == (applies, code)


def test_policy_table_has_at_least_forty_rows_with_unique_names() -> None:
    assert len(ROWS) >= 40
    assert len({row[0] for row in ROWS}) == len(ROWS)


def test_policy_table_decides_by_every_provision() -> None:
    """Every exemption, and both reasons it applies, decide at least one row."""
    deciding = {row[3] for row in ROWS}
    assert deciding == set(PROVISIONS), sorted(set(PROVISIONS) - deciding)


def test_policy_table_crosses_every_dated_exemption_on_both_sides() -> None:
    decided_on = {(str(answers.get("date")), code) for _, answers, _, code in ROWS}
    for exemption in EXEMPTIONS:
        if exemption.in_force_until is None:
            continue
        last = exemption.in_force_until
        assert (last.isoformat(), exemption.code) in decided_on, exemption.code
        day_after = date.fromordinal(last.toordinal() + 1).isoformat()
        assert any(day == day_after and code != exemption.code for day, code in decided_on), exemption.code
