"""Bulk loading of the population files: staged in temporary tables, then merged with set-based SQL.

PostgreSQL stages with `COPY ... FROM STDIN` (psycopg 3); SQLite with `executemany` in large batches.
Both run inside the caller's transaction: a rollback drops the staging tables with everything else.
The merge is a handful of `INSERT ... SELECT` statements (upsert for patients, window functions to
number the choices and pick each person's latest), so Python never holds more than one batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime
from itertools import islice
from queue import Empty, Queue
from threading import Event, Thread
from typing import Any, Final, TypeVar

from django.db import IntegrityError, connection, transaction
from psycopg.copy import QueuedLibpqWriter

from ndop.adapters.db import models as m
from ndop.adapters.db.integrity import events_digest_between
from ndop.adapters.db.registry import reserve_sequences
from ndop.domain.common.actors import Actor
from ndop.domain.population.bulk_load import EarlierImport, StagedCheck
from ndop.domain.population.files import ChoiceRow, PatientRow

BATCH: Final = 20_000
# Pieces of patients.csv parsed, checked and split ahead of SQLite's inserts, in a thread of their own: one
# waiting while one is made and one inserted (each about 55 MB as Python strings at 8 MiB of CSV).
READ_AHEAD: Final = 1
SQLITE_CACHE_KIB: Final = 128 * 1024
# Index builds after a bulk load sort in memory up to this much (PostgreSQL's default is 64 MB: a 60M-row
# index would spill to disk in many runs). One build at a time, for this transaction only.
PG_MAINTENANCE_WORK_MEM: Final = "512MB"
# Below this many new rows, inserting into the live indexes costs less than building them again.
REBUILD_INDEXES_FROM: Final = 20_000
PATIENT_FIELDS: Final = (
    "nhs_number", "given_name", "family_name", "date_of_birth", "gender", "postcode", "lsoa_code",
    "gp_practice_code", "mobile", "email", "date_of_death", "superseded_by", "sensitive",
    "address_line_1", "address_line_2", "address_line_3", "town",
)
CHOICE_FIELDS: Final = ("nhs_number", "choice", "recorded_at", "channel", "proxy_role", "case_reference")

_TYPES: Final = {
    "postgresql": {"date": "date", "int": "smallint", "bool": "boolean", "time": "timestamptz", "text": "text"},
    "sqlite": {"date": "text", "int": "integer", "bool": "integer", "time": "text", "text": "text"},
}
_PATIENT_TYPES: Final = ("text", "text", "text", "date", "int", "text", "text", "text", "text", "text", "date",
                         "text", "bool", "text", "text", "text", "text")
_CHOICE_TYPES: Final = ("text", "text", "time", "text", "text", "text")

_CHECKS: Final = {
    StagedCheck.DUPLICATE_PATIENT: """
        FROM stage_patient s WHERE EXISTS (
          SELECT 1 FROM stage_patient t WHERE t.nhs_number = s.nhs_number AND t.line < s.line)""",
    StagedCheck.UNKNOWN_REPLACEMENT: """
        FROM stage_patient s WHERE s.superseded_by <> ''
          AND NOT EXISTS (SELECT 1 FROM stage_patient t WHERE t.nhs_number = s.superseded_by)
          AND NOT EXISTS (SELECT 1 FROM patient p WHERE p.nhs_number = s.superseded_by)""",
    StagedCheck.CHOICE_FOR_UNKNOWN_PATIENT: """
        FROM stage_choice s WHERE NOT EXISTS (SELECT 1 FROM stage_patient t WHERE t.nhs_number = s.nhs_number)
          AND NOT EXISTS (SELECT 1 FROM patient p WHERE p.nhs_number = s.nhs_number)""",
}


# The staged check for unknown replacements, on the patient table itself after a direct load.
_UNKNOWN_REPLACEMENT_IN_PATIENT: Final = (
    "SELECT EXISTS (SELECT 1 FROM patient s WHERE s.superseded_by <> '' "
    "AND NOT EXISTS (SELECT 1 FROM patient t WHERE t.nhs_number = s.superseded_by))"
)
# The patient table's row trigger (migration 0004), and what it does for a row with a replacement, done
# once per direct load instead.
LINKS_TRIGGER: Final = "patient_links_changed"
SQLITE_LINKS_TRIGGER: Final = "patient_links_insert"  # SQLite's trigger for an inserted row (migration 0004)
_BUMP_LINKS: Final = ("UPDATE registry_counter SET value = value + 1 WHERE name = 'patient_links' "
                      "AND EXISTS (SELECT 1 FROM patient WHERE superseded_by <> '')")


T = TypeVar("T")


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def _read_ahead(items: Iterable[T], depth: int = READ_AHEAD) -> Iterator[T]:
    """`items`, produced by a thread of its own at most `depth` ahead of the caller. pyarrow's parse and
    checks and SQLite's `sqlite3_step` both release the GIL, so on SQLite the next piece is read and checked
    while this one is inserted (on PostgreSQL psycopg's writer thread does the same for the COPY). An
    exception in `items` (`NotFast` included) is raised here, at the point the caller reached; if the caller
    stops early, the thread stops after the piece it is on."""
    queue: Queue[object] = Queue(depth)
    stop = Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                queue.put(item)
                if stop.is_set():
                    return
            queue.put(done)
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread, which raises it
            queue.put(_Failed(error))

    thread = Thread(target=produce, name="ndop-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():  # let a blocked `put` through
            with suppress(Empty):
                queue.get(timeout=0.05)
        thread.join()


class _RowByRow(Exception):
    """A check across rows failed on a direct load: take it back and stage the file row by row."""


def _columns(fields: tuple[str, ...], types: tuple[str, ...], vendor: str) -> str:
    names = {"postgresql": _TYPES["postgresql"], "sqlite": _TYPES["sqlite"]}[vendor]
    return ", ".join(f"{f} {names[t]}" for f, t in zip(fields, types, strict=True))


def _batches(rows: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _sqlite_time(value: datetime) -> str:
    # Django's SQLite backend stores aware datetimes as naive UTC text: keep the same form, so that
    # comparisons and ordering in SQL agree with rows the ORM wrote.
    return value.replace(tzinfo=None).isoformat(" ")


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# How SQLite takes a vouched-for patients.csv value: as the file has it, except `sensitive` (0 or 1, as
# staged row by row) and an empty date of death (NULL). SQLite evaluates these in C, once a row.
_SQLITE_VALUE: Final = {"sensitive": "%s = 'true'", "date_of_death": "NULLIF(%s, '')"}


def _sqlite_pieces(pieces: Iterable[bytes], width: int, first_line: int | None) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of each piece of a file the fast path vouched for (one row a line, no quotes, `width` fields a
    row, "\r\n" on every line or on none), as tuples of its fields, with the line number first when
    `first_line` is given. The piece is split once into a flat list and regrouped by `zip` in C: no Python
    loop a row. Only "\n" ends a row (as for pyarrow and COPY): `splitlines` would also split at U+2028,
    which a name may hold."""
    line = first_line
    for piece in pieces:
        text = piece.decode().replace("\r\n", "\n").removesuffix("\n")
        if not text:
            continue
        fields = text.replace("\n", ",").split(",")
        rows, left = divmod(len(fields), width)
        if left:  # the fast path checked every row's width: this cannot happen
            raise ValueError("a vouched-for piece has a row of another width")
        each = [iter(fields)] * width
        if line is None:
            yield list(zip(*each, strict=True))
        else:
            yield list(zip(range(line, line + rows), *each, strict=True))
            line += rows


class DjangoPopulationStore:
    """`PopulationStore` on the Django connection (PostgreSQL or SQLite)."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self._direct_count: int | None = None
        if self.vendor not in _TYPES:
            raise RuntimeError(f"bulk load does not support the {self.vendor} database")

    def _execute(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def _scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def begin(self) -> None:
        if self.vendor == "sqlite":
            # SQLite's default page cache is 2 MB: index updates for a million rows would go to the OS
            # on nearly every row. A bounded 128 MB cache for this connection keeps them in memory.
            self._execute(f"PRAGMA main.cache_size = -{SQLITE_CACHE_KIB}")
            self._execute(f"PRAGMA temp.cache_size = -{SQLITE_CACHE_KIB}")
        for table, fields, types in (
            ("stage_patient", PATIENT_FIELDS, _PATIENT_TYPES),
            ("stage_choice", CHOICE_FIELDS, _CHOICE_TYPES),
        ):
            self._execute(f"DROP TABLE IF EXISTS {table}")
            # On PostgreSQL the server numbers the lines of a file copied as it is (`stage_patients_csv`):
            # its rows follow one a line from line 2, in the order COPY reads them.
            line = ("bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 2) NOT NULL"
                    if self.vendor == "postgresql" else "bigint NOT NULL")
            defaults = ", ".join(f"{f} {_TYPES[self.vendor][t]}" + (" DEFAULT ''" if t == "text" else "")
                                 for f, t in zip(fields, types, strict=True))
            self._execute(f"CREATE TEMP TABLE {table} (line {line}, {defaults})")

    # ---- staging -----------------------------------------------------------------------------------

    def stage_patients(self, rows: Iterable[tuple[int, PatientRow]]) -> int:
        if self.vendor == "postgresql":
            count = self._copy("stage_patient", PATIENT_FIELDS, ((line, *row) for line, row in rows))
        else:
            count = self._insert_many(
                "stage_patient",
                PATIENT_FIELDS,
                (
                    (line, r[0], r[1], r[2], r[3].isoformat(), r[4], r[5], r[6], r[7], r[8], r[9],
                     _sqlite_date(r[10]), r[11], int(r[12]), r[13], r[14], r[15], r[16])
                    for line, r in rows
                ),
            )
        self._index_staged_patients()
        return count

    def stage_patients_csv(self, pieces: Iterable[bytes], columns: tuple[str, ...]) -> int | None:
        """Stage the data rows of a patients.csv that the fast path vouched for, as the file's own bytes:
        no header, no quotes, one row a line from line 2, every value in normal form. If `pieces` raises,
        nothing is staged (a savepoint), so the caller can stage the file row by row instead; None says the
        same when a check across rows failed on the direct load below."""
        try:
            with transaction.atomic(savepoint=True):
                if self._load_directly():
                    load = self._copy_into_patient if self.vendor == "postgresql" else self._insert_into_patient
                    self._direct_count = load(columns, pieces)
                    return self._direct_count
                if self.vendor == "postgresql":
                    count = self._copy_csv("stage_patient", columns, pieces)
                else:
                    count = self._insert_csv("stage_patient", columns,
                                             _read_ahead(_sqlite_pieces(pieces, len(columns), 2)))
        except _RowByRow:
            self._direct_count = None
            return None
        self._index_staged_patients()
        return count

    def _load_directly(self) -> bool:
        """The first load into an empty `patient` table (ADR 91, and on SQLite ADR 98): the rows go straight
        into it, with no staging copy and no second insert. On PostgreSQL, only with no foreign key on its key
        and no row trigger whose work the load cannot redo. SQLite keeps its key, and its other triggers fire."""
        if self._scalar("SELECT EXISTS (SELECT 1 FROM patient)"):
            return False
        return self.vendor == "sqlite" or (self._primary_key("patient") is not None
                                           and set(self._row_triggers("patient")) <= {LINKS_TRIGGER})

    def _insert_into_patient(self, columns: tuple[str, ...], pieces: Iterable[bytes]) -> int:
        """SQLite's direct load (ADR 98): the vouched-for rows inserted into the empty `patient` table with its
        secondary indexes and its links trigger dropped. Its primary key stays (SQLite cannot drop it) and
        refuses a repeated number. A repeated number or an unknown replacement raises `_RowByRow`, as on
        PostgreSQL. The indexes and the trigger are made again from the catalogue's own SQL (ADR 82)."""
        indexes = self._secondary_indexes("patient")
        for name, _ in indexes:
            self._execute(f'DROP INDEX "{name}"')
        # The links trigger looks at every row only to bump a counter for the few with a replacement: it is
        # dropped for the load, made again from its own SQL, and its work done once (as on PostgreSQL).
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s "
                           "AND tbl_name = 'patient'", [SQLITE_LINKS_TRIGGER])
            found = cursor.fetchone()
        trigger = None if found is None else str(found[0])
        if trigger is not None:
            self._execute(f'DROP TRIGGER "{SQLITE_LINKS_TRIGGER}"')
        try:
            count = self._insert_csv("patient", columns,
                                     _read_ahead(_sqlite_pieces(pieces, len(columns), None)))
        except IntegrityError:
            raise _RowByRow from None  # a number repeated in the file: the savepoint takes the rows back
        if self._scalar(_UNKNOWN_REPLACEMENT_IN_PATIENT):
            raise _RowByRow
        for _, definition in indexes:
            self._execute(definition)
        if trigger is not None:
            self._execute(trigger)
            self._execute(_BUMP_LINKS)
        return count

    def _copy_into_patient(self, columns: tuple[str, ...], pieces: Iterable[bytes]) -> int:
        """COPY the vouched-for rows into the empty `patient` table with its indexes, key and row trigger off,
        then check what the staged checks would (a repeated number, an unknown replacement) on the table
        itself. Either failing raises `_RowByRow`: the savepoint takes it all back, and the caller reads the
        file again row by row, which names the lines. The key, the indexes and the trigger come back in this
        transaction, as they were in the catalogue."""
        indexes = self._secondary_indexes("patient")
        key = self._primary_key("patient")
        assert key is not None  # checked by _load_directly
        self._execute(f"SET LOCAL maintenance_work_mem = '{PG_MAINTENANCE_WORK_MEM}'")
        for name, _ in indexes:
            self._execute(f'DROP INDEX "{name}"')
        self._execute(f'ALTER TABLE patient DROP CONSTRAINT "{key[0]}"')
        # A row trigger queues an event per inserted row in the server's memory (60M of them for a national
        # load) only to bump the supersession counter; it is bumped once below instead.
        triggers = self._row_triggers("patient")
        for trigger in triggers:
            self._execute(f'ALTER TABLE patient DISABLE TRIGGER "{trigger}"')
        count = self._copy_csv("patient", columns, pieces)
        try:
            with transaction.atomic(savepoint=True):
                self._execute(f'ALTER TABLE patient ADD CONSTRAINT "{key[0]}" {key[1]}')
        except IntegrityError:
            raise _RowByRow from None  # a number repeated in the file
        if self._scalar(_UNKNOWN_REPLACEMENT_IN_PATIENT):
            raise _RowByRow
        for _, definition in indexes:
            self._execute(definition)
        for trigger in triggers:
            self._execute(f'ALTER TABLE patient ENABLE TRIGGER "{trigger}"')
        if triggers:
            self._execute(_BUMP_LINKS)
        return count

    def _row_triggers(self, table: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
                           "AND tgenabled <> 'D' ORDER BY 1", [table])
            return [str(r[0]) for r in cursor.fetchall()]

    def _index_staged_patients(self) -> None:
        self._execute("CREATE INDEX stage_patient_number ON stage_patient (nhs_number, line)")
        self._execute("CREATE INDEX stage_patient_replacement ON stage_patient (superseded_by) "
                      "WHERE superseded_by <> ''")  # one row in a thousand has a replacement

    def stage_choices(self, rows: Iterable[tuple[int, ChoiceRow]]) -> int:
        if self.vendor == "postgresql":
            count = self._copy("stage_choice", CHOICE_FIELDS, ((line, *row) for line, row in rows))
        else:
            count = self._insert_many(
                "stage_choice",
                CHOICE_FIELDS,
                ((line, r[0], r[1], _sqlite_time(r[2]), r[3], r[4], r[5]) for line, r in rows),
            )
        self._execute("CREATE INDEX stage_choice_number ON stage_choice (nhs_number)")
        if self.vendor == "postgresql":
            self._execute("ANALYZE stage_patient")  # autovacuum never analyses temporary tables
            self._execute("ANALYZE stage_choice")
        return count

    def _copy(self, table: str, fields: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> int:
        count = 0
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
            # The queued writer sends the formatted rows from its own thread (the socket write releases the
            # GIL), so the server's work on the COPY overlaps with this process reading and checking the file.
            writer = QueuedLibpqWriter(raw)
            with raw.copy(f"COPY {table} (line, {', '.join(fields)}) FROM STDIN", writer=writer) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count

    def _copy_csv(self, table: str, fields: tuple[str, ...], pieces: Iterable[bytes]) -> int:
        # CSV, not COPY's text format: backslashes in names stay as they are. An unquoted empty field is
        # NULL in CSV, so the text columns are forced to '' (as staged row by row); date_of_death stays NULL.
        text = ", ".join(f for f, t in zip(PATIENT_FIELDS, _PATIENT_TYPES, strict=True) if t == "text" and f in fields)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            writer = QueuedLibpqWriter(raw)
            with raw.copy(f"COPY {table} ({', '.join(fields)}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL ({text}))",
                          writer=writer) as copy:
                for piece in pieces:
                    copy.write(piece)
            return int(raw.rowcount)

    def _insert_csv(self, table: str, columns: tuple[str, ...], pieces: Iterable[list[tuple[Any, ...]]]) -> int:
        """SQLite: insert the rows of each piece (`_sqlite_pieces`) with one `executemany` a piece."""
        names = ("line", *columns) if table == "stage_patient" else columns
        values = ", ".join(_SQLITE_VALUE.get(c, "%s") for c in names)
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({values})"
        count = 0
        with connection.cursor() as cursor:
            for rows in pieces:
                cursor.executemany(sql, rows)
                count += cursor.rowcount
        return count

    def _insert_many(self, table: str, fields: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> int:
        placeholders = ", ".join(["%s"] * (len(fields) + 1))
        sql = f"INSERT INTO {table} (line, {', '.join(fields)}) VALUES ({placeholders})"
        count = 0
        with connection.cursor() as cursor:
            for batch in _batches(rows):
                cursor.executemany(sql, batch)
                count += len(batch)
        return count

    # ---- checks across rows ------------------------------------------------------------------------

    def failing_lines(self, check: StagedCheck, limit: int) -> tuple[list[int], int]:
        body = _CHECKS[check]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT s.line {body} ORDER BY s.line LIMIT %s", [limit])
            lines = [int(r[0]) for r in cursor.fetchall()]
            if len(lines) < limit:
                return lines, len(lines)
            cursor.execute(f"SELECT count(*) {body}")
            return lines, int(cursor.fetchone()[0])

    # ---- merges ------------------------------------------------------------------------------------

    def merge_patients(self) -> tuple[int, int]:
        if self._direct_count is not None:  # loaded straight into the empty table (stage_patients_csv)
            return self._direct_count, 0
        total = int(self._scalar("SELECT count(*) FROM stage_patient"))
        # Into an empty index (the first load) nothing can conflict: a plain insert spares the upsert's
        # speculative insertion per row and the count of numbers already known.
        empty = not self._scalar("SELECT EXISTS (SELECT 1 FROM patient)")
        updated = 0 if empty else int(
            self._scalar(
                "SELECT count(*) FROM stage_patient s WHERE EXISTS "
                "(SELECT 1 FROM patient p WHERE p.nhs_number = s.nhs_number)"
            )
        )
        columns = ", ".join(PATIENT_FIELDS)
        assignments = ", ".join(f"{f} = excluded.{f}" for f in PATIENT_FIELDS[1:])
        upsert = "" if empty else f" ON CONFLICT (nhs_number) DO UPDATE SET {assignments}"
        with self._indexes_rebuilt("patient", total - updated, empty=empty) as key_dropped:
            # "WHERE true" tells SQLite's parser the ON CONFLICT belongs to the INSERT, not to a join.
            # In key order while the primary key is there: its pages fill one after another, not at random.
            order = "" if key_dropped else " ORDER BY nhs_number"
            self._execute(f"INSERT INTO patient ({columns}) SELECT {columns} FROM stage_patient WHERE true"
                          f"{order}{upsert}")
        return total - updated, updated

    @contextmanager
    def _indexes_rebuilt(self, table: str, adding: int, *, empty: bool = False) -> Iterator[bool]:
        """When `adding` rows would at least double `table`, drop its secondary indexes for the insert and
        build them again after it (ADR 82): one sort per index instead of a random insert per row and
        index. Both are in the caller's transaction, so a rollback brings the old indexes back. PostgreSQL's
        DROP INDEX locks the table against readers until commit: a load that large is the registry's first,
        or a quiet hour's. The primary key stays (an upsert needs it), except when the caller says the table
        is `empty` on PostgreSQL and no foreign key needs it: then it is built last, by a sort, which also
        checks the staged numbers are unique once more. Yields whether the primary key was dropped."""
        limit = max(adding, REBUILD_INDEXES_FROM) + 1  # enough to decide, without counting a national table
        existing = int(self._scalar(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS t", (limit,)))
        if adding < REBUILD_INDEXES_FROM or adding < existing:
            yield False
            return
        indexes = self._secondary_indexes(table)
        key = self._primary_key(table) if empty and self.vendor == "postgresql" else None
        if self.vendor == "postgresql":
            self._execute(f"SET LOCAL maintenance_work_mem = '{PG_MAINTENANCE_WORK_MEM}'")
        for name, _ in indexes:
            self._execute(f'DROP INDEX "{name}"')
        if key is not None:
            self._execute(f'ALTER TABLE {table} DROP CONSTRAINT "{key[0]}"')
        yield key is not None
        if key is not None:
            self._execute(f'ALTER TABLE {table} ADD CONSTRAINT "{key[0]}" {key[1]}')
        for _, definition in indexes:
            self._execute(definition)

    def _primary_key(self, table: str) -> tuple[str, str] | None:
        """(name, definition) of `table`'s primary key on PostgreSQL, unless a foreign key refers to it."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'p' AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.confrelid = %s::regclass)",
                [table, table],
            )
            row = cursor.fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def _secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        """(name, CREATE INDEX statement) of each index on `table` that no constraint owns."""
        if self.vendor == "postgresql":
            sql = (
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY 1"
            )
        else:  # SQLite: automatic indexes (primary key, UNIQUE) have no SQL of their own
            sql = ("SELECT name, sql FROM sqlite_master "
                   "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL ORDER BY 1")
        with connection.cursor() as cursor:
            cursor.execute(sql, [table])
            return [(str(name), str(definition)) for name, definition in cursor.fetchall()]

    def reserve_versions(self, count: int) -> int:
        return reserve_sequences(count)

    def merge_choices(self, first_version: int, recorded_by: Actor) -> int:
        staged = int(self._scalar("SELECT count(*) FROM stage_choice"))
        with self._indexes_rebuilt("choice_event", staged):
            self._append_events(first_version, recorded_by)
        with self._indexes_rebuilt("current_choice", staged):
            return self._move_projection(first_version, first_version + staged - 1)

    def _append_events(self, first_version: int, recorded_by: Actor) -> None:
        self._execute(
            """
            INSERT INTO choice_event (sequence, nhs_number, choice, made_at, recorded_at, channel, proxy_role,
                                      proxy_name, proxy_evidence_type, proxy_evidence_reference, case_reference,
                                      recorded_by)
            SELECT %s - 1 + ROW_NUMBER() OVER (ORDER BY recorded_at, line), nhs_number, choice, recorded_at,
                   recorded_at, channel, proxy_role, '', '', '', case_reference, %s
            FROM stage_choice
            """,
            [first_version, str(recorded_by)],
        )

    def _move_projection(self, first_version: int, last: int) -> int:
        return int(
            self._execute(
                """
                INSERT INTO current_choice (nhs_number, choice, sequence, made_at, recorded_at, channel)
                SELECT nhs_number, choice, sequence, made_at, recorded_at, channel FROM (
                  SELECT nhs_number, choice, sequence, made_at, recorded_at, channel,
                         ROW_NUMBER() OVER (PARTITION BY nhs_number ORDER BY made_at DESC, sequence DESC) AS latest
                  FROM choice_event WHERE sequence BETWEEN %s AND %s
                ) AS events
                WHERE latest = 1
                ON CONFLICT (nhs_number) DO UPDATE SET choice = excluded.choice, sequence = excluded.sequence,
                  made_at = excluded.made_at, recorded_at = excluded.recorded_at, channel = excluded.channel
                  WHERE excluded.made_at > current_choice.made_at
                     OR (excluded.made_at = current_choice.made_at AND excluded.sequence > current_choice.sequence)
                """,
                [first_version, last],
            )
        )

    def events_digest(self, first: int, last: int) -> str:
        return events_digest_between(first, last)

    def earlier_imports(self) -> list[EarlierImport]:
        rows = m.AuditEvent.objects.filter(action="population.imported").order_by("sequence")
        result = []
        for row in rows.iterator():
            details = row.details or {}
            patients, choices = details.get("patients.csv") or {}, details.get("choices.csv") or {}
            result.append(EarlierImport(row.sequence, row.occurred_at, row.subject, str(patients.get("sha256", "")),
                                        str(choices.get("sha256", "")), int(choices.get("rows") or 0)))
        return result

    def finish(self) -> None:
        self._execute("DROP TABLE IF EXISTS stage_choice")
        self._execute("DROP TABLE IF EXISTS stage_patient")
