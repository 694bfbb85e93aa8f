"""The statements a check runs, written once, for two connections (ADR 95): Django's (`check.py`,
`group_commit.py`) and the plain DB-API connection of `ndop check` (`lean.py`), which does not import Django.

No Django here. Each statement is written with `%s` placeholders (Django's and psycopg's style); on SQLite,
`qmark` gives sqlite3's. The rows are what the ORM writes: `job_row` is the CheckJob's columns in order,
and `sealed` the audit records through the one sealing code (`domain.common.audit.seal`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ndop.domain.check.jobs import CheckJob
from ndop.domain.common.audit import AuditEntry, AuditRecord, seal
from ndop.domain.common.clock import Clock

CHOICE_SEQUENCE = "choice_sequence"  # the registry version's counter (`registry.py` reserves it)
# Bumped by a database trigger whenever a patient's `superseded_by` changes (migration 0004).
LINKS_COUNTER = "patient_links"

JOB_COLUMNS = CheckJob.__slots__
INSERT_JOB = (f"INSERT INTO check_job ({', '.join(JOB_COLUMNS)}) "
              f"VALUES ({', '.join(['%s'] * len(JOB_COLUMNS))})")

# Both counters and the event at the snapshot's version in one round trip (every check asks).
STATE = ("SELECT (SELECT value FROM registry_counter WHERE name = %s),"
         " (SELECT value FROM registry_counter WHERE name = %s), e.nhs_number, e.recorded_at"
         " FROM (SELECT 1 AS one) AS o LEFT JOIN choice_event AS e ON e.sequence = %s")
COUNTERS = "SELECT name, value FROM registry_counter WHERE name IN (%s, %s)"
EVENT_AT = "SELECT nhs_number, recorded_at FROM choice_event WHERE sequence = %s"
# Each number touched by an event in the range, with its current event at `upto` from the history: a
# back-dated event does not change the current choice, so the event's own choice would be wrong.
CHANGES = ("SELECT nhs_number, choice, made_at, sequence FROM ("
           "  SELECT nhs_number, choice, made_at, sequence, ROW_NUMBER() OVER ("
           "    PARTITION BY nhs_number ORDER BY made_at DESC, sequence DESC) AS latest"
           "  FROM choice_event WHERE sequence <= %s AND nhs_number IN ("
           "    SELECT nhs_number FROM choice_event WHERE sequence > %s AND sequence <= %s)) AS l "
           "WHERE latest = 1 ORDER BY sequence")

# The audit chain's head, locked (PostgreSQL; the transaction's commit does not wait for the WAL flush, so
# that the lock is not held through it: `FLUSH_WAL` before anyone is told, ADR 76).
LOCK_HEAD = ("SELECT set_config('synchronous_commit', 'off', true), sequence, hash FROM audit_head "
             "WHERE id = 1 FOR UPDATE")
# SQLite: the head read inside `BEGIN IMMEDIATE`, which already holds the one write lock.
READ_HEAD = "SELECT sequence, hash FROM audit_head WHERE id = 1"
# `details` as the ORM's JSONField writes it (json.dumps into jsonb): `ndop audit verify` reads either alike.
INSERT_RECORD = ("INSERT INTO audit_event (sequence, occurred_at, action, actor, subject, details, previous_hash,"
                 " hash) VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s)")
MOVE_HEAD = "UPDATE audit_head SET sequence = %s, hash = %s WHERE id = 1"
# A transaction of its own that takes a transaction id commits synchronously, and the WAL is flushed in
# order: once it returns, everything this connection committed before is durable.
FLUSH_WAL = "SELECT txid_current()"
# The migrations applied to the registry's app (`lean.py` runs only on a database `ndop migrate` brought up
# to date; anything else is Django's to say).
APPLIED = "SELECT name FROM django_migrations WHERE app = %s"
APP_LABEL = "ndop"


def snapshot_identity(vendor: str, database: Mapping[str, Any]) -> str:
    """The registry a snapshot is of, from the DATABASES entry: both connections name the same snapshot files."""
    return f"{vendor}:{database.get('HOST') or ''}:{database.get('PORT') or ''}:{database['NAME']}"


def record_row(record: AuditRecord, occurred_at: object = None) -> tuple[object, ...]:
    """An audit record's `INSERT_RECORD` values (`occurred_at` as the connection stores it, if given);
    `details` as the ORM's JSONField writes it."""
    return (record.sequence, record.occurred_at if occurred_at is None else occurred_at, record.action,
            record.actor, record.subject, json.dumps(dict(record.details)), record.previous_hash, record.hash)


def qmark(sql: str) -> str:
    """`sql` for sqlite3: its placeholders are `?` (as Django's SQLite cursor turns them), no casts."""
    return sql.replace("%s::jsonb", "%s").replace("%s", "?")


def job_row(job: CheckJob) -> list[object]:
    """The CheckJob's column values in `JOB_COLUMNS`' order, as `DjangoCheckJobStore` stores them."""
    fields: dict[str, object] = {name: getattr(job, name) for name in JOB_COLUMNS}
    fields["channel"] = job.channel.value
    fields["requested_by"] = str(job.requested_by)
    fields["format"] = "" if job.format is None else job.format.value
    return [fields[name] for name in JOB_COLUMNS]


def sealed(entries: Iterable[tuple[AuditEntry, Clock]], sequence: int, previous: str) -> list[AuditRecord]:
    """`entries` sealed onto the chain after the head (`sequence`, `previous`), in order."""
    records = []
    for entry, clock in entries:
        sequence += 1
        record = seal(entry, sequence=sequence, occurred_at=clock.now().astimezone(UTC), previous_hash=previous)
        records.append(record)
        previous = record.hash
    return records


def sqlite_datetime(value: datetime) -> str:
    """A datetime as Django's SQLite backend stores it (USE_TZ): naive UTC, `str()` (no `T`, no offset)."""
    return str(value.astimezone(UTC).replace(tzinfo=None))


def event_fingerprint(version: int, nhs_number: str, recorded_at: datetime | str) -> str:
    """The event at a snapshot's version, in short: the registry holds another history if it changes."""
    at = aware(recorded_at).astimezone(UTC)  # a session in another time zone must give the same text
    return hashlib.sha256(f"{version}:{nhs_number}:{at.isoformat()}".encode()).hexdigest()[:32]


def aware(value: datetime | str) -> datetime:
    """A raw cursor's timestamp as the ORM gives it: SQLite returns text, PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(value: datetime | str) -> int:
    """made_at as microseconds since the epoch (SQLite hands raw rows back as naive UTC text)."""
    return (aware(value) - _EPOCH) // timedelta(microseconds=1)
