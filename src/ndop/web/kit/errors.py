"""Error pages in the design system, and the JSON API's error envelope, with nothing from the request echoed back."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(
        request,
        "error.jinja",
        {
            "title": "Your session has expired or the form was sent twice",
            "body": "For your security, we could not accept that form. Go back, reload the page and try again.",
        },
        status=403,
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return api_not_found()
    return render(
        request,
        "error.jinja",
        {"title": "Page not found", "body": "If you typed the web address, check it is correct."},
        status=404,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "error.jinja",
        {"title": "Sorry, there is a problem with the service", "body": "Try again later."},
        status=500,
    )


# --------------------------------------------------------------------------- the JSON API's envelope

API_PREFIX = "/api/"


def api_error(status: int, error: str, message: str, problems: list[dict[str, object]] | None = None,
              **extra: object) -> JsonResponse:
    """The JSON API's one error body: `{"error": code, "message": sentence, "problems": [...]}` (docs/api.md).

    `extra` adds what a particular answer must carry besides (a rejected check's job id and licence).
    """
    return JsonResponse({"error": error, "message": message, "problems": problems or [], **extra}, status=status)


def api_not_found() -> JsonResponse:
    return api_error(404, "not_found", "There is nothing at this address. The API's operations are at /api/docs.")
