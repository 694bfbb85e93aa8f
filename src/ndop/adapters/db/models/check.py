"""Check jobs: one row per check (counts and digests; never the NHS numbers checked)."""

from django.db import models


class CheckJob(models.Model):
    id = models.CharField(max_length=32, primary_key=True)
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField()
    channel = models.CharField(max_length=8)
    organisation = models.CharField(max_length=10, blank=True, db_index=True)
    requested_by = models.CharField(max_length=100, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    format = models.CharField(max_length=4)
    rejected = models.BooleanField()
    rejection = models.CharField(max_length=32, blank=True)
    registry_version = models.BigIntegerField()
    rows_in = models.BigIntegerField()
    rows_invalid = models.BigIntegerField()
    rows_removed = models.BigIntegerField()
    rows_kept = models.BigIntegerField()
    request_bytes = models.BigIntegerField()
    request_sha256 = models.CharField(max_length=64)
    response_sha256 = models.CharField(max_length=64)
    # Why the check's snapshot was rebuilt before it ran (e.g. the persisted file failed its MAC); "" if not.
    snapshot_note = models.CharField(max_length=200, blank=True, default="")
    # A check for a flow of GP data also removes people with a Type 1 objection (issue 14): those removed
    # for Type 1 alone (not opted out) are counted here, and are part of rows_removed.
    gp_data = models.BooleanField(default=False, db_default=False)
    rows_removed_type1 = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        db_table = "check_job"
