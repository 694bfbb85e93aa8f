"""By phone (`CC`): the agent confirms the caller's identity and records the choice. For the person
themself (13 or over) it enters the registry at once; for a proxy it waits for an approver."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.errors import PatientNotFound
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.contact_centre.cases import (
    ActingFor,
    Case,
    CaseStatus,
    IdentityDetail,
    check_identity,
    check_note,
    check_reference,
)
from ndop.domain.contact_centre.evidence import ProxyDetails
from ndop.domain.contact_centre.ports import ContactCentre
from ndop.domain.contact_centre.staff import StaffRole
from ndop.domain.letters.letters import LetterKind
from ndop.domain.registry import eligibility
from ndop.domain.registry.choices import Channel, Choice
from ndop.services.registry.record_choice import record_choice
from ndop.services.staff.common import acting, audit
from ndop.services.staff.letters import person_recipient, queue_letter


def record_phone_choice(
    unit: ContactCentre, username: str, nhs_number: NhsNumber, choice: Choice, *,
    identity_confirmed: frozenset[IdentityDetail], nic_reference: str, note: str = "",
    proxy: ProxyDetails | None = None, called_at: datetime | None = None,
) -> Case:
    """A call's choice: recorded (self) or pending approval (proxy). Refused, changing nothing, when the
    identity was not confirmed, a reference is missing, or the domain's eligibility rules say no."""
    check_identity(identity_confirmed)
    nic = check_reference(nic_reference, "NIC reference")
    note = check_note(note)
    with unit.transaction():
        member = acting(unit, username, StaffRole.AGENT)
        patient = unit.patients.get(nhs_number)
        if patient is None:
            raise PatientNotFound("There is no patient with this NHS number in the patient index. Check the number.")
        now = unit.clock.now()
        case = Case(
            reference="", channel=Channel.CONTACT_CENTRE, status=CaseStatus.PENDING_APPROVAL,
            acting_for=ActingFor.SELF if proxy is None else ActingFor.PROXY, created_at=now,
            created_by=str(member.actor),
            nhs_number=nhs_number, choice=choice, made_at=called_at or now, nic_reference=nic,
            identity_confirmed=identity_confirmed, proxy=proxy, note=note,
            submitted_by="" if proxy is None else proxy.name,
        )
        # Refuse early what could never be approved (POA for a child, GUARDIAN for a 13-year-old, the dead).
        eligibility.check(patient, case.choice_request(), now.date())
        case = unit.cases.add(case)
        audit(unit, AuditAction.CASE_OPENED, member.actor, nhs_number.digits, case=case.reference, channel="CC",
              acting_for=case.acting_for.value, identity=sorted(d.value for d in identity_confirmed))
        if case.needs_approval:
            return case
        event = record_choice(unit, case.choice_request(), recorded_by=member.actor)
        case = replace(case, status=CaseStatus.RECORDED, event_sequence=event.sequence)
        unit.cases.save(case)
        queue_letter(unit, case, LetterKind.CHOICE_CONFIRMATION, person_recipient(patient), patient.full_name,
                     choice=choice)
    return case
