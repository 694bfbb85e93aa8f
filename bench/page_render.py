"""Benchmark: CPU time and Python calls to answer the patient journey's form pages, in one process.

`make bench-render` (no server, no concurrency, a scratch SQLite database): how much of a page is the
rendering of the NHS.UK macros, and what the render cache saves (ADR 33). Process CPU time and the
number of Python function calls per request do not depend on what else the machine is doing, unlike
the latencies of `make bench-patient`. Run it on two checkouts to compare them:
`PYTHONPATH=<other checkout>/src .venv/bin/python bench/page_render.py`.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import tempfile
import time
from collections.abc import Callable
from typing import Any

N = 200


def main() -> None:
    scratch = tempfile.mkdtemp(prefix="ndop-bench-render-")
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/render.sqlite3"
    os.environ["NDOP_VAR_DIR"] = scratch
    from ndop import container

    container.setup_django()
    container.migrate()
    from django.test import Client

    client = Client()
    client.post("/your-data-matters/nhs-number", {"nhs_number": "9434765919"})
    pages: dict[str, Callable[[], Any]] = {
        "GET start": lambda: client.get("/your-data-matters/"),
        "GET nhs-number": lambda: client.get("/your-data-matters/nhs-number"),
        "GET date-of-birth": lambda: client.get("/your-data-matters/date-of-birth"),
        "POST date-of-birth (an error)": lambda: client.post(
            "/your-data-matters/date-of-birth", {"day": "31", "month": "2", "year": "1990"}),
    }
    print(f"{'page':30} {'calls':>8} {'CPU ms':>8}")
    for name, ask in pages.items():
        for _ in range(5):
            assert ask().status_code == 200, name
        profile = cProfile.Profile()
        profile.enable()
        ask()
        profile.disable()
        calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
        started = time.process_time()
        for _ in range(N):
            ask()
        print(f"{name:30} {calls:8d} {(time.process_time() - started) * 1000 / N:8.2f}")


if __name__ == "__main__":
    main()
