"""Find a person and open their record. A trace returns at most a few candidates and shows nothing of
their choice; opening a record asks for the reason and audits it. Nothing lists the registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.errors import DomainError, PatientNotFound
from ndop.domain.common.masking import mask_email, mask_mobile
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.contact_centre.cases import Case, InvalidCase
from ndop.domain.contact_centre.evidence import normalise_postcode
from ndop.domain.contact_centre.ports import ContactCentre
from ndop.domain.contact_centre.staff import StaffRole
from ndop.domain.registry.choices import ChoiceHistory
from ndop.domain.registry.patients import Patient
from ndop.services.staff.common import acting, audit

MAX_CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class Candidate:
    """Enough to pick the right person from a short list, before the record is opened."""

    nhs_number: NhsNumber
    name: str
    date_of_birth: date
    postcode: str


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """What an agent needs to confirm identity, the current choice and the full history."""

    patient: Patient
    history: ChoiceHistory
    cases: tuple[Case, ...]
    masked_mobile: str
    masked_email: str
    age: int
    deceased: bool


def trace(unit: ContactCentre, username: str, family_name: str, date_of_birth: date, postcode: str) -> list[Candidate]:
    name = " ".join(family_name.split())
    if not name or len(name) > 100:
        raise InvalidCase("Enter the person's family name.", code="family_name")
    try:
        code = normalise_postcode(postcode)
    except DomainError:
        raise InvalidCase("Enter a real postcode, like LS1 4AP.", code="postcode") from None
    with unit.transaction():
        member = acting(unit, username, StaffRole.AGENT)
        found = unit.trace.trace(name, date_of_birth, code, MAX_CANDIDATES + 1)
        # The details searched for are not written to the trail: they are personal data.
        audit(unit, AuditAction.STAFF_PERSON_TRACED, member.actor, "", candidates=min(len(found), MAX_CANDIDATES))
    if len(found) > MAX_CANDIDATES:
        raise InvalidCase("Too many people match these details. Search by NHS number instead.",
                          code="too_many_candidates")
    return [Candidate(p.nhs_number, p.full_name, p.date_of_birth, p.postcode) for p in found]


def check_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if len(text) < 3 or len(text) > 200:
        raise InvalidCase(
            "Enter why you are opening this record: the call, letter, complaint or case reference "
            "(3 to 200 characters).",
            code="reason",
        )
    return text


def open_record(unit: ContactCentre, username: str, nhs_number: NhsNumber, reason: str) -> PersonRecord:
    """The person's record, the view audited with its reason (it then appears in their history)."""
    why = check_reason(reason)
    with unit.transaction():
        member = acting(unit, username, StaffRole.AGENT)
        patient = unit.patients.get(nhs_number)
        if patient is None:
            raise PatientNotFound("There is no patient with this NHS number in the patient index. Check the number.")
        history = ChoiceHistory(nhs_number, tuple(unit.choices.history(nhs_number)))
        cases = tuple(unit.cases.for_person(nhs_number.digits))
        audit(unit, AuditAction.PATIENT_VIEWED, member.actor, nhs_number.digits, purpose=why, channel="staff_portal")
        today = unit.clock.now().date()
    return PersonRecord(
        patient, history, cases, mask_mobile(patient.mobile) if patient.mobile else "",
        mask_email(patient.email) if patient.email else "", patient.age_on(today), patient.is_deceased_on(today),
    )
