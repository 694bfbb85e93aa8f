"""The portal's pages: the kit's page helper with the contact centre's header and who is signed in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from ndop.web.kit import pages

SERVICE = pages.Service("National Data Opt-out contact centre", "staff:home", "staff")


def page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200,
         back: str | None = None, errors: list[pages.Problem] | None = None) -> HttpResponse:
    ctx = {"staff": getattr(request, "staff", None), **(context or {})}
    return pages.page(request, SERVICE, f"{template}.jinja", ctx, status=status, back=back, errors=errors)
