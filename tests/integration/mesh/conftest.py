"""A real `mesh-sandbox` in this process (uvicorn on a free loopback port) for the whole session,
emptied before each test, with the registry's mailbox and the test organisations' mailboxes."""

from __future__ import annotations

import pytest

from ndop.adapters.mesh.config import MeshConfig
from ndop.adapters.mesh.sandbox import SandboxServer
from ndop.domain.check.mesh import REGISTRY_MAILBOX

SHARED_KEY = "TestKey"
TRUST = "RX1OT001"
OTHER_TRUST = "RX2OT001"
STRANGER = "ZZZOT001"  # has a mailbox, is no registered organisation
MAILBOXES = {REGISTRY_MAILBOX: "Opt-out registry", TRUST: "Trust one", OTHER_TRUST: "Trust two", STRANGER: "Stranger"}


@pytest.fixture(scope="session")
def mesh_server():
    server = SandboxServer(MAILBOXES, shared_key=SHARED_KEY).start()
    yield server
    server.stop()


@pytest.fixture
def mesh(mesh_server):
    mesh_server.reset()
    yield mesh_server
    mesh_server.reset()


def mesh_config(url: str, mailbox: str = REGISTRY_MAILBOX, **overrides) -> MeshConfig:
    fields = {"url": url, "mailbox": mailbox, "password": "password", "shared_key": SHARED_KEY, "poll_seconds": 0.01}
    fields.update(overrides)
    return MeshConfig(**fields)
