"""A local MESH: NHS England's `mesh-sandbox` (FastAPI) served by uvicorn on loopback, in this process.

Memory store, full NHSMESH authentication, every mailbox password `password`. The sandbox has no
admin API to add mailboxes, so its store is subclassed (as its own test suite does) to hold the
registry's mailbox and each registered organisation's.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
import threading
import time
import warnings
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from ndop.adapters.mesh.config import SANDBOX_PASSWORD, SANDBOX_SHARED_KEY


def _import_sandbox() -> dict[str, Any]:
    with warnings.catch_warnings():  # the sandbox's FastAPI deprecation noise at import
        warnings.simplefilter("ignore")
        import uvicorn
        from mesh_sandbox.api import app
        from mesh_sandbox.common.messaging import Messaging
        from mesh_sandbox.dependencies import get_env_config, get_logger, get_messaging, get_store
        from mesh_sandbox.models.mailbox import Mailbox
        from mesh_sandbox.store.memory_store import MemoryStore
    logging.getLogger("mesh-sandbox").setLevel(logging.WARNING)
    return {
        "uvicorn": uvicorn, "app": app, "Messaging": Messaging, "get_env_config": get_env_config,
        "get_logger": get_logger, "get_messaging": get_messaging, "get_store": get_store, "Mailbox": Mailbox,
        "MemoryStore": MemoryStore,
    }


class SandboxServer:
    """`with SandboxServer({"X26HC065": "Opt-out registry"}) as mesh: mesh.url ...`"""

    def __init__(self, mailboxes: Mapping[str, str], *, host: str = "127.0.0.1", port: int = 0,
                 shared_key: str = SANDBOX_SHARED_KEY) -> None:
        os.environ["STORE_MODE"] = "memory"
        os.environ["AUTH_MODE"] = "full"
        os.environ["SHARED_KEY"] = shared_key
        self.shared_key = shared_key
        sb = _import_sandbox()
        self._sb = sb
        for cached in ("get_env_config", "get_store", "get_messaging"):
            sb[cached].cache_clear()
        extra = dict(mailboxes)
        mailbox_cls = sb["Mailbox"]

        memory_store: Any = sb["MemoryStore"]  # imported lazily (ADR 15), so untyped here

        class ProjectStore(memory_store):  # type: ignore[misc]
            def _load_mailboxes(self) -> dict[str, Any]:
                boxes: dict[str, Any] = super()._load_mailboxes()
                for mailbox_id, name in extra.items():
                    boxes[mailbox_id] = mailbox_cls(
                        mailbox_id=mailbox_id, mailbox_name=name, ods_code=mailbox_id[:5], password=SANDBOX_PASSWORD
                    )
                return boxes

            def add_mailbox(self, mailbox_id: str, name: str) -> None:
                extra[mailbox_id] = name  # kept across reset()
                if mailbox_id in self.mailboxes:
                    return
                self.mailboxes[mailbox_id] = mailbox_cls(
                    mailbox_id=mailbox_id, mailbox_name=name, ods_code=mailbox_id[:5], password=SANDBOX_PASSWORD
                )
                self.inboxes[mailbox_id] = []
                self.outboxes[mailbox_id] = []
                self.local_ids[mailbox_id] = defaultdict(list)

        self.store = ProjectStore(sb["get_env_config"](), sb["get_logger"]())
        self.messaging = sb["Messaging"](store=self.store)
        sb["app"].dependency_overrides[sb["get_messaging"]] = lambda: self.messaging
        self._host = host
        self._bind(port)
        bound_host, bound_port = self._sock.getsockname()[:2]
        self.port = int(bound_port)
        self.url = f"http://{bound_host}:{bound_port}"
        self._stopped = False
        self._listeners: list[tuple[Any, threading.Thread, socket.socket]] = []

    def _bind(self, port: int) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self._host, port))
        uvicorn = self._sb["uvicorn"]
        config = uvicorn.Config(self._sb["app"], log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def pause(self) -> None:
        """Stop answering (MESH is down); the mailboxes and their messages are kept."""
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()

    def resume(self) -> None:
        """Answer again on the same port (MESH is back)."""
        self._bind(self.port)
        self.start()

    def add_tls_listener(self, *, certfile: str, keyfile: str, ca_certs: str = "",
                         require_client_certificate: bool = True) -> str:
        """Serve the same sandbox over TLS on another loopback port, asking for a client certificate
        signed by `ca_certs` as real MESH does (mutual TLS). Returns its https URL."""
        uvicorn = self._sb["uvicorn"]
        sock = socket.socket()
        sock.bind((self._host, 0))
        config = uvicorn.Config(
            self._sb["app"], log_level="warning", lifespan="off", access_log=False, ssl_certfile=certfile,
            ssl_keyfile=keyfile, ssl_ca_certs=ca_certs or None,
            ssl_cert_reqs=ssl.CERT_REQUIRED if require_client_certificate else ssl.CERT_NONE,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the MESH sandbox's TLS listener did not start")
            time.sleep(0.01)
        self._listeners.append((server, thread, sock))
        return f"https://{self._host}:{sock.getsockname()[1]}"

    def add_mailbox(self, mailbox_id: str, name: str = "") -> None:
        self.store.add_mailbox(mailbox_id.upper(), name or mailbox_id)

    def start(self, timeout: float = 15.0) -> SandboxServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the MESH sandbox did not start")
            time.sleep(0.01)
        return self

    def reset(self) -> None:
        """Empty every mailbox (frees the stored payloads too)."""
        asyncio.run(self.messaging.reset())

    def serve_forever(self) -> None:
        self._thread.join()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for server, thread, sock in self._listeners:
            server.should_exit = True
            thread.join(10)
            sock.close()
        self._server.should_exit = True
        self._thread.join(10)
        self._sb["app"].dependency_overrides.pop(self._sb["get_messaging"], None)
        self._sock.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
