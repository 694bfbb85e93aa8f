"""The one validated configuration, from the environment (pydantic-settings; ADR 35).

Every setting is typed and checked when a process starts. A mistake becomes one `ConfigError` whose
message names the environment variable and says what is wrong, never the value (it may be a secret).
Production refuses what is only safe on a laptop: a missing, default or guessable secret key, the MESH
sandbox's password or shared key, MESH or GOV.UK Notify over plain HTTP.
"""

from __future__ import annotations

import ipaddress
import math
import os
import zlib
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import Field, PositiveFloat, PositiveInt, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

from ndop.domain.check.mesh import GP_DATA_WORKFLOW, REGISTRY_MAILBOX, REQUEST_WORKFLOW

PACKAGE_DIR = Path(__file__).resolve().parent
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 - refused in production
# A secret key must carry at least this much entropy (bits, estimated from its characters) in production.
SECRET_KEY_MIN_BITS = 128
SECRET_KEY_MIN_LENGTH = 32
_ZLIB_FRAME_BYTES = 8  # zlib's header and checksum, which carry no entropy

# The local MESH sandbox (`ndop mesh-sandbox`, tests, the demo). Production refuses these.
SANDBOX_PORT = 8700
# mesh-client's own default shared key, so a newcomer's `MeshClient(url, mailbox, password)` just works.
SANDBOX_SHARED_KEY = "BackBone"
SANDBOX_PASSWORD = "password"  # noqa: S105 - the local sandbox's fixed mailbox password, refused in production


class ConfigError(RuntimeError):
    """A configuration mistake; the message is one line that names the setting."""


class Environment(StrEnum):
    DEV = "dev"
    TEST = "test"
    PRODUCTION = "production"


# -- reading a given mapping (os.environ, or a test's dict) -------------------------------------

_environ: ContextVar[Mapping[str, str]] = ContextVar("ndop_config_environ")


class _MappingSource(EnvSettingsSource):
    """pydantic-settings' environment source, over the mapping `load` was given instead of os.environ."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(_environ.get(os.environ), self.case_sensitive, self.env_ignore_empty,
                              self.env_parse_none_str)


class _FromEnvironment(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_ignore_empty=True)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what `load` was given: no .env file, no secrets directory.
        return init_settings, _MappingSource(settings_cls)


# -- the settings --------------------------------------------------------------------------------


class MeshSettings(_FromEnvironment):
    """`NDOP_MESH_*`: the check service's MESH mailbox. Defaults suit the local sandbox."""

    model_config = SettingsConfigDict(env_prefix="NDOP_MESH_")

    url: str = f"http://127.0.0.1:{SANDBOX_PORT}"
    mailbox: str = REGISTRY_MAILBOX
    password: SecretStr = SecretStr(SANDBOX_PASSWORD)
    shared_key: SecretStr = SecretStr(SANDBOX_SHARED_KEY)
    cert: str = ""  # client certificate (PEM) for mutual TLS
    key: str = ""  # its private key
    ca: str = ""  # CA bundle to verify MESH's certificate
    request_workflow: str = REQUEST_WORKFLOW
    ack_workflow: str = REQUEST_WORKFLOW
    response_workflow: str = REQUEST_WORKFLOW
    gp_data_workflow: str = GP_DATA_WORKFLOW  # requests (and their replies) for flows of GP data: Type 1 applied
    max_chunk_bytes: PositiveInt = 75 * 1024 * 1024
    poll_seconds: PositiveFloat = 30.0
    handshake_hours: PositiveFloat = 24.0
    lease_seconds: PositiveFloat = 600.0

    @field_validator("mailbox")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")


NOTIFY_TEMPLATE_VARIABLES = {
    ("sms", "security_code"): "NDOP_NOTIFY_TEMPLATE_SMS_CODE",
    ("email", "security_code"): "NDOP_NOTIFY_TEMPLATE_EMAIL_CODE",
    ("sms", "choice_confirmation"): "NDOP_NOTIFY_TEMPLATE_SMS_CONFIRMATION",
    ("email", "choice_confirmation"): "NDOP_NOTIFY_TEMPLATE_EMAIL_CONFIRMATION",
    ("sms", "locked_notice"): "NDOP_NOTIFY_TEMPLATE_SMS_LOCKED",
    ("email", "locked_notice"): "NDOP_NOTIFY_TEMPLATE_EMAIL_LOCKED",
}


