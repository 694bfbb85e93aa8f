"""The WSGI application (`ndop serve`, or `gunicorn ndop.wsgi`). A configuration mistake is one line."""

import os
import sys

from django.core.wsgi import get_wsgi_application

from ndop.config import ConfigError

# gunicorn stops (instead of starting worker after worker) when a worker exits with this code.
WORKER_BOOT_ERROR = 3

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ndop.settings")
try:
    application = get_wsgi_application()
except ConfigError as exc:
    sys.stderr.write(f"Error: {exc}\n")
    raise SystemExit(WORKER_BOOT_ERROR) from None
