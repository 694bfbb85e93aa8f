"""`ndop serve` (what `make run` starts) migrates a fresh embedded database and answers on HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_on_a_fresh_sqlite_database(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["NDOP_VAR_DIR"] = str(tmp_path)
    ndop = Path(sys.executable).with_name("ndop")
    proc = subprocess.Popen(
        [str(ndop), "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read().decode()
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"ndop serve did not answer:\n{output}")
                time.sleep(0.2)
        assert "National Data Opt-out" in body
        assert (tmp_path / "ndop.sqlite3").exists()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/assets/nhsuk-frontend.min.css", timeout=5) as css:
            assert css.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
