"""Prepared statements on PostgreSQL for the statements every API check runs (ADR 92).

Django sends each query as text with its parameters quoted in (psycopg's client-side binding), and
turns psycopg's statement preparation off, so that PostgreSQL parses and plans the same few statements
again on every call. `cursor()` here is a cursor on Django's own connection (same transaction, same
adapters, Django's exceptions) that binds on the server and prepares each statement the first time a
connection runs it: later runs send only its name and the values. A statement is written once, with `%s`
placeholders; on SQLite `cursor()` is Django's cursor and the same text runs unprepared.

Statements run here are still logged where Django logs queries (`CaptureQueriesContext`), so the
benchmark's count of statements a call includes them. A pooler in front of PostgreSQL must pass
protocol-level prepared statements through (PgBouncer 1.21+ with `max_prepared_statements`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

# Django opens psycopg connections with preparation off (`prepare_threshold` None), which turns `prepare=True`
# off too. A threshold re-enables it; Django's own cursors bind on the client and never prepare whatever it
# is, and the statements here ask for preparation at once, so no statement is ever prepared by count.
_BY_REQUEST_ONLY = 2**31 - 1


class _PreparedCursor:
    """The few cursor methods the hot statements use, over a server-binding psycopg cursor. It holds the
    connection itself, not Django's `connection` proxy: each attribute read through that costs a lookup."""

    def __init__(self, raw: Any, db: Any) -> None:
        self._raw, self._db = raw, db

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._run(sql, lambda: self._raw.execute(sql, params, prepare=True), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        listed = list(rows)
        self._run(sql, lambda: self._raw.executemany(sql, listed), listed)

    def fetchone(self) -> Any:
        return self._raw.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._raw.fetchall())

    @property
    def rowcount(self) -> int:
        return int(self._raw.rowcount)

    def _run(self, sql: str, run: Any, params: object) -> None:
        db = self._db
        db.validate_no_broken_transaction()
        logged = db.queries_logged
        started = time.monotonic() if logged else 0.0
        with db.wrap_database_errors:
            run()
        if logged:
            db.queries_log.append({"sql": f"{sql} -- prepared {params!r:.200}",
                                   "time": f"{time.monotonic() - started:.3f}"})


@contextmanager
def cursor() -> Iterator[Any]:
    """A cursor whose statements PostgreSQL prepares once a connection (Django's cursor elsewhere)."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        with db.cursor() as django_cursor:
            yield django_cursor
        return
    import psycopg  # only on PostgreSQL; the embedded SQLite install need not have it

    db.ensure_connection()
    if db.connection.prepare_threshold is None:
        db.connection.prepare_threshold = _BY_REQUEST_ONLY
    raw = psycopg.Cursor(db.connection)  # server-side binding: `prepare=True` is honoured
    try:
        yield _PreparedCursor(raw, db)
    finally:
        raw.close()


@contextmanager
def pipeline() -> Iterator[None]:
    """PostgreSQL's pipeline mode on Django's connection: statements are sent without waiting for the one
    before, and a read (`fetchone`) or the end of the block waits for everything sent. An error shows at
    that read or at the end of the block, and the transaction then rolls back as any other. Open it inside
    `transaction.atomic()`, never around it (changing autocommit inside a pipeline costs a round trip)."""
    db = connections[DEFAULT_DB_ALIAS]
    db.ensure_connection()
    with db.connection.pipeline():
        yield
