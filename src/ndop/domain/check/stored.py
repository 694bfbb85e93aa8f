"""Checks whose cleaned file is kept for the organisation to fetch: large API bodies (a job, fetched
when done) and web uploads (downloaded from the result page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ndop.domain.check.jobs import CheckChannel
from ndop.domain.check.rejections import CheckFormat
from ndop.domain.common.actors import Actor


class StoredCheckStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class StoredCheck:
    id: str
    organisation: str  # ODS code
    channel: CheckChannel  # API or WEB
    requested_by: Actor  # named by the channel (`Actor.through`), as the check job will name them
    filename: str
    format: CheckFormat | None  # as asked for; None: detected by the engine
    status: StoredCheckStatus
    created_at: datetime
    check_job_id: str = ""
    registry_version: int | None = None
    rows_in: int = 0
    rows_kept: int = 0
    rows_removed: int = 0
    rows_invalid: int = 0
    rejected: bool = False
    rejection: str = ""
    message: str = ""
    report: str = ""
    request_path: str = ""
    result_path: str = ""
    finished_at: datetime | None = None
    gp_data: bool = False  # a flow of GP data: Type 1 objections removed too (issue 14)
    rows_removed_type1: int = 0  # of rows_removed, those removed for a Type 1 objection alone
    extra: dict[str, str] = field(default_factory=dict)


class StoredChecks(Protocol):
    def add(self, check: StoredCheck) -> None: ...

    def get(self, check_id: str, organisation: str) -> StoredCheck | None:
        """Only the organisation's own checks are found."""
        ...

    def save(self, check: StoredCheck) -> None: ...

    def start(self, check_id: str) -> bool:
        """Mark a queued (or abandoned running) check running; False when it has finished already."""
        ...

    def finish(self, check: StoredCheck) -> bool:
        """Save a done or failed check unless it has finished already (another run of the same job
        got there first): False then, and nothing is changed."""
        ...


class AlreadyFinished(Exception):
    """Another run of the same queued check recorded its result first."""