class NotifySettings(_FromEnvironment):
    """`NDOP_NOTIFY_*`: GOV.UK Notify for the patient online service; off unless the API key is set."""

    model_config = SettingsConfigDict(env_prefix="NDOP_NOTIFY_")

    api_key: SecretStr = SecretStr("")
    base_url: str = "https://api.notifications.service.gov.uk"
    template_sms_code: str = ""
    template_email_code: str = ""
    template_sms_confirmation: str = ""
    template_email_confirmation: str = ""
    template_sms_locked: str = ""
    template_email_locked: str = ""


@dataclass(frozen=True)
class NotifyConfig:
    api_key: str
    base_url: str
    templates: dict[tuple[str, str], str]  # (method, template) -> Notify template id


class NhsLoginEnvironment(StrEnum):
    """NHS login's environments (its interface specification, "Environments"); `local` is any other issuer
    (the tests' provider on loopback), given by NDOP_NHS_LOGIN_ISSUER."""

    SANDPIT = "sandpit"
    INTEGRATION = "integration"
    LIVE = "live"
    LOCAL = "local"


NHS_LOGIN_ISSUERS = {
    NhsLoginEnvironment.SANDPIT: "https://auth.sandpit.signin.nhs.uk",
    NhsLoginEnvironment.INTEGRATION: "https://auth.aos.signin.nhs.uk",
    NhsLoginEnvironment.LIVE: "https://auth.login.nhs.uk",
}
# High-level verification (P9) with any of the authentication strengths NHS login offers with it.
NHS_LOGIN_VTR = '["P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"]'


class NhsLoginSettings(_FromEnvironment):
    """`NDOP_NHS_LOGIN_*`: "Continue with NHS login" on the patient service; off unless the client id is set."""

    model_config = SettingsConfigDict(env_prefix="NDOP_NHS_LOGIN_")

    client_id: str = ""
    environment: NhsLoginEnvironment = NhsLoginEnvironment.SANDPIT
    issuer: str = ""  # only with environment `local`; otherwise the environment's own
    private_key_file: Path | None = None  # the client's private key (PEM, RSA or EC) for private_key_jwt
    redirect_url: str = ""  # the callback registered with NHS login: https://HOST/your-data-matters/nhs-login/callback
    vtr: str = NHS_LOGIN_VTR
    scope: str = "openid profile"

    @field_validator("issuer", "redirect_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")


@dataclass(frozen=True)
class NhsLoginConfig:
    client_id: str
    issuer: str
    private_key_pem: bytes = field(repr=False)
    redirect_url: str
    vtr: str
    scope: str


class Config(_FromEnvironment):
    """The process's configuration: `ndop.settings.CONFIG`."""

    model_config = SettingsConfigDict(env_prefix="NDOP_", populate_by_name=True)

    env: Environment = Environment.DEV
    secret_key: SecretStr = SecretStr("")
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    var_dir: Path = Field(default_factory=lambda: Path.cwd() / "var")
    # Where the monthly statistics job publishes (OUT/Mon_YYYY); empty: VAR_DIR/statistics.
    statistics_dir: Path | None = None
    # The monthly job counts the test range (9...): synthetic populations live there. Never in production.
    statistics_include_test_range: bool = False
    # PostgreSQL connections the statistics read the registry with at once, in one snapshot, so that the
    # server's side of the read runs on as many cores (ADR 86). Empty: the CPUs this process may use, at
    # most 8; more readers than cores only queue.
    read_connections: Annotated[int, Field(ge=1, le=64)] | None = None
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ("127.0.0.1", "localhost")
    # Multiplies the patient service's per-client-address rate limits (benchmarks from one address).
    patient_rate_scale: PositiveInt = 1
    # Built by `load` from their own prefixes, not read from NDOP_MESH / NDOP_NOTIFY themselves.
    mesh: MeshSettings = Field(default_factory=MeshSettings.model_construct, exclude=True)
    notify: NotifyConfig | None = Field(default=None, exclude=True)
    nhs_login: NhsLoginConfig | None = Field(default=None, exclude=True)
    # Audit checkpoints (ADR 41): the Ed25519 signing key, and the public key that verifies them.
    checkpoint_key: Path | None = Field(default=None, validation_alias="NDOP_CHECKPOINT_KEY_FILE")
    checkpoint_public_key: Path | None = Field(default=None, validation_alias="NDOP_CHECKPOINT_PUBLIC_KEY_FILE")
    # Migrations run as the owner role; the service as the application role (ADR 42). "" = DATABASE_URL.
    migrate_database_url: str = Field(default="", validation_alias="NDOP_MIGRATE_DATABASE_URL")
    # Reverse proxies whose X-Forwarded-For is believed (NDOP_TRUSTED_PROXIES, addresses or CIDRs; ADR 47).
    trusted_proxies: Annotated[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...], NoDecode] = ()

    DATABASE_SCHEMES: ClassVar[tuple[str, ...]] = ("sqlite", "postgres", "postgresql", "pgsql")

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        # A comma-separated list, as the README has always said (not JSON).
        if isinstance(value, str):
            return tuple(h.strip() for h in value.split(",") if h.strip())
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                parts = [part.strip() for part in value.split(",") if part.strip()]
                return tuple(ipaddress.ip_network(part, strict=False) for part in parts)
            except ValueError:
                raise ValueError("must be IP addresses or networks (CIDR), separated by commas") from None
        return value

    @field_validator("var_dir")
    @classmethod
    def _resolve(cls, value: Path) -> Path:
        return value.resolve()

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str) -> str:
        if value and value.split("://", 1)[0] not in cls.DATABASE_SCHEMES:
            raise ValueError("must be sqlite:///PATH or postgres://USER@HOST:PORT/NAME")
        return value

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def demo_mode(self) -> bool:
        """Demo pages (the notification outbox viewer) exist only outside production."""
        return self.env in (Environment.DEV, Environment.TEST)

    @property
    def statistics_out(self) -> Path:
        return self.statistics_dir or self.var_dir / "statistics"

    @property
    def read_connection_count(self) -> int:
        return self.read_connections or min(8, len(os.sched_getaffinity(0)))

    def replace(self, **changes: Any) -> Config:
        """A copy with some settings changed (tests)."""
        return self.model_copy(update=changes)


