"""Tell a number's owner that online access was paused for it (ADR 0045)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from ndop.domain.notifications.messages import ContactMethod, Message, Template
from ndop.domain.online.guard import NumberGuard, should_notify
from ndop.domain.registry.patients import Patient
from ndop.services.online.deps import OnlineDeps

log = logging.getLogger("ndop.online")


@dataclass(frozen=True, slots=True)
class Notice:
    method: ContactMethod
    to: str
    minutes: int


def plan_notice(
    deps: OnlineDeps, guard: NumberGuard, patient: Patient | None, prefer: ContactMethod | None,
    now: datetime, lockout: timedelta,
) -> Notice | None:
    """Inside the transaction: decide whether to tell the owner, and mark the guard as noticed."""
    if patient is None or not should_notify(guard, now):
        return None
    contacts = {ContactMethod.SMS: patient.mobile.strip(), ContactMethod.EMAIL: patient.email.strip()}
    order = [prefer] if prefer is not None else []
    order += [ContactMethod.SMS, ContactMethod.EMAIL]
    for method in order:
        if contacts[method]:
            deps.guards.set_noticed(guard.key, now)
            return Notice(method, contacts[method], int(lockout.total_seconds() // 60))
    return None


def send_notice(deps: OnlineDeps, notice: Notice | None) -> None:
    """After the commit. A provider's failure must not undo the lock, nor show the attacker anything."""
    if notice is None:
        return
    try:
        deps.notifier.send(Message(notice.method, notice.to, Template.LOCKED_NOTICE, {"minutes": str(notice.minutes)},
                                   reference="locked-notice"))
    except Exception:  # noqa: BLE001 - logged without the contact detail
        log.warning("the notice of a paused number could not be sent")
