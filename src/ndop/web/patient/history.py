""""Your choice history": only after verification (security code or NHS login); ADR 69."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from ndop import container
from ndop.domain.online.history import EntryKind
from ndop.services.online.view_own_history import view_own_history
from ndop.web.patient import journey
from ndop.web.patient.pages import page

ENGLAND = ZoneInfo("Europe/London")


@require_http_methods(["GET"])
def your_history(request: HttpRequest) -> HttpResponse:
    number = journey.verified(request)
    if number is None:
        return redirect("patient:start")
    rows = []
    for entry in view_own_history(container.own_history(), number):
        local = entry.at.astimezone(ENGLAND)
        rows.append({
            "date": f"{local.day} {local:%B %Y}", "iso": local.date().isoformat(),
            "what": entry.what, "how": entry.how, "staff": entry.kind is EntryKind.STAFF_VIEW,
        })
    return page(request, "your_history.jinja", {"title": "Your choice history", "rows": rows},
                back="patient:your_choice")
