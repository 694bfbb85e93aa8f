"""The composition root: the one place that chooses adapters for the services' ports.

Entry points (web, cli) ask this module for a ready `Registry`, never for an adapter directly.
"""

from __future__ import annotations

import os

from ndop.domain.bulk_load import PopulationStore
from ndop.domain.clock import Clock
from ndop.domain.ports import Registry


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ndop.settings")
    import django

    django.setup()


def registry(clock: Clock | None = None) -> Registry:
    from ndop.adapters.db.registry import DjangoRegistry

    return DjangoRegistry(clock)


def migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)
    # The shared cache (rate limits) lives in a table that migrations do not manage.
    call_command("createcachetable", verbosity=verbosity)


def population_store() -> PopulationStore:
    """A bulk store for one population import (issue 2); used inside the registry's transaction."""
    from ndop.adapters.db.population import DjangoPopulationStore

    return DjangoPopulationStore()
