"""The job runner behind `ndop worker`: django-tasks' database worker, plus leases (ADR 38).

The library claims a job by marking it RUNNING and never looks at it again: if its worker dies, the
job stays RUNNING for ever. So each job this runner takes gets a lease, renewed by a keeper thread
while the job runs; the same thread puts back in the queue every running job whose lease has lapsed
(its worker died), and a worker that starts takes back at once the jobs leased to its own id. Jobs
must therefore be safe to run again (the queued check is: it completes once).

The same thread starts the scheduled jobs when they are due (`jobs.schedules`, ADR 73): there is no
scheduler process to keep running beside the workers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from ndop.domain.common.jobs import JobLeases, ScheduleClaims
from ndop.jobs.schedules import start_due

log = logging.getLogger("ndop.jobs")


class JobRunner(Worker):
    def __init__(self, *, leases: JobLeases, now: Callable[[], datetime], worker_id: str, lease_s: float = 60.0,
                 interval: float = 1.0, batch: bool = False, claims: ScheduleClaims | None = None) -> None:
        super().__init__(queue_names=["*"], interval=interval, batch=batch, backend_name="default",
                         startup_delay=False, max_tasks=None, worker_id=worker_id, excluded_queue_names=[])
        self.leases = leases
        self.now = now
        self.lease_s = lease_s
        self.claims = claims  # None: this runner starts no scheduled jobs
        self._current: str | None = None
        self._stop = threading.Event()

    def run(self) -> None:
        self.reclaim(own=True)
        self.start_scheduled()
        keeper = threading.Thread(target=self._keep, name="job-leases", daemon=True)
        keeper.start()
        try:
            super().run()
        finally:
            self._stop.set()
            keeper.join(timeout=5)

    def reclaim(self, *, own: bool = False) -> int:
        back = self.leases.reclaim(now=self.now(), lease_s=self.lease_s, worker=self.worker_id if own else "")
        if back:
            log.warning("%d job(s) whose worker stopped are back in the queue", back)
        return back

    def start_scheduled(self) -> list[str]:
        return [] if self.claims is None else start_due(self.claims, now=self.now(), worker=self.worker_id)

    def run_task(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        task_id = str(db_task_result.id)
        self.leases.hold(task_id, worker=self.worker_id, now=self.now(), lease_s=self.lease_s)
        self._current = task_id
        try:
            super().run_task(db_task_result)
        finally:
            self._current = None
            self.leases.release(task_id)

    def _keep(self) -> None:
        """Renew the running job's lease and take back abandoned jobs, a few times a lease."""
        try:
            while not self._stop.wait(self.lease_s / 4):
                try:
                    current = self._current
                    if current and not self.leases.renew(current, worker=self.worker_id, now=self.now(),
                                                         lease_s=self.lease_s):
                        log.warning("job %s: lease lost (it ran longer than a lease without renewal)", current)
                    self.reclaim()
                    self.start_scheduled()
                except Exception:  # the database may be away for a while; try again next time
                    log.exception("job leases could not be renewed, or scheduled jobs started")
        finally:
            connection.close()  # this thread's own connection
