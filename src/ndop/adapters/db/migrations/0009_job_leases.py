"""Leases on running background jobs, so that a job whose worker died goes back in the queue (ADR 38)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ndop', '0008_population_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='JobLease',
            fields=[
                ('task_id', models.UUIDField(primary_key=True, serialize=False)),
                ('worker_id', models.CharField(db_index=True, max_length=64)),
                ('expires_at', models.DateTimeField(db_index=True)),
            ],
            options={
                'db_table': 'job_lease',
            },
        ),
    ]