# -- loading -------------------------------------------------------------------------------------


def _env_name(model: type[BaseSettings], field: str) -> str:
    aliases = {info.validation_alias for info in model.model_fields.values() if isinstance(info.validation_alias, str)}
    if field in aliases:
        return field
    return f"{model.model_config.get('env_prefix', '')}{field}".upper()


def _sentence(message: str) -> str:
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


@contextmanager
def _reading(environ: Mapping[str, str]) -> Iterator[None]:
    token = _environ.set(environ)
    try:
        yield
    except ValidationError as exc:
        model = exc.title
        cls = {c.__name__: c for c in (Config, MeshSettings, NotifySettings, NhsLoginSettings)}[model]
        problems = [f"{_env_name(cls, str(e['loc'][0]))}: {_sentence(e['msg'])}"
                    for e in exc.errors(include_input=False)]
        # Never the value: it may be a secret.
        raise ConfigError("; ".join(problems)) from None
    finally:
        _environ.reset(token)


def secret_bits(secret: str) -> float:
    """A conservative estimate of a key's entropy in bits: the smaller of the characters' Shannon entropy
    times the length (catches `aaaa…`) and the deflate-compressed size (catches `abcdabcd…`)."""
    counts = Counter(secret)
    shannon = -sum(n * math.log2(n / len(secret)) for n in counts.values())
    compressed = (len(zlib.compress(secret.encode(), 9)) - _ZLIB_FRAME_BYTES) * 8
    return min(shannon, compressed)


