"""MESH settings from the environment (`NDOP_MESH_*`). Defaults suit the local sandbox."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ndop.domain.check.mesh import REGISTRY_MAILBOX, REQUEST_WORKFLOW

SANDBOX_PORT = 8700
# mesh-client's own default shared key, so a newcomer's `MeshClient(url, mailbox, password)` just works.
SANDBOX_SHARED_KEY = "BackBone"
SANDBOX_PASSWORD = "password"  # noqa: S105 - the local sandbox's fixed mailbox password


@dataclass(frozen=True)
class MeshConfig:
    url: str
    mailbox: str
    password: str
    shared_key: str
    cert: str = ""  # client certificate (PEM) for mutual TLS
    key: str = ""  # its private key
    ca: str = ""  # CA bundle to verify MESH's certificate
    request_workflow: str = REQUEST_WORKFLOW
    ack_workflow: str = REQUEST_WORKFLOW
    response_workflow: str = REQUEST_WORKFLOW
    max_chunk_bytes: int = 75 * 1024 * 1024
    poll_seconds: float = 30.0
    handshake_hours: float = 24.0
    lease_seconds: float = 600.0


def load(environ: Mapping[str, str] = os.environ) -> MeshConfig:
    def get(name: str, default: str) -> str:
        return environ.get(f"NDOP_MESH_{name}", "") or default

    return MeshConfig(
        url=get("URL", f"http://127.0.0.1:{SANDBOX_PORT}"),
        mailbox=get("MAILBOX", REGISTRY_MAILBOX).upper(),
        password=get("PASSWORD", SANDBOX_PASSWORD),
        shared_key=get("SHARED_KEY", SANDBOX_SHARED_KEY),
        cert=get("CERT", ""),
        key=get("KEY", ""),
        ca=get("CA", ""),
        request_workflow=get("REQUEST_WORKFLOW", REQUEST_WORKFLOW),
        ack_workflow=get("ACK_WORKFLOW", REQUEST_WORKFLOW),
        response_workflow=get("RESPONSE_WORKFLOW", REQUEST_WORKFLOW),
        max_chunk_bytes=int(get("MAX_CHUNK_BYTES", str(75 * 1024 * 1024))),
        poll_seconds=float(get("POLL_SECONDS", "30")),
        handshake_hours=float(get("HANDSHAKE_HOURS", "24")),
        lease_seconds=float(get("LEASE_SECONDS", "600")),
    )
