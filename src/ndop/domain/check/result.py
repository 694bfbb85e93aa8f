"""What the engine found in one request, whichever format it was: the counts, the digests, the rejection."""

from __future__ import annotations

from dataclasses import dataclass

from ndop.domain.check.rejections import CheckFormat, Rejection


@dataclass(frozen=True, slots=True)
class EngineResult:
    format: CheckFormat
    rows_in: int
    rows_invalid: int
    rows_removed: int
    rows_kept: int
    rejection: Rejection | None
    newline: bytes  # the request's line ending, for the rejection line
    request_sha256: str
    response_sha256: str  # of the kept rows written to the sink ("" when rejected)
    bytes_in: int


def newline_of(prefix: bytes) -> bytes:
    """The line ending of the request's first line (`\\r\\n` or `\\n`)."""
    end = prefix.find(b"\n")
    return b"\r\n" if end > 0 and prefix[end - 1 : end] == b"\r" else b"\n"
