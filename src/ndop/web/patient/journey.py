"""What the journey keeps in the server-side session (never in the cookie, never in the URL).

The Django database session holds one dict under `online`; the cookie carries only its opaque id.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

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
