"""Organisations as clients of the check service: their API keys, their limits, the licence terms.

An API key is `ndop_<key id>_<secret>`: the key id (8 characters) finds the row, the secret is
compared with a stored SHA-256. Secrets are 256-bit random values, so a fast hash is enough (a slow
password hash defends guessable secrets; these are not guessable). The whole key is shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from ndop.domain.organisations.accounts import OdsCode, Organisation

KEY_PREFIX: Final = "ndop_"
_KEY: Final = re.compile(r"^ndop_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$")

DEFAULT_REQUESTS_PER_MINUTE: Final = 120
DEFAULT_MAX_REQUEST_BYTES: Final = 100_000_000  # the MESH UI's limit (100 MB)
DEFAULT_INLINE_BYTES: Final = 1_000_000  # larger API bodies become a job, fetched when done

LICENCE_TERMS: Final = (
    "This cleaned list is service data under the National Data Opt-out service licence. "
    "It may only be used to apply national data opt-outs (or where there is a legal or statutory reason), "
    "it must not be added to any patient's record, and it must not be shared with any other organisation "
    "except so that organisation can apply national data opt-outs."
)


@dataclass(frozen=True, slots=True)
class CheckLimits:
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    inline_bytes: int = DEFAULT_INLINE_BYTES

    def __post_init__(self) -> None:
        if self.requests_per_minute < 1 or self.max_request_bytes < 1 or self.inline_bytes < 1:
            raise ValueError("limits must be positive")


@dataclass(frozen=True, slots=True)
class NewApiKey:
    key_id: str
    secret: str
    hash: str

    @property
    def token(self) -> str:
        """The whole key, to show once and never store."""
        return f"{KEY_PREFIX}{self.key_id}_{self.secret}"


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    key_id: str
    ods_code: OdsCode
    label: str
    created_at: datetime
    revoked_at: datetime | None


def key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key() -> NewApiKey:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    key_id = "".join(secrets.choice(alphabet) for _ in range(8))
    secret = secrets.token_urlsafe(32)  # 43 characters, 256 bits
    return NewApiKey(key_id, secret, key_hash(secret))


def split_token(token: str) -> tuple[str, str] | None:
    """(key id, secret) from a presented key, or None when it is not shaped like one of ours."""
    match = _KEY.match(token.strip())
    return None if match is None else (match.group(1), match.group(2))


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(key_hash(secret), stored_hash)


@dataclass(frozen=True, slots=True)
class PresentedKey:
    """What one look-up of a presented key's id finds: its organisation, the secret's hash, the limits."""

    organisation: Organisation
    key_hash: str
    limits: CheckLimits


class CheckClients(Protocol):
    """What the check channels need to know about organisations beyond the directory."""

    def by_mailbox(self, mailbox: str) -> Organisation | None:
        """The active organisation that owns a MESH mailbox."""
        ...

    def with_mailboxes(self) -> list[Organisation]: ...

    def add_key(self, ods_code: OdsCode, key: NewApiKey, *, label: str, at: datetime) -> None: ...

    def key_hash(self, key_id: str) -> tuple[OdsCode, str] | None:
        """(organisation, secret hash) for an unrevoked key; None otherwise."""
        ...

    def presented(self, key_id: str) -> PresentedKey | None:
        """An unrevoked key with its organisation and limits, in one read (every API call asks); None otherwise."""
        ...

    def revoke_key(self, key_id: str, *, at: datetime) -> OdsCode | None:
        """Revoke an unrevoked key; its organisation, or None when there is none such."""
        ...

    def keys(self, ods_code: OdsCode) -> list[ApiKeyInfo]: ...

    def limits(self, ods_code: OdsCode) -> CheckLimits: ...

    def set_limits(self, ods_code: OdsCode, limits: CheckLimits) -> None: ...
