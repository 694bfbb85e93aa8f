"""`make run`'s NHS login: what `ndop demo` writes (a client key, the local provider's configuration, the
service's settings) works end to end, the settings read by the real configuration loader."""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests

from ndop import config as ndop_config
from ndop.demo.nhs_login import USERS, write_local_nhs_login
from ndop.demo.personas import install_demo_data
from ndop.domain.common.actors import Actor
from tests.integration.patient.nhs_login import CALLBACK

pytestmark = pytest.mark.django_db
SITE = "http://testserver"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(path) -> dict[str, str]:
    return {k: shlex.split(v)[0] for k, _, v in (line.partition("=") for line in path.read_text().splitlines())}


def test_the_demo_nhs_login_signs_jane_in_at_p9_and_sends_p5_to_the_security_code(client, registry, tmp_path,
                                                                                  settings) -> None:
    people = install_demo_data(registry, by=Actor.system_job("demo"))
    port = _free_port()
    local = write_local_nhs_login(tmp_path / "nhs_login", SITE, f"http://127.0.0.1:{port}", people)
    assert oct(local.key_file.stat().st_mode & 0o777) == "0o600"
    again = write_local_nhs_login(tmp_path / "nhs_login", SITE, f"http://127.0.0.1:{port}", people)
    assert again.key_file.read_bytes() == local.key_file.read_bytes()  # the key is kept between runs
    loaded = ndop_config.load({**_env(local.env_file), "NDOP_VAR_DIR": str(tmp_path / "var")}).nhs_login
    assert loaded is not None and loaded.issuer == f"http://127.0.0.1:{port}" and loaded.redirect_url == SITE + CALLBACK
    settings.CONFIG = settings.CONFIG.replace(nhs_login=loaded)
    process = subprocess.Popen([sys.executable, "-m", "ndop.demo.nhs_login_provider", str(local.provider_config),
                                str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == f"listening {loaded.issuer}"
        for user, lands_on in ((USERS[0][0], "/your-data-matters/your-choice"),
                               (USERS[1][0], "/your-data-matters/nhs-login/another-way")):
            client.cookies.clear()
            authorize = urlparse(client.get("/your-data-matters/nhs-login")["Location"])
            query = {k: v[0] for k, v in parse_qs(authorize.query).items()} | {"login_hint": user}
            back = requests.get(f"{loaded.issuer}/authorize?{urlencode(query)}", allow_redirects=False, timeout=10)
            callback = urlparse(back.headers["Location"])
            answer = client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
            assert answer.status_code == 302 and answer["Location"].startswith(lands_on), (user, answer["Location"])
    finally:
        process.kill()
        process.wait()
