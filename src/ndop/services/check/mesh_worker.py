"""Answer check requests that arrive over MESH: exactly one acknowledgement and one response per request.

For each request message in the registry's inbox (workflow `SPINE_NTT_UPHOLDING`):

1. claim it in the ledger, keyed by MESH message id (a second worker, or a message seen again, is
   recognised there);
2. retrieve it, and identify the sender's organisation by mailbox;
3. send the sender an acknowledgement (JSON: the job reference and status `pending`);
4. run the check, spooling the response to disk so that a resend is byte-for-byte the same;
5. send the response (the cleaned list, or the single rejection line), echoing the request's local id;
6. record that the request is answered (with its audit event), and only then acknowledge the
   request in MESH (download complete).

Every step is recorded before the next begins. A send whose message id was not recorded (the worker
died between sending and recording) is found again in MESH's outbox before anything is resent, so a
killed worker, restarted, finishes the job without answering twice. No NHS number is ever logged.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, Final

from ndop.domain.check.clients import CheckClients
from ndop.domain.check.jobs import CheckChannel
from ndop.domain.check.mesh import (
    GP_DATA_WORKFLOW,
    InboundMessage,
    LostClaim,
    MeshAuthenticationFailed,
    MeshLedger,
    MeshMailbox,
    MeshMessageGone,
    MeshRequestRecord,
    MeshSendRefused,
    MeshUnavailable,
    Outgoing,
    printable_workflow,
    response_filename,
    workflow_refusal,
)
from ndop.domain.check.ports import CheckRunner
from ndop.domain.check.rejections import CheckFormat
from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.registry.ports import Registry

log = logging.getLogger("ndop.mesh")

UNKNOWN_SENDER_LINE = "The sending mailbox is not registered to use the National Data Opt-out check service."


@dataclass(frozen=True)
class WorkerSettings:
    spool_dir: Path
    worker_id: str = field(default_factory=lambda: f"worker-{uuid.uuid4().hex[:12]}")
    request_workflow: str = "SPINE_NTT_UPHOLDING"
    ack_workflow: str = "SPINE_NTT_UPHOLDING"
    response_workflow: str = "SPINE_NTT_UPHOLDING"
    # Every workflow id the worker answers; a request with any other is answered with a rejection naming
    # these (`workflow_refusal`), audited and logged, never left in the inbox. Empty: request_workflow and
    # gp_data_workflow.
    accepted_workflows: frozenset[str] = frozenset()
    # Requests for a flow of GP data: Type 1 objections removed too; acknowledged and answered on it.
    gp_data_workflow: str = GP_DATA_WORKFLOW
    lease_s: float = 600.0
    handshake_every: timedelta = timedelta(hours=24)
    poll_s: float = 30.0
    max_backoff_s: float = 300.0


class Handled(StrEnum):
    """What became of one request message in a poll."""

    ANSWERED = "answered"
    ALREADY_ANSWERED = "already_answered"  # answered before (acknowledged again, or only acknowledged now)
    BUSY = "busy"  # another worker holds it
    FAILED = "failed"  # gone from MESH, or its answer cannot be delivered


@dataclass(frozen=True)
class PollSummary:
    seen: int = 0
    answered: int = 0
    already_answered: int = 0
    busy: int = 0
    failed: int = 0

    @classmethod
    def of(cls, outcomes: Iterable[Handled]) -> PollSummary:
        counts = Counter(outcomes)
        return cls(
            seen=counts.total(),
            answered=counts[Handled.ANSWERED],
            already_answered=counts[Handled.ALREADY_ANSWERED],
            busy=counts[Handled.BUSY],
            failed=counts[Handled.FAILED],
        )

    def __add__(self, other: PollSummary) -> PollSummary:
        return PollSummary(
            seen=self.seen + other.seen,
            answered=self.answered + other.answered,
            already_answered=self.already_answered + other.already_answered,
            busy=self.busy + other.busy,
            failed=self.failed + other.failed,
        )

    def __str__(self) -> str:
        return (f"{self.seen} seen, {self.answered} answered, {self.already_answered} already answered, "
                f"{self.busy} held by another worker, {self.failed} failed")


_SAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True, slots=True)
class _Reply:
    """One of the two messages a request is answered with: its ledger fields and the worker's steps."""

    name: str
    sending_since_field: str
    message_id_field: str
    sending_step: str
    sent_step: str

    def sending_since_of(self, record: MeshRequestRecord) -> datetime | None:
        return record.ack_sending_since if self is _ACK else record.response_sending_since


