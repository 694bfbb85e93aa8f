"""`ndop check`'s own connection to the registry: plain DB-API (sqlite3, psycopg), without Django (ADR 95).

A check whose persisted snapshot is current, or can be caught up from the history, needs a handful of
statements: the registry's state, the new events, the CheckJob's insert and the audit record's append.
They are `statements.py`'s, the very texts Django's connection runs (`check.py`, `group_commit.py`), and
the rows are what the ORM writes: datetimes on SQLite as Django's text, `details` as its JSON, the record
sealed by `domain.common.audit.seal` (tests/integration/check/test_lean_connection.py holds both paths to
the same rows). The connection is opened from the settings' validated DATABASES entry, with its options.

Whatever else a check may need raises `NeedsDjango`, always before the request is read: a full rebuild of
the snapshot, a database `ndop migrate` has not brought up to date, one that cannot be opened (Django then
says so in one line), an engine or option this module does not know. `ndop check` then runs on Django.
"""

from __future__ import annotations

import pkgutil
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ndop.adapters.db import statements as sql
from ndop.domain.check.jobs import CheckJob
from ndop.domain.check.snapshot import ChoiceChange, key_of
from ndop.domain.common.audit import AuditEntry, AuditRecord
from ndop.domain.common.clock import Clock, SystemClock

ENGINES = {"django.db.backends.sqlite3": "sqlite", "django.db.backends.postgresql": "postgresql"}
# Options Django reads itself rather than handing them to psycopg: with any of them, Django connects.
_DJANGO_OPTIONS = frozenset({"pool", "server_side_binding", "isolation_level", "assume_role"})
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FETCH = 100_000


class NeedsDjango(Exception):
    """This check needs what only the Django path does (the message says what, for the tests)."""


class LeanDatabase:
    """One DB-API connection in autocommit, with transactions opened explicitly, as Django's are."""

    def __init__(self, raw: Any, vendor: str, settings: Mapping[str, Any]) -> None:
        self.raw, self.vendor, self.settings = raw, vendor, settings
        self._depth = 0
        self._unflushed = False

    @classmethod
    def open(cls, settings: Mapping[str, Any]) -> LeanDatabase:
        vendor = ENGINES.get(settings.get("ENGINE", ""))
        options = dict(settings.get("OPTIONS") or {})
        try:
            if vendor == "sqlite":
                return cls(_sqlite(settings["NAME"], options), vendor, settings)
            if vendor == "postgresql" and not _DJANGO_OPTIONS & set(options):
                return cls(_postgresql(settings, options), vendor, settings)
        except Exception as exc:  # noqa: BLE001 - psycopg's errors, sqlite3's: Django opens it and says why
            raise NeedsDjango(f"the database did not open here: {type(exc).__name__}") from None
        raise NeedsDjango(f"engine {settings.get('ENGINE')!r} with options {sorted(options)}")

    def execute(self, statement: str, params: list[object] | tuple[object, ...] = ()) -> Any:
        """Run `statement` (`%s` placeholders) and return the cursor."""
        if self.vendor == "sqlite":
            return self.raw.execute(sql.qmark(statement), params)
        cursor = self.raw.cursor()
        cursor.execute(statement, params)
        return cursor

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; inside one, the same transaction (no savepoints: the command needs none). On
        PostgreSQL a commit whose WAL flush was deferred (`LOCK_HEAD`) is flushed before this returns."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._depth, self._unflushed = 1, False
        try:
            if self.vendor == "sqlite":
                with self._sqlite_transaction():
                    yield
            else:
                with self.raw.transaction():
                    yield
        finally:
            self._depth = 0
        if self._unflushed:
            self._unflushed = False
            self.execute(sql.FLUSH_WAL)

    @contextmanager
    def _sqlite_transaction(self) -> Iterator[None]:
        mode = str(self.settings.get("OPTIONS", {}).get("transaction_mode") or "DEFERRED")
        self.raw.execute(f"BEGIN {mode}")
        try:
            yield
        except BaseException:
            self.raw.rollback()
            raise
        self.raw.commit()

    def lock_head(self) -> tuple[int, str]:
        """The audit chain's head, locked until the transaction ends."""
        if self.vendor == "sqlite":  # inside BEGIN IMMEDIATE, which holds SQLite's one write lock
            row = self.execute(sql.READ_HEAD).fetchone()
            return int(row[0]), str(row[1])
        self._unflushed = True
        _off, sequence, previous = self.execute(sql.LOCK_HEAD).fetchone()
        return int(sequence), str(previous)

    def migrated(self) -> bool:
        """Every migration of the registry's app applied (the tables a check uses are all that app's)."""
        on_disk = {name for _, name, is_pkg in pkgutil.iter_modules([str(MIGRATIONS)])
                   if not is_pkg and not name.startswith(("_", "~"))}
        applied = {row[0] for row in self.execute(sql.APPLIED, [sql.APP_LABEL]).fetchall()}
        return on_disk <= applied

    def close(self) -> None:
        self.raw.close()


def _sqlite(name: str, options: dict[str, Any]) -> sqlite3.Connection:
    if not name or name == ":memory:" or name.startswith("file:"):
        raise NeedsDjango("an SQLite database this module does not open")
    # mode=rw: a missing file stays missing (Django would create it, then say the database is not set up).
    raw = sqlite3.connect(f"{Path(name).resolve().as_uri()}?mode=rw", uri=True,
                          timeout=float(options.get("timeout", 5)), isolation_level=None)
    for command in str(options.get("init_command", "")).split(";"):  # as Django runs them
        if command.strip():
            raw.execute(command.strip())
    return raw


