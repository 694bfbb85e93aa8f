"""What the journey keeps in the server-side session (never in the cookie, never in the URL).

The Django database session holds one dict under `online`; the cookie carries only its opaque id.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from ndop.domain.common.nhs_number import NhsNumber

KEY = "online"


def state(request: HttpRequest) -> dict[str, Any]:
    request.session["_private"] = True  # pages that show anything personal are never cached
    journey: dict[str, Any] = request.session.setdefault(KEY, {})
    return journey


def update(request: HttpRequest, **values: Any) -> None:
    current = dict(state(request))
    current.update(values)
    request.session[KEY] = current


def clear(request: HttpRequest) -> None:
    request.session.pop(KEY, None)


def matched(request: HttpRequest) -> NhsNumber | None:
    digits = state(request).get("matched")
    return NhsNumber(digits) if digits else None


def verified(request: HttpRequest) -> NhsNumber | None:
    digits = state(request).get("verified")
    return NhsNumber(digits) if digits else None


def timed_out(request: HttpRequest) -> bool:
    """True when the browser sent a session cookie whose session is gone: it expired (20 minutes without a
    request, settings.SESSION_COOKIE_AGE) and the database no longer has it."""
    request.session.get(KEY)  # loads the session; a cookie naming no live session leaves it without a key
    return settings.SESSION_COOKIE_NAME in request.COOKIES and request.session.session_key is None


def lost(request: HttpRequest) -> HttpResponse:
    """Where a page goes when the journey it needs is not in the session: the page saying the session timed
    out, if it did, otherwise the start."""
    return redirect("patient:session_expired" if timed_out(request) else "patient:start")
