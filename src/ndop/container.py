"""The composition root: the one place that chooses adapters for the services' ports.

Entry points (web, cli) ask this module for a ready `Registry`, never for an adapter directly.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only: a command imports just the parts it asks for (ADR 78)
    import numpy as np
    import numpy.typing as npt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ndop.adapters.mesh.client import MeshClientMailbox
    from ndop.adapters.mesh.config import MeshConfig
    from ndop.adapters.mesh.sandbox import SandboxServer
    from ndop.config import Config
    from ndop.domain.check.clients import CheckClients
    from ndop.domain.check.export import ExportedSnapshot
    from ndop.domain.check.mesh import MeshMailbox
    from ndop.domain.check.ports import CheckJobStore, CheckRunner, OptOutSource, SnapshotStore
    from ndop.domain.check.stored import StoredChecks
    from ndop.domain.common.clock import Clock
    from ndop.domain.common.jobs import JobLeases, ScheduleClaims
    from ndop.domain.contact_centre.ports import ContactCentre
    from ndop.domain.gp_codes.ports import GpCodes
    from ndop.domain.letters.letters import Letter
    from ndop.domain.letters.ports import LetterDispatcher, LetterRenderer
    from ndop.domain.notifications.ports import Notifier
    from ndop.domain.online.ports import NhsLoginProvider
    from ndop.domain.paper_forms.ports import PaperFormRenderer
    from ndop.domain.policy.register import PolicyRegisterUnit
    from ndop.domain.population.bulk_load import PopulationStore
    from ndop.domain.registry.integrity import HistoryReader
    from ndop.domain.registry.ports import Registry
    from ndop.domain.statistics.ports import PublicationRecords
    from ndop.services.check.mesh_worker import MeshWorker
    from ndop.services.check.run_check import CheckService  # the check engine (numba) loads only when a check is run
    from ndop.services.online.deps import OnlineDeps
    from ndop.services.online.view_own_history import OwnHistoryDeps
    from ndop.services.statistics.publish import StatisticsDeps

    LocalMesh = SandboxServer


def setup_django(*, check_only: bool = False) -> None:
    """Django, configured. `check_only`: the settings of a process that only runs `ndop check`, with just
    the apps a check needs (ADR 78); an explicit DJANGO_SETTINGS_MODULE, or Django already set up, wins."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ndop.settings_check" if check_only else "ndop.settings")
    import django

    django.setup()


def check_settings() -> ModuleType:
    """The settings `setup_django(check_only=True)` would give Django, imported without Django: the one
    validated configuration (a mistake raises `ConfigError`) and DATABASES (ADR 95)."""
    from importlib import import_module

    return import_module(os.environ.get("DJANGO_SETTINGS_MODULE", "ndop.settings_check"))


def registry(clock: Clock | None = None) -> Registry:
    from ndop.adapters.db.registry import DjangoRegistry

    return DjangoRegistry(clock)


def policy_register(clock: Clock | None = None) -> PolicyRegisterUnit:
    """The register of organisations' data flows, with the audit trail, in one unit of work."""
    from ndop.adapters.db.policy import DjangoPolicyRegisterUnit

    return DjangoPolicyRegisterUnit(clock)


def migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command
    from django.db import connections

    # With NDOP_MIGRATE_DATABASE_URL, migrations run as the owner role, which then grants the service's
    # role (DATABASE_URL's user) exactly what it needs (ADR 42).
    alias = "owner" if "owner" in connections.databases else "default"
    call_command("migrate", interactive=False, verbosity=verbosity, database=alias)
    # The shared cache (rate limits) lives in a table that migrations do not manage.
    call_command("createcachetable", verbosity=verbosity, database=alias)
    app_user = connections.databases["default"].get("USER") or ""
    owner = connections[alias]
    if alias == "owner" and owner.vendor == "postgresql" and app_user and app_user != owner.settings_dict.get("USER"):
        from ndop.adapters.db.roles import apply_app_role_grants

        with owner.cursor() as cursor:
            apply_app_role_grants(cursor, app_user)


