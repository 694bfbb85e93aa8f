"""PostgreSQL: the statistics' read over several ADBC connections at once, all in one exported snapshot.

Why: one connection's COPY runs in one server process, and the server's side of it (the scan and the
COPY rows, about 0.7 s of CPU per million people) was most of a 10M publication's read (ADR 86). Several
connections read disjoint block ranges of the patient table (a TID range scan each, no index, no sort)
while the client decodes in as many threads (the driver and Arrow release the GIL). Every connection
imports the first one's snapshot (`pg_export_snapshot` / `SET TRANSACTION SNAPSHOT`, REPEATABLE READ,
READ ONLY), so together they see exactly what one transaction would: the figures are from one state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Any, Final, TypeVar

from ndop.domain.statistics.ports import RegistryUnreadable

T = TypeVar("T")

_SNAPSHOT_ID: Final = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")


@dataclass(frozen=True, slots=True)
class Part:
    """A disjoint slice of a table: a WHERE clause (empty for the whole table) and its estimated rows."""

    where: str
    rows: int


class Batches:
    """One connection's answers as Arrow record batches, one at a time."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def batches(self, sql: str) -> Iterator[Any]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
            yield from cursor.fetch_record_batch()

    def one(self, sql: str) -> tuple[Any, ...]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
            row = cursor.fetchone()
            cursor.fetchall()
            return tuple(row) if row is not None else ()


class SnapshotConnections:
    """`count` ADBC connections to PostgreSQL in one read-only snapshot; jobs run on them in threads. How
    many is the configuration's (NDOP_READ_CONNECTIONS, `Config.read_connection_count`)."""

    def __init__(self, conninfo: str, count: int) -> None:
        import adbc_driver_postgresql.dbapi

        self.readers: list[Batches] = []
        try:
            for _ in range(max(1, count)):
                self.readers.append(Batches(adbc_driver_postgresql.dbapi.connect(conninfo)))
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> SnapshotConnections:
        # The driver has begun a transaction on each (autocommit is off): make the first one a read-only
        # snapshot and export it; the others take it before their first query, as SET TRANSACTION SNAPSHOT needs.
        first, *others = self.readers
        first.one("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = str(first.one("SELECT pg_export_snapshot()")[0])
        if not _SNAPSHOT_ID.match(snapshot):  # it goes into SQL below: only the server's own form
            raise RegistryUnreadable("cannot read the registry for the statistics: an unexpected snapshot identifier")
        for reader in others:
            reader.one("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            reader.one(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        for reader in self.readers:
            try:
                reader.connection.rollback()  # nothing was written; end the read transaction
            finally:
                reader.connection.close()
        self.readers = []

    def parts(self, table: str) -> list[Part]:
        """The table cut into one block range per connection, with the rows each holds by the planner's count.

        The last range is open-ended, so rows in pages added after the size was read are not lost (though
        the snapshot does not see rows committed after it anyway); the estimates only size the columns.
        """
        pages, rows = self.readers[0].one(
            f"SELECT pg_relation_size('{table}') / current_setting('block_size')::bigint, "
            f"GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = '{table}'::regclass")
        pages, rows = int(pages), int(rows)
        count = len(self.readers) if pages >= len(self.readers) else 1
        cuts = [pages * i // count for i in range(count + 1)]
        out = []
        for i in range(count):
            low = f"ctid >= '({cuts[i]},0)'::tid" if i else ""
            high = f"ctid < '({cuts[i + 1]},0)'::tid" if i < count - 1 else ""
            where = " AND ".join(c for c in (low, high) if c)
            out.append(Part(f" WHERE {where}" if where else "", rows * (cuts[i + 1] - cuts[i]) // max(pages, 1)))
        return out

    def run(self, jobs: Sequence[Callable[[Batches], T]]) -> list[T]:
        """Each job on a free connection, as many at once as there are connections; results in job order."""
        free: SimpleQueue[Batches] = SimpleQueue()
        for reader in self.readers:
            free.put(reader)

        def on_a_connection(job: Callable[[Batches], T]) -> T:
            reader = free.get()
            try:
                return job(reader)
            finally:
                free.put(reader)

        with ThreadPoolExecutor(max_workers=len(self.readers), thread_name_prefix="ndop-stats-read") as pool:
            return list(pool.map(on_a_connection, jobs))


__all__ = ["Batches", "Part", "SnapshotConnections"]
