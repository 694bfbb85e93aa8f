"""The patient online service: hashed security codes and the notification outbox (issue 5)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ndop', '0005_check_channels'),
    ]

    operations = [
        migrations.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField()),
                ('method', models.CharField(max_length=8)),
                ('to', models.CharField(max_length=254)),
                ('template', models.CharField(max_length=40)),
                ('subject', models.CharField(max_length=200)),
                ('body', models.TextField()),
                ('reference', models.CharField(blank=True, max_length=64)),
            ],
            options={
                'db_table': 'notification_outbox',
                'indexes': [models.Index(fields=['to', 'id'], name='notification_outbox_to')],
            },
        ),
        migrations.CreateModel(
            name='SecurityCode',
            fields=[
                ('id', models.CharField(max_length=32, primary_key=True, serialize=False)),
                ('nhs_number', models.CharField(max_length=10)),
                ('method', models.CharField(max_length=8)),
                ('code_hash', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('tries', models.PositiveSmallIntegerField(default=0)),
                ('verified_at', models.DateTimeField(blank=True, null=True)),
                ('locked_until', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'db_table': 'security_code',
                'indexes': [models.Index(fields=['nhs_number', 'created_at'], name='security_code_nhs_created')],
            },
        ),
    ]
