"""Four eyes: a second staff member with the approver role verifies a proxy's evidence. Only an approval
puts the choice in the registry; a rejection records the reason and writes to the proxy."""

from __future__ import annotations

from dataclasses import replace

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.contact_centre.cases import (
    Case,
    CaseStatus,
    Decision,
    InvalidCase,
    RejectionReason,
    check_decider,
    check_note,
)
from ndop.domain.contact_centre.ports import ContactCentre
from ndop.domain.contact_centre.staff import StaffRole
from ndop.domain.letters.letters import LetterKind
from ndop.services.registry.record_choice import record_choice
from ndop.services.staff.common import acting, audit
from ndop.services.staff.letters import person_recipient, proxy_recipient, queue_letter


def _pending(unit: ContactCentre, reference: str) -> Case:
    case = unit.cases.get_for_update(reference)
    if case is None:
        raise InvalidCase("There is no case with this reference.", code="case_not_found")
    return case


def pending_approvals(unit: ContactCentre, username: str) -> list[Case]:
    """The cases waiting for a second pair of eyes. Each one listed is a staff view of a person's case (the
    proxy's name and evidence are shown), so each is audited as `case.viewed`, marked as seen on this list."""
    with unit.transaction():
        member = acting(unit, username, StaffRole.APPROVER)
        pending = unit.cases.by_status((CaseStatus.PENDING_APPROVAL,))
        for case in pending:
            audit(unit, AuditAction.CASE_VIEWED, member.actor, case.nhs_number.digits if case.nhs_number else "",
                  case=case.reference, seen_on="approvals")
        return pending


def approve(unit: ContactCentre, username: str, reference: str) -> Case:
    with unit.transaction():
        member = acting(unit, username, StaffRole.APPROVER)
        case = _pending(unit, reference)
        check_decider(case, member)
        event = record_choice(unit, case.choice_request(), recorded_by=Actor.parse(case.created_by))
        case = replace(case, status=CaseStatus.RECORDED, event_sequence=event.sequence,
                       decision=Decision(str(member.actor), unit.clock.now()))
        unit.cases.save(case)
        assert case.nhs_number is not None
        audit(unit, AuditAction.CASE_APPROVED, member.actor, case.nhs_number.digits, case=case.reference,
              sequence=event.sequence, recorded_by=case.created_by)
        patient = unit.patients.get(case.nhs_number)
        assert patient is not None
        queue_letter(unit, case, LetterKind.CHOICE_CONFIRMATION, person_recipient(patient), patient.full_name,
                     choice=case.choice, by_proxy=case.proxy is not None)
        if case.proxy is not None:
            queue_letter(unit, case, LetterKind.CHOICE_CONFIRMATION, proxy_recipient(case.proxy),
                         patient.full_name, choice=case.choice, by_proxy=True)
    return case


def reject(unit: ContactCentre, username: str, reference: str, reason: RejectionReason, note: str = "") -> Case:
    note = check_note(note)
    with unit.transaction():
        member = acting(unit, username, StaffRole.APPROVER)
        case = _pending(unit, reference)
        check_decider(case, member)
        case = replace(case, status=CaseStatus.REJECTED,
                       decision=Decision(str(member.actor), unit.clock.now(), reason.value, note))
        unit.cases.save(case)
        assert case.nhs_number is not None
        audit(unit, AuditAction.CASE_REJECTED, member.actor, case.nhs_number.digits, case=case.reference,
              reason=reason.value)
        patient = unit.patients.get(case.nhs_number)
        assert patient is not None
        if case.proxy is not None:
            queue_letter(unit, case, LetterKind.PROXY_REJECTION, proxy_recipient(case.proxy), patient.full_name,
                         reason=reason.label, by_proxy=True)
    return case