class DatabaseUnreachable(Exception):
    """The configured database cannot be opened; the message is one line, without credentials."""


def connect_database() -> None:
    """Open the database connection now, so that a wrong DATABASE_URL is one clear line."""
    from django.db import OperationalError, connection

    try:
        connection.ensure_connection()
    except OperationalError as exc:
        # psycopg's message spans lines ("connection failed: ... FATAL: database "x" does not exist").
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        raise DatabaseUnreachable(" ".join(lines[-1].split()) if lines else type(exc).__name__) from None


def database_is_set_up() -> bool:
    """Every migration applied and the cache table there: what `migrate` leaves behind."""
    import pkgutil
    from importlib import import_module

    from django.apps import apps
    from django.conf import settings
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    connect_database()
    # The migration files' names against the applied ones, without importing every migration (Django's
    # loader would, at ~100 ms a command). No app squashes its migrations, so names are the whole story.
    on_disk = set()
    for app in apps.get_app_configs():
        module_name, _ = MigrationLoader.migrations_module(app.label)
        try:
            module = import_module(module_name) if module_name else None
        except ModuleNotFoundError:
            module = None
        if module is not None and hasattr(module, "__path__"):
            on_disk |= {(app.label, name) for _, name, is_pkg in pkgutil.iter_modules(module.__path__)
                        if not is_pkg and not name.startswith(("_", "~"))}
    if not on_disk <= set(MigrationRecorder(connection).applied_migrations()):
        return False
    cache_tables = {c["LOCATION"] for c in settings.CACHES.values() if c["BACKEND"].endswith("DatabaseCache")}
    return cache_tables <= set(connection.introspection.table_names())


def notifier(clock: Clock | None = None) -> Notifier:
    """GOV.UK Notify when NDOP_NOTIFY_API_KEY is set; otherwise, in development and tests only, the
    masked outbox with codes kept in memory (ADR 0046). Production refuses to start without Notify."""
    from django.conf import settings

    return notifier_for(settings.CONFIG, clock)


def notifier_for(config: Config, clock: Clock | None = None) -> Notifier:
    notify = config.notify
    if notify is None:
        from ndop.adapters.db.online import DevNotifier

        if not config.demo_mode:
            raise RuntimeError("no notifier: NDOP_NOTIFY_API_KEY must be set outside development")
        return DevNotifier(clock)
    from ndop.adapters.notify.client import NotifyNotifier
    from ndop.domain.notifications.messages import ContactMethod, Template

    ids = {(ContactMethod(method), Template(template)): tid for (method, template), tid in notify.templates.items()}
    return NotifyNotifier.connect(notify.api_key, notify.base_url, ids)


def online(clock: Clock | None = None) -> OnlineDeps:
    """The patient online service's ports, wired."""
    import hashlib
    import hmac

    from django.conf import settings

    from ndop.adapters.db.online import DjangoGuardStore, DjangoPatientFinder, DjangoSecurityCodeStore
    from ndop.services.online.deps import OnlineDeps

    code_key = hmac.new(settings.SECRET_KEY.encode(), b"ndop security codes", hashlib.sha256).digest()
    return OnlineDeps(registry(clock), DjangoSecurityCodeStore(), DjangoPatientFinder(), notifier(clock), code_key,
                      guards=DjangoGuardStore())


_nhs_login_clients: dict[tuple[str, str, str, bytes, str, str], NhsLoginProvider] = {}


def nhs_login() -> NhsLoginProvider | None:
    """The NHS login client when NDOP_NHS_LOGIN_CLIENT_ID is set (None: the service offers only the
    security code). One per configuration, so the provider's discovery document and keys are fetched once."""
    from django.conf import settings

    config = settings.CONFIG.nhs_login
    if config is None:
        return None
    key = (config.client_id, config.issuer, config.redirect_url, config.private_key_pem, config.vtr, config.scope)
    client = _nhs_login_clients.get(key)
    if client is None:
        from ndop.adapters.nhs_login.client import NhsLoginClient

        client = NhsLoginClient(config.client_id, config.issuer, config.private_key_pem, config.redirect_url,
                                config.vtr, config.scope)
        _nhs_login_clients.clear()  # only the current configuration's client is kept
        _nhs_login_clients[key] = client
    return client


