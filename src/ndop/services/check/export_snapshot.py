"""Export the opted-out set for a data platform: the keys a check removes, at one registry version. Audited."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from ndop.domain.check.export import ExportedSnapshot, ExportHeader, set_keys
from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.registry.ports import Registry
from ndop.services.check.snapshot import SnapshotKeeper

# Type 1 objections (GP data) come from the GP-codes register; until it exists there is no source.
Type1Keys = Callable[[], npt.NDArray[np.uint32]]


class Type1NotHeld(RuntimeError):
    pass


def export_snapshot(
    registry: Registry,
    keeper: SnapshotKeeper,
    write: Callable[[ExportedSnapshot], int],
    *,
    exported_by: Actor,
    gp_data: bool = False,
    type1_keys: Type1Keys | None = None,
) -> ExportedSnapshot:
    """Take the current snapshot, hand it to `write` (which signs and stores it), and audit the export."""
    if gp_data and type1_keys is None:
        raise Type1NotHeld(
            "This registry holds no Type 1 objections yet (GP opt-out codes have not been imported), so it "
            "cannot export them for GP data. Export without --gp-data."
        )
    taken_at = registry.clock.now()
    snapshot = keeper.current()
    keys = set_keys(snapshot.bitmap)
    type1 = np.sort(type1_keys()).astype(np.uint32) if gp_data and type1_keys is not None else None
    header = ExportHeader(
        registry_version=snapshot.version,
        taken_at=taken_at.isoformat(),
        opted_out=len(keys),
        type1=None if type1 is None else len(type1),
    )
    exported = ExportedSnapshot(header, keys, type1)
    size = write(exported)
    with registry.transaction():
        registry.audit.append(
            AuditEntry(
                action=AuditAction.SNAPSHOT_EXPORTED,
                actor=exported_by,
                subject=f"registry version {snapshot.version}",
                details={"opted_out": len(keys), "type1": header.type1, "bytes": size},
            )
        )
    return exported
