"""The journey's limits on every guessable step: per client address and per NHS number (kit.limits).

The NHS number is keyed through an HMAC so that cache keys carry no patient identifier.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from ndop.domain.common.nhs_number import NhsNumber
from ndop.web.kit.limits import keyed, over

# (per client address per hour, per NHS number per hour); the address rates scale for benchmarks.
# The views pass no NHS number any more: per-number limits live in the database (ADR 0045).
RATES = {
    "patient-match": (100, 10),
    "patient-code-send": (10, 6),  # 10 people an hour from one address at most (issue 11, finding 6)
    "patient-code-try": (100, 20),
    "patient-nhs-login": (100, 10),  # sign-ins started with NHS login (the provider limits its own side)
}


def limited(request: HttpRequest, group: str, number: NhsNumber | None = None) -> bool:
    """Count this request; True when the address, or the NHS number, is over its limit."""
    per_ip, per_number = RATES[group]
    scale = settings.CONFIG.patient_rate_scale
    limited_now = over(request, group, f"{per_ip * scale}/h")
    if number is not None:
        limited_now = over(request, f"{group}-nhs", f"{per_number}/h", key=keyed(number.digits)) or limited_now
    return limited_now
