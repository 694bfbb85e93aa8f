"""The statistics publications made: what `/statistics/` lists and what `--if-changed` compares with."""

from django.db import models


class StatisticsPublication(models.Model):
    month = models.DateField()  # the first day of the report month
    label = models.CharField(max_length=8)  # Oct_2026
    published_at = models.DateTimeField()
    opt_out = models.BigIntegerField()
    list_size = models.BigIntegerField()
    deceased_opt_out = models.BigIntegerField()
    rate_hundredths = models.IntegerField(null=True)  # the England rate in hundredths of a percent
    directory = models.CharField(max_length=500)
    files = models.JSONField(default=list)
    summary = models.JSONField(default=dict)  # headline figures, chart alt text and the tables beside them

    class Meta:
        db_table = "statistics_publication"
        indexes = [models.Index(fields=["published_at"], name="statistics_publication_at")]
