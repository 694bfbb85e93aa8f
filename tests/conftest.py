"""Shared fixtures. Tests run on real SQLite by default and on PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from hypothesis import HealthCheck, settings

from ndop import container
from ndop.domain.common.actors import Actor
from ndop.domain.common.clock import FixedClock
from ndop.domain.common.nhs_number import NhsNumber, complete
from ndop.domain.registry.patients import Gender, Patient

# Hypothesis's deadline and its "too slow" health check time the machine, not the code: a loaded moment on
# a shared 2-core machine fails them. Speed is measured by the benchmarks in bench/, never in a test.
settings.register_profile("ndop", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ndop")

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
TESTER = Actor.system_job("test")  # who set-up steps act as: `system:test`


def _permit(granted: bool) -> None:
    # choice_event and audit_event refuse DELETE/TRUNCATE unless a maintenance permit exists
    # (migration 0002). Transactional tests grant one so their teardown can empty the tables.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM maintenance_permit")
        if granted:
            cursor.execute("INSERT INTO maintenance_permit (reason) VALUES ('test teardown')")


def _seed_counters() -> None:
    from ndop.adapters.db import models as m

    m.AuditHead.objects.get_or_create(id=1, defaults={"sequence": 0, "hash": "0" * 64})
    m.RegistryCounter.objects.get_or_create(name="choice_sequence", defaults={"value": 0})


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _append_only_permit(request: pytest.FixtureRequest):
    """Tests that commit (transactional ones) end with a flush; grant the permit just before it."""
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not uses_db:
        yield
        return
    # Depending on the helper puts our teardown before its flush.
    request.getfixturevalue("_django_db_helper")
    _permit(False)
    if _is_transactional(request):
        _seed_counters()  # an earlier transactional test's flush emptied the rows migration 0002 seeds
    yield
    if _is_transactional(request):
        _permit(True)


def run_jobs(worker_id: str = "test-worker") -> None:
    """Run every queued background job now, as `ndop worker --batch` does, in this process."""
    from unittest import mock

    from django.utils import timezone

    from ndop.jobs.runner import JobRunner

    # As Django's test client does: the worker loop must not close the test's connection (and its transaction).
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        JobRunner(leases=container.job_leases(), now=timezone.now, worker_id=worker_id, batch=True).run()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def registry(db, clock):
    return container.registry(clock)


def number(first_nine: str) -> NhsNumber:
    result = complete(first_nine)
    assert result is not None, f"{first_nine} has no valid check digit"
    return result


def make_patient(first_nine: str = "943476591", *, born: date = date(1990, 5, 17), **overrides) -> Patient:
    fields = {
        "nhs_number": number(first_nine),
        "given_name": "Test",
        "family_name": "Person",
        "date_of_birth": born,
        "gender": Gender.FEMALE,
        "postcode": "LS1 4AP",
        "mobile": "07700900123",
        "email": "test.person@example.com",
    }
    fields.update(overrides)
    return Patient(**fields)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's million iterations are the point in production and only cost time here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
