"""Django settings for `ndop check` alone (ADR 78): the same configuration, with only the apps whose models
a check reads and writes (the registry, its audit trail and CheckJob: `ndop.adapters.db`, which refers to
auth's user, which refers to content types). The web's static files and sessions, the API (Django Ninja),
background jobs (django-tasks) and two-factor sign-in (django-otp) are not set up, which spares the process
their imports. The Type 1 register's adapter (for --gp-data) imports the staff adapter and so django-otp's
device model: `ndop check --gp-data` uses the full settings (`cli/check.py`). Every other
command uses `ndop.settings`. A check on a current snapshot sets up no Django at all; it reads these settings
as a plain module (ADR 95)."""

from __future__ import annotations

from ndop.settings import *  # noqa: F403

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "ndop.adapters.db",
]
