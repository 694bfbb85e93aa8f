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
from ninja import Router, Schema
from ninja.security import APIKeyHeader

from ndop import container
from ndop.domain.check.clients import LICENCE_TERMS, CheckLimits
from ndop.domain.check.jobs import CheckChannel, CheckOutcome
from ndop.domain.check.rejections import CheckFormat
from ndop.domain.check.stored import StoredCheck, StoredCheckStatus
from ndop.domain.common.actors import Actor
from ndop.domain.organisations.accounts import Organisation
from ndop.jobs.checks import enqueue_check
from ndop.services.check.channel_checks import check_inline, dat_from_numbers, numbers_from_dat, queue_check
from ndop.services.organisations.api_keys import RECENT_KEYS, authenticate_with_limits
from ndop.web.api.errors import AUTHENTICATED, Error, RejectedCheck, rejected
from ndop.web.kit.errors import api_error
from ndop.web.kit.limits import over

log = logging.getLogger("ndop.api")

# The file types accepted, with the format each is checked as (None: the engine tells .dat from CSV).
FILE_TYPES: dict[str, CheckFormat | None] = {"text/csv": CheckFormat.CSV, "text/plain": None,
                                             "application/octet-stream": None}


class ApiKey(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Organisation | None:
        if not key:
            return None
        # One read (key, organisation, limits), or none when this process verified the same key in the
        # last seconds (ADR 92).
        found = authenticate_with_limits(container.check_clients(), key, recent=RECENT_KEYS)
        if found is None:
            return None
        request.check_limits = found[1]  # type: ignore[attr-defined]  # read by _Call below
        return found[0]


router = Router(tags=["checks"], auth=ApiKey())


class CheckResult(Schema):
    job_id: str
    status: str
    registry_version: int
    rows_in: int
    rows_removed: int
    gp_data: bool
    rows_removed_type1: int
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
    gp_data: bool
    rows_removed_type1: int
    rejected: bool
    rejection: str
    message: str
    result_url: str
    licence: str


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
                        "gp_data": {"type": "boolean", "default": False,
                                    "description": "A flow of GP data: also remove people with a Type 1 "
                                    "objection (for a file body, the query parameter `gp_data=true`)"},
                    },
                },
                "example": {"nhs_numbers": ["9434765919", "9000000025"]},
            },
            "text/csv": _FILE_BODY,
            "text/plain": _FILE_BODY,
        },
    },
    "parameters": [{"in": "query", "name": "gp_data", "required": False, "schema": {"type": "boolean"},
                    "description": "A flow of GP data: people with a Type 1 objection are removed as well"}],
    "responses": {
        200: {
            "description": "The cleaned list, in the shape that was sent (JSON, or the file with the job id and "
            "registry version in `X-Check-Job-Id` and `X-Registry-Version`)",
            "content": {"text/csv": _FILE_BODY, "text/plain": _FILE_BODY},
        },
    },
}


