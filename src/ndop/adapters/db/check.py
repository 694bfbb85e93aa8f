"""The check's ports over the Django database: job records, and the registry as the snapshot reads it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction

from ndop.adapters.db import models as m
from ndop.adapters.db import prepared
from ndop.adapters.db.statements import (
    CHANGES,
    CHOICE_SEQUENCE,
    INSERT_JOB,
    LINKS_COUNTER,
    STATE,
    aware,
    event_fingerprint,
    job_row,
    micros,
    snapshot_identity,
)
from ndop.domain.check.jobs import CheckChannel, CheckJob
from ndop.domain.check.rejections import CheckFormat
from ndop.domain.check.snapshot import ChoiceChange, key_of, keys_of
from ndop.domain.common.actors import Actor

FETCH = 100_000


class DjangoCheckJobStore:
    def add(self, job: CheckJob) -> None:
        # Every API call inserts one: a prepared statement on PostgreSQL (ADR 92), the ORM on SQLite. The
        # columns are `job_row`'s, which `ndop check`'s own connection writes too (ADR 95).
        row = job_row(job)
        if connection.vendor != "postgresql":
            m.CheckJob.objects.create(**dict(zip(CheckJob.__slots__, row, strict=True)))
            return
        with prepared.cursor() as cursor:
            cursor.execute(INSERT_JOB, row)

    def get(self, job_id: str) -> CheckJob | None:
        row = m.CheckJob.objects.filter(id=job_id).first()
        return None if row is None else self._job(row)

    def recent(self, organisation: str, limit: int) -> list[CheckJob]:
        rows = m.CheckJob.objects.filter(organisation=organisation).order_by("-started_at", "-id")[:limit]
        return [self._job(row) for row in rows]

    @staticmethod
    def _job(row: m.CheckJob) -> CheckJob:
        fields = {name: getattr(row, name) for name in CheckJob.__slots__}
        fields["channel"] = CheckChannel(row.channel)
        fields["requested_by"] = Actor.parse(row.requested_by)
        fields["format"] = CheckFormat(row.format) if row.format else None
        return CheckJob(**fields)


class DjangoOptOutSource:
    def identity(self) -> str:
        return snapshot_identity(connection.vendor, connection.settings_dict)

    def versions(self) -> tuple[int, int]:
        values = dict(
            m.RegistryCounter.objects.filter(name__in=(CHOICE_SEQUENCE, LINKS_COUNTER)).values_list("name", "value")
        )
        if LINKS_COUNTER not in values:
            with transaction.atomic():
                m.RegistryCounter.objects.get_or_create(name=LINKS_COUNTER, defaults={"value": 0})
        return int(values.get(CHOICE_SEQUENCE, 0)), int(values.get(LINKS_COUNTER, 0))

    def state(self, at: int) -> tuple[int, int, str]:
        # One round trip (every API call asks): both counters and the event at `at`, in one prepared statement.
        with prepared.cursor() as cursor:
            cursor.execute(STATE, [CHOICE_SEQUENCE, LINKS_COUNTER, at])
            version, links_version, nhs_number, recorded_at = cursor.fetchone()
        if links_version is None:
            return (*self.versions(), self.fingerprint(at))
        if nhs_number is None:
            return int(version or 0), int(links_version), ""
        return int(version or 0), int(links_version), event_fingerprint(at, nhs_number, aware(recorded_at))

    def fingerprint(self, version: int) -> str:
        row = m.ChoiceEvent.objects.filter(sequence=version).values_list("nhs_number", "recorded_at").first()
        if row is None:
            return ""
        return event_fingerprint(version, row[0], row[1])

    # The snapshot reads the history, never the projection: a rebuild is exact at its version, and a
    # tampered `current_choice` cannot reach a check (ADR 43).
    def opted_out_keys(self, version: int) -> Iterator[npt.NDArray[np.int64]]:
        if connection.vendor == "postgresql":
            yield from _copied_keys(version)
            return
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nhs_number FROM ({_LATEST_UPTO}) AS l WHERE choice = %s", [version, "opted_out"])
            while True:
                rows = cursor.fetchmany(FETCH)
                if not rows:
                    return
                yield keys_of([row[0] for row in rows])

    def links(self) -> dict[int, int]:
        rows = m.Patient.objects.exclude(superseded_by="").values_list("nhs_number", "superseded_by")
        return {key_of(old): key_of(new) for old, new in rows.iterator(chunk_size=FETCH)}

    def linked_currents(self, version: int) -> dict[int, tuple[int, int, bool]]:
        """The current event (at `version`) of every number in a supersession chain."""
        with transaction.atomic(), connection.cursor() as cursor:
            postgres = connection.vendor == "postgresql"
            if postgres:
                # A few events per chained number through the nhs_number index (a nested loop) beat a hash
                # join over the whole history, which PostgreSQL's costs prefer: 60M people, 108,000 chained
                # numbers, 3.7M events: 3.5 s against 6.1 s at load 13 (ADR 81).
                cursor.execute("SET LOCAL enable_hashjoin = off")
                cursor.execute("SET LOCAL enable_mergejoin = off")
            try:
                cursor.execute(
                    "SELECT nhs_number, made_at, sequence, choice FROM ("
                    "  SELECT nhs_number, made_at, sequence, choice, ROW_NUMBER() OVER ("
                    "    PARTITION BY nhs_number ORDER BY made_at DESC, sequence DESC) AS latest"
                    "  FROM choice_event WHERE sequence <= %s AND nhs_number IN ("
                    "    SELECT nhs_number FROM patient WHERE superseded_by <> ''"
                    "    UNION SELECT superseded_by FROM patient WHERE superseded_by <> '')) AS l WHERE latest = 1",
                    [version],
                )
                return {key_of(n): (micros(made), int(seq), choice == "opted_out") for n, made, seq, choice in cursor}
            finally:  # this may run inside a caller's transaction: the planner's defaults back at once
                if postgres:
                    cursor.execute("RESET enable_hashjoin")
                    cursor.execute("RESET enable_mergejoin")

    def changes(self, after: int, upto: int) -> Iterator[ChoiceChange]:
        with connection.cursor() as cursor:
            cursor.execute(CHANGES, [upto, after, upto])
            while rows := cursor.fetchmany(FETCH):
                for nhs_number, choice, made_at, sequence in rows:
                    yield ChoiceChange(key_of(nhs_number), choice == "opted_out", micros(made_at), int(sequence))


def _copied_keys(version: int) -> Iterator[npt.NDArray[np.int64]]:
    """PostgreSQL: the keys computed by the server and streamed as binary int64 (`COPY ... BINARY`), parsed
    by numpy a chunk at a time: no Python object per row (ADR 81). The sort behind the window gets
    enough memory to stay off disk, for this transaction only. (Read in parts on several connections it was
    slower: ADR 100.)"""
    query = (
        f"COPY (SELECT CAST(SUBSTR(nhs_number, 1, 9) AS BIGINT) FROM ({_LATEST_UPTO}) AS l "
        "WHERE choice = 'opted_out') TO STDOUT (FORMAT BINARY)"
    ) % int(version)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        try:
            with cursor.cursor.copy(query) as copy:  # psycopg's cursor under Django's
                yield from _binary_int64_rows(copy)
        finally:
            cursor.execute("RESET work_mem")


# COPY's binary format: a 19-byte header, then per row a 2-byte field count, a 4-byte length and the
# big-endian int64; a 2-byte trailer (-1). Rows are parsed as a fixed-width view, whole rows at a time.
_COPY_HEADER, _COPY_ROW = 19, 14


def _binary_int64_rows(chunks: Iterable[bytes | memoryview]) -> Iterator[npt.NDArray[np.int64]]:
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        if len(pending) >= 1 << 20:
            yield from _parsed(pending)
    yield from _parsed(pending)
    if bytes(pending) != b"\xff\xff":
        raise ValueError("COPY ended without its trailer")


def _parsed(pending: bytearray) -> Iterator[npt.NDArray[np.int64]]:
    """The whole rows at the start of `pending` (after the header, if it is there), removed from it."""
    if pending.startswith(b"PGCOPY\n\xff\r\n\0"):
        del pending[:_COPY_HEADER]
    whole = len(pending) // _COPY_ROW * _COPY_ROW  # the 2-byte trailer never completes a row
    if whole:
        rows = np.frombuffer(bytes(pending[:whole]), np.uint8).reshape(-1, _COPY_ROW)
        if not (rows[:, :6] == np.frombuffer(b"\0\1\0\0\0\x08", np.uint8)).all():
            raise ValueError("COPY did not answer one int64 a row")
        del pending[:whole]
        yield np.ascontiguousarray(rows[:, 6:]).view(">i8").astype(np.int64).ravel()


_LATEST_UPTO = (
    "SELECT nhs_number, choice FROM (SELECT nhs_number, choice, ROW_NUMBER() OVER ("
    "PARTITION BY nhs_number ORDER BY made_at DESC, sequence DESC) AS latest FROM choice_event "
    "WHERE sequence <= %s) AS ranked WHERE latest = 1"
)


__all__ = ["DjangoCheckJobStore", "DjangoOptOutSource"]
