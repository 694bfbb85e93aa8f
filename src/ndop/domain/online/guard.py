"""Limits per NHS number on the online identity check, kept in the database (ADR 0045).

Two kinds of failure are counted against a number, whichever code or session they came from:

- a wrong security code: MAX_WRONG_CODES within WRONG_CODE_WINDOW lock the number out of the
  online service for LOCKOUT. A new code does not reset the count: it is per number, not per code.
- a date of birth that did not match: counted per number *and per client* (a hash of the client
  address). One client is held back for that number after BIRTH_FAILURES_PER_CLIENT in
  BIRTH_WINDOW, which stops nobody else; only BIRTH_FAILURES_PER_NUMBER from many clients within
  BIRTH_WINDOW lock the number, for BIRTH_LOCKOUT. So someone who knows only a number, from one
  address, can lock out only themselves.

Whenever a number is locked its owner is told (at most once per NOTICE_INTERVAL, so the notice
itself cannot be used to flood them), and the locked page always gives the phone route.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

MAX_WRONG_CODES: Final = 5
WRONG_CODE_WINDOW: Final = timedelta(minutes=30)
LOCKOUT: Final = timedelta(minutes=30)

BIRTH_FAILURES_PER_CLIENT: Final = 5
BIRTH_FAILURES_PER_NUMBER: Final = 30
BIRTH_WINDOW: Final = timedelta(minutes=15)
BIRTH_LOCKOUT: Final = timedelta(minutes=30)

NOTICE_INTERVAL: Final = timedelta(hours=24)

# How far back the store must read failures for the rules below.
LOOKBACK: Final = max(WRONG_CODE_WINDOW, BIRTH_WINDOW)


def number_key(digits: str, key: bytes) -> str:
    """The number as the guard tables hold it: keyed, so a leaked table lists no NHS numbers."""
    return hmac.new(key, f"guard:{digits}".encode(), hashlib.sha256).hexdigest()


def client_key(address: str, key: bytes) -> str:
    return hmac.new(key, f"client:{address}".encode(), hashlib.sha256).hexdigest()[:32] if address else ""


class FailureKind(StrEnum):
    WRONG_CODE = "code"
    WRONG_BIRTH_DATE = "birth"


class LockReason(StrEnum):
    WRONG_CODES = "wrong_codes"
    WRONG_BIRTH_DATES = "wrong_birth_dates"


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    at: datetime
    client: str = ""  # a keyed hash of the client address, never the address


@dataclass(frozen=True, slots=True)
class NumberGuard:
    """One NHS number's state: the lock in force (if any) and its recent failures.

    Read under a row lock (one per number), so that two requests for the same number are decided
    one after the other: counts cannot be raced past.
    """

    key: str  # a keyed hash of the NHS number
    locked_until: datetime | None = None
    lock_reason: str = ""
    noticed_at: datetime | None = None
    failures: tuple[Failure, ...] = ()

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


def _count(failures: Iterable[Failure], kind: FailureKind, since: datetime, client: str | None = None) -> int:
    return sum(1 for f in failures if f.kind is kind and f.at > since and (client is None or f.client == client))


def wrong_codes(guard: NumberGuard, now: datetime) -> int:
    """Wrong codes for this number in the window, from every code sent to it."""
    return _count(guard.failures, FailureKind.WRONG_CODE, now - WRONG_CODE_WINDOW)


def code_tries_left(guard: NumberGuard, now: datetime) -> int:
    return max(0, MAX_WRONG_CODES - wrong_codes(guard, now))


def lock_after_wrong_code(guard: NumberGuard, now: datetime) -> datetime | None:
    """The guard already holds the new failure: the end of the lock it triggers, or None."""
    return now + LOCKOUT if wrong_codes(guard, now) >= MAX_WRONG_CODES else None


class BirthCheck(StrEnum):
    ALLOWED = "allowed"
    CLIENT_HELD = "client_held"  # this client has failed too often for this number: only it waits
    NUMBER_LOCKED = "number_locked"


def may_try_birth_date(guard: NumberGuard, client: str, now: datetime) -> BirthCheck:
    # A lock after wrong codes shows at the code steps (the locked-out page), as before: only a lock
    # after wrong dates of birth stops matching.
    if guard.locked(now) and guard.lock_reason == LockReason.WRONG_BIRTH_DATES.value:
        return BirthCheck.NUMBER_LOCKED
    since = now - BIRTH_WINDOW
    if _count(guard.failures, FailureKind.WRONG_BIRTH_DATE, since, client) >= BIRTH_FAILURES_PER_CLIENT:
        return BirthCheck.CLIENT_HELD
    return BirthCheck.ALLOWED


def lock_after_wrong_birth_date(guard: NumberGuard, now: datetime) -> datetime | None:
    """The guard already holds the new failure: the end of the lock it triggers, or None."""
    if _count(guard.failures, FailureKind.WRONG_BIRTH_DATE, now - BIRTH_WINDOW) >= BIRTH_FAILURES_PER_NUMBER:
        return now + BIRTH_LOCKOUT
    return None


def should_notify(guard: NumberGuard, now: datetime) -> bool:
    """Tell the owner about a new lock, but not more than once per NOTICE_INTERVAL."""
    return guard.noticed_at is None or guard.noticed_at <= now - NOTICE_INTERVAL
