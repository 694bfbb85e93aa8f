"""The JSON API's one error envelope, its schemas, and the handlers that put Ninja's own errors in it.

Every refusal, 400 to 429, is `{"error": code, "message": sentence, "problems": [...]}`: `error` is a
stable code to branch on, `message` says what was wrong and what to do, `problems` lists each thing
wrong with the input where there can be several (a policy flow), else it is empty. A rejected check
(422) also carries its `job_id` and the `licence`. docs/check-channels.md lists the codes.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from ndop.domain.check.clients import LICENCE_TERMS
from ndop.web.kit.errors import api_error


class ProblemItem(Schema):
    """One thing wrong with the input: where (`key`), what, and the values allowed there if it is a choice."""

    key: str
    message: str
    allowed: list[str]


class Error(Schema):
    error: str
    message: str
    problems: list[ProblemItem]


class RejectedCheck(Error):
    """A list refused whole (one invalid NHS number, a malformed file): the CheckJob that records it."""

    job_id: str
    licence: str


def rejected(job_id: str, rejection: str, message: str) -> HttpResponse:
    return api_error(422, rejection, message, job_id=job_id, licence=LICENCE_TERMS)


UNAUTHORIZED = "Send the API key your organisation was given in the X-API-Key header."

# The refusals an operation behind an API key can give besides its own.
AUTHENTICATED = {401: Error}


# Ninja types a handler's exception as "the class or an instance": the handlers take any object.
def _unauthorized(request: HttpRequest, exc: object) -> HttpResponse:
    return api_error(401, "unauthorized", UNAUTHORIZED)


def _forbidden(request: HttpRequest, exc: object) -> HttpResponse:
    return api_error(403, "forbidden", "Your API key does not give access to this.")


def _http_error(request: HttpRequest, exc: object) -> HttpResponse:
    status = exc.status_code if isinstance(exc, HttpError) else 400
    return api_error(status, "http_error", str(exc))


def _invalid(request: HttpRequest, exc: object) -> HttpResponse:
    errors = exc.errors if isinstance(exc, ValidationError) else []
    problems: list[dict[str, Any]] = [
        {"key": ".".join(str(part) for part in e.get("loc", ())), "message": str(e.get("msg", "")), "allowed": []}
        for e in errors
    ]
    return api_error(422, "invalid_request", "The request does not match the API's schema: see problems.", problems)


def _not_found(request: HttpRequest, exc: object) -> HttpResponse:
    return api_error(404, "not_found", "There is nothing at this address.")


def install(api: NinjaAPI) -> None:
    """Ninja's own refusals (a missing key, a body that does not validate, a 404) in the envelope."""
    api.add_exception_handler(AuthenticationError, _unauthorized)
    api.add_exception_handler(AuthorizationError, _forbidden)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(ValidationError, _invalid)
    api.add_exception_handler(Http404, _not_found)
