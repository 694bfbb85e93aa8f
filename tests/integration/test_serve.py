"""`ndop serve` (what `make run` starts) migrates a fresh embedded database and answers on HTTP."""

from __future__ import annotations

import os
import shutil
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


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def taken_port():
    """A port something is listening on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["NDOP_VAR_DIR"] = str(tmp_path)
    return env


@pytest.mark.parametrize(("command", "setting"), [("serve", "make run PORT="), ("mesh-sandbox", "make run MESH_PORT=")])
def test_serve_on_a_taken_port_says_so_in_one_line(tmp_path: Path, taken_port: int, command: str,
                                                   setting: str) -> None:
    ndop = Path(sys.executable).with_name("ndop")
    done = subprocess.run([str(ndop), command, "--port", str(taken_port)], env=_env(tmp_path), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert f"127.0.0.1:{taken_port}" in line and "already in use" in line and f"{setting}{taken_port + 1}" in line


def test_make_run_on_taken_ports_says_so_in_one_line_each_and_starts_nothing(tmp_path: Path, taken_port: int) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        mesh_port = other.getsockname()[1]
        # -o: take the virtualenv as it is (the test runs inside it), whatever pyproject.toml's date.
        done = subprocess.run(["make", "--no-print-directory", "-o", ".venv/.installed", "run",
                               f"PORT={taken_port}", f"MESH_PORT={mesh_port}", f"BIN={Path(sys.executable).parent}"],
                              cwd=REPO, env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 2
    assert f"port {taken_port} is taken" in lines[0] and f"make run PORT={taken_port + 1}" in lines[0]
    assert f"port {mesh_port} is taken" in lines[1] and f"make run MESH_PORT={mesh_port + 1}" in lines[1]
    assert "Traceback" not in done.stderr and "Demo data" not in done.stdout
    assert not (tmp_path / "ndop.sqlite3").exists()


@pytest.mark.parametrize("value", ["abc", "0", "70000"])
def test_make_run_port_that_is_not_a_port_number_is_one_line(value: str) -> None:
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "ports_free.py"), f"{value}:PORT:the web service"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr.strip() == f"Error: PORT must be a port number (1 to 65535), not {value!r}."
