"""`ndop mesh-worker` answers check requests arriving over MESH; `ndop mesh-sandbox` runs a local MESH.

Settings come from `NDOP_MESH_*` variables (see docs/check-channels.md); the defaults talk to the
local sandbox that `ndop mesh-sandbox` starts.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from ndop import container
from ndop.cli.common import fail
from ndop.cli.ports import refuse_if_taken
from ndop.cli.root import main
from ndop.cli.startup import Database
from ndop.domain.check.mesh import MeshAuthenticationFailed, MeshError, MeshUnavailable

if TYPE_CHECKING:
    from ndop.container import LocalMesh

log = logging.getLogger("ndop.mesh")
CRASH_AT = "NDOP_MESH_CRASH_AT"  # fault injection for the crash test: exit at once after this step


def _crash_hook() -> Callable[[str], None] | None:
    """Kill the process (no clean-up, like `kill -9`) after the named step. Never in production."""
    step = os.environ.get(CRASH_AT, "")
    if not step or os.environ.get("NDOP_ENV") == "production":
        return None

    def on_step(name: str) -> None:
        if name == step:
            os._exit(137)

    return on_step


def _default_worker_id(mailbox: str) -> str:
    return f"{socket.gethostname()}:{mailbox}"


def _run_worker(*, once: bool, worker_id: str, give_up_after: float | None, stop: threading.Event) -> None:
    config = container.mesh_config()
    with container.mesh_mailbox(config) as mailbox:
        worker = container.mesh_worker(
            mailbox, config, worker_id=worker_id or _default_worker_id(config.mailbox), on_step=_crash_hook()
        )
        def sleep(seconds: float) -> None:
            stop.wait(seconds)  # a stop request ends a wait at once

        worker._sleep = sleep
        summary = worker.run(once=once, give_up_after_s=give_up_after, stop=stop.is_set)
    click.echo(f"MESH worker for {config.mailbox}: {summary}.")


@main.command("mesh-worker")
@click.option("--once", is_flag=True, help="Answer what is in the inbox now, then stop.")
@click.option("--worker-id", default="", help="Names this worker in the ledger. Give each worker that runs at "
              "the same time its own; a restarted worker with the same id resumes its claims at once. "
              "Default: HOST:MAILBOX.")
@click.option("--give-up-after", type=float, default=None,
              help="Seconds of MESH being unreachable before exiting 1 (default: with --once 120, else never).")
def mesh_worker(once: bool, worker_id: str, give_up_after: float | None) -> None:
    """Poll the registry's MESH mailbox and answer every check request exactly once."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if give_up_after is None and once:
        give_up_after = 120.0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        _run_worker(once=once, worker_id=worker_id, give_up_after=give_up_after, stop=stop)
    except MeshAuthenticationFailed as exc:
        fail(f"{exc}. Check NDOP_MESH_MAILBOX, NDOP_MESH_PASSWORD, NDOP_MESH_SHARED_KEY and the certificate.")
    except MeshUnavailable as exc:
        fail(f"MESH could not be reached ({exc}). Is NDOP_MESH_URL right, and is MESH up?")
    except MeshError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        click.echo("Stopped.")


def _add_new_mailboxes(server: LocalMesh, known: set[str], stop: threading.Event) -> None:
    """Organisations registered while the sandbox runs get their mailbox within a few seconds."""
    from django.db import connection

    try:
        while not stop.wait(3):
            for organisation in container.check_clients().with_mailboxes():
                if organisation.mesh_mailbox not in known:
                    server.add_mailbox(organisation.mesh_mailbox, organisation.name)
                    known.add(organisation.mesh_mailbox)
                    log.info("MESH sandbox: mailbox %s added for %s", organisation.mesh_mailbox,
                             organisation.ods_code)
    finally:
        connection.close()


@main.command("mesh-sandbox", database=Database.REACHABLE)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=click.IntRange(0, 65535))
@click.option("--worker/--no-worker", default=False, help="Also run the MESH worker against it.")
def mesh_sandbox(host: str, port: int, worker: bool) -> None:
    """Run a local MESH (NHS England's mesh-sandbox) with the registry's and every registered
    organisation's mailbox. Every password is `password`; the shared key is mesh-client's default."""
    refuse_if_taken(host, port, what="the MESH sandbox",
                    setting=f"ndop mesh-sandbox --port {port % 65535 + 1} (make run MESH_PORT={port % 65535 + 1})")
    container.migrate()
    config = container.mesh_config()
    mailboxes = {config.mailbox: "National Data Opt-out registry"}
    for organisation in container.check_clients().with_mailboxes():
        mailboxes[organisation.mesh_mailbox] = organisation.name
    try:
        server = container.local_mesh(mailboxes, host=host, port=port)
    except OSError as exc:
        fail(f"Cannot listen on {host}:{port} ({exc.strerror}). Is a sandbox already running? Try --port.")
    click.echo(f"MESH sandbox on {server.url} (shared key {server.shared_key!r}, every password 'password').")
    for mailbox_id, name in sorted(mailboxes.items()):
        click.echo(f"  {mailbox_id:<10} {name}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=_add_new_mailboxes, args=(server, set(mailboxes), stop), daemon=True).start()
    try:
        if worker:
            os.environ.setdefault("NDOP_MESH_URL", server.url)
            os.environ.setdefault("NDOP_MESH_POLL_SECONDS", "2")
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
            click.echo("MESH worker polling every 2 s (Ctrl+C to stop).")
            _run_worker(once=False, worker_id="", give_up_after=None, stop=stop)
        else:
            click.echo("Ctrl+C to stop.")
            stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
