"""Loading a signed snapshot export on the driver: signature, freshness, then the keys to broadcast."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ndop.adapters.files.snapshot_export import load_public_key, read_export
from ndop.domain.check.export import ExportedSnapshot

# The licence allows a "temporary cache" of results only for a fixed period, regularly updated; the
# official maximum is unconfirmed, so it is a setting (docs/spark.md).
DEFAULT_MAX_AGE = timedelta(hours=float(os.environ.get("NDOP_SNAPSHOT_MAX_AGE_HOURS", "24")))


@dataclass(frozen=True, eq=False)
class Snapshot:
    """A verified export, ready to apply: what the executors receive is `opted_out` (and `type1`)."""

    registry_version: int
    taken_at: datetime
    opted_out: npt.NDArray[np.uint32]
    type1: npt.NDArray[np.uint32] | None

    @classmethod
    def from_export(cls, export: ExportedSnapshot) -> Snapshot:
        return cls(export.header.registry_version, export.header.taken, export.opted_out, export.type1)

    def keys_for(self, gp_data: bool) -> npt.NDArray[np.uint32]:
        """The sorted keys to remove: opted-out people, and for flows of GP data Type 1 objections too."""
        if not gp_data:
            return self.opted_out
        if self.type1 is None:
            raise ValueError(
                "This snapshot has no Type 1 objections, so it cannot be applied to GP data. "
                "Export one with `ndop snapshot export --gp-data`."
            )
        return np.union1d(self.opted_out, self.type1).astype(np.uint32)


def load_snapshot(
    path: str | os.PathLike[str],
    public_key: str | os.PathLike[str] | bytes,
    *,
    max_age: timedelta | None = DEFAULT_MAX_AGE,
    now: datetime | None = None,
) -> Snapshot:
    """Read and verify a snapshot export. Refuses a changed file, another registry's file, or a stale one."""
    pem = public_key if isinstance(public_key, bytes) else Path(public_key).read_bytes()
    export = read_export(Path(path).read_bytes(), load_public_key(pem))
    if max_age is not None:
        export.refuse_if_older_than(max_age, now or datetime.now(UTC))
    return Snapshot.from_export(export)
