"""Look up a person's current choice and history. Every look-up by staff is audited."""

from __future__ import annotations

from dataclasses import dataclass

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.errors import PatientNotFound
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.registry.choices import ChoiceHistory
from ndop.domain.registry.patients import Patient
from ndop.domain.registry.ports import Registry


@dataclass(frozen=True, slots=True)
class ChoiceView:
    patient: Patient
    history: ChoiceHistory


def view_choice(registry: Registry, nhs_number: NhsNumber, *, viewed_by: Actor, purpose: str) -> ChoiceView:
    with registry.transaction():
        patient = registry.patients.get(nhs_number)
        if patient is None:
            raise PatientNotFound("There is no patient with this NHS number in the patient index.")
        history = ChoiceHistory(nhs_number, tuple(registry.choices.history(nhs_number)))
        registry.audit.append(
            AuditEntry(
                action=AuditAction.PATIENT_VIEWED,
                actor=viewed_by,
                subject=nhs_number.digits,
                details={"purpose": purpose},
            )
        )
    return ChoiceView(patient, history)
