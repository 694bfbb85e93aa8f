"""Organisations' API keys and check limits: issue, revoke, set, and recognise a presented key.

Every change is audited in the same transaction. A key's secret is returned once and never stored.
"""

from __future__ import annotations

from ndop.domain.check.clients import CheckClients, CheckLimits, NewApiKey, new_api_key, secret_matches, split_token
from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.errors import DomainError
from ndop.domain.organisations.accounts import OdsCode, Organisation
from ndop.domain.registry.ports import Registry


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


def authenticate(registry: Registry, clients: CheckClients, token: str) -> Organisation | None:
    """The active organisation a presented API key belongs to, or None. Reads only."""
    found = authenticate_with_limits(clients, token)
    return None if found is None else found[0]


def authenticate_with_limits(clients: CheckClients, token: str) -> tuple[Organisation, CheckLimits] | None:
    """The active organisation a presented API key belongs to, with its check limits, in one read; None
    for a malformed, unknown, revoked or wrong key, or an inactive organisation."""
    parts = split_token(token)
    if parts is None:
        return None
    key_id, secret = parts
    found = clients.presented(key_id)
    if found is None or not secret_matches(secret, found.key_hash):
        return None
    return (found.organisation, found.limits) if found.organisation.active else None
