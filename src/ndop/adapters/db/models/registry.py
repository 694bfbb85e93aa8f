"""The patient index, the choice events and the current-choice projection."""

from django.db import models


class Patient(models.Model):
    """Demographics, as PDS holds them. Not part of the choice history."""

    nhs_number = models.CharField(max_length=10, primary_key=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    gender = models.PositiveSmallIntegerField()
    postcode = models.CharField(max_length=8, blank=True, db_index=True)
    lsoa_code = models.CharField(max_length=9, blank=True)
    gp_practice_code = models.CharField(max_length=8, blank=True)
    mobile = models.CharField(max_length=20, blank=True)
    email = models.CharField(max_length=254, blank=True)
    date_of_death = models.DateField(null=True, blank=True)
    superseded_by = models.CharField(max_length=10, blank=True)
    sensitive = models.BooleanField(default=False)
    address_line_1 = models.CharField(max_length=100, blank=True, default="", db_default="")
    address_line_2 = models.CharField(max_length=100, blank=True, default="", db_default="")
    address_line_3 = models.CharField(max_length=100, blank=True, default="", db_default="")
    town = models.CharField(max_length=100, blank=True, default="", db_default="")

    class Meta:
        db_table = "patient"
        # The numbers a number replaced (a choice follows the person across them, ADR 44); few rows.
        # The staff portal's trace (family name + date of birth + postcode): a handful of rows per key.
        indexes = [
            # Covering (PostgreSQL): the snapshot's links come from the index alone, not from 54,000 heap pages
            # scattered over a 60M-row table (ADR 81); SQLite ignores `include`.
            models.Index(
                fields=["superseded_by"], name="patient_superseded_pair", condition=~models.Q(superseded_by=""),
                include=["nhs_number"],
            ),
            models.Index(fields=["date_of_birth", "postcode"], name="patient_trace"),
        ]


class ChoiceEvent(models.Model):
    """Append-only: the database refuses UPDATE and DELETE (see migration 0002).

    No foreign key to Patient: the history must outlive any change to the demographic record.
    """

    sequence = models.BigIntegerField(primary_key=True)
    nhs_number = models.CharField(max_length=10, db_index=True)
    choice = models.CharField(max_length=16)
    # When the person made the choice (the online submission, the call, the date the form was signed, the
    # date of a converted GP code); the latest made_at wins. recorded_at is when the registry wrote it.
    made_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    channel = models.CharField(max_length=4)
    proxy_role = models.CharField(max_length=8, blank=True)
    proxy_name = models.CharField(max_length=200, blank=True)
    proxy_evidence_type = models.CharField(max_length=100, blank=True)
    proxy_evidence_reference = models.CharField(max_length=100, blank=True)
    case_reference = models.CharField(max_length=40, blank=True)
    recorded_by = models.CharField(max_length=100)

    class Meta:
        db_table = "choice_event"


class CurrentChoice(models.Model):
    """Projection: the person's current event (latest made_at, then highest sequence), kept in step inside
    the same transaction."""

    nhs_number = models.CharField(max_length=10, primary_key=True)
    choice = models.CharField(max_length=16)
    sequence = models.BigIntegerField()
    made_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    channel = models.CharField(max_length=4)

    class Meta:
        db_table = "current_choice"
        indexes = [models.Index(fields=["choice"], name="current_choice_choice")]


class RegistryCounter(models.Model):
    """Named counters. `choice_sequence` is the registry version. Updating the row takes a row lock
    held to commit, so versions are handed out and made visible in order."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        db_table = "registry_counter"
