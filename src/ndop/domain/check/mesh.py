"""MESH, as the check service sees it: messages in a mailbox, and what to do when MESH says no.

The port (`MeshMailbox`) hides `mesh_client`; the error classes carry what the MESH guidance says
to do about each HTTP status, so the worker can act on them without knowing about HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Final, Protocol

REQUEST_WORKFLOW: Final = "SPINE_NTT_UPHOLDING"
# Requests for a flow of GP data, from which people with a Type 1 objection are removed as well (issue 14).
# Ours, not an NHS England workflow id: set NDOP_MESH_GP_DATA_WORKFLOW to the one agreed with MESH.
GP_DATA_WORKFLOW: Final = "NDOP_GP_DATA_UPHOLDING"
REGISTRY_MAILBOX: Final = "X26HC065"
LIST_PAGE_LIMIT: Final = 500  # MESH returns at most 500 message ids a call


class MeshError(Exception):
    """MESH refused or failed. Messages carry HTTP status and MESH codes only, never content."""


class MeshUnavailable(MeshError):
    """MESH could not be reached, or answered 5xx/429: wait and try again (with back-off)."""


class MeshAuthenticationFailed(MeshError):
    """403 on handshake, list or send: the mailbox, password, shared key or certificate is wrong.
    Retrying will not help; an operator must fix the configuration."""


class MeshMessageGone(MeshError):
    """404 or 410 on retrieve or acknowledge: the message does not exist any more (acknowledged by
    another client, or expired). Nothing to answer; forget it."""


class MeshSendRefused(MeshError):
    """417 (or another 4xx) on send: MESH will never accept this message (unknown recipient, workflow
    not allowed, bad headers). Retrying will not help; record it and move on."""


@dataclass(frozen=True, slots=True)
class InboundMessage:
    message_id: str
    sender: str
    recipient: str
    workflow_id: str
    filename: str
    local_id: str
    subject: str


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One message in our outbox, as MESH tracks it (used to find a send whose id we did not record)."""

    message_id: str
    recipient: str
    workflow_id: str
    local_id: str
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class Outgoing:
    recipient: str
    workflow_id: str
    filename: str
    local_id: str
    subject: str
    content_type: str


class InboundBody(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class MeshMailbox(Protocol):
    """One MESH mailbox. Methods raise the `MeshError` subclasses above."""

    mailbox: str

    def handshake(self) -> None: ...

    def inbox(self, workflow_id: str | None = None) -> Iterator[str]:
        """Every message id in the inbox for `workflow_id` (None: every workflow), paging past the
        500-a-call limit."""
        ...

    def retrieve(self, message_id: str) -> tuple[InboundMessage, InboundBody]: ...

    def send(self, outgoing: Outgoing, body: BinaryIO) -> str:
        """Send `body`, chunked as needed; returns the new message id."""
        ...

    def sent_since(self, since: datetime) -> Iterator[SentMessage]: ...

    def acknowledge(self, message_id: str) -> None: ...


_NOT_IN_WORKFLOW_ID = re.compile(r"[^A-Za-z0-9_.-]")


def printable_workflow(workflow_id: str) -> str:
    """A workflow id as a log line or a reply may quote it: 64 characters at most, anything but letters,
    digits and `_.-` as `?` (no line breaks to forge log lines with)."""
    return _NOT_IN_WORKFLOW_ID.sub("?", workflow_id[:64])


def workflow_refusal(workflow_id: str, accepted: frozenset[str]) -> str | None:
    """None when `workflow_id` is one the registry's mailbox answers; otherwise the line the sender gets
    back, naming the workflow (or workflows) expected. Workflow ids are MESH routing names, never personal
    data, so the line may quote what was sent."""
    if workflow_id in accepted:
        return None
    expected = " or ".join(sorted(accepted))
    sent = printable_workflow(workflow_id) or "none"
    return (f"The message's workflow ID ({sent}) is not one this service answers. "
            f"Send check requests with the workflow ID {expected}.")


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def response_filename(request_filename: str, suffix: str, extension: str) -> str:
    """The response's file name, from the request's: `RX1OT001-231126-0001.dat` gives
    `RX1OT001-231126-0001_RESPONSE.dat`. MESH UI users must avoid `:`; keep to letters, digits, `_-.`."""
    stem = request_filename.rsplit("/", 1)[-1]
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]
    stem = _UNSAFE.sub("_", stem).strip("_.") or "request"
    return f"{stem[:100]}_{suffix}.{extension}"


@dataclass(frozen=True, slots=True)
class MeshRequestRecord:
    """The ledger's row for one request message: how far answering it has got."""

    message_id: str
    job_ref: str
    sender: str
    organisation: str
    workflow_id: str
    filename: str
    local_id: str
    claimed_by: str
    ack_sending_since: datetime | None
    ack_message_id: str
    check_job_id: str
    response_path: str
    response_sha256: str
    rejected: bool
    rejection: str
    response_sending_since: datetime | None
    response_message_id: str
    answered_at: datetime | None
    acknowledged_at: datetime | None
    failure: str


class LostClaim(Exception):
    """Another worker took this message over (our lease ran out): stop working on it."""


class MeshLedger(Protocol):
    """Durable record of request messages, keyed by MESH message id. Writes commit at once
    (each one is a step a restarted worker can resume from)."""

    def claim(self, message_id: str, *, job_ref: str, worker: str, now: datetime, lease_s: float) -> (
        MeshRequestRecord | None
    ):
        """Take the message for `worker` (creating its row on first sight, with `job_ref`). None when
        another worker holds a live claim, or the request is finished (acknowledged)."""
        ...

    def get(self, message_id: str) -> MeshRequestRecord | None: ...

    def update(self, message_id: str, *, worker: str, now: datetime, lease_s: float, **fields: object) -> (
        MeshRequestRecord
    ):
        """Write `fields` and renew the lease, only while `worker` holds the claim (else LostClaim)."""
        ...

    def answered_unacknowledged(self) -> list[str]:
        """Requests answered whose acknowledgement in MESH was not recorded (a worker stopped between
        the two): MESH may no longer list them, so the worker finishes them from here."""
        ...

    def sent_by_another(self, sent_message_id: str, request_message_id: str) -> bool:
        """True when another request's row already names `sent_message_id` as its ack or response."""
        ...
