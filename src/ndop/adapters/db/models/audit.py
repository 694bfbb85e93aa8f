"""The hash-chained audit trail. No foreign keys: the trail never interferes with live data."""

from django.db import models


class AuditEvent(models.Model):
    sequence = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField()
    action = models.CharField(max_length=60, db_index=True)
    actor = models.CharField(max_length=100)
    subject = models.CharField(max_length=100, blank=True, db_index=True)
    details = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        db_table = "audit_event"


class AuditHead(models.Model):
    """The last sequence and hash, kept apart from the rows so a deleted last row is noticed."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        db_table = "audit_head"
