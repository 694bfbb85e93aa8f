"""Typed configuration from the environment. Refuses default secrets outside development."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 - refused outside dev


class ConfigError(RuntimeError):
    pass


@dataclass(frozen=True)
class Config:
    env: str  # dev | test | production
    secret_key: str
    database_url: str
    var_dir: Path
    allowed_hosts: tuple[str, ...]
    # GOV.UK Notify (patient online service): off unless NDOP_NOTIFY_API_KEY is set.
    notify: NotifyConfig | None = None
    # Multiplies the patient service's per-client-address rate limits (benchmarks from one address).
    patient_rate_scale: int = 1
    # Audit checkpoints (ADR 41): the Ed25519 signing key, and the public key that verifies them.
    checkpoint_key: Path | None = None
    checkpoint_public_key: Path | None = None
    # Migrations run as the owner role; the service as the application role (ADR 42). "" = DATABASE_URL.
    migrate_database_url: str = ""

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def demo_mode(self) -> bool:
        """Demo pages (the notification outbox viewer) exist only outside production."""
        return self.env in ("dev", "test")


NOTIFY_TEMPLATE_VARIABLES = {
    ("sms", "security_code"): "NDOP_NOTIFY_TEMPLATE_SMS_CODE",
    ("email", "security_code"): "NDOP_NOTIFY_TEMPLATE_EMAIL_CODE",
    ("sms", "choice_confirmation"): "NDOP_NOTIFY_TEMPLATE_SMS_CONFIRMATION",
    ("email", "choice_confirmation"): "NDOP_NOTIFY_TEMPLATE_EMAIL_CONFIRMATION",
}


@dataclass(frozen=True)
class NotifyConfig:
    api_key: str
    base_url: str
    templates: dict[tuple[str, str], str]  # (method, template) -> Notify template id


def _notify(environ: os._Environ[str] | dict[str, str]) -> NotifyConfig | None:
    key = environ.get("NDOP_NOTIFY_API_KEY", "")
    if not key:
        return None
    missing = [name for name in NOTIFY_TEMPLATE_VARIABLES.values() if not environ.get(name)]
    if missing:
        raise ConfigError(f"NDOP_NOTIFY_API_KEY is set, so these must be too: {', '.join(missing)}")
    return NotifyConfig(
        api_key=key,
        base_url=environ.get("NDOP_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"),
        templates={pair: environ[name] for pair, name in NOTIFY_TEMPLATE_VARIABLES.items()},
    )


def load(environ: os._Environ[str] | dict[str, str] = os.environ) -> Config:
    env = environ.get("NDOP_ENV", "dev")
    if env not in ("dev", "test", "production"):
        raise ConfigError(f"NDOP_ENV must be dev, test or production, not {env!r}")
    var_dir = Path(environ.get("NDOP_VAR_DIR", Path.cwd() / "var")).resolve()
    secret = environ.get("NDOP_SECRET_KEY", "")
    if not secret:
        if env == "production":
            raise ConfigError("NDOP_SECRET_KEY must be set in production")
        secret = DEV_SECRET_KEY
    elif env == "production" and (secret == DEV_SECRET_KEY or len(secret) < 32):
        raise ConfigError("NDOP_SECRET_KEY must be a random value of at least 32 characters in production")
    database_url = environ.get("DATABASE_URL") or f"sqlite:///{var_dir / 'ndop.sqlite3'}"
    hosts = tuple(h.strip() for h in environ.get("NDOP_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h)
    try:
        rate_scale = int(environ.get("NDOP_PATIENT_RATE_SCALE", "1"))
    except ValueError:
        raise ConfigError("NDOP_PATIENT_RATE_SCALE must be a whole number") from None
    if rate_scale < 1 or (env == "production" and rate_scale != 1):
        raise ConfigError("NDOP_PATIENT_RATE_SCALE must be at least 1, and 1 in production")
    return Config(
        env=env, secret_key=secret, database_url=database_url, var_dir=var_dir, allowed_hosts=hosts,
        notify=_notify(environ), patient_rate_scale=rate_scale,
        checkpoint_key=_path(environ.get("NDOP_CHECKPOINT_KEY_FILE")),
        checkpoint_public_key=_path(environ.get("NDOP_CHECKPOINT_PUBLIC_KEY_FILE")),
        migrate_database_url=environ.get("NDOP_MIGRATE_DATABASE_URL", ""),
    )


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None
