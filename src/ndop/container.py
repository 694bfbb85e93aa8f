"""The composition root: the one place that chooses adapters for the services' ports.

Entry points (web, cli) ask this module for a ready `Registry`, never for an adapter directly.
"""

from __future__ import annotations

import os

from ndop.domain.clock import Clock
from ndop.domain.policy.register import PolicyRegisterUnit
from ndop.domain.ports import Notifier, Registry
from ndop.services.online_deps import OnlineDeps


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ndop.settings")
    import django

    django.setup()


def registry(clock: Clock | None = None) -> Registry:
    from ndop.adapters.db.registry import DjangoRegistry

    return DjangoRegistry(clock)


def policy_register(clock: Clock | None = None) -> PolicyRegisterUnit:
    """The register of organisations' data flows, with the audit trail, in one unit of work."""
    from ndop.adapters.db.policy_register import DjangoPolicyRegisterUnit

    return DjangoPolicyRegisterUnit(clock)


def migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)
    # The shared cache (rate limits) lives in a table that migrations do not manage.
    call_command("createcachetable", verbosity=verbosity)


def notifier(clock: Clock | None = None) -> Notifier:
    """GOV.UK Notify when NDOP_NOTIFY_API_KEY is set, otherwise the outbox table."""
    from django.conf import settings

    notify = settings.CONFIG.notify
    if notify is None:
        from ndop.adapters.db.patient_service import OutboxNotifier

        return OutboxNotifier(clock)
    from ndop.adapters.notify import NotifyNotifier
    from ndop.domain.notifications import ContactMethod, Template

    ids = {(ContactMethod(method), Template(template)): tid for (method, template), tid in notify.templates.items()}
    return NotifyNotifier.connect(notify.api_key, notify.base_url, ids)


def online(clock: Clock | None = None) -> OnlineDeps:
    """The patient online service's ports, wired."""
    import hashlib
    import hmac

    from django.conf import settings

    from ndop.adapters.db.patient_service import DjangoPatientFinder, DjangoSecurityCodeStore

    code_key = hmac.new(settings.SECRET_KEY.encode(), b"ndop security codes", hashlib.sha256).digest()
    return OnlineDeps(registry(clock), DjangoSecurityCodeStore(), DjangoPatientFinder(), notifier(clock), code_key)


def outbox_messages(limit: int = 50) -> list[object]:
    """The outbox's latest messages, for the development page (demo mode only)."""
    from ndop.adapters.db.patient_service import OutboxNotifier

    return list(OutboxNotifier().latest(limit))
