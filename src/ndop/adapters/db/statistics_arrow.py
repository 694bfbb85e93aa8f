"""The registry read out of the database as Arrow record batches (ADBC), into the engine's columns.

Why: the row-by-row cursor hands every value to Python as an object, which was most of a publication's
run (ADR 74). An ADBC driver fills Arrow buffers in C (SQLite: the stepping cursor; PostgreSQL: COPY in
binary) and numpy copies each batch's buffers into the preallocated columns. Memory is bounded by
design: one batch (64K rows on SQLite, a few MB) is in flight besides the columns themselves.

It fills the same columns as the cursor path (ndop.adapters.db.statistics; a test compares them).
ADBC opens a connection of its own, so it only sees committed rows: the caller uses it when no
transaction of its own is open, and reads both tables in one read-only transaction (REPEATABLE READ
on PostgreSQL; one read transaction, a WAL snapshot, on SQLite).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from adbc_driver_manager import Error as DriverError
from pyarrow import ArrowException

from ndop.domain.statistics.ports import RegistryUnreadable


class Codes:
    """Practice or LSOA codes to small integers, in order of first sight (as the cursor path numbers them)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def of(self, column: Any) -> npt.NDArray[np.int32]:
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(pc.fill_null(column, ""))
        if hasattr(encoded, "combine_chunks"):
            encoded = encoded.combine_chunks()
        index = self.index
        mapping = np.array([index.setdefault(v, len(index)) for v in encoded.dictionary.to_pylist()] or [0],
                           dtype=np.int32)
        return np.asarray(mapping[encoded.indices.to_numpy(zero_copy_only=False)], dtype=np.int32)

    def codes(self) -> tuple[str, ...]:
        return tuple(self.index)


@contextmanager
def driver_errors() -> Iterator[None]:
    """The driver's errors (cannot connect, a lost connection, a permission) as one line for the user."""
    try:
        yield
    except (DriverError, ArrowException, OSError) as exc:  # the first line only: never a connection string
        raise RegistryUnreadable(f"cannot read the registry for the statistics: {_first_line(exc)}") from None


def _conninfo(settings: Mapping[str, Any]) -> str:
    """libpq's key=value form of Django's settings (values quoted as libpq wants)."""
    def quote(value: object) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    parts = {"dbname": settings.get("NAME"), "user": settings.get("USER"), "password": settings.get("PASSWORD"),
             "host": settings.get("HOST"), "port": settings.get("PORT")}
    options = settings.get("OPTIONS") or {}
    parts.update({k: v for k, v in options.items() if k in _LIBPQ_OPTIONS})
    return " ".join(f"{k}={quote(v)}" for k, v in parts.items() if v not in (None, ""))


