"""`ndop check`'s own DB-API connection (ADR 95) writes the rows Django writes, reads the state Django reads,
and its records join the one audit chain. Run on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.db import connection

from ndop.adapters.db.check import DjangoCheckJobStore, DjangoOptOutSource
from ndop.adapters.db.lean import LeanCheckJobs, LeanDatabase, LeanOptOutSource, LeanRegistry, NeedsDjango
from ndop.domain.check.jobs import CheckChannel, CheckJob
from ndop.domain.check.rejections import CheckFormat
from ndop.domain.common.audit import verify_chain
from ndop.domain.common.clock import FixedClock
from ndop.services.check.run_check import _audit_entry
from ndop.services.registry.load_patients import load_patients
from tests.conftest import TESTER, make_patient
from tests.integration.check.test_run_check import choose

pytestmark = pytest.mark.django_db(transaction=True)  # two connections: each must see the other's commits

WHEN = datetime(2026, 12, 7, 23, 0, 0, tzinfo=UTC)  # microsecond 0: Django's SQLite text then has none


def _job(job_id: str, **changes: object) -> CheckJob:
    job = CheckJob(
        id=job_id, started_at=WHEN, finished_at=WHEN.replace(microsecond=123456), channel=CheckChannel.CLI,
        organisation="X26", requested_by=TESTER.through("cli"), reference="ref \"quoted\" é", format=CheckFormat.DAT,
        rejected=False, rejection="", registry_version=7, rows_in=3, rows_invalid=0, rows_removed=1, rows_kept=2,
        request_bytes=36, request_sha256="a" * 64, response_sha256="b" * 64, snapshot_note="", gp_data=False,
        rows_removed_type1=0,
    )
    return replace(job, **changes)  # type: ignore[arg-type]


@pytest.fixture
def lean():
    db = LeanDatabase.open(connection.settings_dict)  # the test database, as Django's connection has it
    yield db
    db.close()


def _stored(db: LeanDatabase, table: str, key: str, value: str) -> dict[str, object]:
    """One row as stored, read on the plain connection (no Django converters between the bytes and us)."""
    details = "details::text AS details" if table == "audit_event" and db.vendor == "postgresql" else "*"
    cursor = db.execute(f"SELECT *, {details} FROM {table} WHERE {key} = %s", [value])
    names = [column[0] for column in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=False))


@pytest.mark.parametrize("changes", [{}, {"format": None, "rejected": True, "rejection": "not_a_list",
                                          "snapshot_note": "rebuilt: x", "gp_data": True, "rows_removed_type1": 1}])
def test_the_same_job_and_audit_record_through_both_paths_are_the_same_rows(lean, changes) -> None:
    clock = FixedClock(WHEN.replace(microsecond=654321))
    from ndop import container

    django_job, lean_job = _job("d" * 32, **changes), _job("e" * 32, **changes)
    by_django = container.registry(clock).audit.commit_with(_audit_entry(django_job),
                                                            lambda: DjangoCheckJobStore().add(django_job))
    by_lean = LeanRegistry(lean, clock).audit.commit_with(_audit_entry(lean_job),
                                                          lambda: LeanCheckJobs(lean).add(lean_job))
    assert by_lean.sequence == by_django.sequence + 1 and by_lean.previous_hash == by_django.hash

    jobs = [_stored(lean, "check_job", "id", job.id) for job in (django_job, lean_job)]
    assert {**jobs[0], "id": ""} == {**jobs[1], "id": ""}
    assert [type(v) for v in jobs[0].values()] == [type(v) for v in jobs[1].values()]
    events = [_stored(lean, "audit_event", "subject", job.id) for job in (django_job, lean_job)]
    for event in events:
        for own in ("sequence", "subject", "previous_hash", "hash"):
            event.pop(own)
    details = [e.pop("details") for e in events]
    assert events[0] == events[1]
    assert details[0] == details[1]  # the text stored (SQLite) or jsonb's (PostgreSQL)

    records = list(container.registry().audit.records())
    head_sequence, head_hash = container.registry().audit.head()
    assert verify_chain(records, head_sequence=head_sequence, head_hash=head_hash) is None
    assert records[-1] == by_lean  # read back through the ORM, the lean record is what was sealed


def test_the_lean_source_reads_the_state_and_changes_the_django_source_reads(lean, clock) -> None:
    from ndop import container

    registry = container.registry(clock)
    load_patients(registry, [make_patient(p) for p in ("943476591", "943476587")], loaded_by=TESTER, source="t")
    django, plain = DjangoOptOutSource(), LeanOptOutSource(lean)
    django.versions()  # creates the links counter, as the first check on Django does
    choose(registry, "9434765919")
    choose(registry, "9434765870")
    choose(registry, "9434765919", opted_out=False)
    version = registry.choices.registry_version()
    assert plain.identity() == django.identity()  # the same snapshot files
    assert plain.versions() == django.versions()
    for at in (0, 1, version, version + 5):
        assert plain.state(at) == django.state(at)
        assert plain.fingerprint(at) == django.fingerprint(at)
    assert list(plain.changes(0, version)) == list(django.changes(0, version))
    assert list(plain.changes(1, version)) == list(django.changes(1, version))
    assert LeanRegistry(lean).choices.registry_version() == version
    with pytest.raises(NeedsDjango):
        plain.links()  # a rebuild is Django's


def test_a_failed_write_leaves_neither_the_job_nor_the_record(lean) -> None:
    from ndop import container

    before = container.registry().audit.head()
    job = _job("f" * 32)
    with pytest.raises(RuntimeError):
        def write() -> None:
            LeanCheckJobs(lean).add(job)
            raise RuntimeError("disk full")

        LeanRegistry(lean).audit.commit_with(_audit_entry(job), write)
    assert container.registry().audit.head() == before
    assert lean.execute("SELECT COUNT(*) FROM check_job WHERE id = %s", [job.id]).fetchone()[0] == 0


def test_a_database_that_is_not_migrated_or_not_there_is_left_to_django(tmp_path) -> None:
    missing = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "none.sqlite3"), "OPTIONS": {}}
    with pytest.raises(NeedsDjango):
        LeanDatabase.open(missing)
    assert not (tmp_path / "none.sqlite3").exists()  # not created by asking
    with pytest.raises(NeedsDjango):
        LeanDatabase.open({"ENGINE": "django.db.backends.mysql", "NAME": "x"})
