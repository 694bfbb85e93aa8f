"""Staff accounts, contact-centre cases and letters."""

from django.conf import settings
from django.db import models


class StaffAccount(models.Model):
    """A contact-centre staff member: a Django auth user (password hashing, sessions) with roles.
    The second factor is a django-otp TOTP device on the same user; recovery codes are below, hashed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_account")
    display_name = models.CharField(max_length=100)
    roles = models.CharField(max_length=40)  # comma-separated StaffRole values, sorted
    failed_sign_ins = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "staff_account"


class StaffRecoveryCode(models.Model):
    """One-use recovery codes, stored as sha256 (they are random, so no salt is needed)."""

    account = models.ForeignKey(StaffAccount, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "staff_recovery_code"


class ContactCase(models.Model):
    """A choice received by phone or post. Its status changes; every change is in the audit trail."""

    reference = models.CharField(max_length=12, unique=True, null=True)  # CC-000001 / PP-000001, set on insert
    channel = models.CharField(max_length=4)
    status = models.CharField(max_length=20, db_index=True)
    acting_for = models.CharField(max_length=20)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=100)
    nhs_number = models.CharField(max_length=10, blank=True, db_index=True)
    choice = models.CharField(max_length=16, blank=True)
    made_at = models.DateTimeField(null=True)
    nic_reference = models.CharField(max_length=40, blank=True)
    identity_confirmed = models.JSONField(default=list)
    received_on = models.DateField(null=True, db_index=True)
    scanned_reference = models.CharField(max_length=40, blank=True)
    submitted_by = models.CharField(max_length=200, blank=True)
    stated = models.JSONField(null=True)  # the person's details as written on a postal form
    proxy = models.JSONField(null=True)  # role, name, relationship, address, evidence
    note = models.TextField(blank=True)
    decided_by = models.CharField(max_length=100, blank=True)
    decided_at = models.DateTimeField(null=True)
    decision_reason = models.CharField(max_length=40, blank=True)
    decision_note = models.TextField(blank=True)
    event_sequence = models.BigIntegerField(null=True)

    class Meta:
        db_table = "contact_case"


class Letter(models.Model):
    """A letter: written pending with its case, then rendered to the outbox or sent to GOV.UK Notify."""

    id = models.CharField(max_length=32, primary_key=True)
    kind = models.CharField(max_length=30)
    nhs_number = models.CharField(max_length=10, blank=True, db_index=True)
    case_reference = models.CharField(max_length=12, blank=True, db_index=True)
    created_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=12, db_index=True)
    recipient = models.JSONField()
    about_name = models.CharField(max_length=200)
    reference = models.CharField(max_length=40)
    choice = models.CharField(max_length=16, blank=True)
    made_on = models.DateField(null=True)
    reason = models.CharField(max_length=200, blank=True)
    by_proxy = models.BooleanField(default=False)
    path = models.CharField(max_length=500, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)

    class Meta:
        db_table = "letter"
