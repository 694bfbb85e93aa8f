"""MESH requests on the GP-data workflow id: Type 1 objections removed too, replies on the same workflow; the
usual workflow id still answers without Type 1. Against a real mesh-sandbox."""

from __future__ import annotations

import io

import pytest

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.check.mesh import GP_DATA_WORKFLOW, REGISTRY_MAILBOX, REQUEST_WORKFLOW
from ndop.services.gp_codes.import_codes import import_codes
from ndop.services.registry.load_patients import load_patients
from tests.conftest import TESTER, make_patient
from tests.integration.mesh.conftest import TRUST, mesh, mesh_server  # noqa: F401
from tests.integration.mesh.test_mesh_worker import (  # noqa: F401
    A,
    B,
    C,
    _close_mailboxes,
    b_opted_out,
    client,
    inbox,
    make_worker,
    trust,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def c_type1(registry, b_opted_out):  # noqa: F811
    load_patients(registry, [make_patient(C[:9])], loaded_by=TESTER, source="fixture")
    extract = f"nhs_number,practice_code,code_system,code,recorded_date\n{C},B82001,read2,9Nu0.,2015-01-01\n"
    import_codes(container.gp_codes(), io.BytesIO(extract.encode()), imported_by=TESTER, source="t")


def send(url: str, workflow: str, local_id: str) -> str:
    with client(url, TRUST) as c:
        return c.send_message(REGISTRY_MAILBOX, f"{A},\r\n{B},\r\n{C},\r\n".encode(), workflow_id=workflow,
                              filename=f"RX1OT001-231126-{local_id}.dat", local_id=local_id, subject="opt-out check")


def test_mesh_worker_answers_both_workflows(mesh, trust, c_type1, registry, tmp_path) -> None:  # noqa: F811
    gp = send(mesh.url, GP_DATA_WORKFLOW, "0001")
    plain = send(mesh.url, REQUEST_WORKFLOW, "0002")
    summary = make_worker(registry, tmp_path, mesh.url).poll()
    assert summary.answered == 2
    replies = {(r["local_id"], r["filename"].rsplit("_", 1)[-1]): r for r in inbox(mesh.url)}
    assert replies[("0001", "RESPONSE.dat")]["body"] == f"{A},\r\n".encode()
    assert replies[("0001", "RESPONSE.dat")]["workflow_id"] == GP_DATA_WORKFLOW
    assert replies[("0001", "ACK.json")]["workflow_id"] == GP_DATA_WORKFLOW
    assert replies[("0002", "RESPONSE.dat")]["body"] == f"{A},\r\n{C},\r\n".encode()
    assert replies[("0002", "RESPONSE.dat")]["workflow_id"] == REQUEST_WORKFLOW
    gp_job = m.CheckJob.objects.get(id=m.MeshRequest.objects.get(message_id=gp).check_job_id)
    plain_job = m.CheckJob.objects.get(id=m.MeshRequest.objects.get(message_id=plain).check_job_id)
    assert (gp_job.gp_data, gp_job.rows_removed, gp_job.rows_removed_type1) == (True, 2, 1)
    assert (plain_job.gp_data, plain_job.rows_removed, plain_job.rows_removed_type1) == (False, 1, 0)
    assert m.AuditEvent.objects.get(action="mesh.request.answered", subject=gp).details["gp_data"] is True
