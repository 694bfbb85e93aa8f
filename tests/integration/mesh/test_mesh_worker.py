"""The MESH worker against a real mesh-sandbox, with the real mesh-client on both sides."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from datetime import timedelta

import pytest
from django.db import connection
from mesh_client import MeshClient

from ndop import container
from ndop.adapters.db import models as m
from ndop.adapters.db.check_channels import DjangoCheckClients, DjangoMeshLedger
from ndop.adapters.mesh.client import MeshClientMailbox
from ndop.domain.check.mesh import REGISTRY_MAILBOX, REQUEST_WORKFLOW, MeshAuthenticationFailed, MeshUnavailable
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.organisations.accounts import OdsCode, Organisation
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.check.mesh_worker import UNKNOWN_SENDER_LINE, MeshWorker, WorkerSettings
from ndop.services.check.run_check import REJECTION_LINE
from ndop.services.organisations.accounts import register_organisation
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient, number
from tests.integration.mesh.conftest import SHARED_KEY, STRANGER, TRUST, mesh_config

pytestmark = pytest.mark.django_db

A, B, C = (number(n).digits for n in ("943476591", "900000002", "900000006"))


@pytest.fixture
def trust(registry):
    register_organisation(registry, Organisation(OdsCode("RX1"), "Trust one", TRUST), by=TESTER)


@pytest.fixture
def b_opted_out(registry):
    """B has opted out; A and C have not."""
    patient = make_patient("900000002")
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    record_choice(registry, ChoiceRequest(patient.nhs_number, Choice.OPTED_OUT, Channel.ONLINE),
                  recorded_by=PATIENT_ONLINE)


def client(url: str, mailbox: str) -> MeshClient:
    return MeshClient(url, mailbox=mailbox, password="password", shared_key=SHARED_KEY.encode(), max_retries=0)


def send_request(url: str, body: bytes, *, sender: str = TRUST, filename: str = "RX1OT001-231126-0001.dat",
                 local_id: str = "batch-1", workflow_id: str = REQUEST_WORKFLOW) -> str:
    with client(url, sender) as c:
        return c.send_message(REGISTRY_MAILBOX, body, workflow_id=workflow_id, filename=filename,
                              local_id=local_id, subject="opt-out check")


def inbox(url: str, mailbox: str = TRUST) -> list[dict]:
    """Every message in `mailbox`, read and acknowledged: headers and body."""
    found = []
    with client(url, mailbox) as c:
        for message_id in c.list_messages():
            message = c.retrieve_message(message_id)
            found.append({"id": message_id, "filename": message.filename, "local_id": message.local_id,
                          "workflow_id": message.workflow_id, "subject": message.subject, "body": message.read()})
            message.close()
            c.acknowledge_message(message_id)
    return found


_open_mailboxes: list[MeshClientMailbox] = []


@pytest.fixture(autouse=True)
def _close_mailboxes():
    yield
    while _open_mailboxes:
        _open_mailboxes.pop().close()


def make_worker(registry, tmp_path, url: str, checks=None, on_step=None, **settings) -> MeshWorker:
    mailbox = MeshClientMailbox(mesh_config(url), max_retries=0)
    _open_mailboxes.append(mailbox)
    return MeshWorker(
        mailbox=mailbox, ledger=DjangoMeshLedger(), registry=registry, clients=DjangoCheckClients(),
        checks=checks or container.check_service(),
        settings=WorkerSettings(spool_dir=tmp_path / "spool", **settings), on_step=on_step,
    )


def test_mesh_round_trip_sends_acknowledgement_then_cleaned_file(mesh, trust, b_opted_out, registry,
                                                                 tmp_path) -> None:
    request_id = send_request(mesh.url, f"{A},\r\n{B},\r\n{C},\r\n".encode())
    summary = make_worker(registry, tmp_path, mesh.url).poll()

    assert summary.answered == 1
    ack, response = inbox(mesh.url)
    body = json.loads(ack["body"])
    row = m.MeshRequest.objects.get(message_id=request_id)
    assert body["status"] == "pending" and body["job_id"] == row.job_ref
    assert ack["local_id"] == response["local_id"] == "batch-1"
    assert ack["filename"] == "RX1OT001-231126-0001_ACK.json"
    assert response["filename"] == "RX1OT001-231126-0001_RESPONSE.dat"
    assert response["body"] == f"{A},\r\n{C},\r\n".encode()
    job = m.CheckJob.objects.get(id=row.check_job_id)
    assert (job.channel, job.organisation, job.reference, job.rows_removed) == ("mesh", "RX1", request_id, 1)
    assert row.acknowledged_at is not None and row.answered_at is not None
    assert m.AuditEvent.objects.filter(action="mesh.request.answered", subject=request_id).count() == 1
    with client(mesh.url, REGISTRY_MAILBOX) as registry_box:
        assert registry_box.list_messages() == []  # the request was acknowledged (download complete)


def test_mesh_request_with_an_invalid_number_gets_the_single_rejection_line(mesh, trust, registry, tmp_path) -> None:
    send_request(mesh.url, f"{A},\r\n1234567890,\r\n".encode())
    make_worker(registry, tmp_path, mesh.url).poll()
    ack, response = inbox(mesh.url)
    assert json.loads(ack["body"])["status"] == "pending"
    assert response["body"].decode().strip() == REJECTION_LINE


def test_mesh_unknown_sender_gets_a_rejection_and_is_audited(mesh, trust, registry, tmp_path) -> None:
    request_id = send_request(mesh.url, f"{A},\r\n".encode(), sender=STRANGER, filename="x.dat")
    make_worker(registry, tmp_path, mesh.url).poll()

    (response,) = inbox(mesh.url, STRANGER)
    assert response["body"].decode().strip() == UNKNOWN_SENDER_LINE
    assert not m.CheckJob.objects.exists()  # nothing was checked for them
    event = m.AuditEvent.objects.get(action="mesh.request.refused", subject=request_id)
    assert event.actor == f"mesh:{STRANGER}"
    assert inbox(mesh.url) == []


def test_mesh_unexpected_workflow_gets_a_rejection_naming_the_expected_one_and_is_logged(
        mesh, trust, registry, tmp_path, caplog) -> None:
    request_id = send_request(mesh.url, f"{A},\r\n".encode(), workflow_id="GPDATA_SOMETHING_ELSE")
    with caplog.at_level("WARNING", logger="ndop.mesh"):
        summary = make_worker(registry, tmp_path, mesh.url).poll()

    assert summary.answered == 1
    (response,) = inbox(mesh.url)  # no acknowledgement: only the rejection
    line = response["body"].decode().strip()
    assert "GPDATA_SOMETHING_ELSE" in line and REQUEST_WORKFLOW in line.split("workflow ID", 2)[2]
    assert response["subject"] == "REJECTED"
    assert not m.CheckJob.objects.exists()  # nothing was checked
    event = m.AuditEvent.objects.get(action="mesh.request.refused", subject=request_id)
    assert event.details["rejection"] == "unexpected_workflow"
    assert any(request_id in r.getMessage() and "GPDATA_SOMETHING_ELSE" in r.getMessage() for r in caplog.records)
    assert A not in caplog.text
    with client(mesh.url, REGISTRY_MAILBOX) as registry_box:
        assert registry_box.list_messages() == []  # not left in the inbox


def test_mesh_worker_answers_every_accepted_workflow(mesh, trust, registry, tmp_path) -> None:
    send_request(mesh.url, f"{A},\r\n".encode(), workflow_id="GP_CODES_EXTRACT")
    worker = make_worker(registry, tmp_path, mesh.url,
                         accepted_workflows=frozenset({REQUEST_WORKFLOW, "GP_CODES_EXTRACT"}))
    worker.poll()
    ack, response = inbox(mesh.url)
    assert json.loads(ack["body"])["status"] == "pending"
    assert response["body"] == f"{A},\r\n".encode()


def test_mesh_message_seen_again_is_not_answered_twice(mesh, trust, registry, tmp_path) -> None:
    send_request(mesh.url, f"{A},\r\n".encode())
    worker = make_worker(registry, tmp_path, mesh.url)
    worker.poll()
    # The sandbox still lists nothing, but a message id coming round again must be recognised.
    (row,) = m.MeshRequest.objects.all()
    assert worker.process(row.message_id) == "already_answered"
    assert len(inbox(mesh.url)) == 2


def test_mesh_two_workers_answer_each_request_once(mesh, trust, registry, tmp_path) -> None:
    for i in range(6):
        send_request(mesh.url, f"{A},\r\n".encode(), local_id=f"batch-{i}")
    first = make_worker(registry, tmp_path, mesh.url, worker_id="one")
    second = make_worker(registry, tmp_path, mesh.url, worker_id="two")
    # Interleave: each takes a message id in turn from the same listing.
    ids = list(first.mailbox.inbox(REQUEST_WORKFLOW))
    for message_id in ids:
        first.process(message_id)
        assert second.process(message_id) == "already_answered"
    messages = inbox(mesh.url)
    assert len(messages) == 12
    assert sorted(m_["local_id"] for m_ in messages) == sorted([f"batch-{i}" for i in range(6)] * 2)


def test_mesh_worker_claim_held_by_another_worker_is_left_alone(mesh, trust, registry, tmp_path) -> None:
    send_request(mesh.url, f"{A},\r\n".encode())
    first = make_worker(registry, tmp_path, mesh.url, worker_id="one")
    second = make_worker(registry, tmp_path, mesh.url, worker_id="two")
    (message_id,) = list(first.mailbox.inbox(REQUEST_WORKFLOW))
    first.ledger.claim(message_id, job_ref="x" * 32, worker="one", now=registry.clock.now(), lease_s=600)
    assert second.process(message_id) == "busy"
    assert inbox(mesh.url) == []


STEPS = ["claimed", "retrieved", "ack_sending", "ack_sent", "ack_recorded", "checked", "response_sending",
         "response_sent", "response_recorded", "acknowledged"]


class Crash(BaseException):
    """Stands in for a kill: nothing after the step runs, no clean-up code catches it."""


@pytest.mark.parametrize("step", STEPS)
def test_mesh_worker_stopped_after_any_step_answers_exactly_once_when_restarted(
    mesh, trust, b_opted_out, registry, tmp_path, step
) -> None:
    request_id = send_request(mesh.url, f"{A},\r\n{B},\r\n".encode())

    def crash_at(name: str) -> None:
        if name == step:
            raise Crash(name)

    with pytest.raises(Crash):
        make_worker(registry, tmp_path, mesh.url, on_step=crash_at, worker_id="w1").poll()
    make_worker(registry, tmp_path, mesh.url, worker_id="w1").poll()
    make_worker(registry, tmp_path, mesh.url, worker_id="w1").poll()  # and again: nothing more

    messages = inbox(mesh.url)
    assert sorted(msg["filename"] for msg in messages) == [
        "RX1OT001-231126-0001_ACK.json", "RX1OT001-231126-0001_RESPONSE.dat"]
    (response,) = [msg for msg in messages if msg["filename"].endswith(".dat")]
    assert response["body"] == f"{A},\r\n".encode()
    row = m.MeshRequest.objects.get(message_id=request_id)
    assert row.acknowledged_at is not None
    assert m.AuditEvent.objects.filter(action="mesh.request.answered", subject=request_id).count() == 1


def test_mesh_down_then_back_backs_off_then_answers(mesh, trust, registry, tmp_path) -> None:
    send_request(mesh.url, f"{A},\r\n".encode())
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            mesh.resume()

    mesh.pause()
    try:
        worker = make_worker(registry, tmp_path, mesh.url)
        worker._sleep = sleep
        summary = worker.run(once=True)
    finally:
        if len(waits) < 3:
            mesh.resume()
    assert waits == [1.0, 2.0, 4.0]
    assert summary.answered == 1
    assert len(inbox(mesh.url)) == 2


def test_mesh_down_for_too_long_gives_up_with_an_error(mesh, trust, registry, tmp_path) -> None:
    mesh.pause()
    try:
        worker = make_worker(registry, tmp_path, mesh.url)
        worker._sleep = lambda _s: None
        with pytest.raises(MeshUnavailable):
            worker.run(once=True, give_up_after_s=0)
    finally:
        mesh.resume()


def test_mesh_wrong_password_stops_the_worker(mesh, trust, registry, tmp_path) -> None:
    mailbox = MeshClientMailbox(mesh_config(mesh.url, password="wrong"), max_retries=0)
    _open_mailboxes.append(mailbox)
    worker = make_worker(registry, tmp_path, mesh.url)
    worker.mailbox = mailbox
    with pytest.raises(MeshAuthenticationFailed):
        worker.run(once=True)


def test_mesh_reply_refused_by_mesh_is_recorded_and_the_request_acknowledged(mesh, trust, registry, tmp_path) -> None:
    request_id = send_request(mesh.url, f"{A},\r\n".encode())
    removed = mesh.store.mailboxes.pop(TRUST)  # MESH no longer knows the sender: 417 on every reply
    try:
        summary = make_worker(registry, tmp_path, mesh.url).poll()
    finally:
        mesh.store.mailboxes[TRUST] = removed
    assert summary.failed == 1
    row = m.MeshRequest.objects.get(message_id=request_id)
    assert row.failure and row.acknowledged_at is not None
    assert m.AuditEvent.objects.filter(action="mesh.request.undeliverable", subject=request_id).exists()


def test_mesh_inbox_longer_than_a_page_is_read_to_the_end(mesh, registry) -> None:
    # MESH lists at most 500 ids a call; the same paging is shown here with pages of 10.
    with client(mesh.url, TRUST) as c:
        sent = {c.send_message(REGISTRY_MAILBOX, b"x", workflow_id=REQUEST_WORKFLOW) for _ in range(25)}
    mailbox = MeshClientMailbox(mesh_config(mesh.url), max_retries=0, page_size=10)
    _open_mailboxes.append(mailbox)
    assert set(mailbox.inbox(REQUEST_WORKFLOW)) == sent


def test_mesh_worker_handshakes_at_start_and_again_after_24_hours(mesh, trust, registry, clock, tmp_path) -> None:
    worker = make_worker(registry, tmp_path, mesh.url)
    calls: list[str] = []
    real = worker.mailbox.handshake

    def counting() -> None:
        calls.append("handshake")
        real()

    worker.mailbox.handshake = counting  # type: ignore[method-assign]
    worker.poll()
    clock.set(clock.now() + timedelta(hours=23, minutes=59))
    worker.poll()
    assert calls == ["handshake"]
    clock.set(clock.now() + timedelta(minutes=1))
    worker.poll()
    assert calls == ["handshake", "handshake"]


@pytest.mark.django_db(transaction=True)
def test_mesh_two_workers_polling_at_once_answer_each_request_once(mesh, tmp_path) -> None:
    register_organisation(container.registry(), Organisation(OdsCode("RX1"), "Trust one", TRUST), by=TESTER)
    for i in range(8):
        send_request(mesh.url, f"{A},\r\n".encode(), local_id=f"batch-{i}")
    workers = [make_worker(container.registry(), tmp_path / str(i), mesh.url, worker_id=f"w{i}") for i in range(2)]
    container.check_service()  # warm the shared engine before the race
    barrier = threading.Barrier(2)
    summaries, errors = [], []

    def run(worker: MeshWorker) -> None:
        try:
            barrier.wait(timeout=30)
            summaries.append(worker.poll())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sum(s.answered for s in summaries) == 8
    assert sorted(msg["local_id"] for msg in inbox(mesh.url)) == sorted([f"batch-{i}" for i in range(8)] * 2)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> dict[str, str]:
    """A test CA, a server certificate for 127.0.0.1 and a client certificate for the registry's mailbox."""
    d = tmp_path_factory.mktemp("mesh-tls")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=ndop-test-ca")
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    (d / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name, cn in (("server", "localhost"), ("client", REGISTRY_MAILBOX)):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", f"/CN={cn}")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")
    return {name: str(d / name) for name in ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")}


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make test certificates")
def test_mesh_worker_over_mutual_tls_with_settings_from_the_environment(mesh, trust, registry, tmp_path,
                                                                        tls_files) -> None:
    from ndop.config import load_mesh as load

    tls_url = mesh.add_tls_listener(certfile=tls_files["server.pem"], keyfile=tls_files["server.key"],
                                    ca_certs=tls_files["ca.pem"])
    send_request(mesh.url, f"{A},\r\n".encode())
    config = load({"NDOP_MESH_URL": tls_url, "NDOP_MESH_SHARED_KEY": SHARED_KEY, "NDOP_MESH_CA": tls_files["ca.pem"],
                   "NDOP_MESH_CERT": tls_files["client.pem"], "NDOP_MESH_KEY": tls_files["client.key"]})
    worker = make_worker(registry, tmp_path, mesh.url)
    worker.mailbox = MeshClientMailbox(config, max_retries=0)
    _open_mailboxes.append(worker.mailbox)
    assert worker.poll().answered == 1
    assert len(inbox(mesh.url)) == 2

    without_certificate = MeshClientMailbox(config.model_copy(update={"cert": "", "key": ""}), max_retries=0)
    _open_mailboxes.append(without_certificate)
    with pytest.raises(MeshUnavailable):  # the TLS handshake is refused: the same as MESH being unreachable
        without_certificate.handshake()