_LIBPQ_OPTIONS: Final = frozenset({"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout",
                                   "application_name", "options", "target_session_attrs", "passfile"})


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class ArrowRead:
    """One read of the two tables as Arrow batches, in one read-only transaction.

    PostgreSQL: an ADBC connection in this process (libpq). SQLite: an ADBC connection in a child process
    (statistics_sqlite_reader: two copies of SQLite must not open one file in one process), whose answers
    arrive as Arrow IPC streams. Use inside `driver_errors()`, so that failures reach the user as one line.
    """

    def __init__(self, vendor: str, settings: Mapping[str, Any]) -> None:
        self.vendor = vendor
        self.connection: Any = None
        self.child: subprocess.Popen[bytes] | None = None
        if vendor == "sqlite":
            self.child = subprocess.Popen(
                [sys.executable, "-m", "ndop.adapters.db.statistics_sqlite_reader", str(settings["NAME"])],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        else:
            import adbc_driver_postgresql.dbapi

            self.connection = adbc_driver_postgresql.dbapi.connect(_conninfo(settings))

    def __enter__(self) -> ArrowRead:
        if self.connection is not None:
            # The driver has begun a transaction (autocommit is off): make it one snapshot, read-only.
            with self.connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.fetchall()
        return self

    def __exit__(self, *_: object) -> None:
        if self.child is not None:
            assert self.child.stdin is not None
            self.child.stdin.close()  # the child ends its read transaction and exits
            try:
                self.child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait()
            return
        try:
            self.connection.rollback()  # nothing was written; end the read transaction
        finally:
            self.connection.close()

    def count(self, table: str) -> int:
        sql = f"SELECT COUNT(*) FROM {table}"
        return sum(int(integers(batch.column(0)).sum()) for batch in self.batches(sql))

    def batches(self, sql: str) -> Iterator[Any]:
        """The query's rows as Arrow record batches, one at a time."""
        if self.child is not None:
            yield from self._from_child(sql)
            return
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
            yield from cursor.fetch_record_batch()

    def _from_child(self, sql: str) -> Iterator[Any]:
        import pyarrow as pa

        child = self.child
        assert child is not None and child.stdin is not None and child.stdout is not None
        try:
            child.stdin.write((json.dumps(sql) + "\n").encode())
            child.stdin.flush()
            yield from pa.ipc.open_stream(child.stdout)
        except (ArrowException, OSError) as exc:
            child.kill()
            said = (child.stderr.read().decode(errors="replace").strip() if child.stderr else "").splitlines()
            raise RegistryUnreadable(f"cannot read the registry for the statistics: "
                                     f"{said[0] if said else _first_line(exc)}") from None


# The Arrow path reads the stored values as they are and converts them here, in Arrow's and numpy's
# vectorised C: on PostgreSQL the cursor path's to_char/EXTRACT/regex in SQL cost the server more than
# the whole transfer (1M people: 23 s against 8 s raw, on a loaded machine); dates arrive as date32 and
# times as timestamps over binary COPY. SQLite's SQL conversions run in its row-by-row interpreter.
PATIENTS: Final = "SELECT nhs_number, date_of_birth, date_of_death, gender, gp_practice_code, lsoa_code FROM patient"
CHOICES: Final = {
    "sqlite": "SELECT nhs_number, CAST(strftime('%s', made_at) AS INTEGER), sequence, choice = 'opted_out' "
              "FROM choice_event",
    "postgresql": "SELECT nhs_number, made_at, sequence, choice = 'opted_out' FROM choice_event",
}


def integers(column: Any) -> npt.NDArray[np.int64]:
    """An Arrow integer (or boolean) column as int64, with no Python object per value."""
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.int64)


def numbers(column: Any) -> npt.NDArray[np.int64]:
    """Stored NHS numbers as integers; 0 when the value is not ten digits (as the cursor path's SQL)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ten_digits = pc.fill_null(pc.match_substring_regex(column, "^[0-9]{10}$"), False)
    return integers(pc.cast(pc.if_else(ten_digits, column, "0"), pa.int64()))


def dates(column: Any) -> npt.NDArray[np.int32]:
    """Dates (date32, or SQLite's ISO text) as yyyymmdd; 0 for none."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = pc.cast(pc.utf8_slice_codeunits(column, 0, 10), pa.date32())
    elif pa.types.is_null(column.type):  # a batch of SQLite NULLs only: no type to infer
        return np.zeros(len(column), dtype=np.int32)
    packed = pc.add(pc.add(pc.multiply(pc.year(column), 10000), pc.multiply(pc.month(column), 100)), pc.day(column))
    return np.asarray(pc.fill_null(packed, 0).to_numpy(zero_copy_only=False), dtype=np.int32)


def epoch_seconds(column: Any) -> npt.NDArray[np.int64]:
    """Times (a UTC timestamp, or SQLite's integer seconds) as whole seconds since the epoch, rounded down."""
    import pyarrow as pa

    if pa.types.is_timestamp(column.type):
        per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[column.type.unit]
        return np.floor_divide(integers(column.cast(pa.int64())), per_second)
    return integers(column)


def genders(column: Any) -> npt.NDArray[np.int8]:
    """The PDS gender code; anything but 1 and 2 as 0 (unknown), as the cursor path's SQL."""
    values = integers(column)
    return np.where((values == 1) | (values == 2), values, 0).astype(np.int8)


__all__ = ["CHOICES", "PATIENTS", "ArrowRead", "Codes", "dates", "driver_errors", "epoch_seconds",
           "genders", "integers", "numbers"]
