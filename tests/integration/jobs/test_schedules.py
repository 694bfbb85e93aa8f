"""Scheduled jobs: the workers start the monthly statistics once a month, however many look at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from django.db import connection
from django_tasks_db.models import DBTaskResult

from ndop import container
from ndop.adapters.db import models as m
from ndop.cli import main
from ndop.jobs.schedules import start_due
from tests.conftest import run_jobs

DECEMBER = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
TASK = "ndop.jobs.statistics.publish_monthly"


def monthly_jobs() -> int:
    return DBTaskResult.objects.filter(task_path=TASK).count()


@pytest.mark.django_db
def test_a_due_job_is_started_once_in_its_period_and_again_in_the_next() -> None:
    claims = container.schedule_claims()
    assert start_due(claims, now=DECEMBER, worker="w1") == ["statistics.monthly 2026-12"]
    assert start_due(claims, now=DECEMBER.replace(day=20), worker="w2") == []
    assert monthly_jobs() == 1
    assert start_due(claims, now=datetime(2027, 1, 1, 5, 0, tzinfo=UTC), worker="w1") == []  # not yet due
    assert start_due(claims, now=datetime(2027, 1, 1, 6, 0, tzinfo=UTC), worker="w2") == ["statistics.monthly 2027-01"]
    assert monthly_jobs() == 2
    latest = claims.latest("statistics.monthly")
    assert latest is not None and (latest.period, latest.worker) == ("2027-01", "w2")


@pytest.mark.django_db(transaction=True)
def test_eight_workers_looking_at_the_same_moment_start_the_job_once() -> None:
    barrier = threading.Barrier(8)
    started: list[list[str]] = []
    errors: list[BaseException] = []

    def look(worker: str) -> None:
        try:
            barrier.wait(timeout=30)
            started.append(start_due(container.schedule_claims(), now=DECEMBER, worker=worker))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=look, args=(f"w{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(len(s) for s in started) == [0] * 7 + [1]
    assert monthly_jobs() == 1 and m.ScheduledRun.objects.count() == 1


@pytest.mark.django_db
def test_the_worker_runs_the_monthly_publication_it_started(settings, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("ndop.adapters.publication.writer.write_charts", lambda publication, directory: [])
    settings.CONFIG = settings.CONFIG.replace(statistics_dir=tmp_path, statistics_include_test_range=True)
    start_due(container.schedule_claims(), now=DECEMBER, worker="w1")
    run_jobs()
    job = DBTaskResult.objects.get(task_path=TASK)
    assert job.status == "SUCCESSFUL", job.traceback
    assert m.StatisticsPublication.objects.count() == 1
    assert any(p.name.endswith(".xlsx") for p in tmp_path.rglob("*"))


@pytest.mark.django_db
def test_jobs_schedules_lists_each_schedule_and_its_last_start() -> None:
    runner = CliRunner()
    before = runner.invoke(main, ["jobs", "schedules"])
    assert before.exit_code == 0 and "statistics.monthly" in before.output and "never" in before.output
    start_due(container.schedule_claims(), now=DECEMBER, worker="w1")
    after = runner.invoke(main, ["jobs", "schedules"])
    assert after.exit_code == 0 and "2026-12" in after.output and "w1" in after.output
