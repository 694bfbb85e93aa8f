from django.db import models


class JobLease(models.Model):
    """Who runs a background job now, and until when (django-tasks' database backend keeps no such
    thing: a job whose worker died would stay RUNNING forever). The worker renews it while the job
    runs; a lease that has lapsed puts the job back in the queue (ADR 38)."""

    task_id = models.UUIDField(primary_key=True)  # django_tasks_db's DBTaskResult.id
    worker_id = models.CharField(max_length=64, db_index=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "job_lease"


class ScheduledRun(models.Model):
    """One claim per scheduled job and period (ADR 73): the unique pair is what makes two workers that
    look at the same moment start the monthly statistics once, not twice."""

    name = models.CharField(max_length=64)
    period = models.CharField(max_length=16)
    worker_id = models.CharField(max_length=64)
    claimed_at = models.DateTimeField()

    class Meta:
        db_table = "job_scheduled_run"
        constraints = [models.UniqueConstraint(fields=["name", "period"], name="job_scheduled_run_once")]
