"""Ports the check needs: where jobs are recorded, where snapshots persist, where choices come from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ndop.domain.check.jobs import CheckJob
from ndop.domain.check.snapshot import ChoiceChange, OptOutSnapshot


class CheckJobStore(Protocol):
    def add(self, job: CheckJob) -> None: ...

    def get(self, job_id: str) -> CheckJob | None: ...


class OptOutSource(Protocol):
    """The registry as the snapshot reads it."""

    def identity(self) -> str:
        """Which database this is, so that a snapshot of another is never used."""
        ...

    def versions(self) -> tuple[int, int]:
        """(registry version, supersession links version), read together."""
        ...

    def fingerprint(self, version: int) -> str:
        """A digest of the event at `version` ("" for version 0)."""
        ...

    def opted_out_keys(self, version: int) -> Iterator[npt.NDArray[np.int64]]:
        """Keys of every number whose own current choice at `version` (from the history) is `opted_out`."""
        ...

    def linked_currents(self, version: int) -> dict[int, tuple[int, int, bool]]:
        """The current event at `version` of every number in a supersession chain:
        key -> (made_at in microseconds, sequence, opted_out)."""
        ...

    def links(self) -> dict[int, int]:
        """Superseded key -> replacing key, from the patient index."""
        ...

    def changes(self, after: int, upto: int) -> Iterator[ChoiceChange]:
        """Choice events with after < sequence <= upto, in sequence order."""
        ...


class SnapshotInvalid(Exception):
    """A persisted snapshot exists but does not verify (its MAC, its size, its form); the message says how."""


class SnapshotStore(Protocol):
    def load(self, identity: str) -> OptOutSnapshot | None:
        """The persisted snapshot of that database, its MAC verified; None when there is none. Raises
        SnapshotInvalid when there is one that does not verify."""
        ...

    def persisted(self) -> Iterator[tuple[str, str, OptOutSnapshot | SnapshotInvalid]]:
        """Every persisted snapshot: (file name, database identity, the snapshot or why it is invalid)."""
        ...

    def save(self, identity: str, snapshot: OptOutSnapshot) -> None: ...
