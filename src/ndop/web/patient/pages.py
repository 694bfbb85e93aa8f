"""Rendering shared by the journey's pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

SERVICE_NAME = "Manage your choice"
PHONE = "0300 303 5678"


def page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200,
         back: str | None = None) -> HttpResponse:
    ctx: dict[str, Any] = {
        "service_name": SERVICE_NAME,
        "service_href": reverse("patient:start"),
        "phone": PHONE,
        "patient_back": reverse(back) if back else None,
    }
    ctx.update(context or {})
    return render(request, f"patient/{template}", ctx, status=status)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return page(request, "too_many_requests.jinja", {"title": "You have tried too many times"}, status=429)
