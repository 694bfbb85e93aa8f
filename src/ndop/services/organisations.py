"""Register organisations that check opt-outs, issue and revoke their API keys, set their limits.

Every change is audited in the same transaction. A key's secret is returned once and never stored.
"""

from __future__ import annotations

from ndop.domain.audit import AuditEntry
from ndop.domain.errors import DomainError
from ndop.domain.organisations import (
    CheckLimits,
    NewApiKey,
    Organisation,
    OrganisationDirectory,
    new_api_key,
    secret_matches,
    split_token,
)
from ndop.domain.ports import Registry


class UnknownOrganisation(DomainError):
    code = "unknown_organisation"


def register_organisation(registry: Registry, directory: OrganisationDirectory, organisation: Organisation, *,
                          by: str) -> bool:
    """Add or update an organisation; True when it was new."""
    with registry.transaction():
        if organisation.mesh_mailbox:
            holder = directory.by_mailbox(organisation.mesh_mailbox)
            if holder is not None and holder.ods_code != organisation.ods_code:
                raise DomainError(f"MESH mailbox {organisation.mesh_mailbox} already belongs to {holder.ods_code}.")
        created = directory.save(organisation)
        registry.audit.append(
            AuditEntry(
                action="organisation.registered" if created else "organisation.updated",
                actor=by,
                subject=organisation.ods_code,
                details={"name": organisation.name, "mesh_mailbox": organisation.mesh_mailbox,
                         "active": organisation.active},
            )
        )
    return created


def _require(directory: OrganisationDirectory, ods_code: str) -> Organisation:
    organisation = directory.get(ods_code)
    if organisation is None:
        raise UnknownOrganisation(f"No organisation has ODS code {ods_code}. Register it first with `ndop org add`.")
    return organisation


def issue_api_key(registry: Registry, directory: OrganisationDirectory, ods_code: str, *, label: str = "",
                  by: str) -> NewApiKey:
    with registry.transaction():
        _require(directory, ods_code)
        key = new_api_key()
        directory.add_key(ods_code, key, label=label, at=registry.clock.now())
        registry.audit.append(
            AuditEntry(action="organisation.api_key_issued", actor=by, subject=ods_code,
                       details={"key_id": key.key_id, "label": label})
        )
    return key


def revoke_api_key(registry: Registry, directory: OrganisationDirectory, key_id: str, *, by: str) -> str:
    """Revoke a key at once; returns its organisation's ODS code."""
    with registry.transaction():
        ods_code = directory.revoke_key(key_id, at=registry.clock.now())
        if ods_code is None:
            raise DomainError(f"There is no active API key {key_id}. `ndop org keys ODS` lists them.",
                              code="unknown_key")
        registry.audit.append(
            AuditEntry(action="organisation.api_key_revoked", actor=by, subject=ods_code, details={"key_id": key_id})
        )
    return ods_code


def set_check_limits(registry: Registry, directory: OrganisationDirectory, ods_code: str, limits: CheckLimits, *,
                     by: str) -> None:
    with registry.transaction():
        _require(directory, ods_code)
        directory.set_limits(ods_code, limits)
        registry.audit.append(
            AuditEntry(
                action="organisation.limits_set",
                actor=by,
                subject=ods_code,
                details={"requests_per_minute": limits.requests_per_minute,
                         "max_request_bytes": limits.max_request_bytes, "inline_bytes": limits.inline_bytes},
            )
        )


def authenticate(directory: OrganisationDirectory, token: str) -> Organisation | None:
    """The active organisation a presented API key belongs to, or None. Reads only."""
    parts = split_token(token)
    if parts is None:
        return None
    key_id, secret = parts
    found = directory.key(key_id)
    if found is None:
        return None
    ods_code, stored_hash, usable = found
    if not usable or not secret_matches(secret, stored_hash):
        return None
    organisation = directory.get(ods_code)
    return organisation if organisation is not None and organisation.active else None
