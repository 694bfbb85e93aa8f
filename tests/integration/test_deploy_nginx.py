"""deploy/nginx.conf, the production reverse proxy (ADR 0047): valid, and doing what it is there for.

Needs Debian's nginx (`apt-get install nginx-light`, which .ci/run installs) and openssl for a
throwaway certificate; skipped with that reason where they are missing.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
OPENSSL = shutil.which("openssl")

pytestmark = pytest.mark.skipif(
    NGINX is None or OPENSSL is None, reason="nginx is not installed (apt-get install nginx-light) or no openssl"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _certificate(where: Path) -> tuple[Path, Path]:
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def local_config(where: Path, *, upstream_port: int = 8000, http_port: int = 80, https_port: int = 443) -> Path:
    """The shipped file with only its paths and ports moved into `where`: the directives under test stay."""
    cert, key = _certificate(where)
    text = CONFIG.read_text()
    text = text.replace("/etc/ssl/ndop/fullchain.pem", str(cert)).replace("/etc/ssl/ndop/privkey.pem", str(key))
    text = text.replace("/var/log/nginx/", f"{where}/").replace("/run/nginx.pid", f"{where}/nginx.pid")
    text = text.replace("/var/lib/nginx/body", f"{where}/body")
    text = text.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")
    text = re.sub(r"listen \[::\]:\d+[^;]*;", "", text)  # no IPv6 needed here
    text = text.replace("listen 80 ", f"listen 127.0.0.1:{http_port} ")
    text = text.replace("listen 443 ", f"listen 127.0.0.1:{https_port} ")
    if os.geteuid() == 0:
        text = "user root;\n" + text  # the temporary directory is private to this user
    out = where / "nginx.conf"
    out.write_text(text)
    return out


def test_the_shipped_configuration_is_valid(tmp_path) -> None:
    config = local_config(tmp_path)
    result = subprocess.run([NGINX, "-t", "-c", str(config), "-p", str(tmp_path), "-e", str(tmp_path / "e.log")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


@pytest.fixture
def proxy(live_server, tmp_path):
    port = free_port()
    config = local_config(tmp_path, upstream_port=int(live_server.url.rsplit(":", 1)[1]), http_port=free_port(),
                          https_port=port)
    proc = subprocess.Popen([NGINX, "-c", str(config), "-p", str(tmp_path), "-e", str(tmp_path / "e.log"),
                             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"nginx did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
            time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(10)


def _https(port: int) -> http.client.HTTPSConnection:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)


FLOW = {"purpose": "research", "data": "identifiable", "nhs_number_obtainable": True, "legal_basis": "s251_reg5",
        "cag_exempted": False, "recipient": "other", "data_origin": "england_health_or_adult_social_care"}


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_reaches_the_service_whole_through_the_proxy(proxy) -> None:
    body = json.dumps(FLOW).encode()
    conn = _https(proxy)
    conn.putrequest("POST", "/api/v1/policy/decisions")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for i in range(0, len(body), 16):
        piece = body[i:i + 16]
        conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
    conn.send(b"0\r\n\r\n")
    response = conn.getresponse()
    assert response.status == 200, response.read()
    assert json.loads(response.read())["applies"] is True
    assert response.getheader("Cache-Control") == "no-store"


@pytest.mark.django_db(transaction=True)
def test_slow_request_bodies_do_not_hold_the_service(proxy) -> None:
    """The attack: 16 slow bodies delayed /healthz by 14 s. nginx holds them; the service never sees them."""
    slow = []
    for _ in range(16):
        conn = _https(proxy)
        conn.putrequest("POST", "/api/v1/policy/decisions")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", "100000")
        conn.endheaders()
        conn.send(b"{")  # and then nothing
        slow.append(conn)
    started = time.monotonic()
    check = _https(proxy)
    check.request("GET", "/healthz")
    assert check.getresponse().status == 200
    assert time.monotonic() - started < 2
    for conn in slow:
        conn.close()
