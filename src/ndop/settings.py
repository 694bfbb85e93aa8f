"""Django settings, built from the typed configuration in `ndop.config`."""

from __future__ import annotations

from typing import Any

import dj_database_url

from ndop import config as _config
from ndop.adapters.files.private import make_private

CONFIG = _config.load()
make_private(CONFIG.var_dir)  # 0600 files in 0700 directories, now and later (ADR 0048)

SECRET_KEY = CONFIG.secret_key.get_secret_value()
DEBUG = False  # Never: error pages could show patient data. Development uses the same error pages.
ALLOWED_HOSTS = list(CONFIG.allowed_hosts) + (["testserver"] if not CONFIG.is_production else [])

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "ninja",  # serves the Swagger UI assets itself, not from a CDN (our CSP allows only self)
    "ndop.adapters.db",
    # Background jobs (ADR 37): the Tasks API, and its backend that keeps the queue in our own database.
    "django_tasks",
    "django_tasks_db",
    # Staff two-factor sign-in: TOTP devices (django-otp), see adapters/db/staff.py and ADR 0052.
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "ndop.web.kit.http.HttpMethodsMiddleware",  # HEAD wherever GET; 405 in the API's envelope
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ndop.web.kit.hardening.RequestHardeningMiddleware",  # 411 for chunked bodies; no-store (ADR 0048)
    "ndop.web.kit.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ndop.web.urls"
WSGI_APPLICATION = "ndop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "ndop.web.kit.jinja.environment"},
    },
    {
        # Only for third-party pages that ship Django templates (the API docs).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    },
]

_db = dj_database_url.parse(CONFIG.database_url, conn_max_age=60)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at BEGIN so
    # that two writers queue instead of failing half way with "database is locked".
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    _db["CONN_MAX_AGE"] = 0
    _db["TEST"] = {"NAME": str(CONFIG.var_dir / "test-ndop.sqlite3")}
DATABASES = {"default": _db}
if CONFIG.migrate_database_url:
    # Migrations run as the owner role; the service as the application role (ADR 42).
    DATABASES["owner"] = {**dj_database_url.parse(CONFIG.migrate_database_url, conn_max_age=0),
                          "TEST": {"MIRROR": "default"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by every worker process, in the database we already have: rate limits
# (django-ratelimit) must count across gunicorn workers, and no extra server is needed.
CACHES: dict[str, dict[str, Any]] = {
    "default": {
        # Django's DatabaseCache with an increment that holds under concurrency (ADR 24's follow-up).
        "BACKEND": "ndop.adapters.db.cache.CountingDatabaseCache",
        "LOCATION": "ndop_cache",
        # Culling deletes live rate-limit counters (ADR 24): hold far more keys than the busiest hour
        # needs, and cull a tenth, not a third, when full. Each write counts the rows, so not unbounded.
        "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 10},
    }
}
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "ndop.web.kit.client_address.client_address"  # behind trusted proxies only (ADR 0047)

# Background jobs (queued API checks, later letters and statistics) wait in the registry's own database
# and are run by `ndop worker` (ADR 37).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/assets/"  # the NHS.UK frontend CSS refers to /assets/images/...
STATICFILES_DIRS = [_config.PACKAGE_DIR / "web" / "static"]
STATIC_ROOT = CONFIG.var_dir / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True  # serve straight from the package too, so tests need no collectstatic

# Sessions: server-side, short, strict. The cookie carries only an opaque id.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 20 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "ndop_session"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "ndop.web.kit.errors.csrf_failure"
if CONFIG.is_production:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    # Django's request logger would print URLs, which can hold NHS numbers: warnings only.
    "loggers": {"django.request": {"level": "ERROR"}, "django.server": {"level": "WARNING"},
                # WeasyPrint (the paper forms) reports each step of every PDF at INFO.
                "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
