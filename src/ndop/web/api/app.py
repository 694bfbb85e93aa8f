"""The one NinjaAPI instance. Each part of the service mounts its router here, in `ROUTERS`.

Versioned by path (`/api/v1/...`): a breaking change gets `/api/v2`, never an edit in place.
"""

from __future__ import annotations

from importlib import import_module

from ninja import NinjaAPI

from ndop.web.api import errors

api = NinjaAPI(
    title="National Data Opt-out API",
    version="1",
    description="Check lists of NHS numbers against the national data opt-out, and decide whether "
    "the opt-out applies to a data flow.",
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)

# (path prefix, module with a `router`). Add a line a part; the module stays HTTP only.
ROUTERS: list[tuple[str, str]] = [
    ("/v1/health", "ndop.web.api.health"),
    ("/v1/checks", "ndop.web.api.checks"),
    ("/v1/policy", "ndop.web.api.policy"),
]

errors.install(api)  # one error envelope for the whole API (web/api/errors.py)

for prefix, module in ROUTERS:
    api.add_router(prefix, import_module(module).router)
