"""Check service channels: organisations' API keys and limits, the MESH request ledger, and
checks whose cleaned file waits to be fetched (large API bodies, web uploads)."""

from django.db import models

from ndop.adapters.db.models.organisations import Organisation


class OrganisationApiKey(models.Model):
    """An API key: `key_id` is public (it names the key), only the secret's SHA-256 is stored."""

    key_id = models.CharField(max_length=8, primary_key=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="api_keys")
    key_hash = models.CharField(max_length=64)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "organisation_api_key"


class OrganisationCheckLimits(models.Model):
    """Per-organisation limits; an organisation without a row gets the defaults."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, primary_key=True)
    requests_per_minute = models.PositiveIntegerField()
    max_request_bytes = models.BigIntegerField()
    inline_bytes = models.BigIntegerField()

    class Meta:
        db_table = "organisation_check_limits"


class MeshRequest(models.Model):
    """One MESH request message and how far answering it has got. The MESH message id is the key,
    so a message seen again (a restarted worker, a second worker) is recognised."""

    message_id = models.CharField(max_length=100, primary_key=True)
    job_ref = models.CharField(max_length=32, unique=True)
    sender = models.CharField(max_length=20)
    organisation = models.CharField(max_length=10, blank=True)
    workflow_id = models.CharField(max_length=50)
    filename = models.CharField(max_length=255, blank=True)
    local_id = models.CharField(max_length=255, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    ack_sending_since = models.DateTimeField(null=True, blank=True)
    ack_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    check_job_id = models.CharField(max_length=64, blank=True)
    response_path = models.CharField(max_length=500, blank=True)
    response_sha256 = models.CharField(max_length=64, blank=True)
    rejected = models.BooleanField(default=False)
    rejection = models.CharField(max_length=40, blank=True)
    response_sending_since = models.DateTimeField(null=True, blank=True)
    response_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        db_table = "mesh_request"


class StoredCheck(models.Model):
    """A check whose cleaned file is kept for its organisation to fetch (API jobs, web uploads)."""

    id = models.CharField(max_length=32, primary_key=True)
    organisation = models.CharField(max_length=10, db_index=True)
    channel = models.CharField(max_length=8)
    requested_by = models.CharField(max_length=100)
    filename = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=4, blank=True)
    status = models.CharField(max_length=10)  # queued | running | done | failed
    check_job_id = models.CharField(max_length=64, blank=True)
    registry_version = models.BigIntegerField(null=True, blank=True)
    rows_in = models.BigIntegerField(default=0)
    rows_kept = models.BigIntegerField(default=0)
    rows_removed = models.BigIntegerField(default=0)
    rows_invalid = models.BigIntegerField(default=0)
    rejected = models.BooleanField(default=False)
    rejection = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=500, blank=True)
    report = models.TextField(blank=True)
    # A flow of GP data (issue 14): Type 1 objections removed too; those removed for Type 1 alone.
    gp_data = models.BooleanField(default=False, db_default=False)
    rows_removed_type1 = models.BigIntegerField(default=0, db_default=0)
    request_path = models.CharField(max_length=500, blank=True)
    result_path = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "stored_check"