def own_history(clock: Clock | None = None) -> OwnHistoryDeps:
    """What "Your choice history" reads: the registry and the staff views in the audit trail."""
    from ndop.adapters.db.history import DjangoStaffViewLog
    from ndop.services.online.view_own_history import OwnHistoryDeps

    return OwnHistoryDeps(registry(clock), DjangoStaffViewLog())


def outbox_messages(limit: int = 50) -> list[object]:
    """The outbox's latest messages, for the development page (demo mode only)."""
    from ndop.adapters.db.online import DevNotifier

    return list(DevNotifier().latest(limit))
# -- check service channels (MESH worker, API, web upload) ---------------------------------------


def check_clients() -> CheckClients:
    from ndop.adapters.db.check_channels import DjangoCheckClients

    return DjangoCheckClients()


def stored_checks() -> StoredChecks:
    from ndop.adapters.db.check_channels import DjangoStoredChecks

    return DjangoStoredChecks()


def var_dir() -> Path:
    from django.conf import settings

    return Path(settings.CONFIG.var_dir)


def mesh_config() -> MeshConfig:
    """The MESH settings, validated, read now: `ndop mesh-sandbox --worker` points them at itself."""
    from django.conf import settings

    from ndop.config import load_mesh

    return load_mesh(env=settings.CONFIG.env)


def local_mesh(mailboxes: dict[str, str], *, host: str = "127.0.0.1", port: int = 0) -> LocalMesh:
    """A started local MESH (mesh-sandbox on loopback) holding `mailboxes` (id -> name)."""
    from ndop.adapters.mesh.config import SANDBOX_SHARED_KEY
    from ndop.adapters.mesh.sandbox import SandboxServer

    return SandboxServer(mailboxes, host=host, port=port, shared_key=SANDBOX_SHARED_KEY).start()


def mesh_mailbox(config: MeshConfig | None = None, *, max_retries: int = 3) -> MeshClientMailbox:
    from ndop.adapters.mesh.client import MeshClientMailbox

    return MeshClientMailbox(config or mesh_config(), max_retries=max_retries)


def mesh_worker(
    mailbox: MeshMailbox, config: MeshConfig, *, checks: CheckRunner | None = None, clock: Clock | None = None,
    on_step: Callable[[str], None] | None = None, worker_id: str = "",
) -> MeshWorker:
    from ndop.adapters.db.check_channels import DjangoMeshLedger
    from ndop.services.check.mesh_worker import MeshWorker, WorkerSettings

    settings = WorkerSettings(
        spool_dir=var_dir() / "mesh" / config.mailbox,
        request_workflow=config.request_workflow,
        ack_workflow=config.ack_workflow,
        response_workflow=config.response_workflow,
        gp_data_workflow=config.gp_data_workflow,
        lease_s=config.lease_seconds,
        handshake_every=timedelta(hours=config.handshake_hours),
        poll_s=config.poll_seconds,
    )
    if worker_id:
        settings = replace(settings, worker_id=worker_id)
    return MeshWorker(
        mailbox=mailbox, ledger=DjangoMeshLedger(), registry=registry(clock), clients=check_clients(),
        checks=checks or check_service(), settings=settings, on_step=on_step,
    )


_check_service: CheckService | None = None
_check_service_lock = threading.Lock()


def check_job_store() -> CheckJobStore:
    from ndop.adapters.db.check import DjangoCheckJobStore

    return DjangoCheckJobStore()


