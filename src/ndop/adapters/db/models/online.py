"""The patient online service: security codes (hashed) and the notification outbox."""

from django.db import models


class SecurityCode(models.Model):
    """One security code sent, as a keyed hash, with its tries and any lock-out it caused."""

    id = models.CharField(max_length=32, primary_key=True)
    nhs_number = models.CharField(max_length=10)
    method = models.CharField(max_length=8)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "security_code"
        indexes = [models.Index(fields=["nhs_number", "created_at"], name="security_code_nhs_created")]


class OutboxMessage(models.Model):
    """A message the outbox notifier kept instead of sending (the default without GOV.UK Notify)."""

    created_at = models.DateTimeField()
    method = models.CharField(max_length=8)
    to = models.CharField(max_length=254)
    template = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    reference = models.CharField(max_length=64, blank=True)

    class Meta:
        db_table = "notification_outbox"
        indexes = [models.Index(fields=["to", "id"], name="notification_outbox_to")]
