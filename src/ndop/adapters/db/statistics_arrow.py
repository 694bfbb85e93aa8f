"""The registry read out of the database as Arrow record batches (ADBC), into the engine's columns.

Why: the row-by-row cursor hands every value to Python as an object, which was most of a publication's
run (ADR 74). An ADBC driver fills Arrow buffers in C (SQLite: the stepping cursor; PostgreSQL: COPY in
binary) and numpy copies each batch's buffers into the preallocated columns. Memory is bounded by
design: one batch a connection (64K rows on SQLite, a few MB) is in flight besides the columns themselves.

It fills the same columns as the cursor path (ndop.adapters.db.statistics; a test compares them).
ADBC opens a connection of its own, so it only sees committed rows: the caller uses it when no
transaction of its own is open, and reads both tables in one read-only snapshot (on PostgreSQL two
connections sharing one exported REPEATABLE READ snapshot, each a block range, ADR 86; one read
transaction, a WAL snapshot, on SQLite).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
from adbc_driver_manager import Error as DriverError
from pyarrow import ArrowException

from ndop.adapters.db.statistics_pg_snapshot import Part, SnapshotConnections
from ndop.domain.common.nhs_number_arrays import ten_digits as _ten_digits
from ndop.domain.statistics.ports import RegistryUnreadable

T = TypeVar("T")


class Codes:
    """Practice or LSOA codes to small integers, in order of first sight."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def number(self, values: list[str], indices: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
        """A batch's codes (its distinct values, and each row's index among them) in this numbering.

        Run by one thread at a time: the parts of a read share one numbering (the caller holds a lock)."""
        index = self.index
        mapping = np.array([index.setdefault(v, len(index)) for v in values] or [0], dtype=np.int32)
        return np.asarray(mapping[indices], dtype=np.int32)

    def codes(self) -> tuple[str, ...]:
        return tuple(self.index)


