"""The journey's pages: the kit's page helper with the service's header and phone number.

There is no cache of rendered HTML here (there was one, ADR 33): a page renders what it is given, so
nothing a person typed can outlive their request.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from ndop.web.kit import pages

SERVICE = pages.Service("Manage your choice", "patient:start", "patient")
PHONE = "0300 303 5678"


def page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200,
         back: str | None = None) -> HttpResponse:
    return pages.page(request, SERVICE, template, {"phone": PHONE, **(context or {})}, status=status, back=back)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return page(request, "too_many_requests.jinja", {"title": "You have tried too many times"}, status=429)
