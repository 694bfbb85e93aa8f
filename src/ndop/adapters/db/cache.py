"""Django's database cache with a counter that holds under concurrency.

Django's `BaseCache.incr` reads the value and writes value + 1 in two statements, so twenty requests that
arrive together can all read 4 and all write 5: a rate limit of 5 lets twenty through. Rate limits count in
this cache (django-ratelimit calls `add`, then `incr`), so `incr` here takes the entry's write lock first
(an UPDATE that changes nothing: a row lock on PostgreSQL, the database's write lock on SQLite) and
reads, adds and writes inside that one transaction. Concurrent increments queue on the lock and each sees
the one before it.

On PostgreSQL a busy counter (every API call of one organisation counts on one row) would serialise its
callers on that lock for as long as each holds it: two round trips from a busy application, then the
commit's WAL flush (about 2 ms here), a ceiling of a few hundred calls a second (ADR 77). There an integer
is stored as pickle protocol 0 (`I5\n.`: `get` reads it as any pickle), so that the increment is one
statement that adds in SQL, and that statement alone commits without waiting for the flush
(`synchronous_commit` off, local to its own transaction; never inside a caller's transaction): the row
is locked only while the server runs it. A counter is not evidence: a crash of the database server can
lose the last fraction of a second of counts, never a record. `add` of a live key (every call after a
window's first) only reads, and counts the table for culling only when it inserts.

`count` (ADR 92) is what a rate limit needs in one statement instead of `add` and `incr`: an upsert
that inserts the counter at 1, restarts it at 1 if it has expired, or adds 1 to a live protocol-0 integer,
and returns the count. Prepared on PostgreSQL, with `synchronous_commit` off as the increment above; the
row is locked only while the server runs it. None when it cannot (SQLite, inside a transaction, a value
that is not a protocol-0 integer): the caller then counts with `add` and `incr`.
"""

from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now

from ndop.adapters.db import prepared


def _added(value: str, delta: str) -> str:
    """SQL for the protocol-0 pickled integer in the column `value` plus `delta` (a placeholder or a literal),
    pickled the same way; what is not such an integer the callers' regular expression refuses first."""
    return (r"encode(convert_to('I' || (substring(convert_from(decode(" + value + r", 'base64'), 'LATIN1') "
            r"FROM '^I(-?[0-9]+)\n\.$')::bigint + " + delta + r")::text || E'\n.', 'LATIN1'), 'base64')")


# Add to a protocol-0 pickled integer in SQL; the regular expression refuses anything else (then: the locked path).
_PG_INCR = (
    "UPDATE {table} SET value = " + _added("value", "%s") + " "
    "WHERE cache_key = %s AND expires >= %s "
    r"AND convert_from(decode(value, 'base64'), 'LATIN1') ~ '^I-?[0-9]+\n\.$' "
    "AND (SELECT set_config('synchronous_commit', 'off', true)) = 'off' RETURNING value"
)


_ADD_ONE = _added("c.value", "1")
_PG_COUNT = (
    "INSERT INTO {table} AS c (cache_key, value, expires) "
    "SELECT %s, %s, %s FROM (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush "
    "ON CONFLICT (cache_key) DO UPDATE SET "
    "value = CASE WHEN c.expires < %s THEN EXCLUDED.value ELSE " + _ADD_ONE + " END, "
    "expires = CASE WHEN c.expires < %s THEN EXCLUDED.expires ELSE c.expires END "
    r"WHERE c.expires < %s OR convert_from(decode(c.value, 'base64'), 'LATIN1') ~ '^I-?[0-9]+\n\.$' "
    "RETURNING c.value, c.xmax = 0"
)


def _encode(value: Any, protocol: int) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        protocol = 0  # `I<digits>\n.`: what the one-statement increment adds to
    return base64.b64encode(pickle.dumps(value, protocol)).decode("latin1")


class CountingDatabaseCache(DatabaseCache):
    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        made = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return bool(super().add(key, value, timeout, version))
        table = connection.ops.quote_name(self._table)  # type: ignore[attr-defined]  # set by BaseDatabaseCache
        now = tz_now().replace(microsecond=0)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE cache_key = %s AND expires >= %s", [made, now])
            if cursor.fetchone() is not None:
                return False  # live already: nothing to write
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            count = cursor.fetchone()[0]
            if count > self._max_entries:
                self._cull(db, cursor, now, count)  # type: ignore[attr-defined]  # DatabaseCache._cull
            seconds = self.get_backend_timeout(timeout)
            expires = datetime.max if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)
            cursor.execute(
                f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s) ON CONFLICT (cache_key) "
                f"DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires WHERE {table}.expires < %s "
                "RETURNING 1",
                [made, _encode(value, self.pickle_protocol), expires.replace(microsecond=0), now],
            )
            return cursor.fetchone() is not None

    def count(self, key: Any, timeout: int) -> int | None:
        """Count one in the counter `key` (made at 1, living `timeout` seconds, if absent or expired); the count.
        None where this cannot be one statement: then count with `add` and `incr`."""
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        if connection.vendor != "postgresql" or connection.in_atomic_block or db != "default":
            return None
        made = self.make_and_validate_key(key)
        table = connection.ops.quote_name(self._table)  # type: ignore[attr-defined]  # set by BaseDatabaseCache
        now = tz_now().replace(microsecond=0)
        seconds = self.get_backend_timeout(timeout)
        expires = (datetime.max if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)).replace(microsecond=0)
        with prepared.cursor() as cursor:
            cursor.execute(_PG_COUNT.format(table=table), [made, _encode(1, 0), expires, now, now, now])
            row = cursor.fetchone()
        if row is None:
            return None  # live, but not a protocol-0 integer
        value, inserted = row
        if inserted:
            with connection.cursor() as cursor:  # culled as `add` does, only when a counter was made
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                rows = cursor.fetchone()[0]
                if rows > self._max_entries:
                    self._cull(db, cursor, now, rows)  # type: ignore[attr-defined]  # DatabaseCache._cull
        return int(pickle.loads(base64.b64decode(value.encode())))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)  # type: ignore[attr-defined]  # set by BaseDatabaseCache
        now = connection.ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(_PG_INCR.format(table=table), [delta, key, now])
                row = cursor.fetchone()
            if row is not None:
                return int(pickle.loads(base64.b64decode(row[0].encode())))
            return self._incr_postgresql(connection, db, table, key, now, delta)  # missing, or not protocol 0
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

    def _incr_postgresql(self, connection: Any, db: str, table: str, key: str, now: Any, delta: int) -> int:
        with transaction.atomic(using=db), connection.cursor() as cursor:
            # Lock and read in one statement; this transaction alone commits without waiting for the flush.
            cursor.execute(f"SELECT set_config('synchronous_commit', 'off', true), value FROM {table} "
                           "WHERE cache_key = %s AND expires >= %s FOR UPDATE", [key, now])
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            new_value = pickle.loads(base64.b64decode(row[1].encode())) + delta
            encoded = _encode(new_value, self.pickle_protocol)
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [encoded, key])
        return int(new_value)
