"""Security codes: the one-time code sent to the contact details on the record (ndop-system.md §1.3).

The sources give no length, expiry or retry limits, so these are ours (ADR 0021, 0045): six digits,
valid for ten minutes; five wrong codes for one NHS number within thirty minutes, from any codes,
lock the number out of the online service for thirty minutes; at most three codes per fifteen
minutes. Codes are stored only as a keyed hash (HMAC-SHA256 over the challenge id and the code)
and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from ndop.domain.common.errors import DomainError
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.notifications.messages import ContactMethod

CODE_LENGTH: Final = 6
CODE_LIFETIME: Final = timedelta(minutes=10)
MAX_TRIES: Final = 5
LOCKOUT: Final = timedelta(minutes=30)
MAX_CODES_PER_WINDOW: Final = 3
CODE_WINDOW: Final = timedelta(minutes=15)


def new_code(randbelow: Callable[[int], int]) -> str:
    """Six digits from a cryptographic source (`secrets.randbelow`), leading zeros kept."""
    return f"{randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def is_well_formed(text: str) -> bool:
    return len(text) == CODE_LENGTH and text.isascii() and text.isdigit()


def normalise_code(text: str) -> str:
    """People paste codes with spaces or hyphens: keep the digits."""
    return "".join(c for c in text if not c.isspace() and c != "-")


def hash_code(code: str, *, challenge_id: str, key: bytes) -> str:
    return hmac.new(key, f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Challenge:
    """One code sent to one contact detail, and what happened to it since."""

    id: str
    nhs_number: NhsNumber
    method: ContactMethod
    code_hash: str
    created_at: datetime
    expires_at: datetime
    tries: int = 0
    verified_at: datetime | None = None
    locked_until: datetime | None = None

    @classmethod
    def issue(
        cls, *, challenge_id: str, nhs_number: NhsNumber, method: ContactMethod, code: str, key: bytes, now: datetime
    ) -> Challenge:
        return cls(
            id=challenge_id,
            nhs_number=nhs_number,
            method=method,
            code_hash=hash_code(code, challenge_id=challenge_id, key=key),
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )

    @property
    def used(self) -> bool:
        return self.verified_at is not None


class Outcome(StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"  # tries remain
    EXPIRED = "expired"  # ask for a new code
    LOCKED_OUT = "locked_out"  # this try used the last one, or the number is already locked
    USED = "used"  # the code was already used: ask for a new one


@dataclass(frozen=True, slots=True)
class Attempt:
    outcome: Outcome
    challenge: Challenge
    wrong: int | None = None  # wrong codes now counted against the number; None: this challenge's tries

    @property
    def tries_left(self) -> int:
        return max(0, MAX_TRIES - (self.challenge.tries if self.wrong is None else self.wrong))


def attempt(
    challenge: Challenge, code: str, *, key: bytes, now: datetime, locked_until: datetime | None,
    wrong_before: int | None = None,
) -> Attempt:
    """Check `code` against the challenge. `locked_until` is the NHS number's lock in force, and
    `wrong_before` the wrong codes already counted against the number from every challenge (ADR 0045);
    without it only this challenge's tries count."""
    if locked_until is not None and locked_until > now:
        return Attempt(Outcome.LOCKED_OUT, challenge)
    if challenge.used:
        return Attempt(Outcome.USED, challenge)
    if now >= challenge.expires_at:
        return Attempt(Outcome.EXPIRED, challenge)
    expected = challenge.code_hash
    given = hash_code(normalise_code(code), challenge_id=challenge.id, key=key)
    if hmac.compare_digest(expected, given):
        return Attempt(Outcome.VERIFIED, replace(challenge, tries=challenge.tries + 1, verified_at=now))
    tries = challenge.tries + 1
    wrong = None if wrong_before is None else wrong_before + 1
    if (tries if wrong is None else wrong) >= MAX_TRIES:
        return Attempt(Outcome.LOCKED_OUT, replace(challenge, tries=tries, locked_until=now + LOCKOUT), wrong)
    return Attempt(Outcome.WRONG, replace(challenge, tries=tries), wrong)


def lock_in_force(challenges: Iterable[Challenge], now: datetime) -> datetime | None:
    """The latest lock-out still running for these challenges (one NHS number's), or None."""
    ends = [c.locked_until for c in challenges if c.locked_until is not None and c.locked_until > now]
    return max(ends, default=None)


def may_send_another(challenges: Iterable[Challenge], now: datetime) -> bool:
    """At most MAX_CODES_PER_WINDOW codes for one NHS number in any CODE_WINDOW."""
    recent = [c for c in challenges if c.created_at > now - CODE_WINDOW]
    return len(recent) < MAX_CODES_PER_WINDOW


class CodeRefused(DomainError):
    """A code may not be sent or tried now. `code`: locked_out, too_many_codes or no_contact."""

    code = "code_refused"
