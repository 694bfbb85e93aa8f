"""Checks asked for over the API and the web upload page, on top of the bulk check engine.

Small requests are checked at once, in memory. Larger ones are spooled to disk as a `StoredCheck`,
checked (for the API by a background job, `ndop.jobs.checks`), and their cleaned file is kept for the
organisation to fetch. Every call goes through the engine, so every call is a `CheckJob` with its audit
event. A queued check may be run more than once (its worker died): it completes exactly once.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from ndop.domain.check.jobs import CheckChannel, CheckOutcome
from ndop.domain.check.ports import CheckRunner
from ndop.domain.check.rejections import CheckFormat
from ndop.domain.check.stored import AlreadyFinished, StoredCheck, StoredChecks, StoredCheckStatus
from ndop.domain.common.actors import Actor
from ndop.domain.organisations.accounts import Organisation
from ndop.domain.registry.ports import Registry

_NOT_DIGIT = re.compile(r"[^0-9 ]")
REPORT_LIMIT = 20_000  # characters of the engine's rejection report kept for the result page


# A JSON list of clean strings (what clients send: every API call of 1 to 1,000s of numbers) is joined at
# once; anything else goes line by line. Both give the same bytes (tests/unit/services/check/test_channel_lines.py).
_DIGITS_AND_SPACES = re.compile(r"[0-9 ]*")
# A response that is only `digits,\n` lines (what the engine writes back for such a request) is split at
# once; anything else is read line by line, with the same result.
_NUMBER_LINES = re.compile(rb"(?:[0-9]+,\n)*")


def dat_from_numbers(numbers: Iterable[object]) -> bytes:
    """A `.dat` request (one number and a comma a line) from a JSON list. Anything that is not a
    string of digits and spaces is written so that it stays one invalid line (no line can be smuggled in)."""
    items = list(numbers)
    if items and all(type(item) is str and item for item in items):
        clean = cast(list[str], items)  # each a non-empty string: of digits and spaces only, checked next
        if _DIGITS_AND_SPACES.fullmatch("".join(clean)):
            return (",\n".join(clean) + ",\n").encode()
    lines = []
    for item in items:
        text = item if isinstance(item, str) else repr(item)
        lines.append(_NOT_DIGIT.sub("X", text) or "X")
    return "".join(f"{line},\n" for line in lines).encode()


def numbers_from_dat(data: bytes) -> list[str]:
    """The numbers in a cleaned `.dat`/`.csv` response (first field of each line, header-less)."""
    if _NUMBER_LINES.fullmatch(data):
        return data.decode("ascii").split(",\n")[:-1]
    numbers = []
    for raw in data.splitlines():
        field = raw.split(b",", 1)[0].strip()
        if field.isdigit():
            numbers.append(field.decode())
    return numbers


def check_inline(checks: CheckRunner, request: bytes, *, channel: CheckChannel, organisation: Organisation,
                 fmt: CheckFormat | None, requested_by: Actor, gp_data: bool = False) -> tuple[CheckOutcome, bytes]:
    """Check a small request in memory: (outcome, response bytes). `fmt` None: detected. `gp_data`: a flow of
    GP data (Type 1 objections removed too)."""
    response = io.BytesIO()
    report = io.StringIO()
    outcome = checks.run(
        io.BytesIO(request), response, channel=channel, organisation=organisation.ods_code.value,
        fmt=fmt, report=report, requested_by=requested_by, gp_data=gp_data,
    )
    return outcome, response.getvalue()


class ByteSource(Protocol):
    """Anything read in blocks: an uploaded file, an HTTP body."""

    def read(self, size: int, /) -> bytes: ...


def _private_file(path: Path) -> BinaryIO:
    """Cleaned lists are service data: readable by this service's user only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, "wb")


