"""Run a bulk check: stream the request, write the cleaned list (or the rejection), record the job.

Bad file content never raises: it is a rejected outcome with its message written as the response.
Only infrastructure failures (the database, the disk) raise.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, TextIO

from ndop.domain.check.engine import Progress, check_stream
from ndop.domain.check.jobs import CheckChannel, CheckJob
from ndop.domain.check.ports import CheckJobStore
from ndop.domain.check.rejections import REJECTION_LINE, CheckFormat
from ndop.domain.common.audit import AuditEntry
from ndop.domain.registry.ports import Registry
from ndop.services.check.snapshot import SnapshotKeeper

__all__ = ["REJECTION_LINE", "CheckChannel", "CheckOutcome", "CheckService"]

SPOOL_IN_MEMORY = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    job_id: str
    rejected: bool
    rejection: str  # "" when accepted; else a short code such as "invalid_nhs_numbers"
    message: str  # "" when accepted; else the sentence written as the response
    format: str  # "dat" | "csv"
    registry_version: int
    rows_in: int
    rows_invalid: int
    rows_removed: int
    rows_kept: int
    request_sha256: str
    response_sha256: str


def _seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


class CheckService:
    def __init__(
        self,
        registry: Registry,
        jobs: CheckJobStore,
        snapshots: SnapshotKeeper,
        *,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._registry = registry
        self._jobs = jobs
        self.snapshots = snapshots
        self._new_id = new_id

    def run(
        self,
        request: BinaryIO,
        response: BinaryIO,
        *,
        channel: CheckChannel,
        organisation: str = "",
        fmt: str | None = None,
        report: TextIO | None = None,
        reference: str = "",
        requested_by: str = "",
        progress: Progress | None = None,
        then: Callable[[CheckOutcome], None] | None = None,
    ) -> CheckOutcome:
        """Stream `request`; write the response bytes to `response` (the cleaned list, or the single
        rejection line / message); record a CheckJob and its audit event; return the outcome.

        `then` runs inside the transaction that records the CheckJob: a caller's own record of the
        outcome commits with it or not at all, and an exception from `then` rolls the CheckJob back.

        A seekable `response` is written in place and cut back if the request is rejected; any other
        is written only once the whole request has been checked (spooled to a temporary file first).
        """
        started = self._registry.clock.now()
        snapshot = self.snapshots.current()
        direct = _seekable(response)
        start = response.tell() if direct else 0
        spool: BinaryIO = response if direct else tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY)  # type: ignore[assignment]  # noqa: SIM115
        try:
            result = check_stream(
                request,
                spool,
                snapshot.bitmap,
                fmt=CheckFormat(fmt) if fmt else None,
                report=report,
                progress=progress,
            )
            if result.rejection is not None:
                body = result.rejection.message.encode() + result.newline
                if direct:
                    response.seek(start)
                    response.truncate()
                response.write(body)
                response_sha256 = hashlib.sha256(body).hexdigest()
            else:
                if not direct:
                    spool.seek(0)
                    shutil.copyfileobj(spool, response, 1 << 20)
                response_sha256 = result.response_sha256
            response.flush()
        finally:
            if not direct:
                spool.close()
        job = CheckJob(
            id=self._new_id(),
            started_at=started,
            finished_at=self._registry.clock.now(),
            channel=channel,
            organisation=organisation,
            requested_by=requested_by,
            reference=reference,
            format=result.format.value,
            rejected=result.rejection is not None,
            rejection="" if result.rejection is None else result.rejection.code.value,
            registry_version=snapshot.version,
            rows_in=result.rows_in,
            rows_invalid=result.rows_invalid,
            rows_removed=result.rows_removed,
            rows_kept=result.rows_kept,
            request_bytes=result.bytes_in,
            request_sha256=result.request_sha256,
            response_sha256=response_sha256,
        )
        outcome = CheckOutcome(
            job_id=job.id,
            rejected=job.rejected,
            rejection=job.rejection,
            message="" if result.rejection is None else result.rejection.message,
            format=job.format,
            registry_version=job.registry_version,
            rows_in=job.rows_in,
            rows_invalid=job.rows_invalid,
            rows_removed=job.rows_removed,
            rows_kept=job.rows_kept,
            request_sha256=job.request_sha256,
            response_sha256=job.response_sha256,
        )
        self._record(job, then=None if then is None else (lambda: then(outcome)))
        return outcome

    def refuse(
        self,
        *,
        channel: CheckChannel,
        organisation: str,
        rejection: str,
        requested_by: str = "",
        request_bytes: int = 0,
    ) -> str:
        """Record a call refused before any check ran (rate limit, size, media type, bad body) as a
        rejected CheckJob with its audit event, so that every call is on the record. Returns the job id."""
        now = self._registry.clock.now()
        job = CheckJob(
            id=self._new_id(),
            started_at=now,
            finished_at=now,
            channel=channel,
            organisation=organisation,
            requested_by=requested_by,
            reference="",
            format="",
            rejected=True,
            rejection=rejection,
            registry_version=self._registry.choices.registry_version(),
            rows_in=0,
            rows_invalid=0,
            rows_removed=0,
            rows_kept=0,
            request_bytes=request_bytes,
            request_sha256="",
            response_sha256="",
        )
        self._record(job)
        return job.id

    def _record(self, job: CheckJob, then: Callable[[], None] | None = None) -> None:
        actor = job.requested_by or (f"org:{job.organisation}" if job.organisation else f"{job.channel.value}")
        with self._registry.transaction():
            self._jobs.add(job)
            self._registry.audit.append(
                AuditEntry(
                    action="check.completed",
                    actor=actor,
                    subject=job.id,
                    details={
                        "channel": job.channel.value,
                        "organisation": job.organisation,
                        "reference": job.reference,
                        "outcome": job.outcome,
                        "rejection": job.rejection,
                        "format": job.format,
                        "registry_version": job.registry_version,
                        "rows_in": job.rows_in,
                        "rows_invalid": job.rows_invalid,
                        "rows_removed": job.rows_removed,
                        "rows_kept": job.rows_kept,
                        "request_sha256": job.request_sha256,
                        "response_sha256": job.response_sha256,
                    },
                )
            )
            if then is not None:
                then()
