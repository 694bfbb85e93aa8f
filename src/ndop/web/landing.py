from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# Each part of the service adds itself here when it exists: (title, url name, description).
PARTS: list[tuple[str, str, str]] = [
    ("Manage your choice", "patient:start",
     "View or change your own choice online, if you are 13 or over. You need your NHS number, or your name and "
     "postcode, and a mobile phone or email address on your record."),
    ("Paper forms", "forms",
     "Make a choice by post or email: for yourself, for your child under 13, or for someone you act for with a "
     "lasting power of attorney or as their court appointed deputy."),
    ("For organisations: sign in", "org:home",
     "Health and care organisations sign in to check lists of NHS numbers and keep the register of their data flows."),
    (
        "Does the opt-out apply to a data flow?",
        "policy:start",
        "For organisations: check whether the national data opt-out applies to a use of data, with the reasons.",
    ),
    ("Statistics", "statistics:index",
     "How many people have opted out, by age and gender, GP practice and area, month by month."),
]


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.jinja", {"parts": PARTS})


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
