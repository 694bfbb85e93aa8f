"""A queued API check survives `kill -9` of the web process and of the worker mid-job: `ndop serve` and
`ndop worker` as real processes, on the test database (SQLite or PostgreSQL, as the suite runs)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.db import connection
from django_tasks_db.models import DBTaskResult

from ndop import container
from ndop.adapters.db import models as m
from ndop.cli import main
from ndop.domain.check.clients import CheckLimits
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.organisations.accounts import OdsCode, Organisation
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.organisations.accounts import register_organisation
from ndop.services.organisations.api_keys import issue_api_key, set_check_limits
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient, number

pytestmark = [pytest.mark.slow]

NDOP = str(Path(sys.executable).with_name("ndop"))
A, B, C = (number(n).digits for n in ("943476591", "900000002", "900000006"))
LEASE_S = 1.0


def database_url() -> str:
    """The test database, for a child process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{db.get('USER') or ''}{password}@{host}/{db['NAME']}"


class Processes:
    def __init__(self, var_dir: Path) -> None:
        self.env = {**os.environ, "DATABASE_URL": database_url(), "NDOP_VAR_DIR": str(var_dir)}
        self.var_dir = var_dir
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        # A session of its own, so that kill -9 reaches gunicorn's worker too.
        proc = subprocess.Popen([NDOP, *args], env={**self.env, **env}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append(proc)
        return proc

    def kill9(self, proc: subprocess.Popen[bytes]) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def serve(self) -> tuple[subprocess.Popen[bytes], str]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        return self.start("serve", "--port", str(port), "--workers", "1"), f"http://127.0.0.1:{port}"

    def worker(self, worker_id: str, *args: str, held_at: str = "") -> subprocess.Popen[bytes]:
        """A worker; with `held_at`, one that stops for good at that step of a job, after leaving a marker."""
        (self.var_dir / f"held-{held_at}").unlink(missing_ok=True)
        return self.start("worker", "--worker-id", worker_id, "--lease-seconds", str(LEASE_S), "--interval", "0.1",
                          *args, NDOP_JOBS_HOLD_AT=held_at)

    def wait_held(self, proc: subprocess.Popen[bytes], step: str) -> subprocess.Popen[bytes]:
        deadline = time.monotonic() + 60
        while not (self.var_dir / f"held-{step}").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not reach {step}:\n{output(proc)}")
            time.sleep(0.05)
        return proc


def wait_up(proc: subprocess.Popen[bytes], url: str) -> str:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/", timeout=2):
                return url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ndop serve did not answer:\n{output(proc)}")
            time.sleep(0.1)


def output(proc: subprocess.Popen[bytes]) -> str:
    if proc.poll() is None:
        proc.kill()
    return proc.stdout.read().decode()[-3000:] if proc.stdout else ""


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    yield procs
    for proc in procs.running:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def api(url: str, path: str, key: str, body: bytes | None = None) -> tuple[int, bytes]:
    headers = {"X-API-Key": key, "Content-Type": "text/plain"}
    request = urllib.request.Request(f"{url}{path}", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


@pytest.mark.django_db(transaction=True)
def test_queued_check_survives_kill_9_of_web_and_worker_and_completes_once(processes: Processes) -> None:
    registry = container.registry()
    register_organisation(registry, Organisation(OdsCode("RX1"), "Trust one"), by=TESTER)
    set_check_limits(registry, container.check_clients(), OdsCode("RX1"), CheckLimits(inline_bytes=5), by=TESTER)
    patient = make_patient("900000002")
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    record_choice(registry, ChoiceRequest(patient.nhs_number, Choice.OPTED_OUT, Channel.ONLINE),
                  recorded_by=PATIENT_ONLINE)
    key = issue_api_key(registry, container.check_clients(), OdsCode("RX1"), by=TESTER).token

    # Each process starts beside the next one, as after a restart of the machine (startup is most of the time).
    web, url = processes.serve()
    w1 = processes.worker("w1", held_at="recording")

    # The web process queues the check, answers 202 and is killed: the job is in the database.
    status, body = api(wait_up(web, url), "/api/v1/checks", key, f"{A},\n{B},\n{C},\n".encode())
    assert status == 202
    check_id = json.loads(body)["check_id"]
    processes.kill9(web)
    # (the workers may also have started this month's statistics job: the schedule is theirs too)
    (job,) = DBTaskResult.objects.filter(task_path="ndop.jobs.checks.run_queued_check")

    # w1 is killed inside the transaction that records the check's CheckJob: nothing of that is kept.
    processes.kill9(processes.wait_held(w1, "recording"))
    assert m.StoredCheck.objects.get(id=check_id).status == "running"
    assert not m.CheckJob.objects.filter(reference=check_id).exists()
    job.refresh_from_db()
    assert job.status == "RUNNING"

    # Both restart. w2 takes the job back once w1's lease has lapsed, completes the check, and is killed
    # before the job is marked done.
    web, url = processes.serve()
    w2 = processes.worker("w2", held_at="finished")
    processes.kill9(processes.wait_held(w2, "finished"))
    assert m.StoredCheck.objects.get(id=check_id).status == "done"
    job.refresh_from_db()
    assert job.status == "RUNNING"

    # Restarted, w2 takes its job back at once; the check is complete already, so nothing more happens.
    again = processes.worker("w2", "--batch")
    assert again.wait(timeout=60) == 0, output(again)

    wait_up(web, url)
    status = json.loads(api(url, f"/api/v1/checks/{check_id}", key)[1])
    assert (status["status"], status["rows_in"], status["rows_removed"]) == ("done", 3, 1)
    assert api(url, f"/api/v1/checks/{check_id}/result", key)[1] == f"{A},\n{C},\n".encode()
    (check_job,) = m.CheckJob.objects.filter(reference=check_id)
    assert check_job.id == status["job_id"]
    assert m.AuditEvent.objects.filter(action="check.completed", subject=check_job.id).count() == 1
    assert m.StoredCheck.objects.count() == 1
    job.refresh_from_db()
    assert (job.status, job.worker_ids) == ("SUCCESSFUL", ["w1", "w2", "w2"])
    assert CliRunner().invoke(main, ["audit", "verify"]).exit_code == 0
    listed = CliRunner().invoke(main, ["jobs", "list"]).output
    assert " done " in listed and A not in listed and check_id not in listed
