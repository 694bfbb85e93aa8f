"""The guidance the engine encodes, as data: each exemption, each reason the opt-out applies.

Where it comes from
    National Data Opt-out Operational Policy Guidance Document v4.0, 21 February 2020 (NHS Digital,
    approved by NHSX): ch. 4 "Which organisations does the opt-out apply to?" [S8], ch. 5 "When does
    a national data opt-out apply?" [S2], ch. 6 "When does a national data opt-out not apply?" [S3],
    ch. 7 "Policy considerations for specific organisations or purposes" [S4], Appendix 5
    "Information required by law or court order" [S6]; the public list on nhs.uk, "Where an opt-out
    doesn't apply" [S18]; the guidance for researchers on section 251 [S36]; RCGP "Patient data
    choices" [S43]; the launch and conversion dates [S22, S23]. Tags are those of
    `shared/reference/ndop-system.md` §11; the reading of them is in §5 of that document.
Last reviewed
    23 November 2026 (REVIEWED below), against ndop-system.md §5.1-§5.5 and §7.
Review it
    when the guidance is reissued, when an exemption gains or loses a date, or when the nhs.uk list changes.
    A change here changes decisions: add spec rows (tests/spec/test_policy_table.py) with it, then run
    `ndop policy docs` to regenerate docs/policy-rules.md.

Dates are inclusive: a provision is in force from `in_force_from` to `in_force_until`, both included.
Which flows a provision covers is decided by the rule of the same code in `rules.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

GUIDANCE: Final = "National Data Opt-out Operational Policy Guidance Document v4.0 (21 February 2020)"
REVIEWED: Final = date(2026, 11, 23)

SOURCES: Final[dict[str, tuple[str, str]]] = {
    "S2": (
        "Operational Policy Guidance, 5. When does a national data opt-out apply?",
        "https://digital.nhs.uk/services/national-data-opt-out/operational-policy-guidance-document/"
        "when-does-a-national-data-opt-out-apply",
    ),
    "S3": (
        "Operational Policy Guidance, 6. When does a national data opt-out not apply?",
        "https://digital.nhs.uk/services/national-data-opt-out/operational-policy-guidance-document/"
        "when-does-a-national-data-opt-out-not-apply",
    ),
    "S4": (
        "Operational Policy Guidance, 7. Policy considerations for specific organisations or purposes",
        "https://digital.nhs.uk/services/national-data-opt-out/operational-policy-guidance-document/"
        "policy-considerations-for-specific-organisations-or-purposes",
    ),
    "S6": (
        "Operational Policy Guidance, Appendix 5: Information required by law or court order",
        "https://digital.nhs.uk/services/national-data-opt-out/operational-policy-guidance-document/"
        "appendix-5-information-required-by-law-or-court-order",
    ),
    "S8": (
        "Operational Policy Guidance, 4. Which organisations does the opt-out apply to?",
        "https://digital.nhs.uk/services/national-data-opt-out/operational-policy-guidance-document/"
        "which-organisations-does-the-opt-out-apply-to",
    ),
    "S18": (
        "nhs.uk, Where an opt-out doesn't apply",
        "https://www.nhs.uk/your-nhs-data-matters/manage-your-choice/where-opt-outs-dont-apply/",
    ),
    "S22": (
        "NHS Digital, How opt-outs work",
        "https://digital.nhs.uk/data-and-information/keeping-data-safe-and-benefitting-the-public/"
        "how-we-look-after-your-health-and-care-information/your-information-choices/how-opt-outs-work",
    ),
    "S28": (
        "NHS Digital, Compliance with the national data opt-out",
        "https://digital.nhs.uk/services/national-data-opt-out/compliance-with-the-national-data-opt-out",
    ),
    "S36": (
        "National data opt-out guidance for researchers, 4. Section 251 and the application of opt-outs",
        "https://digital.nhs.uk/services/data-access-request-service-dars/"
        "how-the-national-data-opt-out-affects-data-released-by-nhs-digital/"
        "national-data-opt-out-guidance-for-researchers/"
        "4-section-251-and-the-application-of-national-data-opt-outs",
    ),
    "S38": ("OpenSAFELY documentation, national data opt-outs", "https://github.com/opensafely/documentation"),
    "S43": ("RCGP, Patient data choices", "https://www.rcgp.org.uk/patientdatachoices"),
    "S46": ("NDRS, Opting out of the registers", "https://digital.nhs.uk/ndrs/patients/opting-out"),
}


class Outcome(StrEnum):
    DOES_NOT_APPLY = "does_not_apply"
    APPLIES = "applies"


@dataclass(frozen=True, slots=True)
class Provision:
    """One reason the engine can give. `code` is stable: programs and registers keep it; people see the
    `title` and the `citation`, which names public documents only (never our own reference notes)."""

    code: str
    outcome: Outcome
    title: str
    citation: str
    sources: tuple[str, ...]
    explanation: str
    next_steps: tuple[str, ...] = ()
    in_force_from: date | None = None
    in_force_until: date | None = None
    lapsed_note: str = ""  # said beside a decision for a flow this exemption would cover but for its dates

    def __post_init__(self) -> None:
        unknown = [tag for tag in self.sources if tag not in SOURCES]
        if unknown:
            raise ValueError(f"{self.code}: unknown source tags {unknown}")
        if self.outcome is Outcome.APPLIES and (self.in_force_from or self.in_force_until):
            raise ValueError(f"{self.code}: only exemptions carry dates")

    def in_force_on(self, day: date) -> bool:
        if self.in_force_from is not None and day < self.in_force_from:
            return False
        return self.in_force_until is None or day <= self.in_force_until


def _exempt(
    code: str,
    title: str,
    citation: str,
    sources: tuple[str, ...],
    explanation: str,
    *next_steps: str,
    start: date | None = None,
    until: date | None = None,
    lapsed_note: str = "",
) -> Provision:
    return Provision(
        code, Outcome.DOES_NOT_APPLY, title, citation, sources, explanation, next_steps, start, until, lapsed_note
    )


KEEP_EVIDENCE = "Keep the evidence for this decision with the flow in your register, and review it if the flow changes."

EXEMPTIONS: Final[tuple[Provision, ...]] = (
    _exempt(
        "before_national_data_opt_out",
        "Before the national data opt-out began",
        "NHS Digital, How opt-outs work (the national data opt-out began on 25 May 2018)",
        ("S22",),
        "The national data opt-out began on 25 May 2018. Before then it did not exist; type 2 objections "
        "held by GPs were the mechanism, and they were converted into national data opt-outs.",
        "Check whether the flow continued after 25 May 2018: from then on, decide it again for its later dates.",
        until=date(2018, 5, 24),
    ),
    _exempt(
        "origin_childrens_social_care",
        "Children's social care data",
        "Operational Policy Guidance, chapter 4 (Which organisations does the opt-out apply to?)",
        ("S8",),
        "The opt-out covers data that originates in the health and adult social care system in England. "
        "It does not cover children's social care.",
        KEEP_EVIDENCE,
    ),
    _exempt(
        "origin_outside_england",
        "Data disclosed by providers outside England",
        "Operational Policy Guidance, chapter 4 (Which organisations does the opt-out apply to?)",
        ("S8",),
        "The opt-out covers data that originates in the health and adult social care system in England. "
        "It does not cover data disclosed by providers outside England.",
        KEEP_EVIDENCE,
    ),
    _exempt(
        "individual_care",
        "Individual care",
        "nhs.uk, Where an opt-out doesn't apply; Operational Policy Guidance, chapters 5 and 6",
        ("S18", "S3"),
        "The data is used for the patient's own individual care and treatment. The opt-out only covers uses "
        "beyond individual care, such as research and planning.",
        "Share only what the patient's care needs, under your usual duty of confidentiality.",
    ),
    _exempt(
        "anonymised",
        "Anonymised data",
        "nhs.uk, Where an opt-out doesn't apply; Operational Policy Guidance, chapter 6; "
        "National data opt-out guidance for researchers",
        ("S18", "S3", "S36"),
        "The data is anonymised in line with the ICO anonymisation code, so it is not confidential patient "
        "information and nobody can be identified from it.",
        "Keep the record of how the data was anonymised (your anonymisation assessment).",
    ),
    _exempt(
        "aggregate",
        "Aggregate data (numbers only)",
        "nhs.uk, Where an opt-out doesn't apply; Operational Policy Guidance, chapter 6",
        ("S18", "S3"),
        "The data is aggregate counts that cannot identify anyone, so it is not confidential patient information.",
        "Check that small numbers are suppressed so that the counts cannot identify anyone.",
    ),
    _exempt(
        "pseudonymised_not_identifiable",
        "Pseudonymised data the recipient cannot re-identify",
        "Operational Policy Guidance, chapter 5 (confidential patient information); RCGP, Patient data choices",
        ("S43",),
        "The data is pseudonymised and the recipient cannot re-identify anyone from it or from other data it "
        "is likely to hold, so it is not confidential patient information to that recipient.",
        "Keep the agreement that stops the recipient re-identifying the data, and check it still holds.",
    ),
    _exempt(
        "consent",
        "The patient consented",
        "nhs.uk, Where an opt-out doesn't apply; Operational Policy Guidance, section 6.1; "
        "National data opt-out guidance for researchers",
        ("S18", "S3", "S36"),
        "The patient has given consent for this specific use, such as a research study. Consent overrides the "
        "opt-out for that use.",
        "Keep the record of each patient's consent for this use.",
    ),
    _exempt(
        "legal_requirement",
        "A legal requirement",
        "nhs.uk, Where an opt-out doesn't apply; Operational Policy Guidance, Appendix 5",
        ("S18", "S6"),
        "The law requires the information to be provided (for example CQC powers, NHS Counter Fraud, "
        "fitness-to-practise investigations, coroners, notifiable diseases).",
        "Record the statute or regulation that requires the disclosure.",
    ),
    _exempt(
        "court_order",
        "A court order",
        "nhs.uk, Where an opt-out doesn't apply; Operational Policy Guidance, Appendix 5",
        ("S18", "S6"),
        "A court has ordered the information to be provided.",
        "Keep a copy of the order and disclose only what it asks for.",
    ),
    _exempt(
        "direction",
        "A Direction or data provision notice to NHS England",
        "Operational Policy Guidance, Appendix 5; "
        "NHS Digital, Compliance with the national data opt-out (Health and Social Care Act 2012)",
        ("S6", "S28"),
        "NHS England (formerly NHS Digital) collects the data under a Direction or a data provision notice, "
        "which makes providing it a legal requirement.",
        "Record the Direction or notice the collection is made under.",
    ),
    _exempt(
        "overriding_public_interest",
        "An overriding public interest",
        "nhs.uk, Where an opt-out doesn't apply; Operational Policy Guidance, section 6.3",
        ("S18", "S3"),
        "There is an overriding public interest in the disclosure. This must be the result of a positive "
        "public interest test.",
        "Record the public interest test and who made the decision (for example your Caldicott Guardian).",
    ),
    _exempt(
        "copi_reg3_public_health",
        "Communicable disease and risks to public health (COPI regulation 3)",
        "nhs.uk, Where an opt-out doesn't apply; Operational Policy Guidance, section 6.2",
        ("S18", "S3", "S38"),
        "The data is disclosed under regulation 3 of the Health Service (Control of Patient Information) "
        "Regulations 2002 to manage communicable diseases and other risks to public health (including the "
        "COVID-19 notices).",
        "Record the regulation 3 notice or the public health purpose the disclosure serves.",
    ),
    _exempt(
        "ons_official_statistics",
        "The Office for National Statistics, for official statistics",
        "nhs.uk, Where an opt-out doesn't apply; Operational Policy Guidance, chapter 6",
        ("S18", "S3"),
        "The information is given to the Office for National Statistics for official statistics, such as the census.",
        KEEP_EVIDENCE,
    ),
    _exempt(
        "national_disease_registration",
        "National disease registration (cancer, congenital anomalies, rare diseases)",
        "nhs.uk, Where an opt-out doesn't apply; Operational Policy Guidance, chapter 6",
        ("S18", "S3", "S46"),
        "The data goes to the National Disease Registration Service for the cancer registry or the congenital "
        "anomalies and rare diseases registry. The registries run their own, separate opt-out.",
        "Tell patients who ask that the registries have their own opt-out, separate from the national data opt-out.",
    ),
    _exempt(
        "patient_survey_before_april_2019",
        "National patient experience surveys sent before April 2019",
        "nhs.uk, Where an opt-out doesn't apply",
        ("S18",),
        "National patient experience surveys sent out before 1 April 2019 are exempt from the opt-out.",
        KEEP_EVIDENCE,
        until=date(2019, 3, 31),
        lapsed_note="The exemption for national patient experience surveys covers only surveys sent out before "
        "1 April 2019; it does not cover this one.",
    ),
    _exempt(
        "non_contracted_invoice_validation",
        "Non-contracted invoice validation",
        "Operational Policy Guidance, section 7.1 (payments and invoice validation)",
        ("S4",),
        "The opt-out does not apply to invoice validation for activity that is not covered by a contract.",
        "Use anonymised data where you can; use only what invoice validation needs.",
    ),
    _exempt(
        "nhsbsa_prescription_charges",
        "Prescription charge payments to the NHS Business Services Authority",
        "Operational Policy Guidance, section 7.1; regulation 18A, NHS (Pharmaceutical Services, Charges and "
        "Prescribing) (Amendment) Regulations 2018",
        ("S4",),
        "Data disclosed to the NHS Business Services Authority for prescription charge payment under "
        "regulation 18A is exempt from the opt-out.",
        KEEP_EVIDENCE,
    ),
    _exempt(
        "no_nhs_number",
        "No NHS number without disproportionate effort",
        "nhs.uk, Where an opt-out doesn't apply",
        ("S18",),
        "The data does not contain NHS numbers, and getting them would take disproportionate effort, so the "
        "opt-out cannot be applied to it.",
        "Record why finding the NHS numbers would take disproportionate effort; look again if they become available.",
    ),
    _exempt(
        "cag_exempted",
        "Section 251 support that sets the opt-out aside",
        "Operational Policy Guidance, section 5.1 (the CAG standard condition); "
        "National data opt-out guidance for researchers",
        ("S2", "S36"),
        "The section 251 support for this flow says the national data opt-out need not be applied. In "
        "exceptional cases the Confidentiality Advisory Group advises this.",
        "Keep a copy of the section 251 approval letter or the published CAG minutes that say the opt-out does "
        "not apply: it is your responsibility to have seen it.",
        "Apply any alternative opt-out the approval sets as a condition.",
    ),
)

APPLY_STEPS: Final = (
    "Send the NHS numbers to the Check for National Data Opt-outs service (or use a compliant cache or "
    "your GP system's function) before you use or disclose the data.",
    "Use or disclose only the records whose NHS numbers come back.",
    "Keep the data from the check separate from patient records, and check again for each new release.",
    "Say in your privacy notice that you apply the national data opt-out to this flow.",
)

APPLIES: Final[tuple[Provision, ...]] = (
    Provision(
        "section_251_standard_condition",
        Outcome.APPLIES,
        "Section 251 support with the standard condition",
        "Operational Policy Guidance, section 5.1; National data opt-out guidance for researchers",
        ("S2", "S36"),
        "The flow relies on section 251 support (COPI regulation 2 or 5). Its standard condition is that the "
        "wishes of patients who have withheld or withdrawn their consent are respected, so the opt-out applies.",
        APPLY_STEPS,
    ),
    Provision(
        "confidential_information_beyond_individual_care",
        Outcome.APPLIES,
        "Confidential patient information used beyond individual care",
        "Operational Policy Guidance, chapter 5 (When does a national data opt-out apply?)",
        ("S2", "S43"),
        "The flow uses confidential patient information from the health and adult social care system in England "
        "for a purpose beyond individual care, and no exemption covers it, so the opt-out applies.",
        APPLY_STEPS,
    ),
)

PROVISIONS: Final[dict[str, Provision]] = {p.code: p for p in (*EXEMPTIONS, *APPLIES)}
