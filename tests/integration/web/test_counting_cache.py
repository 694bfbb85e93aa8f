"""The shared cache's counters: an integer added on PostgreSQL is incremented in one statement, and a
value written the older way (pickle protocol 5) is still counted, through the locked path."""

from __future__ import annotations

import base64
import pickle
import uuid

import pytest
from django.core.cache import cache
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)  # the fast path runs only outside a transaction


def stored(key: str) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM ndop_cache WHERE cache_key = %s", [cache.make_key(key)])
        return base64.b64decode(cursor.fetchone()[0])


def test_a_counter_counts_up_and_down_and_reads_back_whichever_way_it_was_stored() -> None:
    key = f"count-{uuid.uuid4().hex}"
    assert cache.add(key, 1, 60) and not cache.add(key, 1, 60)
    assert [cache.incr(key) for _ in range(3)] == [2, 3, 4]
    assert cache.decr(key) == 3 and cache.get(key) == 3
    if connection.vendor == "postgresql":
        assert stored(key) == b"I3\n."  # protocol 0: what the one-statement increment adds to
    older = f"older-{uuid.uuid4().hex}"
    cache.set(older, 41, 60)
    with connection.cursor() as cursor:  # as a counter written before: protocol 5
        cursor.execute("UPDATE ndop_cache SET value = %s WHERE cache_key = %s",
                       [base64.b64encode(pickle.dumps(41, 5)).decode(), cache.make_key(older)])
    assert cache.incr(older) == 42 and cache.incr(older) == 43 and cache.get(older) == 43
    with pytest.raises(ValueError, match="not found"):
        cache.incr(f"missing-{uuid.uuid4().hex}")
