"""Django implementations of the online service's ports: codes, the postcode look-up, the outbox."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from django.db.models import Q

from ndop.adapters.db import models as m
from ndop.adapters.db.mapping import patient_from_row
from ndop.domain.common.clock import Clock, SystemClock
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.notifications.messages import ContactMethod, Message
from ndop.domain.online.guard import Failure, FailureKind, NumberGuard
from ndop.domain.online.security_code import Challenge
from ndop.domain.registry.patients import Patient


def _challenge(row: m.SecurityCode) -> Challenge:
    return Challenge(
        id=row.id,
        nhs_number=NhsNumber(row.nhs_number),
        method=ContactMethod(row.method),
        code_hash=row.code_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        tries=row.tries,
        verified_at=row.verified_at,
        locked_until=row.locked_until,
    )


class DjangoSecurityCodeStore:
    def add(self, challenge: Challenge) -> None:
        m.SecurityCode.objects.create(
            id=challenge.id,
            nhs_number=challenge.nhs_number.digits,
            method=challenge.method.value,
            code_hash=challenge.code_hash,
            created_at=challenge.created_at,
            expires_at=challenge.expires_at,
            tries=challenge.tries,
            verified_at=challenge.verified_at,
            locked_until=challenge.locked_until,
        )

    def get_for_update(self, challenge_id: str) -> Challenge | None:
        row = m.SecurityCode.objects.select_for_update().filter(id=challenge_id).first()
        return None if row is None else _challenge(row)

    def save(self, challenge: Challenge) -> None:
        m.SecurityCode.objects.filter(id=challenge.id).update(
            tries=challenge.tries, verified_at=challenge.verified_at, locked_until=challenge.locked_until
        )

    def recent(self, nhs_number: NhsNumber, since: datetime) -> list[Challenge]:
        rows = m.SecurityCode.objects.filter(
            Q(created_at__gt=since) | Q(locked_until__gt=since), nhs_number=nhs_number.digits
        )
        return [_challenge(r) for r in rows]


class DjangoGuardStore:
    """Per-number limits in two tables; the guard row is the lock that orders a number's requests."""

    def lock(self, key: str, since: datetime) -> NumberGuard:
        # INSERT .. ON CONFLICT DO NOTHING: two first requests for a number do not collide; the second
        # waits on the first's row, then both lock the one row (SELECT .. FOR UPDATE on PostgreSQL;
        # SQLite's IMMEDIATE transactions already run writers one at a time).
        m.OnlineGuard.objects.bulk_create([m.OnlineGuard(key=key)], ignore_conflicts=True)
        row = m.OnlineGuard.objects.select_for_update().get(key=key)
        failures = tuple(
            Failure(FailureKind(f.kind), f.at, f.client)
            for f in m.OnlineFailure.objects.filter(key=key, at__gt=since).order_by("at")
        )
        return NumberGuard(key, row.locked_until, row.lock_reason, row.noticed_at, failures)

    def add_failure(self, key: str, failure: Failure) -> None:
        m.OnlineFailure.objects.create(key=key, kind=failure.kind.value, client=failure.client, at=failure.at)

    def set_lock(self, key: str, until: datetime, reason: str) -> None:
        m.OnlineGuard.objects.filter(key=key).update(locked_until=until, lock_reason=reason)

    def set_noticed(self, key: str, at: datetime) -> None:
        m.OnlineGuard.objects.filter(key=key).update(noticed_at=at)


class DjangoPatientFinder:
    def by_postcode_and_birth(self, postcode: str, date_of_birth: date) -> list[Patient]:
        # Stored postcodes may or may not have the space; the domain compares them properly.
        forms = {postcode, postcode.replace(" ", "")}
        rows = m.Patient.objects.filter(postcode__in=forms, date_of_birth=date_of_birth)[:50]
        return [patient_from_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    created_at: datetime
    method: str
    to: str
    subject: str
    body: str
    reference: str = ""


class OutboxNotifier:
    """Keeps messages in a table, with secrets such as the security code masked (ADR 0046): anyone
    reading the database or a backup reads no live code. Readable at a development page in demo mode."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()

    def send(self, message: Message) -> str:
        row = m.OutboxMessage.objects.create(
            created_at=self._clock.now().astimezone(UTC),
            method=message.method.value,
            to=message.to,
            template=message.template.value,
            subject=message.subject,
            body=message.stored_body,
            reference=message.reference,
        )
        return f"outbox-{row.id}"

    def latest(self, limit: int = 50) -> list[OutboxEntry]:
        rows = m.OutboxMessage.objects.order_by("-id")[:limit]
        return [OutboxEntry(r.id, r.created_at, r.method, r.to, r.subject, r.body, r.reference) for r in rows]


DEV_CODE_LINE = "ndop dev notifier: security code for"


class DevNotifier(OutboxNotifier):
    """Development and tests only (refused in production, ADR 0046): the masked outbox, and the
    codes themselves in this process's memory and on its standard error (the terminal of `make run`;
    a benchmark reads them there), so a newcomer can walk the journey. Nothing is stored in clear.
    The line names the outbox row only, never the person or the contact detail."""

    # The message's reference (the challenge id: random, never reused, unlike a row id after the
    # tables are emptied) -> the message as sent; bounded, newest kept.
    _codes: dict[str, str] = {}
    _codes_lock = threading.Lock()  # the web server's threads share it
    _MAX = 1000

    def send(self, message: Message) -> str:
        reference = super().send(message)
        if message.stored_body != message.body and message.reference:
            with self._codes_lock:
                codes = DevNotifier._codes
                codes[message.reference] = message.body
                while len(codes) > self._MAX:
                    codes.pop(next(iter(codes)))
            code = message.personalisation.get("code", "")
            sys.stderr.write(f"{DEV_CODE_LINE} {message.reference} {code}\n")
            sys.stderr.flush()
        return reference

    @classmethod
    def as_sent(cls, reference: str) -> str | None:
        """The body with its code, when this process sent it."""
        with cls._codes_lock:
            return cls._codes.get(reference) if reference else None

    def latest(self, limit: int = 50) -> list[OutboxEntry]:
        return [replace(e, body=self.as_sent(e.reference) or e.body) for e in super().latest(limit)]
