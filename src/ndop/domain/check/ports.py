"""Ports the check needs: where jobs are recorded, where snapshots persist, where choices come from,
and the check itself as the channels (MESH, API, web upload) run it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, BinaryIO, Protocol, TextIO

import numpy as np
import numpy.typing as npt

from ndop.domain.check.jobs import CheckChannel, CheckJob, CheckOutcome
from ndop.domain.check.rejections import CheckFormat
from ndop.domain.common.actors import Actor

if TYPE_CHECKING:  # the snapshot loads the compiled kernels; the channels need only its name here
    from ndop.domain.check.snapshot import ChoiceChange, OptOutSnapshot
    from ndop.domain.common.audit import AuditEntry, AuditRecord
    from ndop.domain.common.clock import Clock

# Called with the number of request bytes read since the last call (a progress bar's `update`).
Progress = Callable[[int], None]


class CheckJobLog(Protocol):
    """Where a check records its job: all the check service needs (`ndop check`'s own connection, ADR 95)."""

    def add(self, job: CheckJob) -> None: ...


class CheckJobStore(CheckJobLog, Protocol):
    def get(self, job_id: str) -> CheckJob | None: ...

    def recent(self, organisation: str, limit: int) -> list[CheckJob]:
        """The organisation's checks, newest first, at most `limit` of them."""
        ...


class CheckAudit(Protocol):
    def append(self, entry: AuditEntry) -> AuditRecord: ...

    def commit_with(self, entry: AuditEntry, write: Callable[[], None]) -> AuditRecord: ...


class RegistryVersion(Protocol):
    def registry_version(self) -> int: ...


class CheckRegistry(Protocol):
    """What a check needs of the registry's unit of work (`Registry` has it all): the clock, the audit
    trail, the transaction, and the version a refused call is recorded at. So `ndop check` can run on a
    connection of its own that offers no more (ADR 95)."""

    clock: Clock

    @property
    def audit(self) -> CheckAudit: ...

    @property
    def choices(self) -> RegistryVersion: ...

    def transaction(self) -> AbstractContextManager[None]: ...


class CheckRunner(Protocol):
    """The bulk check (`services.check.run_check.CheckService`), as the channels use it."""

    def run(
        self,
        request: BinaryIO,
        response: BinaryIO,
        *,
        channel: CheckChannel,
        requested_by: Actor,
        organisation: str = "",
        fmt: CheckFormat | None = None,
        report: TextIO | None = None,
        reference: str = "",
        progress: Progress | None = None,
        then: Callable[[CheckOutcome], None] | None = None,
        gp_data: bool = False,
    ) -> CheckOutcome:
        """Check `request` and write the response to `response`; record the job. `fmt` None: detected.
        `gp_data`: a flow of GP data, from which people with a Type 1 objection are removed as well.
        `then` runs inside the transaction that records the job (an exception from it rolls the job back)."""
        ...


class OptOutSource(Protocol):
    """The registry as the snapshot reads it."""

    def identity(self) -> str:
        """Which database this is, so that a snapshot of another is never used."""
        ...

    def versions(self) -> tuple[int, int]:
        """(registry version, supersession links version), read together."""
        ...

    def state(self, at: int) -> tuple[int, int, str]:
        """`versions()` and `fingerprint(at)` in one read: what every check asks of a warm snapshot."""
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


class Type1Source(Protocol):
    """The Type 1 register as a check of GP data reads it (issue 14)."""

    def type1_keys(self) -> npt.NDArray[np.int64]:
        """Keys of every number of every person with a current Type 1 objection (all the numbers of their
        supersession chain)."""
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

    def save(self, identity: str, snapshot: OptOutSnapshot) -> OptOutSnapshot:
        """Persist it; returns the snapshot as persisted (a catch-up may be written as a delta over the
        base it names, ADR 80): the one to advance from next."""
        ...
