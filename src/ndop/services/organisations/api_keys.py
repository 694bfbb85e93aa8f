"""Organisations' API keys and check limits: issue, revoke, set, and recognise a presented key.

Every change is audited in the same transaction. A key's secret is returned once and never stored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final

from ndop.domain.check.clients import (
    CheckClients,
    CheckLimits,
    NewApiKey,
    key_hash,
    new_api_key,
    secret_matches,
    split_token,
)
from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.errors import DomainError
from ndop.domain.organisations.accounts import OdsCode, Organisation
from ndop.domain.registry.ports import Registry

KEY_CACHE_SECONDS: Final = 2.0
KEY_CACHE_SIZE: Final = 1024


class RecentKeys:
    """API keys this process verified in the last `seconds` (ADR 92): every call of a busy client is
    recognised without a read. Held by the key id and the SHA-256 of the secret, as the database holds
    them (never the secret), so only the same whole key finds an entry: a wrong secret is a miss, and is
    refused by the read. A revocation, a change of limits, or an organisation made inactive reaches a
    process within `seconds`, and at once in the process that made it (`forget`). Unknown keys are never
    held: every failure is a read."""

    def __init__(self, seconds: float = KEY_CACHE_SECONDS, *, now: Callable[[], float] = time.monotonic,
                 size: int = KEY_CACHE_SIZE) -> None:
        self._seconds, self._now, self._size = seconds, now, size
        self._entries: dict[tuple[str, str], tuple[float, Organisation, CheckLimits]] = {}
        self._mutex = threading.Lock()

    def found(self, key_id: str, secret: str) -> tuple[Organisation, CheckLimits] | None:
        entry = self._entries.get((key_id, key_hash(secret)))
        if entry is None or entry[0] <= self._now():
            return None
        return entry[1], entry[2]

    def remember(self, key_id: str, secret: str, organisation: Organisation, limits: CheckLimits) -> None:
        with self._mutex:
            if len(self._entries) >= self._size:
                self._entries.clear()  # many keys at once: start again rather than keep a bigger table
            self._entries[(key_id, key_hash(secret))] = (self._now() + self._seconds, organisation, limits)

    def forget(self) -> None:
        with self._mutex:
            self._entries.clear()


# This process's keys: the API asks through it; revoking a key or setting limits here forgets them all.
RECENT_KEYS: Final = RecentKeys()


class UnknownOrganisation(DomainError):
    code = "unknown_organisation"


def _require(registry: Registry, ods_code: OdsCode) -> Organisation:
    organisation = registry.organisations.get(ods_code)
    if organisation is None:
        raise UnknownOrganisation(f"No organisation has ODS code {ods_code}. Register it first with `ndop org add`.")
    return organisation


def issue_api_key(registry: Registry, clients: CheckClients, ods_code: OdsCode, *, label: str = "",
                  by: Actor) -> NewApiKey:
    with registry.transaction():
        _require(registry, ods_code)
        key = new_api_key()
        clients.add_key(ods_code, key, label=label[:100], at=registry.clock.now())
        registry.audit.append(
            AuditEntry(action=AuditAction.ORGANISATION_API_KEY_ISSUED, actor=by, subject=ods_code.value,
                       details={"key_id": key.key_id, "label": label[:100]})
        )
    return key


def revoke_api_key(registry: Registry, clients: CheckClients, key_id: str, *, by: Actor) -> OdsCode:
    """Revoke a key at once; returns its organisation."""
    with registry.transaction():
        ods_code = clients.revoke_key(key_id, at=registry.clock.now())
        if ods_code is None:
            raise DomainError(f"There is no active API key {key_id}. `ndop org key list ODS` lists them.",
                              code="unknown_key")
        registry.audit.append(
            AuditEntry(action=AuditAction.ORGANISATION_API_KEY_REVOKED, actor=by, subject=ods_code.value,
                       details={"key_id": key_id})
        )
    RECENT_KEYS.forget()
    return ods_code


def set_check_limits(registry: Registry, clients: CheckClients, ods_code: OdsCode, limits: CheckLimits, *,
                     by: Actor) -> None:
    with registry.transaction():
        _require(registry, ods_code)
        clients.set_limits(ods_code, limits)
        registry.audit.append(
            AuditEntry(
                action=AuditAction.ORGANISATION_CHECK_LIMITS_SET,
                actor=by,
                subject=ods_code.value,
                details={"requests_per_minute": limits.requests_per_minute,
                         "max_request_bytes": limits.max_request_bytes, "inline_bytes": limits.inline_bytes},
            )
        )
    RECENT_KEYS.forget()


def authenticate(registry: Registry, clients: CheckClients, token: str) -> Organisation | None:
    """The active organisation a presented API key belongs to, or None. Reads only."""
    found = authenticate_with_limits(clients, token)
    return None if found is None else found[0]


def authenticate_with_limits(clients: CheckClients, token: str, *,
                             recent: RecentKeys | None = None) -> tuple[Organisation, CheckLimits] | None:
    """The active organisation a presented API key belongs to, with its check limits, in one read (none
    when `recent` verified the same key moments ago); None for a malformed, unknown, revoked or wrong key,
    or an inactive organisation."""
    parts = split_token(token)
    if parts is None:
        return None
    key_id, secret = parts
    if recent is not None and (hit := recent.found(key_id, secret)) is not None:
        return hit
    found = clients.presented(key_id)
    if found is None or not secret_matches(secret, found.key_hash) or not found.organisation.active:
        return None
    if recent is not None:
        recent.remember(key_id, secret, found.organisation, found.limits)
    return found.organisation, found.limits
