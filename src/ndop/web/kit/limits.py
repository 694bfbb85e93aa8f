"""The one rate limiter, for pages and API alike (django-ratelimit on the shared database cache, ADR 24).

Counters live in the shared cache, so every worker process counts together, and its increment holds
under concurrency (`adapters.db.cache`). `over` counts one request against a rate and says whether it
is over; `refund` takes one count back (a sign-in that succeeded: only failures count); `keyed` turns
anything that identifies a person (an NHS number, an email address) into an HMAC, so that no cache key
carries it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import EXPIRATION_FUDGE, _get_ip, _get_window, _make_cache_key, _split_rate, get_usage

CLIENT_ADDRESS = "ip"  # django-ratelimit's key for the client's address


def keyed(value: str, purpose: str = "ratelimit") -> str:
    """An HMAC of `value`: the same person gets the same key, and the key does not say who they are."""
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def over(request: HttpRequest, group: str, rate: str, key: str = CLIENT_ADDRESS) -> bool:
    """Count this request in `group` (per `key`, the client address by default); True when over `rate`.

    `key` is CLIENT_ADDRESS or an already hashed or public value (an ODS code, `keyed(email)`).
    """
    counted = _count_at_once(request, group, rate, key)
    if counted is not None:
        return counted
    ratelimit_key = _ratelimit_key(key)
    for _ in range(2):
        usage = get_usage(request, group=group, key=ratelimit_key, rate=rate, increment=True)
        if usage is None:
            return False
        # django-ratelimit fails closed when its counter vanishes between `add` and `incr`, which the
        # DatabaseCache's culling can do under load (ADR 24): count again once rather than refuse.
        if not (usage["limit"] == 0 and usage["time_left"] == -1):
            return bool(usage["should_limit"])
    return True


def refund(request: HttpRequest, group: str, rate: str, key: str = CLIENT_ADDRESS) -> None:
    """Take back the count `over` made for this request in `group`, in the same window.

    Counting before the attempt and refunding a success (rather than counting only after a failure) is
    what makes a limit hold under concurrency: twenty guesses at once are each counted before any of them
    is tried. django-ratelimit has no public way to name a counter, so this uses its own key functions;
    tests/integration/web/test_limits.py fails if they change.
    """
    value = _get_ip(request) if key == CLIENT_ADDRESS else key
    _limit, period = _split_rate(rate)
    cache_key = _make_cache_key(group, _get_window(value, period), rate, value, ALL)
    with contextlib.suppress(ValueError):  # the window has closed since: nothing left to refund
        caches[settings.RATELIMIT_USE_CACHE].decr(cache_key)


def _count_at_once(request: HttpRequest, group: str, rate: str, key: str) -> bool | None:
    """`over` in one statement where the cache can count so (PostgreSQL, ADR 92): the same counter as
    django-ratelimit's (its key and window), made, restarted or added to in one upsert. None: it cannot."""
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return False
    cache = caches[settings.RATELIMIT_USE_CACHE]
    count = getattr(cache, "count", None)
    if count is None:
        return None
    value = _get_ip(request) if key == CLIENT_ADDRESS else key
    limit, period = _split_rate(rate)
    counted = count(_make_cache_key(group, _get_window(value, period), rate, value, ALL), period + EXPIRATION_FUDGE)
    return None if counted is None else bool(counted > limit)


def _ratelimit_key(key: str) -> str | Callable[[str, HttpRequest], str]:
    return key if key == CLIENT_ADDRESS else (lambda _group, _request: key)
