"""Who are you: match a claim against the patient index and say where a code could go. Audited."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.masking import mask_email, mask_mobile
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.notifications.messages import ContactMethod
from ndop.domain.online import identity
from ndop.domain.online.guard import (
    BIRTH_LOCKOUT,
    LOOKBACK,
    BirthCheck,
    Failure,
    FailureKind,
    LockReason,
    NumberGuard,
    client_key,
    lock_after_wrong_birth_date,
    may_try_birth_date,
    number_key,
)
from ndop.domain.online.identity import IdentityClaim, MatchStatus
from ndop.domain.registry.patients import Patient
from ndop.services.online.deps import OnlineDeps
from ndop.services.online.lock_notice import Notice, plan_notice, send_notice


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


def find_patient(deps: OnlineDeps, claim: IdentityClaim, client: str = "") -> Match:
    """Match the claim. `client` is the client's address: wrong dates of birth for a number are
    counted per number and client, so one client can hold back only itself (ADR 0045)."""
    registry = deps.registry
    now = registry.clock.now()
    today = now.date()
    by = "nhs_number" if claim.by_nhs_number else "name_postcode_birth"
    notice: Notice | None = None
    with registry.transaction():
        candidates: list[Patient] = []
        guard: NumberGuard | None = None
        found: Patient | None = None
        if not identity.too_young(claim, today):
            # Whether or not anyone has these details, the same row lock, counts and writes: the answer
            # and its timing say nothing about who is registered. The name-and-postcode route is
            # counted too, keyed by what was typed, so it is no way round the per-number ceiling.
            guard = deps.guards.lock(number_key(_guarded(claim), deps.code_key), now - LOOKBACK)
            held = may_try_birth_date(guard, client_key(client, deps.code_key), now)
            if held is not BirthCheck.ALLOWED:
                status = MatchStatus.PAUSED if held is BirthCheck.NUMBER_LOCKED else MatchStatus.HELD
                registry.audit.append(AuditEntry(action=AuditAction.ONLINE_IDENTITY_REFUSED, actor=PATIENT_ONLINE,
                                                 details={"by": by, "reason": held.value}))
                return Match(status)
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
            if guard is not None and status is MatchStatus.NO_MATCH:
                notice = _count_wrong_birth_date(deps, guard, found, client, now)
        else:
            contacts = contact_options(patient)
            registry.audit.append(
                AuditEntry(
                    action=AuditAction.ONLINE_IDENTITY_MATCHED,
                    actor=PATIENT_ONLINE,
                    subject=patient.nhs_number.digits,
                    details={"by": by, "contact_methods": [c.method.value for c in contacts]},
                )
            )
    send_notice(deps, notice)
    if patient is None:
        return Match(status)
    return Match(status, patient.nhs_number, contacts)


def _guarded(claim: IdentityClaim) -> str:
    """What the limits count against: the NHS number, or the name and postcode as typed."""
    if claim.nhs_number is not None:
        return claim.nhs_number.digits
    names = (identity.normalise_name(claim.given_name), identity.normalise_name(claim.family_name))
    return f"name:{names[0]}|{names[1]}|{claim.postcode}"


def _count_wrong_birth_date(
    deps: OnlineDeps, guard: NumberGuard, found: Patient | None, client: str, now: datetime
) -> Notice | None:
    failure = Failure(FailureKind.WRONG_BIRTH_DATE, now, client_key(client, deps.code_key))
    deps.guards.add_failure(guard.key, failure)
    until = lock_after_wrong_birth_date(replace(guard, failures=(*guard.failures, failure)), now)
    if until is None:
        return None
    deps.guards.set_lock(guard.key, until, LockReason.WRONG_BIRTH_DATES.value)
    notice = plan_notice(deps, guard, found, None, now, BIRTH_LOCKOUT)
    deps.registry.audit.append(
        AuditEntry(
            action=AuditAction.ONLINE_LOCKED_OUT,
            actor=PATIENT_ONLINE,
            # Named only when the number is in the index (the attacker cannot see the trail).
            subject=found.nhs_number.digits if found is not None else "",
            details={"reason": LockReason.WRONG_BIRTH_DATES.value, "locked_until": until.isoformat(),
                     "owner_told": notice is not None},
        )
    )
    return notice
