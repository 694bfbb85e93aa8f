"""`ndop worker` runs the background jobs; `ndop jobs list` shows them (ADR 37, 38)."""

from __future__ import annotations

import logging
import socket

import click

from ndop import container
from ndop.cli.common import refuse
from ndop.cli.root import main
from ndop.domain.common.jobs import JobState


def _worker_id(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    value = value.strip() or f"{socket.gethostname()}:worker"
    if len(value) > 64:
        refuse("--worker-id must be at most 64 characters.")
    return value


@main.command("worker")
@click.option("--worker-id", default="", callback=_worker_id,
              help="Names this worker on the jobs it takes. Give each worker that runs at the same time its own; "
              "a restarted worker with the same id takes back its unfinished jobs at once. Default: HOST:worker.")
@click.option("--lease-seconds", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="A job whose worker has not renewed its lease for this long goes back in the queue.")
@click.option("--interval", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
              help="Seconds between looks at an empty queue.")
@click.option("--batch", is_flag=True, help="Run the jobs that are ready now, then stop.")
def worker(worker_id: str, lease_seconds: float, interval: float, batch: bool) -> None:
    """Run background jobs (queued API checks) from the registry's database until stopped."""
    from django.utils import timezone

    from ndop.jobs.runner import JobRunner

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    runner = JobRunner(leases=container.job_leases(), now=timezone.now, worker_id=worker_id,
                       lease_s=lease_seconds, interval=interval, batch=batch, claims=container.schedule_claims())
    if not batch:
        click.echo(f"Job worker {worker_id} (Ctrl+C to stop).")
    runner.configure_signals()  # SIGTERM/Ctrl+C: finish the running job, then stop
    runner.run()


@main.group("jobs")
def jobs() -> None:
    """Background jobs: their state, never their contents."""


@jobs.command("list")
@click.option("--state", type=click.Choice([s.value for s in JobState]), default=None, help="Only jobs in this state.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
def jobs_list(state: str | None, limit: int) -> None:
    """The latest jobs, newest first: task, state, attempts, worker and times."""
    rows = container.job_leases().jobs(limit=limit, state=JobState(state) if state else None)
    if not rows:
        click.echo("No jobs.")
        return

    def at(moment: object) -> str:
        return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S}"

    click.echo(f"{'id':<36}  {'task':<20} {'state':<8} {'tries':>5}  {'queued':<19}  {'started':<19}  "
               f"{'finished':<19}  worker")
    for row in rows:
        error = f"  ({row.error})" if row.error else ""
        click.echo(f"{row.id:<36}  {row.task[:20]:<20} {row.state.value:<8} {row.attempts:>5}  {at(row.enqueued_at)}  "
                   f"{at(row.started_at)}  {at(row.finished_at)}  {row.worker}{error}")


@jobs.command("schedules")
def jobs_schedules() -> None:
    """The jobs the workers start on a schedule: when each is due, and its last start."""
    from django.utils import timezone

    from ndop.jobs.schedules import SCHEDULES

    claims = container.schedule_claims()
    now = timezone.now()
    click.echo(f"{'job':<20} {'now':<8} {'last started':<19}  {'period':<8}  worker")
    for schedule, _job in SCHEDULES:
        due = schedule.period(now)
        last = claims.latest(schedule.name)
        state = "not due" if due is None else ("started" if last is not None and last.period == due else "due")
        if last is None:
            click.echo(f"{schedule.name:<20} {state:<8} never")
        else:
            click.echo(f"{schedule.name:<20} {state:<8} {last.claimed_at:%Y-%m-%d %H:%M:%S}  {last.period:<8}  "
                       f"{last.worker}")
