"""Audit checkpoints: the chain's position and hash at a moment, signed and kept outside the database.

A checkpoint is evidence the database cannot take back: if the chain no longer reaches a checkpoint's
position (truncated, wound back) or holds another hash there (rewritten), verification fails (ADR 41).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Checkpoint:
    sequence: int
    hash: str
    made_at: datetime
    registry_version: int

    def payload(self) -> bytes:
        """The signed bytes: a canonical JSON of every field."""
        return json.dumps(
            {"sequence": self.sequence, "hash": self.hash, "made_at": self.made_at.isoformat(),
             "registry_version": self.registry_version},
            sort_keys=True, separators=(",", ":"),
        ).encode()


def checkpoint_problem(checkpoints: Iterable[tuple[str, Checkpoint]], hashes: Mapping[int, str],
                       head_sequence: int) -> str | None:
    """The first checkpoint (by position) the chain no longer extends, described; None when all hold.

    `hashes` holds the chain's hash at each checkpoint's position (as recomputed by the walk)."""
    for name, checkpoint in sorted(checkpoints, key=lambda item: item[1].sequence):
        if checkpoint.sequence > head_sequence:
            return (f"the chain ends at record {head_sequence}, before checkpoint {name} at record "
                    f"{checkpoint.sequence} (truncated or wound back)")
        if hashes.get(checkpoint.sequence) != checkpoint.hash:
            return f"record {checkpoint.sequence} differs from checkpoint {name} (the chain was rewritten)"
    return None
