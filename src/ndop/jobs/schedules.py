"""The jobs the workers start on a schedule, and how they start each once a period (ADR 73).

There is no separate scheduler process: every `ndop worker` looks at the schedule as it renews its
leases, and the first to claim a job's period (one row per job and period, a unique pair) enqueues the
job in the same transaction. Two workers looking at the same moment start it once; a worker that was
down at the start of the month starts it when it comes back.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django_tasks.base import Task

from ndop.domain.common.jobs import Schedule, ScheduleClaims, monthly
from ndop.jobs.statistics import publish_monthly

log = logging.getLogger("ndop.jobs")

# The national statistics are published monthly; the job runs from 06:00 on the 1st, England time.
SCHEDULES: tuple[tuple[Schedule, Task[[], str]], ...] = (
    (Schedule("statistics.monthly", monthly(day=1, hour=6)), publish_monthly),
)


def start_due(claims: ScheduleClaims, *, now: datetime, worker: str,
              schedules: tuple[tuple[Schedule, Task[[], str]], ...] = SCHEDULES) -> list[str]:
    """Enqueue each scheduled job that is due in its current period and not yet started in it."""
    started = []
    for schedule, job in schedules:
        period = schedule.period(now)
        if period is None:
            continue
        with transaction.atomic():
            if claims.claim(schedule.name, period, worker=worker, now=now):
                job.enqueue()
                started.append(f"{schedule.name} {period}")
    for name in started:
        log.info("scheduled job started: %s", name)
    return started
