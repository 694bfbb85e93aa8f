"""Add or update demographic records (the PDS-like patient index), audited as one load."""

from __future__ import annotations

from collections.abc import Iterable

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.registry.patients import Patient
from ndop.domain.registry.ports import Registry


def load_patients(registry: Registry, patients: Iterable[Patient], *, loaded_by: Actor, source: str) -> tuple[int, int]:
    """Return (added, updated)."""
    added = updated = 0
    with registry.transaction():
        for patient in patients:
            if registry.patients.save(patient):
                added += 1
            else:
                updated += 1
        registry.audit.append(
            AuditEntry(
                action=AuditAction.PATIENTS_LOADED,
                actor=loaded_by,
                subject=source,
                details={"added": added, "updated": updated},
            )
        )
    return added, updated