def _file_response(body: bytes, outcome: CheckOutcome, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=us-ascii")
    response["X-Check-Job-Id"] = outcome.job_id
    response["X-Registry-Version"] = str(outcome.registry_version)
    if outcome.gp_data:
        response["X-Rows-Removed-Type1"] = str(outcome.rows_removed_type1)
    response["X-Licence"] = LICENCE_TERMS
    response["Content-Disposition"] = f'attachment; filename="cleaned.{"csv" if content_type == "text/csv" else "dat"}"'
    return response


class _Refused(Exception):
    """A call refused before any NHS number is read: recorded as a rejected CheckJob, answered in the envelope."""

    def __init__(self, status: int, error: str, message: str, **headers: str) -> None:
        super().__init__(error)
        self.status, self.error, self.message, self.headers = status, error, message, headers


_JSON_SHAPE = 'Send a JSON object: {"nhs_numbers": ["9434765919", ...]} (and optionally "gp_data": true).'
_FLAGS = {"true": True, "1": True, "false": False, "0": False}


class _Call:
    """One POST /api/v1/checks: who sent it, their limits, what it declares. Each step is a method."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.organisation: Organisation = request.auth  # type: ignore[attr-defined]
        limits: CheckLimits | None = getattr(request, "check_limits", None)  # found with the key
        self.limits = limits or container.check_clients().limits(self.organisation.ods_code)
        self.requested_by = Actor.organisation_api_key(self.organisation.ods_code.value)
        self.content_type = (request.content_type or "").split(";")[0].strip().lower()
        try:
            self.declared = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            self.declared = 0
        self.gp_data_query = request.GET.get("gp_data")
        self.gp_data = False

    def admit(self) -> None:
        """Refuse what is over the rate, of a type we do not read, or declared larger than allowed."""
        per_minute = self.limits.requests_per_minute
        if over(self.request, "api-checks", f"{per_minute}/m", key=self.organisation.ods_code.value):
            raise _Refused(429, "rate_limited", f"More than {per_minute} checks in a minute. Wait a minute and "
                           "try again.", Retry_After="60")
        if self.content_type != "application/json" and self.content_type not in FILE_TYPES:
            raise _Refused(415, "unsupported_media_type",
                           "Send application/json, text/csv or text/plain (a .dat file).")
        if self.gp_data_query is not None:
            if self.gp_data_query.lower() not in _FLAGS:
                raise _Refused(400, "bad_gp_data", "gp_data must be true or false.")
            self.gp_data = _FLAGS[self.gp_data_query.lower()]
        if self.declared > self.limits.max_request_bytes:
            raise _Refused(413, "too_large", f"The largest request is {self.limits.max_request_bytes:,} bytes. "
                           "Split the list, or send it over MESH.")

    def refuse(self, refused: _Refused) -> HttpResponse:
        # Every call is a CheckJob: a refused one too, before any number was read.
        job_id = container.check_service().refuse(
            channel=CheckChannel.API, organisation=self.organisation.ods_code.value, rejection=refused.error,
            requested_by=self.requested_by, request_bytes=self.declared,
        )
        response = api_error(refused.status, refused.error, refused.message)
        for name, value in refused.headers.items():
            response[name.replace("_", "-")] = value
        response["X-Check-Job-Id"] = job_id
        return response

    def json_numbers(self) -> list[Any]:
        """The list of a JSON body, read only up to the inline limit."""
        inline = self.limits.inline_bytes
        if self.declared > inline:
            raise _Refused(413, "too_large", f"JSON lists are limited to {inline:,} bytes. "
                           "Send a larger list as a text/csv or text/plain file.")
        raw = self.request.read(inline + 1)
        if len(raw) > inline:
            raise _Refused(413, "too_large", f"JSON lists are limited to {inline:,} bytes.")
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: `[[[…]]]` (ADR 0048)
            raise _Refused(400, "bad_json", _JSON_SHAPE) from None
        if not isinstance(payload, dict) or not isinstance(payload.get("nhs_numbers"), list):
            raise _Refused(400, "bad_json", _JSON_SHAPE)
        if "gp_data" in payload:
            if not isinstance(payload["gp_data"], bool):
                raise _Refused(400, "bad_json", "gp_data must be true or false.")
            self.gp_data = payload["gp_data"]
        numbers: list[Any] = payload["nhs_numbers"]
        return numbers

    def check_json(self) -> HttpResponse:
        numbers = self.json_numbers()
        outcome, body = check_inline(container.check_service(), dat_from_numbers(numbers), channel=CheckChannel.API,
                                     organisation=self.organisation, fmt=CheckFormat.DAT,
                                     requested_by=self.requested_by, gp_data=self.gp_data)
        if outcome.rejected:
            return rejected(outcome.job_id, outcome.rejection, outcome.message)
        return JsonResponse({
            "job_id": outcome.job_id, "status": "done", "registry_version": outcome.registry_version,
            "rows_in": outcome.rows_in, "rows_removed": outcome.rows_removed, "gp_data": outcome.gp_data,
            "rows_removed_type1": outcome.rows_removed_type1,
            "nhs_numbers": numbers_from_dat(body), "licence": LICENCE_TERMS,
        })

    def check_file(self) -> HttpResponse:
        """A small file is checked at once; a larger one (or one of unknown length over the limit) is queued."""
        fmt = FILE_TYPES[self.content_type]
        source: Any = self.request
        if self.declared <= self.limits.inline_bytes:  # small, or of unknown length: read up to the inline limit
            raw = self.request.read(self.limits.inline_bytes + 1)
            if len(raw) <= self.limits.inline_bytes:
                outcome, body = check_inline(container.check_service(), raw, channel=CheckChannel.API,
                                             organisation=self.organisation, fmt=fmt,
                                             requested_by=self.requested_by, gp_data=self.gp_data)
                if outcome.rejected:
                    return rejected(outcome.job_id, outcome.rejection, outcome.message)
                return _file_response(body, outcome, self.content_type)
            source = _Prefixed(raw, self.request)
        return self.queue(source, fmt)

    def queue(self, source: Any, fmt: CheckFormat | None) -> HttpResponse:
        check = queue_check(container.stored_checks(), container.registry(), source,
                            root=container.var_dir() / "checks", channel=CheckChannel.API,
                            organisation=self.organisation, fmt=fmt, filename="", requested_by=self.requested_by,
                            max_bytes=self.limits.max_request_bytes, gp_data=self.gp_data,
                            enqueue=enqueue_check)  # a job in the database: `ndop worker` runs it
        if check is None:
            raise _Refused(413, "too_large", f"The largest request is {self.limits.max_request_bytes:,} bytes.")
        status_url = f"/api/v1/checks/{check.id}"
        response = JsonResponse({"check_id": check.id, "status": check.status.value, "status_url": status_url,
                                 "result_url": f"{status_url}/result"}, status=202)
        response["Location"] = status_url
        return response


@router.post(
    "",
    summary="Check a list of NHS numbers",
    response={200: CheckResult, 202: QueuedCheck, 400: Error, **AUTHENTICATED, 413: Error, 415: Error,
              422: RejectedCheck, 429: Error},
    openapi_extra=_CHECK_OPENAPI,
)
def create_check(request: HttpRequest) -> HttpResponse:
    """Send a JSON object `{"nhs_numbers": [...]}`, or a `.dat`/CSV file as `text/plain`/`text/csv`.
    The cleaned list (people who have opted out removed) comes back in the same shape. One invalid
    NHS number rejects the whole list (422), as the MESH service does. Files larger than your inline
    limit are accepted as a job (202): fetch `result_url` when `status_url` says `done`."""
    call = _Call(request)
    try:
        call.admit()
        return call.check_json() if call.content_type == "application/json" else call.check_file()
    except _Refused as refused:
        return call.refuse(refused)


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
        "gp_data": check.gp_data, "rows_removed_type1": check.rows_removed_type1,
        "rejected": check.rejected, "rejection": check.rejection, "message": check.message,
        "result_url": f"/api/v1/checks/{check.id}/result", "licence": LICENCE_TERMS,
    }


@router.get("/{check_id}", summary="A queued check's status",
            response={200: CheckStatus, **AUTHENTICATED, 404: Error})
def check_status(request: HttpRequest, check_id: str) -> Any:
    organisation: Organisation = request.auth  # type: ignore[attr-defined]
    check = container.stored_checks().get(check_id, organisation.ods_code.value)
    if check is None:
        return api_error(404, "not_found", "There is no check with this id for your organisation.")
    return _status(check)


@router.get(
    "/{check_id}/result",
    summary="A queued check's cleaned file",
    response={**AUTHENTICATED, 404: Error, 409: Error, 422: RejectedCheck},
    openapi_extra={"responses": {200: {"description": "The cleaned file",
                                         "content": {"text/csv": _FILE_BODY, "text/plain": _FILE_BODY}}}},
)
def check_result(request: HttpRequest, check_id: str) -> HttpResponse | FileResponse:
    organisation: Organisation = request.auth  # type: ignore[attr-defined]
    check = container.stored_checks().get(check_id, organisation.ods_code.value)
    if check is None:
        return api_error(404, "not_found", "There is no check with this id for your organisation.")
    if check.status is not StoredCheckStatus.DONE:
        return api_error(409, "not_ready", f"The check is {check.status.value}. Ask again in a moment.")
    if check.rejected:
        return rejected(check.check_job_id, check.rejection, check.message)
    csv = check.format is CheckFormat.CSV
    content_type = "text/csv" if csv else "text/plain"
    response = FileResponse(open(check.result_path, "rb"), content_type=f"{content_type}; charset=us-ascii")  # noqa: SIM115
    response["X-Check-Job-Id"] = check.check_job_id
    response["X-Registry-Version"] = str(check.registry_version)
    response["X-Licence"] = LICENCE_TERMS
    response["Content-Disposition"] = f'attachment; filename="cleaned.{"csv" if csv else "dat"}"'
    return response
