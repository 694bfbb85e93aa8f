from __future__ import annotations

import io
from datetime import date

import pytest

from ndop.adapters.db import models as m
from ndop.adapters.db.check import DjangoCheckJobStore, DjangoOptOutSource
from ndop.adapters.files.snapshots import FileSnapshotStore
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.check.run_check import REJECTION_LINE, CheckChannel, CheckService
from ndop.services.check.snapshot import SnapshotKeeper
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient, number

pytestmark = pytest.mark.django_db

A, B, C, D = "943476591", "943476587", "900000006", "900000011"


@pytest.fixture
def service(registry, tmp_path) -> CheckService:
    keeper = SnapshotKeeper(DjangoOptOutSource(), FileSnapshotStore(tmp_path / "snapshots", b"test snapshot key"))
    return CheckService(registry, DjangoCheckJobStore(), keeper)


@pytest.fixture
def people(registry):
    patients = [make_patient(p) for p in (A, B, C, D)]
    load_patients(registry, patients, loaded_by=TESTER, source="fixture")
    return {p: number(p).digits for p in (A, B, C, D)}


def choose(registry, digits: str, opted_out: bool = True) -> None:
    choice = Choice.OPTED_OUT if opted_out else Choice.NOT_OPTED_OUT
    record_choice(registry, ChoiceRequest(number(digits[:9]), choice, Channel.ONLINE), recorded_by=PATIENT_ONLINE)


def check(service: CheckService, body: bytes, **kwargs):
    response = io.BytesIO()
    kwargs.setdefault("channel", CheckChannel.CLI)
    kwargs.setdefault("requested_by", TESTER)
    outcome = service.run(io.BytesIO(body), response, **kwargs)
    return outcome, response.getvalue()


def dat(*numbers: str) -> bytes:
    return "".join(f"{n},\n" for n in numbers).encode()


def test_check_removes_opted_out_and_records_job_and_audit(service, registry, people) -> None:
    choose(registry, people[A])
    outcome, response = check(service, dat(people[A], people[B], people[A]), organisation="X26", reference="m-1")
    assert response == dat(people[B])
    assert (outcome.rows_in, outcome.rows_removed, outcome.rows_kept, outcome.rejected) == (3, 2, 1, False)
    assert outcome.registry_version == registry.choices.registry_version()
    job = m.CheckJob.objects.get(id=outcome.job_id)
    assert (job.organisation, job.channel, job.reference, job.rows_kept) == ("X26", "cli", "m-1", 1)
    assert job.response_sha256 == outcome.response_sha256
    audit = m.AuditEvent.objects.get(action="check.completed", subject=outcome.job_id)
    assert audit.details["rows_removed"] == 2
    assert people[A] not in str(audit.details) and people[B] not in str(audit.details)


def test_check_rejected_file_writes_only_the_rejection_line(service, people) -> None:
    outcome, response = check(service, dat(people[B]) + b"123,\n")
    assert response == (REJECTION_LINE + "\n").encode()
    assert (outcome.rejected, outcome.rejection, outcome.rows_kept) == (True, "invalid_nhs_numbers", 0)
    assert m.CheckJob.objects.get(id=outcome.job_id).rejected