def encoded(column: Any) -> tuple[list[str], npt.NDArray[np.int32]]:
    """A column of codes as its distinct values (an empty or null code is "") and each row's index among them:
    Arrow's hash in C, so only the few distinct values become Python strings."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(pc.fill_null(column, ""))
    if hasattr(encoded, "combine_chunks"):
        encoded = encoded.combine_chunks()
    return encoded.dictionary.to_pylist(), np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int32)


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
    """One read of the two tables as Arrow batches, in one read-only snapshot.

    PostgreSQL: `readers` ADBC connections in this process (libpq) sharing one exported snapshot, each
    reading its own block range of a table in a thread (statistics_pg_snapshot, ADR 86). SQLite: an ADBC
    connection in a child process (statistics_sqlite_reader: two copies of SQLite must not open one file
    in one process), whose answers arrive as Arrow IPC streams, one query after the other. Use inside
    `driver_errors()`, so that failures reach the user as one line.
    """

    def __init__(self, vendor: str, settings: Mapping[str, Any], readers: int = 1) -> None:
        """`readers`: PostgreSQL connections at once (the configuration's `read_connection_count`)."""
        self.vendor = vendor
        self.connections: SnapshotConnections | None = None
        self.child: subprocess.Popen[bytes] | None = None
        if vendor == "sqlite":
            self.child = subprocess.Popen(
                [sys.executable, "-m", "ndop.adapters.db.statistics_sqlite_reader", str(settings["NAME"])],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        else:
            self.connections = SnapshotConnections(_conninfo(settings), readers)

    def __enter__(self) -> ArrowRead:
        if self.connections is not None:
            self.connections.__enter__()
        return self

    def __exit__(self, *_: object) -> None:
        if self.connections is not None:
            self.connections.close()
            return
        assert self.child is not None and self.child.stdin is not None
        self.child.stdin.close()  # the child ends its read transaction and exits
        try:
            self.child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()

    def parts(self, table: str) -> list[Part]:
        """Disjoint slices of `table` that together are all of it, one a reader (SQLite: one, counted)."""
        if self.connections is not None:
            return self.connections.parts(table)
        rows = sum(int(integers(batch.column(0)).sum()) for batch in self.batches(f"SELECT COUNT(*) FROM {table}"))
        return [Part("", rows)]

    def run(self, jobs: Sequence[Callable[[Any], T]]) -> list[T]:
        """Each job given an object with `batches(sql)`: on PostgreSQL several at once, on SQLite in turn."""
        if self.connections is not None:
            return self.connections.run(jobs)
        return [job(self) for job in jobs]

    def batches(self, sql: str) -> Iterator[Any]:
        """The query's rows as Arrow record batches, one at a time (SQLite's child)."""
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
# PostgreSQL: the two dates and the gender travel as one bigint. Each field of a COPY row costs the client's
# driver about as much as a whole narrow row (10M people: 5.5 s of client CPU for six fields against 3.8 s
# for four), and date subtraction and integer arithmetic are cheap on the server (to_char was not, ADR 86).
# The dates go as Julian day numbers (days since 4714-11-24 BC, PostgreSQL's first date, so never
# negative): the date of birth in the high bits, the date of death + 1 (0 for none) in the low 32, then
# four bits of gender (LEAST keeps it a code, and any code above 2 means unknown anyway). Every date
# PostgreSQL can hold packs without overflow of the low part; a date of birth past the year 360,000
# overflows the bigint, which the server refuses with an error (never a silent wrong date).
PACKED_DATES: Final = ("((date_of_birth - DATE '4714-11-24 BC')::bigint * 4294967296"
                       " + COALESCE(date_of_death - DATE '4714-11-24 BC' + 1, 0)) * 16 + LEAST(gender, 15)")
PATIENTS_PACKED: Final = f"SELECT nhs_number, {PACKED_DATES}, gp_practice_code, lsoa_code FROM patient"
CHOICES: Final = {
    "sqlite": "SELECT nhs_number, CAST(strftime('%s', made_at) AS INTEGER), sequence, choice = 'opted_out' "
              "FROM choice_event",
    "postgresql": "SELECT nhs_number, made_at, sequence, choice = 'opted_out' FROM choice_event",
}


def integers(column: Any) -> npt.NDArray[np.int64]:
    """An Arrow integer (or boolean) column as int64, with no Python object per value."""
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.int64)


def numbers(column: Any) -> npt.NDArray[np.int64]:
    """Stored NHS numbers as integers; 0 when the value is not ten digits (as the cursor path's SQL).

    Read from the string column's own buffers: where every value is ten bytes long (the registry's case)
    the data buffer is the values side by side, and `_ten_digits` reads them eight and two bytes at a time
    (a regex and a cast cost several times as much, most of the conversions' time: ADR 86).
    """
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return _numbers_by_regex(column)
    size = len(column)
    if size == 0 or column.null_count == size:
        return np.zeros(size, dtype=np.int64)
    _, offsets_buffer, data_buffer = column.buffers()
    offset_type = np.int64 if pa.types.is_large_string(column.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[column.offset : column.offset + size + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    ten = np.diff(offsets) == 10
    if column.null_count:
        ten &= column.is_valid().to_numpy(zero_copy_only=False)
    if ten.all():
        return _ten_digits(data[offsets[0] : offsets[-1]], size)
    out = np.zeros(size, dtype=np.int64)
    starts = np.asarray(offsets[:-1][ten], dtype=np.int64)
    out[ten] = _ten_digits(data[starts[:, None] + np.arange(10)].reshape(-1), int(starts.size))
    return out


def _numbers_by_regex(column: Any) -> npt.NDArray[np.int64]:
    import pyarrow as pa
    import pyarrow.compute as pc

    column = pc.cast(column, pa.string())
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


_UNIX_EPOCH_JD: Final = 2_440_588  # the Julian day number of 1970-01-01
_TABLE_FROM: Final = 2_378_497  # 1800-01-01: the look-up table covers 1800 to 2199, every registry's dates
_TABLE_TO: Final = 2_524_594  # 2200-01-01


def _ymd_of_julian_days(days: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
    """Julian day numbers as yyyymmdd, by numpy's calendar (any date; the table below is built with it)."""
    day = (days - _UNIX_EPOCH_JD).astype("datetime64[D]")
    month, year = day.astype("datetime64[M]"), day.astype("datetime64[Y]")
    packed = ((year.astype(np.int64) + 1970) * 10000 + ((month - year).astype(np.int64) + 1) * 100
              + (day - month).astype(np.int64) + 1)
    return np.asarray(packed, dtype=np.int32)


_YMD: npt.NDArray[np.int32] | None = None


def _ymd(days: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
    """Julian day numbers as yyyymmdd: one look-up each in a table of 1800-2199 (146,097 entries, 0.6 MB,
    built once), the calendar arithmetic only for a date outside it."""
    global _YMD
    if _YMD is None:
        _YMD = _ymd_of_julian_days(np.arange(_TABLE_FROM, _TABLE_TO, dtype=np.int64))
    inside = (days >= _TABLE_FROM) & (days < _TABLE_TO)
    if inside.all():
        return _YMD[days - _TABLE_FROM]
    out = np.empty(days.size, dtype=np.int32)
    out[inside] = _YMD[days[inside] - _TABLE_FROM]
    out[~inside] = _ymd_of_julian_days(days[~inside])
    return out


def unpacked(column: Any) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.int8]]:
    """PATIENTS_PACKED's second column as the dates of birth and death (yyyymmdd, 0 for none) and the gender
    (1, 2, else 0), as `dates` and `genders` give them from the separate columns. A null (no date of birth,
    which the schema does not allow) is an unknown date of birth, no death and an unknown gender."""
    value = integers(column.fill_null(0)) if column.null_count else integers(column)
    code = (value & 15).astype(np.int8)
    gender = np.where((code == 1) | (code == 2), code, np.int8(0)).astype(np.int8)
    rest = value >> 4
    died = rest & 0xFFFFFFFF
    born = _ymd(rest >> 32)
    dead = died != 0
    death = np.zeros(died.size, dtype=np.int32)
    death[dead] = _ymd(died[dead] - 1)
    if column.null_count:
        born[value == 0] = 0  # 0 is no packed value: Julian day 0 with no death and gender 0 is a null
    return born, death, gender


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


__all__ = ["CHOICES", "PACKED_DATES", "PATIENTS", "PATIENTS_PACKED", "ArrowRead", "Codes", "Part", "dates",
           "driver_errors", "epoch_seconds", "encoded", "genders", "integers", "numbers", "unpacked"]
