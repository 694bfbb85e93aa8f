"""Check the audit chain from its first record to its head."""

from __future__ import annotations

from ndop.domain.common.audit import BrokenLink, verify_chain
from ndop.domain.registry.ports import Registry


def verify_audit(registry: Registry) -> tuple[int, BrokenLink | None]:
    """Return (records checked, first broken link or None)."""
    with registry.transaction():
        head_sequence, head_hash = registry.audit.head()
        broken = verify_chain(registry.audit.records(), head_sequence=head_sequence, head_hash=head_hash)
    return head_sequence, broken
