"""Verify every persisted opt-out snapshot: its MAC, and its bitmap against the one the history gives at
the registry version it claims (with the links it was built with). Part of `ndop audit verify`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ndop.domain.check.ports import OptOutSource, SnapshotInvalid, SnapshotStore
from ndop.services.check.snapshot import build_at


@dataclass(frozen=True, slots=True)
class SnapshotVerdict:
    checked: int
    problem: str | None


def verify_snapshots(source: OptOutSource, store: SnapshotStore) -> SnapshotVerdict:
    identity = source.identity()
    version_now, _ = source.versions()
    checked = 0
    for name, owner, snapshot in store.persisted():
        checked += 1
        if isinstance(snapshot, SnapshotInvalid):
            return SnapshotVerdict(checked, f"snapshot {name} does not verify: {snapshot}")
        if owner != identity:
            continue  # another database's snapshot: its MAC held, its content is that database's to check
        if snapshot.version > version_now or snapshot.fingerprint != source.fingerprint(snapshot.version):
            continue  # of another history (a reset or restored database): the keeper never uses it, it rebuilds
        expected = build_at(source, snapshot.version, snapshot.links_version, dict(snapshot.links))
        differing = int(np.count_nonzero(np.bitwise_xor(expected.bitmap, snapshot.bitmap)))
        if differing:
            return SnapshotVerdict(checked, f"snapshot {name} differs from the history at registry version "
                                            f"{snapshot.version} ({differing} bitmap bytes differ)")
    return SnapshotVerdict(checked, None)
