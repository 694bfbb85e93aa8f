"""Django's database cache with a counter that holds under concurrency.

Django's `BaseCache.incr` reads the value and writes value + 1 in two statements, so twenty requests that
arrive together can all read 4 and all write 5: a rate limit of 5 lets twenty through. Rate limits count in
this cache (django-ratelimit calls `add`, then `incr`), so `incr` here takes the entry's write lock first
(an UPDATE that changes nothing: a row lock on PostgreSQL, the database's write lock on SQLite) and
reads, adds and writes inside that one transaction. Concurrent increments queue on the lock and each sees
the one before it.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now


class CountingDatabaseCache(DatabaseCache):
    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)  # type: ignore[attr-defined]  # set by BaseDatabaseCache
        now = connection.ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))
        with transaction.atomic(using=db), connection.cursor() as cursor:
            # Take the lock before reading: the value read below cannot change until this commits.
            cursor.execute(f"UPDATE {table} SET expires = expires WHERE cache_key = %s AND expires >= %s",
                           [key, now])
            if cursor.rowcount == 0:
                raise ValueError(f"Key '{key}' not found")  # what BaseCache.incr raises for a missing key
            cursor.execute(f"SELECT value FROM {table} WHERE cache_key = %s", [key])
            value = pickle.loads(base64.b64decode(cursor.fetchone()[0].encode()))
            new_value = value + delta
            encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [encoded, key])
        return int(new_value)

    def decr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self.incr(key, -delta, version=version)
