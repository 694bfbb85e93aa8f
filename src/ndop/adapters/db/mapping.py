"""Between rows and domain objects."""

from __future__ import annotations

from ndop.adapters.db import models as m
from ndop.domain.common.audit import AuditRecord
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.registry.choices import Channel, Choice, ChoiceEvent, Proxy, ProxyRole
from ndop.domain.registry.patients import Gender, Patient


def patient_from_row(row: m.Patient) -> Patient:
    return Patient(
        nhs_number=NhsNumber(row.nhs_number),
        given_name=row.given_name,
        family_name=row.family_name,
        date_of_birth=row.date_of_birth,
        gender=Gender(row.gender),
        postcode=row.postcode,
        lsoa_code=row.lsoa_code,
        gp_practice_code=row.gp_practice_code,
        mobile=row.mobile,
        email=row.email,
        date_of_death=row.date_of_death,
        superseded_by=NhsNumber(row.superseded_by) if row.superseded_by else None,
        sensitive=row.sensitive,
        address_line_1=row.address_line_1,
        address_line_2=row.address_line_2,
        address_line_3=row.address_line_3,
        town=row.town,
    )


def patient_to_row(patient: Patient) -> m.Patient:
    return m.Patient(
        nhs_number=patient.nhs_number.digits,
        given_name=patient.given_name,
        family_name=patient.family_name,
        date_of_birth=patient.date_of_birth,
        gender=int(patient.gender),
        postcode=patient.postcode,
        lsoa_code=patient.lsoa_code,
        gp_practice_code=patient.gp_practice_code,
        mobile=patient.mobile,
        email=patient.email,
        date_of_death=patient.date_of_death,
        superseded_by=patient.superseded_by.digits if patient.superseded_by else "",
        sensitive=patient.sensitive,
        address_line_1=patient.address_line_1,
        address_line_2=patient.address_line_2,
        address_line_3=patient.address_line_3,
        town=patient.town,
    )


def event_from_row(row: m.ChoiceEvent) -> ChoiceEvent:
    proxy = None
    if row.proxy_role:
        proxy = Proxy(
            role=ProxyRole(row.proxy_role),
            name=row.proxy_name,
            evidence_type=row.proxy_evidence_type,
            evidence_reference=row.proxy_evidence_reference,
        )
    return ChoiceEvent(
        sequence=row.sequence,
        nhs_number=NhsNumber(row.nhs_number),
        choice=Choice(row.choice),
        recorded_at=row.recorded_at,
        made_at=row.made_at,
        channel=Channel(row.channel),
        recorded_by=row.recorded_by,
        proxy=proxy,
        case_reference=row.case_reference,
    )


def event_to_row(event: ChoiceEvent) -> m.ChoiceEvent:
    proxy = event.proxy
    return m.ChoiceEvent(
        sequence=event.sequence,
        nhs_number=event.nhs_number.digits,
        choice=event.choice.value,
        recorded_at=event.recorded_at,
        made_at=event.effective_made_at,
        channel=event.channel.value,
        proxy_role=proxy.role.value if proxy else "",
        proxy_name=proxy.name if proxy else "",
        proxy_evidence_type=proxy.evidence_type if proxy else "",
        proxy_evidence_reference=proxy.evidence_reference if proxy else "",
        case_reference=event.case_reference,
        recorded_by=event.recorded_by,
    )


def audit_from_row(row: m.AuditEvent) -> AuditRecord:
    return AuditRecord(
        sequence=row.sequence,
        occurred_at=row.occurred_at,
        action=row.action,
        actor=row.actor,
        subject=row.subject,
        details=row.details,
        previous_hash=row.previous_hash,
        hash=row.hash,
    )
