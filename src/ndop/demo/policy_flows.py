"""Demo entries in the demo organisation's register of data flows. Never in production."""

from __future__ import annotations

from ndop.domain.common.actors import Actor
from ndop.domain.organisations.accounts import OdsCode
from ndop.domain.policy.register import FlowDetails, PolicyRegisterUnit
from ndop.services.policy.register import record_flow

ENGLAND = "england_health_or_adult_social_care"
DEMO_FLOWS: tuple[tuple[str, str, dict[str, object]], ...] = (
    (
        "Monthly extract to CPRD",
        "Identifiable GP data for research under section 251 support (CAG reference 99/DEMO).",
        {
            "purpose": "research",
            "data": "identifiable",
            "nhs_number_obtainable": True,
            "legal_basis": "s251_reg5",
            "cag_exempted": False,
            "recipient": "other",
            "data_origin": ENGLAND,
        },
    ),
    (
        "Referrals through the e-Referral Service",
        "Referral letters to hospital outpatient clinics.",
        {
            "purpose": "individual_care",
            "data": "identifiable",
            "nhs_number_obtainable": True,
            "legal_basis": "none",
            "recipient": "other",
            "data_origin": ENGLAND,
        },
    ),
    (
        "Cancer registration",
        "Pathology and treatment records to the National Disease Registration Service.",
        {
            "purpose": "public_health",
            "data": "identifiable",
            "nhs_number_obtainable": True,
            "legal_basis": "s251_reg2",
            "cag_exempted": False,
            "recipient": "ndrs",
            "data_origin": ENGLAND,
        },
    ),
)


def install_demo_policy_flows(unit: PolicyRegisterUnit, ods_code: OdsCode, *, by: Actor) -> int:
    """Idempotent: adds the demo flows when the organisation's register is empty; returns how many it holds."""
    if not unit.flows.current(ods_code):
        for name, description, answers in DEMO_FLOWS:
            record_flow(unit, ods_code=ods_code, details=FlowDetails(name, description), answers=answers, by=by)
    return len(unit.flows.current(ods_code))
