"""A stand-in for the bulk check engine's `CheckService` with the same contract, for channel tests
that are about MESH, HTTP and files rather than about the check: it keeps every valid number unless
told which are opted out, and rejects the whole file on one invalid number."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from ndop.domain.nhs_number import is_valid

REJECTION_LINE = "The file contains one or more invalid NHS Numbers."


@dataclass(frozen=True)
class FakeOutcome:
    job_id: str
    rejected: bool
    rejection: str
    message: str
    format: str
    registry_version: int
    rows_in: int
    rows_invalid: int
    rows_removed: int
    rows_kept: int
    request_sha256: str
    response_sha256: str


class FakeCheckService:
    def __init__(self, opted_out: set[str] | None = None) -> None:
        self.opted_out = opted_out or set()
        self.calls: list[dict] = []

    def run(self, request, response, *, channel, organisation="", fmt=None, report=None, reference="",
            requested_by=""):
        data = request.read()
        lines = [line for line in data.decode("ascii", "replace").splitlines() if line.strip()]
        numbers = [line.split(",", 1)[0].strip() for line in lines]
        invalid = [i for i, n in enumerate(numbers, 1) if not is_valid(n)]
        if invalid:
            out = (REJECTION_LINE + "\n").encode()
            if report is not None:
                report.write(f"Line {invalid[0]}: not a valid NHS number\n")
        else:
            kept = [n for n in numbers if n not in self.opted_out]
            out = "".join(f"{n},\n" for n in kept).encode()
        response.write(out)
        self.calls.append({"channel": str(channel), "organisation": organisation, "reference": reference})
        kept_count = 0 if invalid else len([n for n in numbers if n not in self.opted_out])
        return FakeOutcome(
            job_id=uuid.uuid4().hex, rejected=bool(invalid), rejection="invalid_nhs_numbers" if invalid else "",
            message=REJECTION_LINE if invalid else "", format=fmt or "dat", registry_version=7,
            rows_in=len(numbers), rows_invalid=len(invalid), rows_removed=0 if invalid else len(numbers) - kept_count,
            rows_kept=kept_count, request_sha256=hashlib.sha256(data).hexdigest(),
            response_sha256=hashlib.sha256(out).hexdigest(),
        )