def lean_check_service() -> CheckService | None:
    """`ndop check`'s service on a DB-API connection of its own, without Django (ADR 95), its snapshot
    already current; None when the check needs Django (a rebuild, a database to migrate, one that does not
    open, or Django already set up in this process, whose connection is then the one to use)."""
    import sys

    if "django.db" in sys.modules:
        return None
    from ndop.adapters.db.lean import LeanCheckJobs, LeanDatabase, LeanOptOutSource, LeanRegistry, NeedsDjango
    from ndop.services.check.run_check import CheckService
    from ndop.services.check.snapshot import SnapshotKeeper

    settings = check_settings()
    try:
        db = LeanDatabase.open(settings.DATABASES["default"])
        try:
            if not db.migrated():
                raise NeedsDjango("migrations to apply")
            keeper = SnapshotKeeper(LeanOptOutSource(db), _snapshot_store(settings))
            keeper.current()  # now, before any request is read: a rebuild is Django's
        except BaseException:
            db.close()
            raise
    except Exception:  # noqa: BLE001 - NeedsDjango, or the driver's error (a table missing): Django's path says it
        return None
    return CheckService(LeanRegistry(db), LeanCheckJobs(db), keeper)


def check_service() -> CheckService:
    """The process-wide check service. Its snapshot stays warm between checks (and, persisted under
    the var directory, between processes); cheap to call again."""
    global _check_service
    if _check_service is not None:
        return _check_service
    with _check_service_lock:  # threads asking at once must share one keeper (and one snapshot file writer)
        if _check_service is None:
            from ndop.adapters.db.check import DjangoCheckJobStore, DjangoOptOutSource
            from ndop.services.check.run_check import CheckService
            from ndop.services.check.snapshot import SnapshotKeeper

            store = snapshot_store()
            keeper = SnapshotKeeper(DjangoOptOutSource(), store)
            _check_service = CheckService(registry(), DjangoCheckJobStore(), keeper, type1=_Type1OnDemand())
        return _check_service


class _Type1OnDemand:
    """`Type1Source`: the GP codes adapter (and the staff adapter it imports) loads only for a check of GP
    data, not for every check (ADR 78)."""

    def type1_keys(self) -> npt.NDArray[np.int64]:
        from ndop.adapters.db.gp_codes import DjangoType1Source

        return DjangoType1Source().type1_keys()


def job_leases() -> JobLeases:
    """Leases on running background jobs, and the list of jobs (ADR 38)."""
    from ndop.adapters.db.jobs import DjangoJobLeases

    return DjangoJobLeases()


def schedule_claims() -> ScheduleClaims:
    """Which worker started each scheduled job in each period (ADR 73)."""
    from ndop.adapters.db.jobs import DjangoScheduleClaims

    return DjangoScheduleClaims()


def snapshot_store() -> SnapshotStore:
    """The persisted opt-out snapshots, MAC'd with a key derived from the configured secret (ADR 43)."""
    from django.conf import settings

    return _snapshot_store(settings)


def _snapshot_store(settings: object) -> SnapshotStore:
    from ndop.adapters.files.snapshots import FileSnapshotStore, snapshot_key

    return FileSnapshotStore(Path(settings.CONFIG.var_dir) / "snapshots",  # type: ignore[attr-defined]
                             snapshot_key(settings.SECRET_KEY))  # type: ignore[attr-defined]


def history_reader() -> HistoryReader:
    from ndop.adapters.db.integrity import DjangoHistoryReader

    return DjangoHistoryReader()


def opt_out_source() -> OptOutSource:
    from ndop.adapters.db.check import DjangoOptOutSource

    return DjangoOptOutSource()


def population_store() -> PopulationStore:
    """A bulk store for one population import (issue 2); used inside the registry's transaction."""
    from ndop.adapters.db.population import DjangoPopulationStore

    return DjangoPopulationStore()


# -- GP codes (issue 14) -------------------------------------------------------------------------


def gp_codes(clock: Clock | None = None) -> GpCodes:
    """The registry's unit of work with the GP codes (Type 1 register, Type 2 conversions) and the letters."""
    from ndop.adapters.db.gp_codes import DjangoGpCodes

    return DjangoGpCodes(clock)


