"""Check a security code: tries, expiry and lock-out are domain rules; every try is audited."""

from __future__ import annotations

from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.errors import DomainError
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.online.security_code import (
    LOCKOUT,
    Attempt,
    Outcome,
    attempt,
    is_well_formed,
    lock_in_force,
    normalise_code,
)
from ndop.services.online.deps import OnlineDeps

_ACTIONS = {
    Outcome.VERIFIED: AuditAction.ONLINE_SECURITY_CODE_VERIFIED,
    Outcome.WRONG: AuditAction.ONLINE_SECURITY_CODE_WRONG,
    Outcome.EXPIRED: AuditAction.ONLINE_SECURITY_CODE_EXPIRED,
    Outcome.LOCKED_OUT: AuditAction.ONLINE_LOCKED_OUT,
    Outcome.USED: AuditAction.ONLINE_SECURITY_CODE_REUSED,
}


class UnknownChallenge(DomainError):
    code = "unknown_challenge"


def verify_security_code(deps: OnlineDeps, challenge_id: str, nhs_number: NhsNumber, code: str) -> Attempt:
    """Try `code`. A code that is not six digits is refused by the caller before it costs a try."""
    if not is_well_formed(normalise_code(code)):
        raise ValueError("a security code is 6 digits")
    registry = deps.registry
    with registry.transaction():
        now = registry.clock.now()
        challenge = deps.codes.get_for_update(challenge_id)
        if challenge is None or challenge.nhs_number != nhs_number:
            raise UnknownChallenge("Ask for a new security code.")
        lock = lock_in_force(deps.codes.recent(nhs_number, now - LOCKOUT), now)
        result = attempt(challenge, code, key=deps.code_key, now=now, locked_until=lock)
        if result.challenge != challenge:
            deps.codes.save(result.challenge)
        details: dict[str, object] = {"challenge": challenge.id, "tries": result.challenge.tries}
        if result.outcome is Outcome.LOCKED_OUT and lock is None and result.challenge.locked_until is not None:
            details["locked_until"] = result.challenge.locked_until.isoformat()
        registry.audit.append(
            AuditEntry(
                action=_ACTIONS[result.outcome], actor=PATIENT_ONLINE, subject=nhs_number.digits, details=details
            )
        )
    return result