class _Pipe(io.RawIOBase):
    """A response that cannot seek (a socket, a pipe): nothing may reach it before the end."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.data += bytes(b)
        return len(b)


def test_check_unseekable_response_gets_no_partial_rows(service, people) -> None:
    pipe = _Pipe()
    body = dat(people[B]) * 10 + b"9434765918,\n"
    outcome = service.run(io.BytesIO(body), pipe, channel=CheckChannel.MESH, requested_by=TESTER)  # type: ignore[arg-type]
    assert outcome.rejected
    assert bytes(pipe.data) == (REJECTION_LINE + "\n").encode()
    pipe = _Pipe()
    service.run(io.BytesIO(dat(people[B])), pipe, channel=CheckChannel.MESH, requested_by=TESTER)  # type: ignore[arg-type]
    assert bytes(pipe.data) == dat(people[B])


def test_check_superseded_number_follows_its_replacement(service, registry, people) -> None:
    choose(registry, people[B])
    # A is replaced by B (opted out): A is removed too. C, unknown to nobody, stays.
    load_patients(registry, [make_patient(A, superseded_by=number(B))], loaded_by=TESTER, source="merge")
    _, response = check(service, dat(people[A], people[B], people[C]))
    assert response == dat(people[C])
    # B changes their mind: A follows.
    choose(registry, people[B], opted_out=False)
    _, response = check(service, dat(people[A], people[B]))
    assert response == dat(people[A], people[B])
    assert service.snapshots.last_sync.action == "caught_up"


def test_check_supersession_change_rebuilds_the_snapshot(service, registry, people) -> None:
    choose(registry, people[B])
    check(service, dat(people[A]))
    load_patients(registry, [make_patient(A, superseded_by=number(B))], loaded_by=TESTER, source="merge")
    _, response = check(service, dat(people[A]))
    assert response == b""
    assert service.snapshots.last_sync.action == "rebuilt"
    load_patients(registry, [make_patient(A)], loaded_by=TESTER, source="unmerge")
    _, response = check(service, dat(people[A]))
    assert response == dat(people[A])


def test_check_deceased_patient_stays_opted_out(service, registry, people) -> None:
    choose(registry, people[C])
    load_patients(registry, [make_patient(C, date_of_death=date(2026, 1, 2))], loaded_by=TESTER, source="pds")
    _, response = check(service, dat(people[C], people[D]))
    assert response == dat(people[D])


def test_check_number_unknown_to_the_index_is_kept(service) -> None:
    unknown = number("912345678").digits
    _, response = check(service, dat(unknown))
    assert response == dat(unknown)


def test_snapshot_catches_up_from_new_events_only(service, registry, people) -> None:
    check(service, dat(people[A]))
    assert service.snapshots.last_sync.action == "rebuilt"
    check(service, dat(people[A]))
    assert service.snapshots.last_sync.action == "reused"
    choose(registry, people[A])
    choose(registry, people[D])
    _, response = check(service, dat(people[A], people[B], people[D]))
    assert response == dat(people[B])
    assert (service.snapshots.last_sync.action, service.snapshots.last_sync.events) == ("caught_up", 2)


def test_snapshot_persists_so_a_new_process_starts_warm(registry, people, tmp_path) -> None:
    choose(registry, people[A])
    store = FileSnapshotStore(tmp_path / "snapshots", b"test snapshot key")
    first = CheckService(registry, DjangoCheckJobStore(), SnapshotKeeper(DjangoOptOutSource(), store))
    check(first, dat(people[A]))
    second = CheckService(registry, DjangoCheckJobStore(), SnapshotKeeper(DjangoOptOutSource(), store))
    _, response = check(second, dat(people[A], people[B]))
    assert response == dat(people[B])
    assert second.snapshots.last_sync.action == "loaded"


def test_snapshot_of_another_history_is_rebuilt(registry, people, tmp_path) -> None:
    store = FileSnapshotStore(tmp_path / "snapshots", b"test snapshot key")
    keeper = SnapshotKeeper(DjangoOptOutSource(), store)
    choose(registry, people[A])
    keeper.current()
    # Same identity and version, another history (a reset database): the fingerprint differs.
    snapshot = store.load(DjangoOptOutSource().identity())
    assert snapshot is not None
    from ndop.domain.check.snapshot import OptOutSnapshot

    forged = OptOutSnapshot(snapshot.bitmap, snapshot.version, snapshot.links_version, {}, "another")
    store.save(DjangoOptOutSource().identity(), forged)
    fresh = SnapshotKeeper(DjangoOptOutSource(), store)
    fresh.current()
    assert fresh.last_sync.action == "rebuilt"
