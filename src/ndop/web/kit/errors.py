"""Error pages in the design system, with nothing from the request echoed back."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
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
