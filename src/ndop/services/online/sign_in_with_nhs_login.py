"""Someone came back from NHS login: decide where they go, and audit it (ADR 68).

A P9 person whose number is in the index, 13 or over, is verified here (as a right security code
verifies them); anything less falls back to the security-code route or a stop page. A failed or
untrusted sign-in is audited with its reason code only. Nothing NHS login said is kept beyond the
NHS number of someone verified.
"""

from __future__ import annotations

from dataclasses import dataclass

from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.online.nhs_login import LoginOutcome, NhsLoginIdentity, decide, screen
from ndop.domain.registry.ports import Registry
from ndop.services.online.find_patient import ContactOption, contact_options


@dataclass(frozen=True, slots=True)
class NhsLoginResult:
    outcome: LoginOutcome
    nhs_number: NhsNumber | None = None  # only when verified
    contacts: tuple[ContactOption, ...] = ()  # where the confirmation can go (masked), only when verified


def sign_in_with_nhs_login(registry: Registry, identity: NhsLoginIdentity) -> NhsLoginResult:
    today = registry.clock.now().date()
    with registry.transaction():
        number = identity.number
        patient = None if screen(identity) is not None or number is None else registry.patients.get(number)
        outcome = decide(identity, patient, today)
        if outcome is not LoginOutcome.VERIFIED or patient is None:
            # As for a failed match: no subject, so the trail names nobody NHS login could not place here.
            registry.audit.append(AuditEntry(
                action=AuditAction.ONLINE_NHS_LOGIN_NOT_VERIFIED, actor=PATIENT_ONLINE,
                details={"outcome": outcome.value, "proofing_level": identity.proofing_level[:8]},
            ))
            return NhsLoginResult(outcome)
        registry.audit.append(AuditEntry(
            action=AuditAction.ONLINE_NHS_LOGIN_VERIFIED, actor=PATIENT_ONLINE, subject=patient.nhs_number.digits,
            details={"proofing_level": identity.proofing_level},
        ))
    return NhsLoginResult(outcome, patient.nhs_number, contact_options(patient))


def record_nhs_login_failure(registry: Registry, reason: str) -> None:
    """An NHS login sign-in that could not be trusted or finished: the reason code, no subject."""
    with registry.transaction():
        registry.audit.append(AuditEntry(
            action=AuditAction.ONLINE_NHS_LOGIN_FAILED, actor=PATIENT_ONLINE, details={"reason": reason[:60]},
        ))
