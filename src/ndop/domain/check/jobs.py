"""A check job: the record of one check, who asked, by which channel, and what came of it.

It holds counts and digests only: never the NHS numbers checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ndop.domain.check.rejections import CheckFormat
from ndop.domain.common.actors import Actor


class CheckChannel(StrEnum):
    CLI = "cli"
    MESH = "mesh"
    API = "api"
    WEB = "web"


@dataclass(frozen=True, slots=True)
class CheckJob:
    id: str
    started_at: datetime
    finished_at: datetime
    channel: CheckChannel
    organisation: str  # ODS code; "" for a local `ndop check`
    requested_by: Actor  # named by the channel (`Actor.through`): stored as `cli:LOGIN`, `web:EMAIL`, `api:ODS`
    reference: str  # e.g. a MESH message id
    format: CheckFormat | None  # None when the call was refused before any row was read
    rejected: bool
    rejection: str  # "" when accepted
    registry_version: int
    rows_in: int
    rows_invalid: int
    rows_removed: int
    rows_kept: int
    request_bytes: int
    request_sha256: str
    response_sha256: str
    snapshot_note: str = ""  # why the snapshot was rebuilt before this check ran; "" when it was not
    gp_data: bool = False  # a flow of GP data: Type 1 objections removed too
    rows_removed_type1: int = 0  # of rows_removed, those removed for a Type 1 objection alone

    @property
    def outcome(self) -> str:
        return "rejected" if self.rejected else "cleaned"


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """What a check came to, as the channel that asked for it answers."""

    job_id: str
    rejected: bool
    rejection: str  # "" when accepted; else a short code such as "invalid_nhs_numbers"
    message: str  # "" when accepted; else the sentence written as the response
    format: CheckFormat
    registry_version: int
    rows_in: int
    rows_invalid: int
    rows_removed: int
    rows_kept: int
    request_sha256: str
    response_sha256: str
    gp_data: bool = False
    rows_removed_type1: int = 0  # of rows_removed, those removed for a Type 1 objection alone