def _postgresql(settings: Mapping[str, Any], options: dict[str, Any]) -> Any:
    import psycopg

    params = {key: settings.get(name) for key, name in
              (("dbname", "NAME"), ("user", "USER"), ("password", "PASSWORD"), ("host", "HOST"), ("port", "PORT"))}
    params = {key: value for key, value in params.items() if value not in (None, "")}
    return psycopg.connect("", autocommit=True, **params, **options)


class LeanOptOutSource:
    """`OptOutSource` for a snapshot that is current or is caught up; a rebuild is Django's."""

    def __init__(self, db: LeanDatabase) -> None:
        self._db = db

    def identity(self) -> str:  # `DjangoOptOutSource.identity`'s, so the same snapshot files are found
        return sql.snapshot_identity(self._db.vendor, self._db.settings)

    def versions(self) -> tuple[int, int]:
        values = dict(self._db.execute(sql.COUNTERS, [sql.CHOICE_SEQUENCE, sql.LINKS_COUNTER]).fetchall())
        if sql.LINKS_COUNTER not in values:
            raise NeedsDjango("the links counter is not there yet")  # Django's path creates it
        return int(values.get(sql.CHOICE_SEQUENCE, 0)), int(values[sql.LINKS_COUNTER])

    def state(self, at: int) -> tuple[int, int, str]:
        row = self._db.execute(sql.STATE, [sql.CHOICE_SEQUENCE, sql.LINKS_COUNTER, at]).fetchone()
        version, links_version, nhs_number, recorded_at = row
        if links_version is None:
            return (*self.versions(), self.fingerprint(at))
        if nhs_number is None:
            return int(version or 0), int(links_version), ""
        return int(version or 0), int(links_version), sql.event_fingerprint(at, nhs_number, recorded_at)

    def fingerprint(self, version: int) -> str:
        row = self._db.execute(sql.EVENT_AT, [version]).fetchone()
        return "" if row is None else sql.event_fingerprint(version, row[0], row[1])

    def changes(self, after: int, upto: int) -> Iterator[ChoiceChange]:
        cursor = self._db.execute(sql.CHANGES, [upto, after, upto])
        while rows := cursor.fetchmany(FETCH):
            for nhs_number, choice, made_at, sequence in rows:
                yield ChoiceChange(key_of(nhs_number), choice == "opted_out", sql.micros(made_at), int(sequence))

    def opted_out_keys(self, version: int) -> Iterator[npt.NDArray[np.int64]]:
        raise NeedsDjango("a full rebuild of the snapshot")

    def linked_currents(self, version: int) -> dict[int, tuple[int, int, bool]]:
        raise NeedsDjango("a full rebuild of the snapshot")

    def links(self) -> dict[int, int]:
        raise NeedsDjango("a full rebuild of the snapshot")


class LeanCheckJobs:
    """`CheckJobLog`: the job's row, `job_row`'s columns, in the caller's transaction."""

    def __init__(self, db: LeanDatabase) -> None:
        self._db = db

    def add(self, job: CheckJob) -> None:
        row = sql.job_row(job)
        if self._db.vendor == "sqlite":  # as Django's SQLite backend adapts them
            row = [sql.sqlite_datetime(value) if isinstance(value, datetime) else value for value in row]
        self._db.execute(sql.INSERT_JOB, row)


class LeanAuditLog:
    """`CheckAudit`: the record sealed onto the chain under the head's lock, committed with the job's row."""

    def __init__(self, db: LeanDatabase, clock: Clock) -> None:
        self._db, self._clock = db, clock

    def append(self, entry: AuditEntry) -> AuditRecord:
        with self._db.transaction():
            sequence, previous = self._db.lock_head()
            record = sql.sealed([(entry, self._clock)], sequence, previous)[0]
            sqlite = self._db.vendor == "sqlite"
            occurred_at = sql.sqlite_datetime(record.occurred_at) if sqlite else record.occurred_at
            self._db.execute(sql.INSERT_RECORD, sql.record_row(record, occurred_at))
            self._db.execute(sql.MOVE_HEAD, (record.sequence, record.hash))
        return record

    def commit_with(self, entry: AuditEntry, write: Callable[[], None]) -> AuditRecord:
        with self._db.transaction():
            write()
            return self.append(entry)


class _Versions:
    def __init__(self, source: LeanOptOutSource) -> None:
        self._source = source

    def registry_version(self) -> int:
        return self._source.versions()[0]


class LeanRegistry:
    """`CheckRegistry` over the lean connection: the clock, the audit trail, the transaction."""

    def __init__(self, db: LeanDatabase, clock: Clock | None = None) -> None:
        self._db = db
        self.clock: Clock = clock or SystemClock()
        self.audit = LeanAuditLog(db, self.clock)
        self.choices = _Versions(LeanOptOutSource(db))

    def transaction(self) -> Any:
        return self._db.transaction()


__all__ = ["LeanAuditLog", "LeanCheckJobs", "LeanDatabase", "LeanOptOutSource", "LeanRegistry", "NeedsDjango"]
