"""Background jobs as the job runner and operators see them (the queue itself is django-tasks', ADR 37)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo


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


ENGLAND = ZoneInfo("Europe/London")


@dataclass(frozen=True, slots=True)
class Schedule:
    """A job that the workers start once in each period, whichever worker gets there first.

    `period` names the period `now` falls in ("2026-12"), or None while the job is not yet due in it.
    """

    name: str
    period: Callable[[datetime], str | None]


def monthly(*, day: int = 1, hour: int = 6) -> Callable[[datetime], str | None]:
    """Once a month, from DAY at HOUR o'clock in England (GMT or BST): the period is the month, YYYY-MM."""
    if not 1 <= day <= 28 or not 0 <= hour <= 23:
        raise ValueError("a monthly schedule runs on day 1-28 at hour 0-23")

    def period(now: datetime) -> str | None:
        local = now.astimezone(ENGLAND)
        return f"{local.year}-{local.month:02d}" if (local.day, local.hour) >= (day, hour) else None

    return period


@dataclass(frozen=True, slots=True)
class ScheduledRun:
    name: str
    period: str
    worker: str
    claimed_at: datetime


class ScheduleClaims(Protocol):
    """Which worker started a scheduled job in which period: one claim per (job, period), ever."""

    def claim(self, name: str, period: str, *, worker: str, now: datetime) -> bool:
        """True for the first worker to claim NAME in PERIOD; False for every later attempt, at once or not."""
        ...

    def latest(self, name: str) -> ScheduledRun | None: ...
