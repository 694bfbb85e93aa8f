"""By post or email (`PP`): each form received becomes a case; the agent then records it (the details on
the form match the record), sends it for approval (a form from someone else), or closes it as "cannot
match" with the reason and a letter."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.errors import PatientNotFound
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.contact_centre.cases import (
    ActingFor,
    CannotMatchReason,
    Case,
    CaseStatus,
    Decision,
    InvalidCase,
    QueueEntry,
    StatedDetails,
    check_note,
    check_reference,
    check_signed_and_received,
    form_mismatches,
    postal_queue,
)
from ndop.domain.contact_centre.evidence import ProxyDetails
from ndop.domain.contact_centre.ports import ContactCentre
from ndop.domain.contact_centre.staff import StaffRole
from ndop.domain.letters.letters import Letter, LetterKind, Recipient
from ndop.domain.registry import eligibility
from ndop.domain.registry.choices import Channel, Choice, ChoiceHistory
from ndop.services.registry.record_choice import record_choice
from ndop.services.staff.common import acting, audit
from ndop.services.staff.letters import person_recipient, proxy_recipient, queue_letter


def signed_at(day: date) -> datetime:
    """A form carries the day it was signed, not the time: the start of that day (UTC), so that a choice
    made online later the same day or after is the later expression of will."""
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def receive_form(
    unit: ContactCentre, username: str, *, received_on: date, signed_on: date, scanned_reference: str,
    choice: Choice, stated: StatedDetails, acting_for: ActingFor = ActingFor.SELF,
    proxy: ProxyDetails | None = None, submitted_by: str = "", note: str = "",
) -> Case:
    """A form arrives: an open case in the postal queue."""
    scanned = check_reference(scanned_reference, "scanned form reference")
    note = check_note(note)
    if (acting_for is ActingFor.PROXY) != (proxy is not None):
        # The FHIR rule: a consenting party or a proxy role, never both, never neither.
        raise InvalidCase("A form from a proxy needs the proxy's details; a form for oneself has none.",
                          code="proxy_xor")
    if acting_for is ActingFor.DETAINED_ESTATE and not submitted_by.strip():
        raise InvalidCase("Enter the healthcare professional who completed the Detained and Secure Estate form.",
                          code="submitted_by")
    if not stated.family_name.strip() or not stated.given_name.strip():
        raise InvalidCase("Enter the person's names as written on the form.", code="stated_name")
    with unit.transaction():
        member = acting(unit, username, StaffRole.AGENT)
        check_signed_and_received(signed_on, received_on, unit.clock.now().date())
        case = unit.cases.add(Case(
            reference="", channel=Channel.PAPER, status=CaseStatus.OPEN, acting_for=acting_for,
            created_at=unit.clock.now(), created_by=str(member.actor), choice=choice, made_at=signed_at(signed_on),
            received_on=received_on, scanned_reference=scanned, stated=stated, proxy=proxy,
            submitted_by=proxy.name if proxy else " ".join(submitted_by.split()), note=note,
        ))
        audit(unit, AuditAction.CASE_OPENED, member.actor, "", case=case.reference, channel="PP",
              acting_for=acting_for.value)
    return case


def _open_case(unit: ContactCentre, reference: str) -> Case:
    case = unit.cases.get_for_update(reference)
    if case is None:
        raise InvalidCase("There is no case with this reference.", code="case_not_found")
    if case.status is not CaseStatus.OPEN:
        raise InvalidCase("This form has already been processed.", code="case_closed")
    return case


def process_form(unit: ContactCentre, username: str, reference: str, nhs_number: NhsNumber) -> Case:
    """Match the form to `nhs_number`'s record. A form for oneself is recorded when every detail matches;
    a form from someone else goes to an approver. Refuses, changing nothing, when details differ."""
    with unit.transaction():
        member = acting(unit, username, StaffRole.AGENT)
        case = _open_case(unit, reference)
        patient = unit.patients.get(nhs_number)
        if patient is None:
            raise PatientNotFound("There is no patient with this NHS number in the patient index. Check the number.")
        assert case.stated is not None
        problems = form_mismatches(patient, case.stated)
        if problems:
            raise InvalidCase(
                f"The {', '.join(problems)} on the form do not match the record. Check again, or close the "
                "case as cannot match.", code="details_differ",
            )
        case = replace(case, nhs_number=nhs_number, status=CaseStatus.PENDING_APPROVAL)
        eligibility.check(patient, case.choice_request(), unit.clock.now().date())
        audit(unit, AuditAction.CASE_MATCHED, member.actor, nhs_number.digits, case=case.reference)
        if case.needs_approval:
            unit.cases.save(case)
            return case
        event = record_choice(unit, case.choice_request(), recorded_by=member.actor)
        case = replace(case, status=CaseStatus.RECORDED, event_sequence=event.sequence,
                       decision=Decision(str(member.actor), unit.clock.now()))
        unit.cases.save(case)
        queue_letter(unit, case, LetterKind.CHOICE_CONFIRMATION, person_recipient(patient), patient.full_name,
                     choice=case.choice)
    return case


def close_cannot_match(
    unit: ContactCentre, username: str, reference: str, reason: CannotMatchReason, note: str = ""
) -> Case:
    """Close a form that matches nobody; a letter goes to the address on the form (the proxy's for a proxy)."""
    note = check_note(note)
    with unit.transaction():
        member = acting(unit, username, StaffRole.AGENT)
        case = _open_case(unit, reference)
        case = replace(case, status=CaseStatus.CANNOT_MATCH,
                       decision=Decision(str(member.actor), unit.clock.now(), reason.value, note))
        unit.cases.save(case)
        audit(unit, AuditAction.CASE_CANNOT_MATCH, member.actor, "", case=case.reference, reason=reason.value)
        assert case.stated is not None
        if case.proxy is not None:
            recipient = proxy_recipient(case.proxy)
        else:
            recipient = Recipient(f"{case.stated.given_name} {case.stated.family_name}", case.stated.address_lines,
                                  case.stated.postcode)
        about = f"{case.stated.given_name} {case.stated.family_name}"
        queue_letter(unit, case, LetterKind.CANNOT_MATCH, recipient, about, reason=reason.label,
                     by_proxy=case.proxy is not None)
    return case


def queue_for(unit: ContactCentre, username: str) -> list[QueueEntry]:
    """Open postal cases by age against the 14-day target, overdue first."""
    with unit.transaction():
        acting(unit, username, StaffRole.AGENT)
        cases = unit.cases.by_status((CaseStatus.OPEN, CaseStatus.PENDING_APPROVAL), Channel.PAPER)
        today = unit.clock.now().date()
    return postal_queue(cases, today)


@dataclass(frozen=True, slots=True)
class CaseView:
    """A postal case as the agent sees it: the form, its letters, and (once recorded) the person's current
    choice, which differs from the form's when a later choice stands."""

    case: Case
    letters: tuple[Letter, ...]
    current_choice: Choice | None

    @property
    def overridden(self) -> bool:
        """Recorded, but a later expression of will is the current choice."""
        return (self.case.status is CaseStatus.RECORDED and self.current_choice is not None
                and self.current_choice is not self.case.choice)


def view_case(unit: ContactCentre, username: str, reference: str) -> CaseView:
    """Open a postal case (the staff view is audited: the form holds a person's details)."""
    with unit.transaction():
        member = acting(unit, username, StaffRole.AGENT)
        case = unit.cases.get(reference)
        if case is None or case.channel is not Channel.PAPER:
            raise InvalidCase("There is no postal case with this reference.", code="case_not_found")
        current = None
        if case.nhs_number is not None and case.status is CaseStatus.RECORDED:
            current = ChoiceHistory(case.nhs_number, tuple(unit.choices.history(case.nhs_number))).current_choice
        letters = tuple(unit.letters.listed(case_reference=case.reference))
        audit(unit, AuditAction.CASE_VIEWED, member.actor, case.nhs_number.digits if case.nhs_number else "",
              case=case.reference)
    return CaseView(case, letters, current)
