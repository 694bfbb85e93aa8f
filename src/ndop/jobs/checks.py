"""Queued checks: large API bodies, spooled to disk by the web process and checked by a worker."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from django_tasks import task

from ndop import container
from ndop.domain.check.stored import StoredCheck
from ndop.services.check.channel_checks import run_queued

HOLD_AT = "NDOP_JOBS_HOLD_AT"  # fault injection for the crash test: stop (for a kill -9) at this step


def enqueue_check(check: StoredCheck) -> None:
    """Queue the job that runs `check` (called inside the transaction that records the check)."""
    run_queued_check.enqueue(check.id, check.organisation)


@task()
def run_queued_check(check_id: str, organisation: str) -> str:
    """Run one queued check. Safe to run again after a worker died at any point: the check completes
    once. Returns the check's state (never any of its numbers: the result row is kept)."""
    stored = container.stored_checks()
    check = stored.get(check_id, organisation)
    if check is None:
        return "gone"
    done = run_queued(stored, container.registry(), container.check_service(), check, on_step=_hold_hook())
    _hold_hook()("finished")
    return done.status.value


def _hold_hook() -> Callable[[str], None]:
    """Stop for good at the named step, after leaving a marker file, so that a test can `kill -9` the
    worker at a known point. Never in production."""
    step = os.environ.get(HOLD_AT, "")

    def on_step(name: str) -> None:
        if step and name == step and os.environ.get("NDOP_ENV") != "production":
            (container.var_dir() / f"held-{name}").touch()
            while True:
                time.sleep(60)

    return on_step
