"""Rate limits on every guessable step: per client address and per NHS number (django-ratelimit).

Counters live in the shared database cache, so every worker process counts together. The NHS
number is keyed through an HMAC so that cache keys carry no patient identifier.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from ndop.domain.common.nhs_number import NhsNumber

# (per client address per hour, per NHS number per hour); the address rates scale for benchmarks.
# The views pass no NHS number any more: per-number limits live in the database (ADR 0045).
RATES = {
    "patient-match": (100, 10),
    "patient-code-send": (10, 6),  # 10 people an hour from one address at most (issue 11, finding 6)
    "patient-code-try": (100, 20),
}


def _hashed(number: NhsNumber) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"ratelimit:{number.digits}".encode(), hashlib.sha256).hexdigest()


def _over(request: HttpRequest, group: str, key: Any, rate: str) -> bool:
    for _ in range(2):
        usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
        if usage is None:
            return False
        # django-ratelimit fails closed when its counter vanishes between `add` and `incr`, which the
        # DatabaseCache's culling can do under load: count again once rather than refuse a person.
        if not (usage["limit"] == 0 and usage["time_left"] == -1):
            return bool(usage["should_limit"])
    return True


def limited(request: HttpRequest, group: str, number: NhsNumber | None = None) -> bool:
    """Count this request; True when the address, or the NHS number, is over its limit."""
    per_ip, per_number = RATES[group]
    scale = settings.CONFIG.patient_rate_scale
    over = _over(request, group, "ip", f"{per_ip * scale}/h")
    if number is not None:
        hashed = _hashed(number)
        over = _over(request, f"{group}-nhs", lambda _g, _r: hashed, f"{per_number}/h") or over
    return over