def queue_check(store: StoredChecks, registry: Registry, source: ByteSource, *, root: Path, channel: CheckChannel,
                organisation: Organisation, fmt: CheckFormat | None, filename: str, requested_by: Actor,
                max_bytes: int, enqueue: Callable[[StoredCheck], None] | None = None,
                gp_data: bool = False) -> StoredCheck | None:
    """Spool `source` to disk and record a queued check. None when it is larger than `max_bytes`
    (nothing is kept then). `fmt` None: detected when it runs. `enqueue` hands it to the job queue in
    the same transaction as the record, so that no check is ever queued without its job (or a job left
    without its check)."""
    root.mkdir(parents=True, exist_ok=True)
    check_id = uuid.uuid4().hex
    request_path = root / f"{check_id}.request"
    size = 0
    with _private_file(request_path) as out:
        while block := source.read(1 << 20):
            size += len(block)
            if size > max_bytes:
                break
            out.write(block)
    if size > max_bytes:
        request_path.unlink(missing_ok=True)
        return None
    check = StoredCheck(
        id=check_id, organisation=organisation.ods_code.value, channel=channel,
        requested_by=requested_by.through(channel.value),
        filename=filename[:255], format=fmt, status=StoredCheckStatus.QUEUED, created_at=registry.clock.now(),
        request_path=str(request_path), result_path=str(root / f"{check_id}.result"), gp_data=gp_data,
    )
    with registry.transaction():
        store.add(check)
        if enqueue is not None:
            enqueue(check)
    return check


def run_queued(store: StoredChecks, registry: Registry, checks: CheckRunner, check: StoredCheck, *,
               on_step: Callable[[str], None] | None = None) -> StoredCheck:
    """Run a queued check and keep its cleaned file. Bad content is a rejected check, not an error;
    an infrastructure failure marks it failed and is raised.

    Safe to run again for the same check, at any point, even beside another run: the check's result is
    recorded in the CheckJob's own transaction and only if no run recorded one first, so a check gets
    exactly one result, one CheckJob and one audit event. Each run writes its own result file.
    `on_step` is told "recording" inside that transaction (the crash tests stop a worker there).
    """
    request_path = Path(check.request_path) if check.request_path else _request_path(check)
    if not store.start(check.id):
        request_path.unlink(missing_ok=True)  # a run that finished it may have died before removing it
        return check
    report = io.StringIO()
    result_path = Path(check.result_path).with_name(f"{check.id}.{uuid.uuid4().hex[:12]}.result")

    def record(outcome: CheckOutcome) -> None:
        if on_step is not None:
            on_step("recording")
        if not store.finish(_done(check, outcome, report, result_path, registry)):
            raise AlreadyFinished(check.id)  # rolls this run's CheckJob and audit event back

    try:
        with request_path.open("rb") as request, _private_file(result_path) as response:
            checks.run(
                request, response, channel=check.channel, organisation=check.organisation, fmt=check.format,
                report=report, reference=check.id, requested_by=check.requested_by, then=record,
                gp_data=check.gp_data,
            )
    except AlreadyFinished:
        result_path.unlink(missing_ok=True)
        return check
    except Exception:
        result_path.unlink(missing_ok=True)
        store.finish(replace(check, status=StoredCheckStatus.FAILED, finished_at=registry.clock.now(),
                             message="The check could not be completed. Try again later."))
        raise
    request_path.unlink(missing_ok=True)
    for other in result_path.parent.glob(f"{check.id}.*.result"):  # left by a run whose worker died
        if other != result_path:
            other.unlink(missing_ok=True)
    return store.get(check.id, check.organisation) or check


def _request_path(check: StoredCheck) -> Path:
    # A finished check forgets its request file; where it was follows from the result file's folder.
    return Path(check.result_path).with_name(f"{check.id}.request")


def _done(check: StoredCheck, outcome: CheckOutcome, report: io.StringIO, result_path: Path,
          registry: Registry) -> StoredCheck:
    return replace(
        check,
        status=StoredCheckStatus.DONE,
        check_job_id=outcome.job_id,
        registry_version=outcome.registry_version,
        rows_in=outcome.rows_in,
        rows_kept=outcome.rows_kept,
        rows_removed=outcome.rows_removed,
        rows_invalid=outcome.rows_invalid,
        rows_removed_type1=outcome.rows_removed_type1,
        rejected=outcome.rejected,
        rejection=outcome.rejection,
        message=outcome.message[:500],
        report=report.getvalue()[:REPORT_LIMIT],
        request_path="",
        result_path=str(result_path),
        finished_at=registry.clock.now(),
    )
