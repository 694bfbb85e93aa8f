"""The monthly statistics publication, started by the workers' schedule (ADR 73)."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from ndop import container
from ndop.services.statistics.publish import monthly_publication


@task()
def publish_monthly() -> str:
    """This month's publication, if the publishing rule says so; the outcome in words (no figures: they
    are in the publication and its audit event). Safe to run again: `--if-changed` finds it published."""
    config = settings.CONFIG
    result = monthly_publication(container.statistics(), config.statistics_out,
                                 include_test_range=config.statistics_include_test_range)
    return "published" if result.published else f"not published: {result.reason}"
