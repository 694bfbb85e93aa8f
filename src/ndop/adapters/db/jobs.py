"""The job queue's database side beyond what django-tasks' database backend does: leases on running
jobs (renewed by the worker; a lapsed one puts its job back in the queue), the list of jobs, and the
claims that start each scheduled job once a period."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django_tasks_db.models import DBTaskResult

from ndop.adapters.db import models as m
from ndop.domain.common.jobs import JobRow, JobState, ScheduledRun

RUNNING = "RUNNING"
READY = "READY"
# The library's statuses, in the words `ndop jobs list` uses.
STATES = {"READY": JobState.QUEUED, "RUNNING": JobState.RUNNING, "SUCCESSFUL": JobState.DONE,
          "FAILED": JobState.FAILED}


class DjangoJobLeases:
    def hold(self, task_id: str, *, worker: str, now: datetime, lease_s: float) -> None:
        m.JobLease.objects.update_or_create(
            task_id=UUID(task_id), defaults={"worker_id": worker, "expires_at": now + timedelta(seconds=lease_s)}
        )

    def renew(self, task_id: str, *, worker: str, now: datetime, lease_s: float) -> bool:
        """False when the lease is no longer this worker's (it lapsed and the job went back)."""
        return bool(m.JobLease.objects.filter(task_id=UUID(task_id), worker_id=worker)
                    .update(expires_at=now + timedelta(seconds=lease_s)))

    def release(self, task_id: str) -> None:
        m.JobLease.objects.filter(task_id=UUID(task_id)).delete()

    def reclaim(self, *, now: datetime, lease_s: float, worker: str = "") -> int:
        """Put back in the queue every running job whose lease has lapsed, or that has had no lease for
        `lease_s` since it started (its worker died between claiming it and taking the lease), and,
        given `worker`, every running job leased to that worker (it has just restarted: none is its
        own any more). Returns how many."""
        leased = m.JobLease.objects.filter(task_id=OuterRef("id"))
        abandoned = Q(Exists(leased.filter(expires_at__lt=now))) | (
            ~Q(Exists(leased)) & Q(started_at__lt=now - timedelta(seconds=lease_s))
        )
        if worker:
            abandoned |= Q(Exists(leased.filter(worker_id=worker)))
        with transaction.atomic():
            ids = list(DBTaskResult.objects.filter(status=RUNNING).filter(abandoned).values_list("id", flat=True))
            if not ids:
                return 0
            # Only those still running: a worker that finished one meanwhile keeps its result.
            back = int(DBTaskResult.objects.filter(id__in=ids, status=RUNNING).update(status=READY))
            m.JobLease.objects.filter(task_id__in=ids).delete()
        return back

    def jobs(self, *, limit: int = 50, state: JobState | None = None) -> list[JobRow]:
        rows = DBTaskResult.objects.order_by("-enqueued_at")
        if state is not None:
            rows = rows.filter(status={v: k for k, v in STATES.items()}[state])
        return [
            JobRow(
                id=str(row.id), task=row.task_path.rsplit(".", 1)[-1], state=STATES[row.status],
                attempts=len(row.worker_ids), worker=row.worker_ids[-1] if row.worker_ids else "",
                enqueued_at=row.enqueued_at, started_at=row.started_at, finished_at=row.finished_at,
                error=row.exception_class_path.rsplit(".", 1)[-1] if row.status == "FAILED" else "",
            )
            for row in rows[:limit]
        ]


class DjangoScheduleClaims:
    def claim(self, name: str, period: str, *, worker: str, now: datetime) -> bool:
        """The unique (name, period) pair decides: the insert that loses the race fails and says False.
        Called inside the caller's transaction, with the job's enqueue, so a claim never lacks its job."""
        if m.ScheduledRun.objects.filter(name=name, period=period).exists():
            return False
        try:
            with transaction.atomic():  # a savepoint: the losing insert leaves the caller's transaction usable
                m.ScheduledRun.objects.create(name=name, period=period, worker_id=worker, claimed_at=now)
        except IntegrityError:
            return False
        return True

    def latest(self, name: str) -> ScheduledRun | None:
        row = m.ScheduledRun.objects.filter(name=name).order_by("-claimed_at").first()
        return None if row is None else ScheduledRun(row.name, row.period, row.worker_id, row.claimed_at)
