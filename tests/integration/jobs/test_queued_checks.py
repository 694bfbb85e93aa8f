"""Queued checks as background jobs: run by the worker, taken back when their worker died, and
completed exactly once however often they run (one result, one CheckJob, one audit event)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ndop import container
from ndop.adapters.db import models as m
from ndop.cli import main
from ndop.domain.check.jobs import CheckChannel
from ndop.domain.check.stored import StoredCheck, StoredCheckStatus
from ndop.domain.common.actors import PATIENT_ONLINE, Actor
from ndop.domain.organisations.accounts import OdsCode, Organisation
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.jobs.checks import enqueue_check
from ndop.services.check.channel_checks import queue_check, run_queued
from ndop.services.organisations.accounts import register_organisation
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient, number, run_jobs

pytestmark = pytest.mark.django_db

A, B = (number(n).digits for n in ("943476591", "900000002"))
RX1 = Organisation(OdsCode("RX1"), "Trust one")


@pytest.fixture
def queued(registry, tmp_path: Path) -> StoredCheck:
    register_organisation(registry, RX1, by=TESTER)
    patient = make_patient("900000002")
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    record_choice(registry, ChoiceRequest(patient.nhs_number, Choice.OPTED_OUT, Channel.ONLINE),
                  recorded_by=PATIENT_ONLINE)
    check = queue_check(container.stored_checks(), registry, io.BytesIO(f"{A},\n{B},\n".encode()), root=tmp_path,
                        channel=CheckChannel.API, organisation=RX1, fmt=None, filename="",
                        requested_by=Actor.organisation_api_key("RX1"),
                        max_bytes=1000, enqueue=enqueue_check)
    assert check is not None
    return check


def stored(check: StoredCheck) -> StoredCheck:
    found = container.stored_checks().get(check.id, check.organisation)
    assert found is not None
    return found


def assert_completed_once(check: StoredCheck) -> None:
    done = stored(check)
    assert done.status is StoredCheckStatus.DONE and (done.rows_in, done.rows_removed) == (2, 1)
    assert Path(done.result_path).read_bytes() == f"{A},\n".encode()
    (job,) = m.CheckJob.objects.filter(reference=check.id)
    assert job.id == done.check_job_id
    assert m.AuditEvent.objects.filter(action="check.completed", subject=job.id).count() == 1
    assert m.AuditEvent.objects.filter(action="check.completed").count() == 1
    assert sorted(p.name for p in Path(done.result_path).parent.iterdir()) == [Path(done.result_path).name]


def claimed_by_a_dead_worker(worker: str, *, lease_left_s: float) -> DBTaskResult:
    """The state a worker killed mid-job leaves: the job RUNNING, its lease, the check running."""
    (row,) = DBTaskResult.objects.all()
    row.claim(worker)
    container.job_leases().hold(str(row.id), worker=worker, now=timezone.now() - timedelta(seconds=60),
                                lease_s=60 + lease_left_s)
    return row


def test_queued_check_waits_for_the_worker_then_completes_once(queued) -> None:
    assert stored(queued).status is StoredCheckStatus.QUEUED
    (row,) = DBTaskResult.objects.all()
    assert row.status == "READY" and row.args_kwargs == {"args": [queued.id, "RX1"], "kwargs": {}}
    run_jobs()
    assert_completed_once(queued)
    row.refresh_from_db()
    assert (row.status, row.return_value, row.worker_ids) == ("SUCCESSFUL", "done", ["test-worker"])
    assert not m.JobLease.objects.exists()


def test_queued_check_run_again_after_it_finished_changes_nothing(queued) -> None:
    run_jobs()
    again = run_queued(container.stored_checks(), container.registry(), container.check_service(), stored(queued))
    assert again.status is StoredCheckStatus.DONE
    assert_completed_once(queued)


def test_queued_check_run_twice_at_once_records_only_the_first_result(queued) -> None:
    service = container.check_service()

    class RacingService:
        """Lets a second run of the same check finish while the first is still checking."""

        def __init__(self) -> None:
            self.raced = False

        def run(self, *args, **kwargs):
            if not self.raced:
                self.raced = True
                run_queued(container.stored_checks(), container.registry(), service, stored(queued))
            return service.run(*args, **kwargs)

    run_queued(container.stored_checks(), container.registry(), RacingService(), queued)  # type: ignore[arg-type]
    assert_completed_once(queued)  # the loser's CheckJob and audit event were rolled back, its file removed


def test_job_whose_worker_died_is_taken_back_when_its_lease_lapses(queued) -> None:
    row = claimed_by_a_dead_worker("w1", lease_left_s=-1)
    container.stored_checks().start(queued.id)
    Path(queued.result_path).with_name(f"{queued.id}.dead.result").write_bytes(b"half")  # the dead run's file
    run_jobs("w2")
    assert_completed_once(queued)
    row.refresh_from_db()
    assert (row.status, row.worker_ids) == ("SUCCESSFUL", ["w1", "w2"])


def test_job_with_a_live_lease_of_another_worker_is_left_alone(queued) -> None:
    row = claimed_by_a_dead_worker("w1", lease_left_s=30)
    run_jobs("w2")
    row.refresh_from_db()
    assert row.status == "RUNNING" and stored(queued).status is StoredCheckStatus.QUEUED


def test_restarted_worker_takes_back_its_own_jobs_at_once(queued) -> None:
    row = claimed_by_a_dead_worker("w1", lease_left_s=30)
    run_jobs("w1")
    assert_completed_once(queued)
    row.refresh_from_db()
    assert (row.status, row.worker_ids) == ("SUCCESSFUL", ["w1", "w1"])


def test_job_claimed_without_a_lease_is_taken_back_after_a_lease(queued) -> None:
    (row,) = DBTaskResult.objects.all()
    row.claim("w1")  # the worker died between claiming the job and taking its lease
    DBTaskResult.objects.filter(id=row.id).update(started_at=timezone.now() - timedelta(minutes=5))
    run_jobs("w2")
    assert_completed_once(queued)


def test_jobs_list_shows_state_and_times_and_no_contents(queued) -> None:
    result = CliRunner().invoke(main, ["jobs", "list"])
    assert result.exit_code == 0, result.output
    assert "run_queued_check" in result.output and " queued " in result.output
    assert queued.id not in result.output and A not in result.output
    run_jobs()
    done = CliRunner().invoke(main, ["jobs", "list", "--state", "done"])
    assert "run_queued_check" in done.output and " done " in done.output and "test-worker" in done.output
    assert CliRunner().invoke(main, ["jobs", "list", "--state", "queued"]).output.strip() == "No jobs."


def test_jobs_list_bad_state_exits_2() -> None:
    result = CliRunner().invoke(main, ["jobs", "list", "--state", "stuck"])
    assert result.exit_code == 2


def test_failed_job_is_listed_as_failed_with_its_error(queued) -> None:
    Path(queued.request_path).unlink()  # the spooled request is gone: the check cannot run
    run_jobs()
    assert stored(queued).status is StoredCheckStatus.FAILED
    assert not m.CheckJob.objects.exists()
    listed = CliRunner().invoke(main, ["jobs", "list"]).output
    assert " failed " in listed and "(FileNotFoundError)" in listed


def test_worker_id_longer_than_64_characters_exits_2() -> None:
    result = CliRunner().invoke(main, ["worker", "--worker-id", "w" * 65, "--batch"])
    assert result.exit_code == 2 and "at most 64 characters" in result.output
