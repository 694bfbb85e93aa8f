"""`/api/v1/checks`: an organisation's API client checks a list of NHS numbers against the opt-out.

Authenticated by the organisation's API key in `X-API-Key`. A JSON list comes back as a JSON list;
a `.dat` or CSV body comes back as the cleaned file. Bodies larger than the organisation's inline
limit become a job: 202 with its URL, fetched when done. Every call is a `CheckJob`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django_ratelimit.core import is_ratelimited
from ninja import Router, Schema
from ninja.security import APIKeyHeader

from ndop import container
from ndop.domain.check.clients import LICENCE_TERMS
from ndop.domain.check.stored import StoredCheck, StoredCheckStatus
from ndop.domain.organisations.accounts import Organisation
from ndop.jobs.checks import enqueue_check
from ndop.services.check.channel_checks import check_inline, dat_from_numbers, numbers_from_dat, queue_check
from ndop.services.check.run_check import CheckChannel
from ndop.services.organisations.api_keys import authenticate

log = logging.getLogger("ndop.api")

FILE_TYPES = {"text/csv": "csv", "text/plain": "dat", "application/octet-stream": "dat"}


class ApiKey(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Organisation | None:
        if not key:
            return None
        return authenticate(container.registry(), container.check_clients(), key)


router = Router(tags=["checks"], auth=ApiKey())


class Problem(Schema):
    error: str
    message: str


class Unauthorized(Schema):
    """No API key, an unknown or revoked one, or one of an organisation that is no longer active."""

    detail: str


class Rejected(Schema):
    error: str
    message: str
    job_id: str
    licence: str


class CheckResult(Schema):
    job_id: str
    status: str
    registry_version: int
    rows_in: int
    rows_removed: int
    nhs_numbers: list[str]
    licence: str


class QueuedCheck(Schema):
    check_id: str
    status: str
    status_url: str
    result_url: str


class CheckStatus(Schema):
    check_id: str
    status: str
    job_id: str
    registry_version: int | None
    rows_in: int
    rows_removed: int
    rejected: bool
    rejection: str
    message: str
    result_url: str
    licence: str


def problem(status: int, error: str, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": error, "message": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


_FILE_BODY = {"schema": {"type": "string", "description": "A .dat file (`9434765919,` a line) or a CSV file."}}
_CHECK_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["nhs_numbers"],
                    "properties": {
                        "nhs_numbers": {"type": "array", "items": {"type": "string"}, "maxItems": 100000,
                                        "description": "10-digit NHS numbers, no spaces"},
                    },
                },
                "example": {"nhs_numbers": ["9434765919", "9000000025"]},
            },
            "text/csv": _FILE_BODY,
            "text/plain": _FILE_BODY,
        },
    },
    "responses": {
        200: {
            "description": "The cleaned list, in the shape that was sent (JSON, or the file with the job id and "
            "registry version in `X-Check-Job-Id` and `X-Registry-Version`)",
            "content": {"text/csv": _FILE_BODY, "text/plain": _FILE_BODY},
        },
    },
}


def _limited(request: HttpRequest, organisation: Organisation, per_minute: int) -> bool:
    limited: bool = is_ratelimited(request, group="api-checks", key=lambda _g, _r: organisation.ods_code.value,
                                   rate=f"{per_minute}/m", increment=True)
    return limited


def _file_response(body: bytes, outcome: Any, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=us-ascii")
    response["X-Check-Job-Id"] = outcome.job_id
    response["X-Registry-Version"] = str(outcome.registry_version)
    response["X-Licence"] = LICENCE_TERMS
    response["Content-Disposition"] = f'attachment; filename="cleaned.{"csv" if content_type == "text/csv" else "dat"}"'
    return response


def _rejected(job_id: str, rejection: str, message: str) -> JsonResponse:
    return JsonResponse({"error": rejection, "message": message, "job_id": job_id, "licence": LICENCE_TERMS},
                        status=422)


@router.post(
    "",
    summary="Check a list of NHS numbers",
    response={200: CheckResult, 202: QueuedCheck, 400: Problem, 401: Unauthorized, 413: Problem, 415: Problem,
              422: Rejected, 429: Problem},
    openapi_extra=_CHECK_OPENAPI,
)
def create_check(request: HttpRequest) -> HttpResponse:  # noqa: C901 - the web branch splits it (13 returns)
    """Send a JSON object `{"nhs_numbers": [...]}`, or a `.dat`/CSV file as `text/plain`/`text/csv`.
    The cleaned list (people who have opted out removed) comes back in the same shape. One invalid
    NHS number rejects the whole list (422), as the MESH service does. Files larger than your inline
    limit are accepted as a job (202): fetch `result_url` when `status_url` says `done`."""
    organisation: Organisation = request.auth  # type: ignore[attr-defined]
    limits = container.check_clients().limits(organisation.ods_code)

    def refused(status: int, error: str, message: str, **headers: str) -> JsonResponse:
        # Every call is a CheckJob: a refused one too, before any number was read.
        job_id = container.check_service().refuse(
            channel=CheckChannel.API, organisation=organisation.ods_code.value, rejection=error,
            requested_by=f"api:{organisation.ods_code.value}", request_bytes=declared,
        )
        response = problem(status, error, message, **headers)
        response["X-Check-Job-Id"] = job_id
        return response

    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if _limited(request, organisation, limits.requests_per_minute):
        return refused(429, "rate_limited",
                       f"More than {limits.requests_per_minute} checks in a minute. Wait a minute and try again.",
                       Retry_After="60")
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    if content_type != "application/json" and content_type not in FILE_TYPES:
        return refused(415, "unsupported_media_type",
                       "Send application/json, text/csv or text/plain (a .dat file).")
    if declared > limits.max_request_bytes:
        return refused(413, "too_large", f"The largest request is {limits.max_request_bytes:,} bytes. "
                       "Split the list, or send it over MESH.")
    requested_by = f"api:{organisation.ods_code.value}"
    channel = CheckChannel.API

    if content_type == "application/json":
        if declared > limits.inline_bytes:
            return refused(413, "too_large", f"JSON lists are limited to {limits.inline_bytes:,} bytes. "
                           "Send a larger list as a text/csv or text/plain file.")
        raw = request.read(limits.inline_bytes + 1)
        if len(raw) > limits.inline_bytes:
            return refused(413, "too_large", f"JSON lists are limited to {limits.inline_bytes:,} bytes.")
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return refused(400, "bad_json", 'Send a JSON object: {"nhs_numbers": ["9434765919", ...]}.')
        if not isinstance(payload, dict) or not isinstance(payload.get("nhs_numbers"), list):
            return refused(400, "bad_json", 'Send a JSON object: {"nhs_numbers": ["9434765919", ...]}.')
        outcome, body = check_inline(container.check_service(), dat_from_numbers(payload["nhs_numbers"]),
                                     channel=channel, organisation=organisation, fmt="dat", requested_by=requested_by)
        if outcome.rejected:
            return _rejected(outcome.job_id, outcome.rejection, outcome.message)
        return JsonResponse({
            "job_id": outcome.job_id, "status": "done", "registry_version": outcome.registry_version,
            "rows_in": outcome.rows_in, "rows_removed": outcome.rows_removed,
            "nhs_numbers": numbers_from_dat(body), "licence": LICENCE_TERMS,
        })

    fmt = FILE_TYPES[content_type]
    fmt_arg = "csv" if fmt == "csv" else None  # text/plain: let the engine tell .dat from CSV
    source: Any = request
    if declared <= limits.inline_bytes:  # small, or of unknown length: read up to the inline limit
        raw = request.read(limits.inline_bytes + 1)
        if len(raw) <= limits.inline_bytes:
            outcome, body = check_inline(container.check_service(), raw, channel=channel,
                                         organisation=organisation, fmt=fmt_arg or "", requested_by=requested_by)
            if outcome.rejected:
                return _rejected(outcome.job_id, outcome.rejection, outcome.message)
            return _file_response(body, outcome, content_type)
        source = _Prefixed(raw, request)
    check = queue_check(container.stored_checks(), container.registry(), source, root=container.var_dir() / "checks",
                        channel="api", organisation=organisation, fmt=fmt_arg or "", filename="",
                        requested_by=requested_by, max_bytes=limits.max_request_bytes,
                        enqueue=enqueue_check)  # a job in the database: `ndop worker` runs it
    if check is None:
        return refused(413, "too_large", f"The largest request is {limits.max_request_bytes:,} bytes.")
    status_url = f"/api/v1/checks/{check.id}"
    response = JsonResponse({"check_id": check.id, "status": check.status.value, "status_url": status_url,
                             "result_url": f"{status_url}/result"}, status=202)
    response["Location"] = status_url
    return response


class _Prefixed:
    """Bytes already read, then the rest of the stream."""

    def __init__(self, prefix: bytes, rest: Any) -> None:
        self._prefix = prefix
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            if size < 0 or size >= len(self._prefix):
                head, self._prefix = self._prefix, b""
                rest: bytes = self._rest.read(size - len(head)) if size >= 0 else self._rest.read()
                return head + rest
            head, self._prefix = self._prefix[:size], self._prefix[size:]
            return head
        return bytes(self._rest.read(size) if size >= 0 else self._rest.read())


def _status(check: StoredCheck) -> dict[str, Any]:
    return {
        "check_id": check.id, "status": check.status.value, "job_id": check.check_job_id,
        "registry_version": check.registry_version, "rows_in": check.rows_in, "rows_removed": check.rows_removed,
        "rejected": check.rejected, "rejection": check.rejection, "message": check.message,
        "result_url": f"/api/v1/checks/{check.id}/result", "licence": LICENCE_TERMS,
    }


@router.get("/{check_id}", summary="A queued check's status",
            response={200: CheckStatus, 401: Unauthorized, 404: Problem})
def check_status(request: HttpRequest, check_id: str) -> Any:
    organisation: Organisation = request.auth  # type: ignore[attr-defined]
    check = container.stored_checks().get(check_id, organisation.ods_code.value)
    if check is None:
        return problem(404, "not_found", "There is no check with this id for your organisation.")
    return _status(check)


@router.get(
    "/{check_id}/result",
    summary="A queued check's cleaned file",
    response={401: Unauthorized, 404: Problem, 409: Problem, 422: Rejected},
    openapi_extra={"responses": {200: {"description": "The cleaned file",
                                         "content": {"text/csv": _FILE_BODY, "text/plain": _FILE_BODY}}}},
)
def check_result(request: HttpRequest, check_id: str) -> HttpResponse | FileResponse:
    organisation: Organisation = request.auth  # type: ignore[attr-defined]
    check = container.stored_checks().get(check_id, organisation.ods_code.value)
    if check is None:
        return problem(404, "not_found", "There is no check with this id for your organisation.")
    if check.status is not StoredCheckStatus.DONE:
        return problem(409, "not_ready", f"The check is {check.status.value}. Ask again in a moment.")
    if check.rejected:
        return _rejected(check.check_job_id, check.rejection, check.message)
    content_type = "text/csv" if check.format == "csv" else "text/plain"
    response = FileResponse(open(check.result_path, "rb"), content_type=f"{content_type}; charset=us-ascii")  # noqa: SIM115
    response["X-Check-Job-Id"] = check.check_job_id
    response["X-Registry-Version"] = str(check.registry_version)
    response["X-Licence"] = LICENCE_TERMS
    response["Content-Disposition"] = f'attachment; filename="cleaned.{"csv" if check.format == "csv" else "dat"}"'
    return response
