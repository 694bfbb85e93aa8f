"""Django settings for `ndop check` alone (ADR 78): the same configuration, with only the apps whose models
a check reads and writes (the registry, its audit trail and CheckJob: `ndop.adapters.db`, which refers to
auth's user, which refers to content types; the Type 1 register's adapter imports the staff adapter, which
imports django-otp's device model). The web's static files and sessions, the API (Django Ninja) and
background jobs (django-tasks) are not set up, which spares the process their imports. Every other
command uses `ndop.settings`."""

from __future__ import annotations

from ndop.settings import *  # noqa: F403

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "ndop.adapters.db",
    "django_otp",
    "django_otp.plugins.otp_totp",
]
