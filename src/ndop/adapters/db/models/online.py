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


class OnlineGuard(models.Model):
    """One row per NHS number that was tried online: the row lock that orders its requests, and the
    lock-out in force (ADR 0045). Keyed by an HMAC of the number, so the table lists no numbers."""

    key = models.CharField(max_length=64, primary_key=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    lock_reason = models.CharField(max_length=32, blank=True)
    noticed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "online_guard"


class OnlineFailure(models.Model):
    """A wrong security code or date of birth against a number, from a client (both keyed hashes)."""

    key = models.CharField(max_length=64)
    kind = models.CharField(max_length=8)
    client = models.CharField(max_length=32, blank=True)
    at = models.DateTimeField()

    class Meta:
        db_table = "online_failure"
        indexes = [models.Index(fields=["key", "at"], name="online_failure_key_at")]
