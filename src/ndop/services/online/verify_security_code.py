"""Check a security code: tries, expiry and lock-out are domain rules; every try is audited."""

from __future__ import annotations

from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.errors import DomainError
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.online.guard import LOCKOUT as NUMBER_LOCKOUT
from ndop.domain.online.guard import LOOKBACK, Failure, FailureKind, LockReason, number_key, wrong_codes
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
from ndop.services.online.lock_notice import Notice, plan_notice, send_notice

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
    notice: Notice | None = None
    with registry.transaction():
        now = registry.clock.now()
        # The number's guard row first, in every use-case: requests for one number queue here (ADR 0045).
        guard = deps.guards.lock(number_key(nhs_number.digits, deps.code_key), now - LOOKBACK)
        challenge = deps.codes.get_for_update(challenge_id)
        if challenge is None or challenge.nhs_number != nhs_number:
            raise UnknownChallenge("Ask for a new security code.")
        lock = guard.locked_until if guard.locked(now) else None
        if lock is None:  # a lock recorded on a code before the per-number guard existed
            lock = lock_in_force(deps.codes.recent(nhs_number, now - LOCKOUT), now)
        result = attempt(challenge, code, key=deps.code_key, now=now, locked_until=lock,
                         wrong_before=wrong_codes(guard, now))
        if result.challenge != challenge:
            deps.codes.save(result.challenge)
        details: dict[str, object] = {"challenge": challenge.id, "tries": result.challenge.tries}
        if result.outcome is Outcome.WRONG or (result.outcome is Outcome.LOCKED_OUT and lock is None):
            # Counted against the number, whichever code it was: a new code does not start again.
            deps.guards.add_failure(guard.key, Failure(FailureKind.WRONG_CODE, now))
            details["wrong_codes"] = result.wrong
        if result.outcome is Outcome.LOCKED_OUT and lock is None:
            until = now + NUMBER_LOCKOUT
            deps.guards.set_lock(guard.key, until, LockReason.WRONG_CODES.value)
            details["locked_until"] = until.isoformat()
            details["reason"] = LockReason.WRONG_CODES.value
            notice = plan_notice(deps, guard, registry.patients.get(nhs_number), challenge.method, now,
                                 NUMBER_LOCKOUT)
            details["owner_told"] = notice is not None
        registry.audit.append(
            AuditEntry(
                action=_ACTIONS[result.outcome], actor=PATIENT_ONLINE, subject=nhs_number.digits, details=details
            )
        )
    send_notice(deps, notice)
    return result
