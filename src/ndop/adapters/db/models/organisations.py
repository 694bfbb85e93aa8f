from django.db import models


class Organisation(models.Model):
    """A health or care organisation that checks opt-outs, identified by its ODS code."""

    ods_code = models.CharField(max_length=10, primary_key=True)
    name = models.CharField(max_length=200)
    mesh_mailbox = models.CharField(max_length=20, blank=True, db_index=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "organisation"