def type1_keys() -> npt.NDArray[np.uint32]:
    """The bitmap keys of every number of every person with a current Type 1 objection (for GP data)."""
    import numpy

    from ndop.adapters.db.gp_codes import DjangoType1Source

    return DjangoType1Source().type1_keys().astype(numpy.uint32)


# -- contact centre and letters (issue 13) -------------------------------------------------------


def contact_centre(clock: Clock | None = None) -> ContactCentre:
    """The registry's unit of work with staff accounts, cases and letters."""
    from ndop.adapters.db.staff import DjangoContactCentre

    return DjangoContactCentre(clock)  # type: ignore[return-value]


def letter_renderer() -> LetterRenderer:
    from ndop.adapters.letters.pdf import ReportlabLetterRenderer

    return ReportlabLetterRenderer()


def paper_form_renderer() -> PaperFormRenderer:
    from ndop.adapters.paper_forms.pdf import WeasyPrintFormRenderer

    return WeasyPrintFormRenderer()


def letters_dir() -> Path:
    return var_dir() / "letters"


def letter_dispatcher() -> LetterDispatcher:
    """GOV.UK Notify's precompiled letters when NDOP_NOTIFY_API_KEY is set, otherwise the outbox on disk."""
    from django.conf import settings

    notify = settings.CONFIG.notify
    if notify is None:
        from ndop.adapters.letters.dispatch import OutboxDispatcher

        return OutboxDispatcher(letters_dir())
    from ndop.adapters.letters.dispatch import NotifyLetterDispatcher

    return NotifyLetterDispatcher.connect(letters_dir(), notify.api_key, notify.base_url)


def send_letters(clock: Clock | None = None, limit: int = 500, *, case_reference: str = "") -> int:
    """Render and send the pending letters, up to `limit` (after the cases that queued them committed); only one
    case's with `case_reference` (the portal, after an action on that case)."""
    from ndop.services.staff.letters import send_pending_letters

    return send_pending_letters(contact_centre(clock).letters, letter_renderer(), letter_dispatcher(), limit=limit,
                                case_reference=case_reference)


def print_run(letters: list[Letter], title: str) -> bytes:
    from ndop.adapters.letters.pdf import render_print_run

    return render_print_run(letters, title)


def totp_code(secret_b32: str) -> str:
    """The current TOTP code for a secret (the demo and the tests)."""
    from ndop.adapters.db.staff import totp_now

    return totp_now(secret_b32)
def statistics(clock: Clock | None = None) -> StatisticsDeps:
    """The statistics publication: the registry streamed into columns, the record, the file writers."""
    from ndop.adapters.db.statistics import DjangoPublicationRecords, DjangoRegistryColumns
    from ndop.adapters.publication.writer import FilePublicationWriter
    from ndop.domain.common.clock import SystemClock
    from ndop.services.statistics.publish import StatisticsDeps

    clock = clock or SystemClock()
    return StatisticsDeps(DjangoRegistryColumns(), DjangoPublicationRecords(clock), FilePublicationWriter(), clock)


def publication_records() -> PublicationRecords:
    from ndop.adapters.db.statistics import DjangoPublicationRecords

    return DjangoPublicationRecords()
# -- exported snapshots for data platforms (Spark) ------------------------------------------------


def snapshot_signing_key_path() -> Path:
    """NDOP_SNAPSHOT_SIGNING_KEY, or (outside production) a key pair kept under the var directory."""
    configured = os.environ.get("NDOP_SNAPSHOT_SIGNING_KEY", "")
    return Path(configured) if configured else var_dir() / "keys" / "snapshot-signing.pem"


def snapshot_signing_key() -> Ed25519PrivateKey:
    from django.conf import settings

    from ndop.adapters.files.snapshot_export import load_or_create_signing_key

    production = settings.CONFIG.is_production
    return load_or_create_signing_key(snapshot_signing_key_path(), create=not production)


def snapshot_export_writer(path: Path) -> Callable[[ExportedSnapshot], int]:
    from ndop.adapters.files.snapshot_export import write_export

    key = snapshot_signing_key()
    return lambda snapshot: write_export(path, snapshot, key)
