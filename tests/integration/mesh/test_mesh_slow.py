"""The MESH worker as a real process killed between steps, and a 100 MB chunked request."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.check.mesh import REGISTRY_MAILBOX, REQUEST_WORKFLOW
from ndop.domain.organisations.accounts import OdsCode, Organisation
from ndop.services.check.run_check import CheckChannel
from ndop.services.organisations.accounts import register_organisation
from tests.conftest import TESTER
from tests.integration.mesh.conftest import SHARED_KEY, TRUST
from tests.integration.mesh.test_mesh_worker import STEPS, A, C, client, inbox, make_worker, send_request
from tests.synthetic import dat_body, valid_numbers

pytestmark = [pytest.mark.slow]


def database_url() -> str:
    """The test database, for a child process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def run_worker(mesh_url: str, var_dir: Path, crash_at: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url(), "NDOP_VAR_DIR": str(var_dir), "NDOP_MESH_URL": mesh_url,
           "NDOP_MESH_SHARED_KEY": SHARED_KEY, "NDOP_MESH_CRASH_AT": crash_at}
    ndop = Path(sys.executable).with_name("ndop")
    return subprocess.run([str(ndop), "mesh-worker", "--once", "--worker-id", "w1", "--give-up-after", "10"],
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.django_db(transaction=True)
def test_mesh_worker_killed_between_every_pair_of_steps_answers_each_request_once(mesh, tmp_path) -> None:
    registry = container.registry()
    register_organisation(registry, Organisation(OdsCode("RX1"), "Trust one", TRUST), by=TESTER)
    requests = [send_request(mesh.url, f"{A},\n{C},\n".encode(), local_id=f"batch-{i}") for i in range(3)]

    for step in STEPS:  # each run is killed (exit 137, no clean-up) the first time any request reaches `step`
        killed = run_worker(mesh.url, tmp_path, crash_at=step)
        assert killed.returncode == 137, (step, killed.stderr[-2000:])
    finished = run_worker(mesh.url, tmp_path)
    assert finished.returncode == 0, finished.stderr[-2000:]
    again = run_worker(mesh.url, tmp_path)
    assert again.returncode == 0 and "0 answered" in again.stdout

    messages = inbox(mesh.url)
    for i in range(3):
        names = sorted(msg["filename"] for msg in messages if msg["local_id"] == f"batch-{i}")
        assert names == ["RX1OT001-231126-0001_ACK.json", "RX1OT001-231126-0001_RESPONSE.dat"], i
    assert all(msg["body"] == f"{A},\n{C},\n".encode() for msg in messages if msg["filename"].endswith(".dat"))
    assert m.MeshRequest.objects.filter(message_id__in=requests, acknowledged_at__isnull=False).count() == 3
    with client(mesh.url, REGISTRY_MAILBOX) as registry_box:
        assert registry_box.list_messages() == []
    assert m.AuditEvent.objects.filter(action="mesh.request.answered").count() == 3


@pytest.mark.django_db
def test_mesh_100_mb_request_is_answered_in_chunks(mesh, registry, tmp_path) -> None:
    register_organisation(registry, Organisation(OdsCode("RX1"), "Trust one", TRUST), by=TESTER)
    body = dat_body(valid_numbers(8_400_000), b"\n")  # 100.8 MB
    assert len(body) > 100_000_000
    with client(mesh.url, TRUST) as sender:
        sender._max_chunk_size = 20 * 1024 * 1024  # 5 chunks, as a MESH client sends a file this size
        request_id = sender.send_message(REGISTRY_MAILBOX, body, workflow_id=REQUEST_WORKFLOW,
                                         filename="RX1OT001-231126-0002.dat", local_id="big")
    worker = make_worker(registry, tmp_path, mesh.url)
    worker.mailbox._client._max_chunk_size = 20 * 1024 * 1024
    assert worker.poll().answered == 1

    with client(mesh.url, TRUST) as receiver:
        receiver._session.headers["Accept-Encoding"] = "identity"
        ids = receiver.list_messages()
        responses = [receiver.retrieve_message(i) for i in ids]
        (big,) = [r for r in responses if r.filename.endswith("_RESPONSE.dat")]
        assert big.mex_header("chunk-range") == "1:5"
        received = big.read()
        for r in responses:
            r.close()
    assert hashlib.sha256(received).hexdigest() == hashlib.sha256(body).hexdigest()  # nobody opted out
    job = m.CheckJob.objects.get(reference=request_id)
    assert (job.channel, job.rows_in, job.rows_kept) == (CheckChannel.MESH.value, 8_400_000, 8_400_000)
