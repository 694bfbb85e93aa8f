"""GP codes: the extracts imported, their opt-out codes, the Type 1 register, the Type 2 conversions."""

from django.db import models


class GpImport(models.Model):
    """One imported `gp_codes.csv`; the same content is refused a second time (its sha256 is unique)."""

    id = models.BigAutoField(primary_key=True)
    sha256 = models.CharField(max_length=64, unique=True)
    source = models.CharField(max_length=200)
    imported_at = models.DateTimeField()
    rows = models.BigIntegerField()
    kept = models.BigIntegerField()
    ignored = models.BigIntegerField()
    audit_sequence = models.BigIntegerField()

    class Meta:
        db_table = "gp_import"


class GpCode(models.Model):
    """An opt-out code from a GP extract, as recorded (under the number the practice used). Append-only."""

    id = models.BigAutoField(primary_key=True)
    gp_import = models.BigIntegerField()
    line = models.BigIntegerField()
    nhs_number = models.CharField(max_length=10)
    practice_code = models.CharField(max_length=8)
    code_system = models.CharField(max_length=8)
    code = models.CharField(max_length=20)
    meaning = models.CharField(max_length=16)
    recorded_on = models.DateField()

    class Meta:
        db_table = "gp_code"
        indexes = [models.Index(fields=["meaning", "nhs_number"], name="gp_code_meaning_number")]


class GpType1(models.Model):
    """The Type 1 register: each person (under their current number) with a Type 1 code, and their status
    by the latest code. Rebuilt from `gp_code` after each import."""

    nhs_number = models.CharField(max_length=10, primary_key=True)
    practice_code = models.CharField(max_length=8, db_index=True)
    objects_to_sharing = models.BooleanField()
    recorded_on = models.DateField()

    class Meta:
        db_table = "gp_type1"


class GpType2Conversion(models.Model):
    """A person's Type 2 code converted into a national data opt-out (the `T2` choice event `sequence`)."""

    nhs_number = models.CharField(max_length=10, primary_key=True)  # the person's current number
    practice_code = models.CharField(max_length=8, db_index=True)
    code = models.CharField(max_length=20)
    recorded_on = models.DateField()
    sequence = models.BigIntegerField()
    converted_at = models.DateTimeField()
    letter = models.CharField(max_length=32, blank=True)  # the letter id, "" when none was due

    class Meta:
        db_table = "gp_type2_conversion"
