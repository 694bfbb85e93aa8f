from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# Each part of the service adds itself here when it exists: (title, url name, description).
PARTS: list[tuple[str, str, str]] = [
    ("For organisations: sign in", "org:home",
     "Health and care organisations sign in to check lists of NHS numbers and keep the register of their data flows."),
    (
        "Does the opt-out apply to a data flow?",
        "policy:start",
        "For organisations: check whether the national data opt-out applies to a use of data, with the reasons.",
    ),
]


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.jinja", {"parts": PARTS})


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
