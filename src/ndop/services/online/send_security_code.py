"""Send a security code to a contact detail on the record, within the limits. Audited."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.notifications.messages import ContactMethod, Message, Template
from ndop.domain.online.guard import LOOKBACK, number_key
from ndop.domain.online.security_code import (
    CODE_LIFETIME,
    CODE_WINDOW,
    LOCKOUT,
    Challenge,
    CodeRefused,
    lock_in_force,
    may_send_another,
    new_code,
)
from ndop.services.online.deps import OnlineDeps


def send_security_code(
    deps: OnlineDeps,
    nhs_number: NhsNumber,
    method: ContactMethod,
    *,
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> str:
    """Issue a code and send it; returns the challenge id (kept server-side by the caller).

    Raises CodeRefused (locked_out, too_many_codes, no_contact), having sent nothing.
    """
    registry = deps.registry
    with registry.transaction():
        now = registry.clock.now()
        patient = registry.patients.get(nhs_number)
        to = "" if patient is None else (patient.mobile if method is ContactMethod.SMS else patient.email).strip()
        if not to:
            raise CodeRefused("There is no contact detail of that kind on your record.", code="no_contact")
        # The number's row lock: concurrent requests for one number are counted one after the other,
        # so the limit of codes per window holds however many arrive at once (ADR 0045).
        guard = deps.guards.lock(number_key(nhs_number.digits, deps.code_key), now - LOOKBACK)
        recent = deps.codes.recent(nhs_number, now - max(CODE_WINDOW, LOCKOUT))
        if guard.locked(now) or lock_in_force(recent, now) is not None:
            raise CodeRefused("Too many wrong security codes. Try again later.", code="locked_out")
        refused = not may_send_another(recent, now)
        if refused:
            # Audited and committed (the refusal is raised after the commit): it is worth keeping.
            registry.audit.append(
                AuditEntry(action=AuditAction.ONLINE_SECURITY_CODE_REFUSED, actor=PATIENT_ONLINE,
                           subject=nhs_number.digits, details={"reason": "too_many_codes"})
            )
        else:
            code = new_code(randbelow)
            challenge = Challenge.issue(
                challenge_id=secrets.token_hex(16), nhs_number=nhs_number, method=method, code=code,
                key=deps.code_key, now=now,
            )
            deps.codes.add(challenge)
            registry.audit.append(
                AuditEntry(
                    action=AuditAction.ONLINE_SECURITY_CODE_SENT,
                    actor=PATIENT_ONLINE,
                    subject=nhs_number.digits,
                    details={"method": method.value, "challenge": challenge.id},
                )
            )
    if refused:
        raise CodeRefused("You have asked for too many security codes. Wait 15 minutes.", code="too_many_codes")
    # After the commit: a slow provider must not hold the audit chain's lock.
    minutes = str(int(CODE_LIFETIME.total_seconds() // 60))
    deps.notifier.send(
        Message(method, to, Template.SECURITY_CODE, {"code": code, "minutes": minutes}, reference=challenge.id)
    )
    return challenge.id
