"""The registry read out of the database as Arrow record batches (ADBC), into the engine's columns.

Why: the row-by-row cursor hands every value to Python as an object, which was most of a publication's
run (ADR 74). An ADBC driver fills Arrow buffers in C (SQLite: the stepping cursor; PostgreSQL: COPY in
binary) and numpy copies each batch's buffers into the preallocated columns. Memory is bounded by
design: one batch (BATCH_ROWS rows, a few MB) is in flight besides the columns themselves.

The same SQL as the cursor path (ndop.adapters.db.statistics) does the type conversions, so both paths
fill identical columns. ADBC opens a connection of its own, so it only sees committed rows: the
caller uses it when no transaction of its own is open, and reads both tables in one read-only
transaction (REPEATABLE READ on PostgreSQL; one read transaction, a WAL snapshot, on SQLite).
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


def integers(column: Any) -> npt.NDArray[np.int64]:
    """An Arrow integer (or boolean) column as int64, with no Python object per value."""
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.int64)


__all__ = ["BATCH_ROWS", "ArrowRead", "Codes", "driver_errors", "integers"]
