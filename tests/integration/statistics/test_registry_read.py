"""The registry read over ADBC (Arrow batches, ADR 74) fills the same columns as the cursor path, and the
publication it makes is byte for byte the one the cursor path makes.

These tests commit (transactional): ADBC opens a connection of its own, which sees only committed rows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from django.db import connection, transaction

from ndop.adapters.db import models as m
from ndop.adapters.db.statistics import DjangoRegistryColumns
from ndop.cli import main
from tests.integration.statistics.test_publish import _quick_charts, small_registry  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def _as_rows(patients, choices) -> tuple[list, list]:
    people = sorted(zip(patients.key.tolist(), patients.date_of_birth.tolist(), patients.date_of_death.tolist(),
                        patients.gender.tolist(), [patients.practice_codes[i] for i in patients.practice.tolist()],
                        [patients.lsoa_codes[i] for i in patients.lsoa.tolist()], patients.superseded_by.tolist(),
                        strict=True))
    events = sorted(zip(choices.key.tolist(), choices.made_at.tolist(), choices.sequence.tolist(),
                        choices.opted_out.tolist(), strict=True))
    return people, events


def test_the_arrow_read_fills_the_columns_the_cursor_read_fills(small_registry) -> None:  # noqa: F811
    # Values the conversions must treat alike: not ten digits, an unknown gender, a death, a leap day.
    m.Patient.objects.create(nhs_number="12345ABCDE", given_name="X", family_name="Y", date_of_birth=date(2000, 2, 29),
                             gender=9, date_of_death=date(2024, 2, 29))
    m.Patient.objects.create(nhs_number="123", given_name="X", family_name="Z", date_of_birth=date(1901, 1, 1),
                             gender=0, gp_practice_code="Z99999")
    assert not connection.in_atomic_block
    arrow = DjangoRegistryColumns().read()
    with transaction.atomic():
        cursor = DjangoRegistryColumns().read()
    assert _as_rows(*arrow) == _as_rows(*cursor)
    patients, choices = arrow
    assert patients.key.dtype == np.int64 and patients.practice.dtype == np.int32 and choices.opted_out.dtype == bool
    assert 4010232153 in patients.key.tolist() and choices.key.size == 6


def test_both_reads_publish_the_same_bytes(small_registry, tmp_path: Path) -> None:  # noqa: F811
    def run(out: Path) -> dict[str, bytes]:
        result = CliRunner().invoke(main, ["stats", "publish", "--month", "2026-11", "--months", "2",
                                           "--out", str(out)])
        assert result.exit_code == 0, result.output
        return {p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))}

    arrow = run(tmp_path / "arrow")
    with transaction.atomic():
        cursor = run(tmp_path / "cursor")
    assert arrow == cursor and len(arrow) == 3


def test_a_database_that_cannot_be_read_ends_in_one_line(small_registry, tmp_path: Path,  # noqa: F811
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor == "sqlite":
        monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "missing-dir" / "db.sqlite3"))
    else:
        monkeypatch.setitem(connection.settings_dict, "PORT", "1")  # nothing listens there
    monkeypatch.setattr(connection, "ensure_connection", lambda: None)  # Django keeps its open connection
    result = CliRunner().invoke(main, ["stats", "publish", "--month", "2026-11", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "cannot read the registry for the statistics" in lines[0], result.output
    assert "Traceback" not in result.output and not (tmp_path / "x").exists()


def _many_patients(count: int) -> None:
    """Enough rows for several pages of the table, with codes first seen in different parts of it."""
    from tests.synthetic import valid_numbers

    keys = sorted(set(valid_numbers(count, seed=3)))
    m.Patient.objects.bulk_create(
        m.Patient(nhs_number=str(k), given_name="G", family_name="F", date_of_birth=date(1950 + i % 60, 1 + i % 12, 1),
                  gender=i % 3, gp_practice_code=f"P{(i * 7) // len(keys) * 3 % 7:05d}" if i % 5 else "",
                  lsoa_code=f"E01{i % 97:06d}", date_of_death=date(2025, 1, 1) if i % 50 == 0 else None)
        for i, k in enumerate(keys))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the read in parts is PostgreSQL's (ADR 86)")
def test_a_read_in_parts_fills_the_columns_the_cursor_read_fills(small_registry,  # noqa: F811
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from django.conf import settings

    from ndop.adapters.db.statistics_arrow import ArrowRead

    _many_patients(3_000)
    monkeypatch.setattr(settings, "CONFIG", settings.CONFIG.replace(read_connections=3))  # NDOP_READ_CONNECTIONS
    with ArrowRead("postgresql", connection.settings_dict, settings.CONFIG.read_connection_count) as read:
        parts = read.parts("patient")
    assert len(parts) == 3 and all(p.where for p in parts)
    arrow = DjangoRegistryColumns().read()
    with transaction.atomic():
        cursor = DjangoRegistryColumns().read()
    assert _as_rows(*arrow) == _as_rows(*cursor) and arrow[0].key.size == cursor[0].key.size > 3_000
    assert sorted(arrow[0].practice_codes) == sorted(cursor[0].practice_codes)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the read in parts is PostgreSQL's (ADR 86)")
def test_every_connection_of_a_read_sees_one_snapshot(small_registry) -> None:  # noqa: F811
    from ndop.adapters.db.statistics_arrow import _conninfo
    from ndop.adapters.db.statistics_pg_snapshot import SnapshotConnections

    _many_patients(2_000)
    before = m.Patient.objects.count()
    with SnapshotConnections(_conninfo(connection.settings_dict), 3) as read:
        m.Patient.objects.create(nhs_number="X000000001", given_name="L", family_name="T",
                                 date_of_birth=date(1990, 1, 1), gender=1)  # committed after the snapshot
        parts = read.parts("patient")

        def seen(part):
            return lambda reader: (reader.one("SELECT pg_current_snapshot()::text")[0],
                                   int(reader.one("SELECT COUNT(*) FROM patient" + part.where)[0]))

        answers = read.run([seen(p) for p in parts] * 2)
    assert len(parts) == 3 and len({snapshot for snapshot, _ in answers}) == 1
    assert sum(rows for _, rows in answers[:3]) == before == m.Patient.objects.count() - 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the packed column is PostgreSQL's (ADR 93)")
def test_the_servers_packed_dates_unpack_to_the_stored_dates() -> None:
    import pyarrow as pa

    from ndop.adapters.db.statistics_arrow import PACKED_DATES, unpacked

    people = [(date(1, 1, 1), None, 0), (date(1799, 12, 31), date(1800, 1, 1), 1), (date(2199, 12, 31), None, 2),
              (date(2200, 1, 1), date(9999, 12, 31), 9), (date(2000, 2, 29), date(2024, 2, 29), 15), (date(1970, 1, 1),
              date(1970, 1, 1), 40)]
    values = ", ".join(["(%s::date, %s::date, %s::smallint)"] * len(people))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {PACKED_DATES} FROM (VALUES {values}) AS patient(date_of_birth, date_of_death, gender)",
                       [v for person in people for v in person])
        packed = [row[0] for row in cursor.fetchall()]
    born, died, gender = unpacked(pa.array(packed, type=pa.int64()))

    def ymd(day: date | None) -> int:
        return day.year * 10000 + day.month * 100 + day.day if day else 0

    assert born.tolist() == [ymd(b) for b, _, _ in people]
    assert died.tolist() == [ymd(d) for _, d, _ in people]
    assert gender.tolist() == [0, 1, 2, 0, 0, 0]
