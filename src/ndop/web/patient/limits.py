"""Rate limits on every guessable step: per client address and per NHS number (django-ratelimit).

Counters live in the shared database cache, so every worker process counts together. The NHS
number is keyed through an HMAC so that cache keys carry no patient identifier.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from ndop.domain.nhs_number import NhsNumber

# (per client address per hour, per NHS number per hour); the address rates scale for benchmarks.
RATES = {
    "patient-match": (100, 10),
    "patient-code-send": (30, 6),
    "patient-code-try": (100, 20),
}


def _hashed(number: NhsNumber) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"ratelimit:{number.digits}".encode(), hashlib.sha256).hexdigest()


def limited(request: HttpRequest, group: str, number: NhsNumber | None = None) -> bool:
    """Count this request; True when the address, or the NHS number, is over its limit."""
    per_ip, per_number = RATES[group]
    scale = settings.CONFIG.patient_rate_scale
    over = is_ratelimited(request, group=group, key="ip", rate=f"{per_ip * scale}/h", increment=True)
    if number is not None:
        key = _hashed(number)
        over = is_ratelimited(
            request, group=f"{group}-nhs", key=lambda _g, _r: key, rate=f"{per_number}/h", increment=True
        ) or over
    return over