def _secret_key(config: Config) -> SecretStr:
    secret = config.secret_key.get_secret_value()
    if not config.is_production:
        return config.secret_key if secret else SecretStr(DEV_SECRET_KEY)
    if not secret:
        raise ConfigError("NDOP_SECRET_KEY must be set in production")
    if secret == DEV_SECRET_KEY:
        raise ConfigError("NDOP_SECRET_KEY is the development key: set a random one in production")
    if len(secret) < SECRET_KEY_MIN_LENGTH or secret_bits(secret) < SECRET_KEY_MIN_BITS:
        raise ConfigError(
            f"NDOP_SECRET_KEY is too short or too predictable for production (at least {SECRET_KEY_MIN_LENGTH}"
            f" random characters, {SECRET_KEY_MIN_BITS} bits): make one with "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return config.secret_key


def _check_mesh(mesh: MeshSettings, env: Environment) -> MeshSettings:
    if bool(mesh.cert) != bool(mesh.key):
        raise ConfigError("NDOP_MESH_CERT and NDOP_MESH_KEY go together: set both or neither")
    if env is not Environment.PRODUCTION:
        return mesh
    if not mesh.url.startswith("https://"):
        raise ConfigError("NDOP_MESH_URL must be an https:// URL in production (plain HTTP is for the sandbox)")
    if mesh.password.get_secret_value() == SANDBOX_PASSWORD:
        raise ConfigError("NDOP_MESH_PASSWORD is the sandbox's password: set the mailbox's own in production")
    if mesh.shared_key.get_secret_value() == SANDBOX_SHARED_KEY:
        raise ConfigError("NDOP_MESH_SHARED_KEY is the sandbox's shared key: set the environment's own in production")
    return mesh


def _notify(settings: NotifySettings, env: Environment) -> NotifyConfig | None:
    key = settings.api_key.get_secret_value()
    if not key:
        return None
    templates = {
        pair: getattr(settings, name.removeprefix("NDOP_NOTIFY_").lower())
        for pair, name in NOTIFY_TEMPLATE_VARIABLES.items()
    }
    missing = [NOTIFY_TEMPLATE_VARIABLES[pair] for pair, value in templates.items() if not value]
    if missing:
        raise ConfigError(f"NDOP_NOTIFY_API_KEY is set, so these must be too: {', '.join(missing)}")
    if env is Environment.PRODUCTION and not settings.base_url.startswith("https://"):
        raise ConfigError("NDOP_NOTIFY_BASE_URL must be an https:// URL in production")
    return NotifyConfig(api_key=key, base_url=settings.base_url, templates=templates)


def _nhs_login(settings: NhsLoginSettings, env: Environment) -> NhsLoginConfig | None:
    if not settings.client_id:
        return None
    production = env is Environment.PRODUCTION
    if settings.environment is NhsLoginEnvironment.LOCAL:
        if not settings.issuer:
            raise ConfigError("NDOP_NHS_LOGIN_ISSUER must be set when NDOP_NHS_LOGIN_ENVIRONMENT is local")
        if production:
            raise ConfigError("NDOP_NHS_LOGIN_ENVIRONMENT must be live or integration in production, not local")
        issuer = settings.issuer
    else:
        if settings.issuer:
            raise ConfigError("NDOP_NHS_LOGIN_ISSUER is only for NDOP_NHS_LOGIN_ENVIRONMENT=local")
        issuer = NHS_LOGIN_ISSUERS[settings.environment]
    if production and settings.environment is NhsLoginEnvironment.SANDPIT:
        raise ConfigError("NDOP_NHS_LOGIN_ENVIRONMENT must be live or integration in production, not sandpit")
    if not settings.redirect_url:
        raise ConfigError("NDOP_NHS_LOGIN_REDIRECT_URL must be set when NDOP_NHS_LOGIN_CLIENT_ID is")
    if production and not settings.redirect_url.startswith("https://"):
        raise ConfigError("NDOP_NHS_LOGIN_REDIRECT_URL must be an https:// URL in production")
    if '"P9' not in settings.vtr and production:
        raise ConfigError("NDOP_NHS_LOGIN_VTR must ask for P9 in production")
    if settings.private_key_file is None:
        raise ConfigError("NDOP_NHS_LOGIN_PRIVATE_KEY_FILE must be set when NDOP_NHS_LOGIN_CLIENT_ID is")
    try:
        pem = settings.private_key_file.read_bytes()
    except OSError:
        raise ConfigError("NDOP_NHS_LOGIN_PRIVATE_KEY_FILE cannot be read") from None
    if b"PRIVATE KEY-----" not in pem:
        raise ConfigError("NDOP_NHS_LOGIN_PRIVATE_KEY_FILE must hold a PEM private key (RSA or EC)")
    return NhsLoginConfig(settings.client_id, issuer, pem, settings.redirect_url, settings.vtr, settings.scope)


def load_mesh(environ: Mapping[str, str] = os.environ, env: Environment | None = None) -> MeshSettings:
    """The MESH settings alone, read now (`ndop mesh-sandbox --worker` sets NDOP_MESH_URL after start-up)."""
    with _reading(environ):
        if env is None:
            env = Config().env
        return _check_mesh(MeshSettings(), env)


def load(environ: Mapping[str, str] = os.environ) -> Config:
    """Read and check every setting; raise `ConfigError` (one line) on the first kind of mistake."""
    with _reading(environ):
        config = Config()
        mesh_settings, notify_settings = MeshSettings(), NotifySettings()
        nhs_login_settings = NhsLoginSettings()
    secret = _secret_key(config)
    mesh = _check_mesh(mesh_settings, config.env)
    notify = _notify(notify_settings, config.env)
    nhs_login = _nhs_login(nhs_login_settings, config.env)
    if config.patient_rate_scale != 1 and config.is_production:
        raise ConfigError("NDOP_PATIENT_RATE_SCALE must be 1 in production")
    if config.statistics_include_test_range and config.is_production:
        raise ConfigError("NDOP_STATISTICS_INCLUDE_TEST_RANGE must be off in production: test numbers are no one")
    if config.is_production and notify is None:
        raise ConfigError("NDOP_NOTIFY_API_KEY must be set in production: security codes need a real notifier")
    database_url = config.database_url or f"sqlite:///{config.var_dir / 'ndop.sqlite3'}"
    return config.replace(secret_key=secret, database_url=database_url, mesh=mesh, notify=notify,
                          nhs_login=nhs_login)
