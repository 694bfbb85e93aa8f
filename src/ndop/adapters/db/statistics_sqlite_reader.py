"""The ADBC SQLite read in a process of its own, answering the statistics' queries as Arrow IPC streams.

Why a process: adbc-driver-sqlite carries its own copy of SQLite, and Python's sqlite3 module (Django's
connection) links another. Two copies of SQLite in one process that open the same database file break
each other's POSIX locks (closing one copy's file clears the other's locks: sqlite.org/howtocorrupt.html,
§2.2.1), which showed as "disk I/O error" in a test and can corrupt the database. A child process has
one copy only. It reads the queries it is sent (one JSON string a line on stdin, from
ndop.adapters.db.statistics_arrow only) in one read transaction, and writes each result as an Arrow IPC
stream on stdout, one batch at a time: memory stays one batch on either side. On failure: one line on
stderr, exit 1.

    python -m ndop.adapters.db.statistics_sqlite_reader PATH
"""

from __future__ import annotations

import json
import sys
from typing import Final

BATCH_ROWS: Final = 65_536  # rows a batch: per-batch overhead vanishes, and a batch stays a few MB


def main(argv: list[str]) -> int:
    import adbc_driver_sqlite.dbapi
    import pyarrow as pa
    from adbc_driver_manager import Error as DriverError

    out = sys.stdout.buffer
    try:
        # Autocommit off: every query below runs in one read transaction (one WAL snapshot).
        connection = adbc_driver_sqlite.dbapi.connect(argv[0])
        try:
            for line in sys.stdin:
                with connection.cursor() as cursor:
                    cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
                    cursor.execute(json.loads(line))
                    reader = cursor.fetch_record_batch()
                    with pa.ipc.new_stream(out, reader.schema) as stream:
                        for batch in reader:
                            stream.write_batch(batch)
                out.flush()
            connection.rollback()
        finally:
            connection.close()
    except (DriverError, pa.ArrowException, OSError, ValueError, IndexError) as exc:
        text = str(exc).strip().splitlines()
        sys.stderr.write((text[0] if text else type(exc).__name__) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
