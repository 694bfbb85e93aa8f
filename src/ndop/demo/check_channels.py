"""Demo set-up for the check channels: the demo organisation gets a MESH mailbox and a known API key,
so that a newcomer can follow docs/check-channels.md. Never in production (`ndop demo` refuses there)."""

from __future__ import annotations

from dataclasses import replace

from ndop.demo.accounts import DEMO_ORGANISATION
from ndop.domain.check.clients import CheckClients, NewApiKey, key_hash
from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.registry.ports import Registry
from ndop.services.organisations.accounts import register_organisation

DEMO_MAILBOX = "ZZ001OT001"
_DEMO_KEY_ID = "demo0001"
_DEMO_SECRET = "local-demo-key-known-to-everyone-not-secret"  # noqa: S105 - public demo key, 43 characters like a real one
DEMO_API_KEY = f"ndop_{_DEMO_KEY_ID}_{_DEMO_SECRET}"


def install_demo_check_channels(registry: Registry, clients: CheckClients, *, by: Actor) -> str:
    """Idempotent. Returns what to tell the newcomer."""
    organisation = registry.organisations.get(DEMO_ORGANISATION.ods_code) or DEMO_ORGANISATION
    if organisation.mesh_mailbox != DEMO_MAILBOX:
        register_organisation(registry, replace(organisation, mesh_mailbox=DEMO_MAILBOX), by=by)
    if not any(k.key_id == _DEMO_KEY_ID for k in clients.keys(organisation.ods_code)):
        with registry.transaction():
            clients.add_key(organisation.ods_code, NewApiKey(_DEMO_KEY_ID, _DEMO_SECRET, key_hash(_DEMO_SECRET)),
                            label="demo", at=registry.clock.now())
            registry.audit.append(AuditEntry(action=AuditAction.ORGANISATION_API_KEY_ISSUED, actor=by,
                                             subject=organisation.ods_code.value,
                                             details={"key_id": _DEMO_KEY_ID, "label": "demo"}))
    return (
        f"Check service: {organisation.name} has MESH mailbox {DEMO_MAILBOX} (password 'password') and API key\n"
        f"  {DEMO_API_KEY}\n"
        "  (docs/check-channels.md: send a .dat over MESH, POST /api/v1/checks, or upload at /org/check/)"
    )
