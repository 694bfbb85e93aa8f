"""The composition root: the one place that chooses adapters for the services' ports.

Entry points (web, cli) ask this module for a ready `Registry`, never for an adapter directly.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ndop.domain.clock import Clock
from ndop.domain.ports import Registry

if TYPE_CHECKING:  # the check engine (numba) loads only when a check is run
    from ndop.services.run_check import CheckService


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


_check_service: CheckService | None = None


def check_service() -> CheckService:
    """The process-wide check service. Its snapshot stays warm between checks (and, persisted under
    the var directory, between processes); cheap to call again."""
    global _check_service
    if _check_service is None:
        from ndop.adapters.db.checks import DjangoCheckJobStore, DjangoOptOutSource
        from ndop.adapters.snapshot_files import FileSnapshotStore
        from ndop.config import load
        from ndop.services.check_snapshot import SnapshotKeeper
        from ndop.services.run_check import CheckService

        store = FileSnapshotStore(load().var_dir / "snapshots")
        keeper = SnapshotKeeper(DjangoOptOutSource(), store)
        _check_service = CheckService(registry(), DjangoCheckJobStore(), keeper)
    return _check_service
