"""Background jobs as the job runner and operators see them (the queue itself is django-tasks', ADR 37)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class JobRow:
    """One job as an operator sees it: what, its state and times; never its arguments or its result."""

    id: str
    task: str
    state: JobState
    attempts: int  # how many times a worker took it (more than one: a worker died running it)
    worker: str  # the last worker that took it
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str  # the exception's class name when it failed, else ""


class JobLeases(Protocol):
    """Who runs a job now, and until when (ADR 38). A lease that lapses puts its job back in the queue."""

    def hold(self, task_id: str, *, worker: str, now: datetime, lease_s: float) -> None: ...

    def renew(self, task_id: str, *, worker: str, now: datetime, lease_s: float) -> bool:
        """False when the lease is no longer this worker's (it lapsed and the job went back)."""
        ...

    def release(self, task_id: str) -> None: ...

    def reclaim(self, *, now: datetime, lease_s: float, worker: str = "") -> int:
        """Put every abandoned running job back in the queue; given `worker`, also every one leased to
        that worker (it has just restarted). Returns how many."""
        ...

    def jobs(self, *, limit: int = 50, state: JobState | None = None) -> list[JobRow]:
        """The latest jobs, newest first."""
        ...
