"""One small pure function per rule, and the order they are tried in.

Each rule says whether a provision of the same code (in `provisions.py`, with its citation) covers
a flow. The engine tries the rules in `ORDER` and the first that holds decides. The order follows
the decision flow organisations are given (ndop-system.md §5.5), with the scope of the opt-out first:

1. when the opt-out did not exist yet, and data from outside its scope (§5.2);
2. (a) individual care; (b) data that is not confidential patient information;
3. (c) consent; (d) a legal requirement, a court order, a Direction; (e) an overriding public interest;
4. (f) COPI regulation 3 and the listed specific exemptions; then no NHS number to check against;
5. (g) section 251: exempt only when the approval says so, otherwise the opt-out applies;
6. anything else that is confidential patient information beyond individual care: the opt-out applies.

Every exemption comes before both rules that make the opt-out apply, so removing an exemption can
turn "does not apply" into "applies" but never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ndop.domain.policy.inputs import DataForm, DataOrigin, Flow, LegalBasis, Purpose, Recipient


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    holds: Callable[[Flow], bool]

    @property
    def summary(self) -> str:
        """The first line of the rule's docstring: when it holds, in words (used by the docs)."""
        return (self.holds.__doc__ or "").strip().splitlines()[0]


def before_national_data_opt_out(flow: Flow) -> bool:
    """Any flow (the provision's dates decide: it covers days before 25 May 2018)."""
    return True


def origin_childrens_social_care(flow: Flow) -> bool:
    """`data_origin` is `childrens_social_care`."""
    return flow.data_origin is DataOrigin.CHILDRENS_SOCIAL_CARE


def origin_outside_england(flow: Flow) -> bool:
    """`data_origin` is `outside_england`."""
    return flow.data_origin is DataOrigin.OUTSIDE_ENGLAND


def individual_care(flow: Flow) -> bool:
    """`purpose` is `individual_care`."""
    return flow.purpose is Purpose.INDIVIDUAL_CARE


def anonymised(flow: Flow) -> bool:
    """`data` is `anonymised`."""
    return flow.data is DataForm.ANONYMISED


def aggregate(flow: Flow) -> bool:
    """`data` is `aggregate`."""
    return flow.data is DataForm.AGGREGATE


def pseudonymised_not_identifiable(flow: Flow) -> bool:
    """`data` is `pseudonymised` and `recipient_can_reidentify` is false."""
    return flow.data is DataForm.PSEUDONYMISED and flow.recipient_can_reidentify is False


def consent(flow: Flow) -> bool:
    """`legal_basis` is `consent`."""
    return flow.legal_basis is LegalBasis.CONSENT


def legal_requirement(flow: Flow) -> bool:
    """`legal_basis` is `legal_requirement`."""
    return flow.legal_basis is LegalBasis.LEGAL_REQUIREMENT


def court_order(flow: Flow) -> bool:
    """`legal_basis` is `court_order`."""
    return flow.legal_basis is LegalBasis.COURT_ORDER


def direction(flow: Flow) -> bool:
    """`legal_basis` is `direction`."""
    return flow.legal_basis is LegalBasis.DIRECTION


def overriding_public_interest(flow: Flow) -> bool:
    """`legal_basis` is `overriding_public_interest`."""
    return flow.legal_basis is LegalBasis.OVERRIDING_PUBLIC_INTEREST


def copi_reg3_public_health(flow: Flow) -> bool:
    """`legal_basis` is `copi_reg3`."""
    return flow.legal_basis is LegalBasis.COPI_REG3


def ons_official_statistics(flow: Flow) -> bool:
    """`recipient` is `ons` and `purpose` is `official_statistics`."""
    return flow.recipient is Recipient.ONS and flow.purpose is Purpose.OFFICIAL_STATISTICS


def national_disease_registration(flow: Flow) -> bool:
    """`recipient` is `ndrs`."""
    return flow.recipient is Recipient.NDRS


def patient_survey_before_april_2019(flow: Flow) -> bool:
    """`purpose` is `patient_survey` (the provision's dates decide: up to 31 March 2019)."""
    return flow.purpose is Purpose.PATIENT_SURVEY


def non_contracted_invoice_validation(flow: Flow) -> bool:
    """`purpose` is `invoice_validation` and `contracted` is false."""
    return flow.purpose is Purpose.INVOICE_VALIDATION and flow.contracted is False


def nhsbsa_prescription_charges(flow: Flow) -> bool:
    """`recipient` is `nhsbsa` and `purpose` is `payment`."""
    return flow.recipient is Recipient.NHSBSA and flow.purpose is Purpose.PAYMENT


def no_nhs_number(flow: Flow) -> bool:
    """`nhs_number_obtainable` is false."""
    return not flow.nhs_number_obtainable


def cag_exempted(flow: Flow) -> bool:
    """`legal_basis` is `s251_reg2` or `s251_reg5` and `cag_exempted` is true."""
    return flow.legal_basis.is_section_251 and flow.cag_exempted is True


def section_251_standard_condition(flow: Flow) -> bool:
    """`legal_basis` is `s251_reg2` or `s251_reg5`."""
    return flow.legal_basis.is_section_251


def confidential_information_beyond_individual_care(flow: Flow) -> bool:
    """Any flow no rule above decided (every earlier exemption failed or is not in force)."""
    return True


ORDER: Final[tuple[Rule, ...]] = tuple(
    Rule(f.__name__, f)
    for f in (
        before_national_data_opt_out,
        origin_childrens_social_care,
        origin_outside_england,
        individual_care,
        anonymised,
        aggregate,
        pseudonymised_not_identifiable,
        consent,
        legal_requirement,
        court_order,
        direction,
        overriding_public_interest,
        copi_reg3_public_health,
        ons_official_statistics,
        national_disease_registration,
        patient_survey_before_april_2019,
        non_contracted_invoice_validation,
        nhsbsa_prescription_charges,
        no_nhs_number,
        cag_exempted,
        section_251_standard_condition,
        confidential_information_beyond_individual_care,
    )
)
