"""The registry read out of the database as Arrow record batches (ADBC), into the engine's columns.

Why: the row-by-row cursor hands every value to Python as an object, which was most of a publication's
run (ADR 74). An ADBC driver fills Arrow buffers in C (SQLite: the stepping cursor; PostgreSQL: COPY in
binary) and numpy copies each batch's buffers into the preallocated columns. Memory is bounded by
design: one batch (BATCH_ROWS rows, a few MB) is in flight besides the columns themselves.

It fills the same columns as the cursor path (ndop.adapters.db.statistics; a test compares them).
ADBC opens a connection of its own, so it only sees committed rows: the caller uses it when no
transaction of its own is open, and reads both tables in one read-only transaction (REPEATABLE READ
on PostgreSQL; one read transaction, a WAL snapshot, on SQLite).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from adbc_driver_manager import Error as DriverError
from pyarrow import ArrowException

from ndop.domain.statistics.ports import RegistryUnreadable

BATCH_ROWS: Final = 65_536  # rows a batch: large enough that per-batch overhead vanishes, small enough to stay in cache


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


def connect(vendor: str, settings: Mapping[str, Any]) -> Any:
    """An ADBC DB-API connection to the database Django uses, with autocommit off (one transaction)."""
    if vendor == "sqlite":
        import adbc_driver_sqlite.dbapi

        return adbc_driver_sqlite.dbapi.connect(str(settings["NAME"]))
    import adbc_driver_postgresql.dbapi

    return adbc_driver_postgresql.dbapi.connect(_conninfo(settings))


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
    """One read of the two tables over an ADBC connection, in one read-only transaction.

    Use inside `driver_errors()`, so that whatever the driver raises reaches the user as one line."""

    def __init__(self, vendor: str, settings: Mapping[str, Any]) -> None:
        self.vendor = vendor
        self.connection = connect(vendor, settings)

    def __enter__(self) -> ArrowRead:
        if self.vendor == "postgresql":
            # The driver has begun a transaction (autocommit is off): make it one snapshot, read-only.
            self._run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return self

    def __exit__(self, *_: object) -> None:
        try:
            self.connection.rollback()  # nothing was written; end the read transaction
        finally:
            self.connection.close()

    def _run(self, sql: str) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    def count(self, table: str) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            return int(cursor.fetchone()[0])

    def batches(self, sql: str) -> Iterator[Any]:
        """The query's rows as Arrow record batches, one at a time."""
        with self.connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
            cursor.execute(sql)
            yield from cursor.fetch_record_batch()


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


__all__ = ["BATCH_ROWS", "CHOICES", "PATIENTS", "ArrowRead", "Codes", "dates", "driver_errors", "epoch_seconds",
           "genders", "integers", "numbers"]
