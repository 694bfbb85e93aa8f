"""What the engine is asked about: one data flow, described by a fixed set of answers.

The keys and values are the ones in issue 6; `parse.py` turns JSON-like input into a `Flow` and
says what is wrong when it cannot. A `Flow` is always complete and consistent: the answers a rule
reads are there, and the ones that do not matter for this flow are `None`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Purpose(StrEnum):
    INDIVIDUAL_CARE = "individual_care"
    RESEARCH = "research"
    PLANNING = "planning"
    COMMISSIONING = "commissioning"
    AUDIT = "audit"
    RISK_STRATIFICATION = "risk_stratification"
    INVOICE_VALIDATION = "invoice_validation"
    PAYMENT = "payment"
    OFFICIAL_STATISTICS = "official_statistics"
    PUBLIC_HEALTH = "public_health"
    PATIENT_SURVEY = "patient_survey"
    OTHER = "other"


class DataForm(StrEnum):
    IDENTIFIABLE = "identifiable"
    PSEUDONYMISED = "pseudonymised"
    ANONYMISED = "anonymised"  # meets the ICO anonymisation code of practice
    AGGREGATE = "aggregate"


class LegalBasis(StrEnum):
    """The basis that sets aside the common-law duty of confidence for this use."""

    CONSENT = "consent"
    S251_REG2 = "s251_reg2"  # COPI Regulations 2002 regulation 2 (neoplasia)
    S251_REG5 = "s251_reg5"  # COPI Regulations 2002 regulation 5 (general medical purposes)
    COPI_REG3 = "copi_reg3"  # communicable disease and other risks to public health
    LEGAL_REQUIREMENT = "legal_requirement"
    COURT_ORDER = "court_order"
    DIRECTION = "direction"  # a Direction or data provision notice to NHS England (HSCA 2012)
    OVERRIDING_PUBLIC_INTEREST = "overriding_public_interest"
    NONE = "none"

    @property
    def is_section_251(self) -> bool:
        return self in (LegalBasis.S251_REG2, LegalBasis.S251_REG5)


class Recipient(StrEnum):
    ONS = "ons"  # the Office for National Statistics
    NDRS = "ndrs"  # the National Disease Registration Service (cancer, congenital anomalies, rare diseases)
    NHSBSA = "nhsbsa"  # the NHS Business Services Authority
    OTHER = "other"


class DataOrigin(StrEnum):
    ENGLAND_HEALTH_OR_ADULT_SOCIAL_CARE = "england_health_or_adult_social_care"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care"
    OUTSIDE_ENGLAND = "outside_england"


@dataclass(frozen=True, slots=True)
class Flow:
    """One use or disclosure of data, as the organisation describes it.

    `recipient_can_reidentify` is set only for pseudonymised data, `cag_exempted` only under
    section 251, `contracted` only for invoice validation; elsewhere they are `None`.
    `on` is the day the decision is for (the `date` key; today when it is not given).
    """

    purpose: Purpose
    data: DataForm
    nhs_number_obtainable: bool
    legal_basis: LegalBasis
    recipient: Recipient
    data_origin: DataOrigin
    on: date
    recipient_can_reidentify: bool | None = None
    cag_exempted: bool | None = None
    contracted: bool | None = None
    # The data comes from GP records (issue 14): Type 1 objections apply as well as the national opt-out.
    gp_data: bool = False

    def __post_init__(self) -> None:
        if (self.data is DataForm.PSEUDONYMISED) != (self.recipient_can_reidentify is not None):
            raise ValueError("recipient_can_reidentify is set exactly when the data is pseudonymised")
        if self.legal_basis.is_section_251 != (self.cag_exempted is not None):
            raise ValueError("cag_exempted is set exactly when the legal basis is section 251")
        if (self.purpose is Purpose.INVOICE_VALIDATION) != (self.contracted is not None):
            raise ValueError("contracted is set exactly when the purpose is invoice validation")

    @property
    def is_confidential_patient_information(self) -> bool:
        """Identifiable to the recipient, directly or from data it is likely to hold [§5.1, S43]."""
        if self.data is DataForm.IDENTIFIABLE:
            return True
        return self.data is DataForm.PSEUDONYMISED and bool(self.recipient_can_reidentify)

    def as_answers(self) -> dict[str, object]:
        """The flow as the JSON input that describes it (only the keys that matter to it)."""
        answers: dict[str, object] = {
            "purpose": self.purpose.value,
            "data": self.data.value,
            "nhs_number_obtainable": self.nhs_number_obtainable,
            "legal_basis": self.legal_basis.value,
            "recipient": self.recipient.value,
            "data_origin": self.data_origin.value,
            "date": self.on.isoformat(),
        }
        for key in ("recipient_can_reidentify", "cag_exempted", "contracted"):
            value = getattr(self, key)
            if value is not None:
                answers[key] = value
        if self.gp_data:
            answers["gp_data"] = True
        return answers
