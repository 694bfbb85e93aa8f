"""Who are you: match a claim against the patient index and say where a code could go. Audited."""

from __future__ import annotations

from dataclasses import dataclass

from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.masking import mask_email, mask_mobile
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.notifications.messages import ContactMethod
from ndop.domain.online import identity
from ndop.domain.online.identity import IdentityClaim, MatchStatus
from ndop.domain.registry.patients import Patient
from ndop.services.online.deps import OnlineDeps


@dataclass(frozen=True, slots=True)
class ContactOption:
    method: ContactMethod
    masked: str


@dataclass(frozen=True, slots=True)
class Match:
    status: MatchStatus
    nhs_number: NhsNumber | None = None
    contacts: tuple[ContactOption, ...] = ()


def contact_options(patient: Patient) -> tuple[ContactOption, ...]:
    options = []
    if patient.mobile.strip():
        options.append(ContactOption(ContactMethod.SMS, mask_mobile(patient.mobile)))
    if patient.email.strip():
        options.append(ContactOption(ContactMethod.EMAIL, mask_email(patient.email)))
    return tuple(options)


def find_patient(deps: OnlineDeps, claim: IdentityClaim) -> Match:
    registry = deps.registry
    today = registry.clock.now().date()
    by = "nhs_number" if claim.by_nhs_number else "name_postcode_birth"
    with registry.transaction():
        candidates: list[Patient] = []
        if not identity.too_young(claim, today):
            if claim.nhs_number is not None:
                found = registry.patients.get(claim.nhs_number)
                candidates = [found] if found is not None else []
            else:
                candidates = deps.finder.by_postcode_and_birth(claim.postcode, claim.date_of_birth)
        status, patient = identity.decide(candidates, claim, today)
        if patient is None:
            # No subject: a failed match names nobody, not even in the audit trail.
            registry.audit.append(
                AuditEntry(
                    action=AuditAction.ONLINE_IDENTITY_NOT_MATCHED,
                    actor=PATIENT_ONLINE,
                    details={"by": by, "outcome": status.value},
                )
            )
            return Match(status)
        contacts = contact_options(patient)
        registry.audit.append(
            AuditEntry(
                action=AuditAction.ONLINE_IDENTITY_MATCHED,
                actor=PATIENT_ONLINE,
                subject=patient.nhs_number.digits,
                details={"by": by, "contact_methods": [c.method.value for c in contacts]},
            )
        )
    return Match(status, patient.nhs_number, contacts)
