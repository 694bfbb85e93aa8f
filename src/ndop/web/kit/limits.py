"""The one rate limiter, for pages and API alike (django-ratelimit on the shared database cache, ADR 24).

Counters live in the shared cache, so every worker process counts together. `over` counts one request
against a rate and says whether it is over; `keyed` turns anything that identifies a person (an NHS
number, an email address) into an HMAC, so that no cache key carries it.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

CLIENT_ADDRESS = "ip"  # django-ratelimit's key for the client's address


def keyed(value: str, purpose: str = "ratelimit") -> str:
    """An HMAC of `value`: the same person gets the same key, and the key does not say who they are."""
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def over(request: HttpRequest, group: str, rate: str, key: str = CLIENT_ADDRESS) -> bool:
    """Count this request in `group` (per `key`, the client address by default); True when over `rate`.

    `key` is CLIENT_ADDRESS or an already hashed or public value (an ODS code, `keyed(email)`).
    """
    ratelimit_key = key if key == CLIENT_ADDRESS else (lambda _group, _request: key)
    for _ in range(2):
        usage = get_usage(request, group=group, key=ratelimit_key, rate=rate, increment=True)
        if usage is None:
            return False
        # django-ratelimit fails closed when its counter vanishes between `add` and `incr`, which the
        # DatabaseCache's culling can do under load (ADR 24): count again once rather than refuse.
        if not (usage["limit"] == 0 and usage["time_left"] == -1):
            return bool(usage["should_limit"])
    return True
