"""Per-number limits on the online identity check, in the database (ADR 0045)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ndop", "0010_trust_registry")]

    operations = [
        migrations.CreateModel(
            name="OnlineGuard",
            fields=[
                ("key", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("locked_until", models.DateTimeField(blank=True, null=True)),
                ("lock_reason", models.CharField(blank=True, max_length=32)),
                ("noticed_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={"db_table": "online_guard"},
        ),
        migrations.CreateModel(
            name="OnlineFailure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=64)),
                ("kind", models.CharField(max_length=8)),
                ("client", models.CharField(blank=True, max_length=32)),
                ("at", models.DateTimeField()),
            ],
            options={
                "db_table": "online_failure",
                "indexes": [models.Index(fields=["key", "at"], name="online_failure_key_at")],
            },
        ),
    ]
