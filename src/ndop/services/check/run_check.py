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
from dataclasses import replace
from typing import BinaryIO, TextIO

import numpy as np
import numpy.typing as npt

from ndop.domain.check.engine import EngineResult, check_stream
from ndop.domain.check.jobs import CheckChannel, CheckJob, CheckOutcome
from ndop.domain.check.ports import CheckJobLog, CheckRegistry, Progress, Type1Source
from ndop.domain.check.rejections import REJECTION_LINE, CheckFormat
from ndop.domain.check.snapshot import type1_bitmap
from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.services.check.snapshot import SnapshotKeeper

__all__ = ["REJECTION_LINE", "CheckChannel", "CheckOutcome", "CheckService"]

SPOOL_IN_MEMORY = 64 * 1024 * 1024


def _seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


class CheckService:
    def __init__(
        self,
        registry: CheckRegistry,
        jobs: CheckJobLog,
        snapshots: SnapshotKeeper,
        *,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        type1: Type1Source | None = None,
    ) -> None:
        self._registry = registry
        self._jobs = jobs
        self.snapshots = snapshots
        self._new_id = new_id
        self._type1 = type1

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
        """Stream `request`; write the response bytes to `response` (the cleaned list, or the single
        rejection line / message); record a CheckJob and its audit event; return the outcome.
        `fmt` None: the engine tells `dat` from CSV.

        `then` runs inside the transaction that records the CheckJob: a caller's own record of the
        outcome commits with it or not at all, and an exception from `then` rolls the CheckJob back.

        A seekable `response` is written in place and cut back if the request is rejected; any other
        is written only once the whole request has been checked (spooled to a temporary file first).

        `gp_data`: a flow of GP data. People with a current Type 1 objection are removed too: the list
        without opted-out people is checked again against the Type 1 register, so the job counts the two
        apart (`rows_removed_type1`: removed for Type 1 alone).
        """
        started = self._registry.clock.now()
        requester = requested_by.through(channel.value)  # a check names who asked by the channel: `web:EMAIL`
        snapshot, sync = self.snapshots.current_with_sync()
        direct = _seekable(response)
        start = response.tell() if direct else 0
        spool: BinaryIO = response if direct else tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY)  # type: ignore[assignment]  # noqa: SIM115
        try:
            if gp_data:
                result, type1_removed = self._check_gp_data(request, spool, snapshot.bitmap, fmt, report, progress)
            else:
                result = check_stream(request, spool, snapshot.bitmap, fmt=fmt, report=report, progress=progress)
                type1_removed = 0
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
            requested_by=requester,
            reference=reference,
            format=result.format,
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
            snapshot_note=sync.note,
            gp_data=gp_data,
            rows_removed_type1=type1_removed,
        )
        outcome = CheckOutcome(
            job_id=job.id,
            rejected=job.rejected,
            rejection=job.rejection,
            message="" if result.rejection is None else result.rejection.message,
            format=result.format,
            registry_version=job.registry_version,
            rows_in=job.rows_in,
            rows_invalid=job.rows_invalid,
            rows_removed=job.rows_removed,
            rows_kept=job.rows_kept,
            request_sha256=job.request_sha256,
            response_sha256=job.response_sha256,
            gp_data=gp_data,
            rows_removed_type1=type1_removed,
        )
        self._record(job, then=None if then is None else (lambda: then(outcome)))
        return outcome

    def _check_gp_data(
        self, request: BinaryIO, sink: BinaryIO, bitmap: npt.NDArray[np.uint8], fmt: CheckFormat | None,
        report: TextIO | None, progress: Progress | None,
    ) -> tuple[EngineResult, int]:
        """Opted-out people out, then people with a Type 1 objection out of what is left."""
        if self._type1 is None:
            raise RuntimeError("this check service has no Type 1 register")
        type1 = type1_bitmap(self._type1.type1_keys())
        with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY) as first:
            result = check_stream(request, first, bitmap, fmt=fmt, report=report, progress=progress)  # type: ignore[arg-type]
            first.seek(0)
            if result.rejection is not None or result.rows_kept == 0:
                shutil.copyfileobj(first, sink, 1 << 20)
                return result, 0
            second = check_stream(first, sink, type1, fmt=result.format)  # type: ignore[arg-type]
        if second.rejection is not None or second.rows_in != result.rows_kept:
            raise RuntimeError("the opt-out check's own response did not check again")  # a bug, not bad input
        return replace(result, rows_removed=result.rows_removed + second.rows_removed, rows_kept=second.rows_kept,
                       response_sha256=second.response_sha256), second.rows_removed

    def refuse(
        self,
        *,
        channel: CheckChannel,
        organisation: str,
        rejection: str,
        requested_by: Actor,
        request_bytes: int = 0,
    ) -> str:
        """Record a call refused before any check ran (rate limit, size, media type, bad body) as a
        rejected CheckJob with its audit event, so that every call is on the record. Returns the job id."""
        now = self._registry.clock.now()
        requester = requested_by.through(channel.value)
        job = CheckJob(
            id=self._new_id(),
            started_at=now,
            finished_at=now,
            channel=channel,
            organisation=organisation,
            requested_by=requester,
            reference="",
            format=None,
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
        """The job and its audit event, committed together before this returns (the caller answers only
        then). Without `then`, concurrent checks share the commit (ADR 76)."""
        entry = _audit_entry(job)
        if then is None:
            self._registry.audit.commit_with(entry, lambda: self._jobs.add(job))
            return
        with self._registry.transaction():
            self._jobs.add(job)
            self._registry.audit.append(entry)
            then()


def _audit_entry(job: CheckJob) -> AuditEntry:
    return AuditEntry(
        action=AuditAction.CHECK_COMPLETED,
        actor=job.requested_by,
        subject=job.id,
        details={
            "channel": job.channel.value,
            "organisation": job.organisation,
            "reference": job.reference,
            "outcome": job.outcome,
            "rejection": job.rejection,
            "format": "" if job.format is None else job.format.value,
            "registry_version": job.registry_version,
            "rows_in": job.rows_in,
            "rows_invalid": job.rows_invalid,
            "rows_removed": job.rows_removed,
            "rows_kept": job.rows_kept,
            **({"gp_data": True, "rows_removed_type1": job.rows_removed_type1} if job.gp_data else {}),
            "request_sha256": job.request_sha256,
            "response_sha256": job.response_sha256,
            **({"snapshot_note": job.snapshot_note} if job.snapshot_note else {}),
        },
    )