_ACK: Final = _Reply("ack", "ack_sending_since", "ack_message_id", "ack_sending", "ack_sent")
_RESPONSE: Final = _Reply("response", "response_sending_since", "response_message_id", "response_sending",
                          "response_sent")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class MeshWorker:
    def __init__(
        self,
        *,
        mailbox: MeshMailbox,
        ledger: MeshLedger,
        registry: Registry,
        clients: CheckClients,
        checks: CheckRunner,
        settings: WorkerSettings,
        on_step: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.mailbox = mailbox
        self.ledger = ledger
        self.registry = registry
        self.clients = clients
        self.checks = checks
        self.settings = settings
        self._on_step = on_step or (lambda _step: None)
        self._sleep = sleep
        self._handshake_at: datetime | None = None
        settings.spool_dir.mkdir(parents=True, exist_ok=True)

    # -- the loop -------------------------------------------------------------------------------

    def run(self, *, once: bool = False, give_up_after_s: float | None = None,
            stop: Callable[[], bool] = lambda: False) -> PollSummary:
        """Poll until `stop()` (or one successful poll when `once`). MESH down: back off and retry,
        1 s doubling to `max_backoff_s`; give up (re-raise) after `give_up_after_s` of failures."""
        total = PollSummary()
        backoff = 1.0
        down_since: float | None = None
        while not stop():
            try:
                summary = self.poll()
            except MeshUnavailable as exc:
                now = time.monotonic()
                down_since = down_since if down_since is not None else now
                if give_up_after_s is not None and now - down_since >= give_up_after_s:
                    raise
                log.warning("MESH unavailable (%s); retrying in %.0f s", exc, backoff)
                self._handshake_at = None  # handshake again once MESH is back
                self._sleep(backoff)
                backoff = min(backoff * 2, self.settings.max_backoff_s)
                continue
            down_since = None
            backoff = 1.0
            total += summary
            if once:
                break
            self._sleep(self.settings.poll_s)
        return total

    def handshake_if_due(self) -> None:
        now = self.registry.clock.now()
        if self._handshake_at is None or now - self._handshake_at >= self.settings.handshake_every:
            self.mailbox.handshake()
            self._handshake_at = now
            log.info("MESH handshake done for mailbox %s", self.mailbox.mailbox)

    @property
    def accepted_workflows(self) -> frozenset[str]:
        default = {self.settings.request_workflow, self.settings.gp_data_workflow} - {""}
        return self.settings.accepted_workflows or frozenset(default)

    def poll(self) -> PollSummary:
        """Answer every message in the inbox once, whatever its workflow (one this worker does not answer
        gets a rejection). Raises MeshUnavailable (retry later) and MeshAuthenticationFailed (configuration
        is wrong: stop)."""
        self.handshake_if_due()
        listed = list(self.mailbox.inbox())
        seen = set(listed)
        message_ids = listed + [i for i in self.ledger.answered_unacknowledged() if i not in seen]
        outcomes: list[Handled] = []
        for message_id in message_ids:
            try:
                outcome = self.process(message_id)
            except LostClaim:
                log.warning("MESH message %s was taken over by another worker", message_id)
                outcome = Handled.BUSY
            except MeshMessageGone as exc:
                log.warning("MESH message %s is gone (%s); nothing to answer", message_id, exc)
                outcome = Handled.FAILED
            outcomes.append(outcome)
        summary = PollSummary.of(outcomes)
        if message_ids:
            log.info("MESH poll: %s", summary)
        return summary

    # -- one message ----------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.registry.clock.now()

    def _update(self, message_id: str, **fields: object) -> MeshRequestRecord:
        return self.ledger.update(
            message_id, worker=self.settings.worker_id, now=self._now(), lease_s=self.settings.lease_s, **fields
        )

    def _spool(self, message_id: str, suffix: str) -> Path:
        return self.settings.spool_dir / f"{_SAFE.sub('_', message_id)}.{suffix}"

    def process(self, message_id: str) -> Handled:
        """Take one request as far as it will go."""
        record = self.ledger.get(message_id)
        if record is not None and record.acknowledged_at is not None:
            # Answered and acknowledged before, yet MESH lists it again: acknowledge again, answer nothing.
            with contextlib.suppress(MeshMessageGone):
                self.mailbox.acknowledge(message_id)
            return Handled.ALREADY_ANSWERED
        record = self.ledger.claim(
            message_id, job_ref=uuid.uuid4().hex, worker=self.settings.worker_id, now=self._now(),
            lease_s=self.settings.lease_s,
        )
        if record is None:
            latest = self.ledger.get(message_id)
            finished = latest is not None and latest.acknowledged_at is not None
            return Handled.ALREADY_ANSWERED if finished else Handled.BUSY
        self._on_step("claimed")
        answered_before = record.answered_at is not None

        request_path = self._spool(message_id, "request")
        response_path = self._spool(message_id, "response")
        if record.answered_at is None:
            need_body = not (record.response_sha256 and response_path.exists())
            info = self._retrieve(message_id, request_path if need_body else None)
            if not record.sender:
                organisation = self.clients.by_mailbox(info.sender)
                record = self._update(
                    message_id, sender=info.sender, workflow_id=info.workflow_id, filename=info.filename,
                    local_id=info.local_id, organisation=organisation.ods_code.value if organisation else "",
                )
            self._on_step("retrieved")
            try:
                record = self._answer(record, request_path, response_path)
            except MeshSendRefused as exc:
                return self._undeliverable(record, exc)
        self._acknowledge(record)
        for path in (request_path, response_path):
            path.unlink(missing_ok=True)
        # Answered before this claim (by a worker stopped before acknowledging): only acknowledged now.
        return Handled.ALREADY_ANSWERED if answered_before else Handled.ANSWERED

    def _retrieve(self, message_id: str, spool_to: Path | None) -> InboundMessage:
        info, body = self.mailbox.retrieve(message_id)
        try:
            if spool_to is not None:
                partial = spool_to.with_suffix(".partial")
                with partial.open("wb") as out:
                    while block := body.read(1 << 20):
                        out.write(block)
                partial.replace(spool_to)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        return info

    def _gp_data(self, record: MeshRequestRecord) -> bool:
        return bool(self.settings.gp_data_workflow) and record.workflow_id == self.settings.gp_data_workflow

    def _answer(self, record: MeshRequestRecord, request_path: Path, response_path: Path) -> MeshRequestRecord:
        message_id = record.message_id
        gp_data = self._gp_data(record)
        known_sender = bool(record.organisation) and self._workflow_refusal(record) is None
        if known_sender and not record.ack_message_id:
            ack = json.dumps(
                {
                    "job_id": record.job_ref,
                    "dataset_id": "mesh_to_pos",
                    "status": "pending",
                    "request_message_id": message_id,
                    "local_id": record.local_id,
                    "filename": record.filename,
                },
                sort_keys=True,
            ).encode()
            ack_workflow = self.settings.gp_data_workflow if gp_data else self.settings.ack_workflow
            record = self._send_once(record, _ACK, ack_workflow,
                                     response_filename(record.filename, "ACK", "json"), "application/json",
                                     lambda: io.BytesIO(ack), subject="SUCCESS")
            self._on_step("ack_recorded")

        if not (record.response_sha256 and response_path.exists()):
            record = self._check(record, request_path, response_path)
            self._on_step("checked")

        if not record.response_message_id:
            extension = "csv" if record.filename.lower().endswith(".csv") else "dat"
            workflow = self.settings.gp_data_workflow if gp_data else self.settings.response_workflow
            record = self._send_once(record, _RESPONSE, workflow,
                                     response_filename(record.filename, "RESPONSE", extension), "text/plain",
                                     lambda: response_path.open("rb"),
                                     subject="REJECTED" if record.rejected else "SUCCESS")
        with self.registry.transaction():
            record = self._update(message_id, answered_at=self._now())
            self.registry.audit.append(
                AuditEntry(
                    action=AuditAction.MESH_REQUEST_ANSWERED if known_sender else AuditAction.MESH_REQUEST_REFUSED,
                    actor=Actor.organisation_mailbox(record.sender),
                    subject=message_id,
                    details={
                        "organisation": record.organisation,
                        "job_ref": record.job_ref,
                        "check_job_id": record.check_job_id,
                        "rejected": record.rejected,
                        "rejection": record.rejection,
                        "ack_message_id": record.ack_message_id,
                        "response_message_id": record.response_message_id,
                        "response_sha256": record.response_sha256,
                        **({"gp_data": True} if gp_data else {}),
                    },
                )
            )
        log.info("MESH request %s answered (job %s, rejected=%s)", message_id, record.job_ref, record.rejected)
        self._on_step("response_recorded")
        return record

    def _check(self, record: MeshRequestRecord, request_path: Path, response_path: Path) -> MeshRequestRecord:
        partial = response_path.with_suffix(".partial")
        refusal = self._workflow_refusal(record)
        if refusal is not None:
            partial.write_bytes(refusal.encode() + b"\r\n")
            check_job_id, rejected, rejection = "", True, "unexpected_workflow"
            log.warning("MESH request %s from mailbox %s has workflow %s, not one of %s: refused",
                        record.message_id, record.sender, printable_workflow(record.workflow_id),
                        sorted(self.accepted_workflows))
        elif not record.organisation:
            partial.write_bytes(UNKNOWN_SENDER_LINE.encode() + b"\r\n")
            check_job_id, rejected, rejection = "", True, "unknown_sender"
            log.warning("MESH request %s from unregistered mailbox %s refused", record.message_id, record.sender)
        else:
            fmt = CheckFormat.CSV if record.filename.lower().endswith(".csv") else None
            with request_path.open("rb") as request, partial.open("wb") as response:
                outcome = self.checks.run(
                    request, response, channel=CheckChannel.MESH, organisation=record.organisation, fmt=fmt,
                    reference=record.message_id, requested_by=Actor.organisation_mailbox(record.sender),
                    gp_data=self._gp_data(record),
                )
            check_job_id, rejected, rejection = outcome.job_id, outcome.rejected, outcome.rejection
        partial.replace(response_path)
        return self._update(
            record.message_id, check_job_id=check_job_id, rejected=rejected, rejection=rejection,
            response_path=str(response_path), response_sha256=_sha256_file(response_path),
        )

    def _workflow_refusal(self, record: MeshRequestRecord) -> str | None:
        return workflow_refusal(record.workflow_id, self.accepted_workflows)

    def _send_once(self, record: MeshRequestRecord, reply: _Reply, workflow: str, filename: str, content_type: str,
                   body: Callable[[], BinaryIO], *, subject: str) -> MeshRequestRecord:
        """Send at most once: a send begun before a crash is looked for in the outbox first."""
        since = reply.sending_since_of(record)
        if since is not None:
            found = self._find_sent(record, workflow, since)
            if found is not None:
                log.info("MESH %s for %s was sent before a restart; not sending again", reply.name, record.message_id)
                return self._update(record.message_id, **{reply.message_id_field: found})
        record = self._update(record.message_id, **{reply.sending_since_field: self._now()})
        self._on_step(reply.sending_step)
        outgoing = Outgoing(recipient=record.sender, workflow_id=workflow, filename=filename,
                            local_id=record.local_id, subject=subject, content_type=content_type)
        with body() as data:
            sent_id = self.mailbox.send(outgoing, data)
        self._on_step(reply.sent_step)
        return self._update(record.message_id, **{reply.message_id_field: sent_id})

    def _find_sent(self, record: MeshRequestRecord, workflow: str, since: datetime) -> str | None:
        ours = {record.ack_message_id, record.response_message_id} - {""}
        # A day's margin for clock skew between MESH and us; our own recorded ids, and those other
        # requests recorded, tell the messages apart.
        for sent in self.mailbox.sent_since(since - timedelta(days=1)):
            if (sent.recipient == record.sender and sent.workflow_id == workflow
                    and sent.local_id == record.local_id and sent.message_id not in ours
                    and not self.ledger.sent_by_another(sent.message_id, record.message_id)):
                return sent.message_id
        return None

    def _acknowledge(self, record: MeshRequestRecord) -> None:
        # Gone means acknowledged already (by us, before a restart) or expired: either way, done.
        with contextlib.suppress(MeshMessageGone):
            self.mailbox.acknowledge(record.message_id)
        self._on_step("acknowledged")
        self._update(record.message_id, acknowledged_at=self._now(), claimed_by="")

    def _undeliverable(self, record: MeshRequestRecord, exc: MeshSendRefused) -> Handled:
        """MESH will never deliver to this sender (417 and the like): record, audit, and acknowledge
        the request so that it is not tried for ever."""
        log.error("MESH refused a reply to %s for request %s: %s", record.sender, record.message_id, exc)
        with self.registry.transaction():
            record = self._update(record.message_id, failure=str(exc)[:200])
            self.registry.audit.append(
                AuditEntry(action=AuditAction.MESH_REQUEST_UNDELIVERABLE,
                           actor=Actor.organisation_mailbox(record.sender), subject=record.message_id,
                           details={"reason": str(exc)[:200]})
            )
        self._acknowledge(record)
        return Handled.FAILED


__all__ = ["CheckRunner", "Handled", "MeshAuthenticationFailed", "MeshUnavailable", "MeshWorker", "PollSummary",
           "WorkerSettings"]
