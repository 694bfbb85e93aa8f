"""The local NHS login: a real OpenID provider process on loopback (src/ndop/demo/nhs_login_provider.py), its test
users, the client key the service signs its assertions with, and the settings that point the service at it.

Import the fixtures into a test module: `from tests.integration.patient.nhs_login import ...`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc.jwk import ECKey, RSAKey

from ndop.config import NHS_LOGIN_VTR, NhsLoginConfig
from ndop.domain.registry.patients import Patient
from tests.conftest import make_patient, number

ROOT = Path(__file__).resolve().parents[3]
CLIENT_ID = "ndop-test-client"
CALLBACK = "/your-data-matters/nhs-login/callback"
TOKEN_MODES = ("expired", "tampered", "wrong_nonce", "wrong_audience", "wrong_issuer", "unsigned")


def years_ago(n: int) -> date:
    today = date.today()
    return today.replace(year=today.year - n) - timedelta(days=30)


# The people in the index that the provider's users are (their numbers: valid, distinct from other tests').
PEOPLE = {
    "jane": make_patient("943476591", given_name="Jane", family_name="Smith", born=years_ago(34),
                         mobile="07700900123", email="jane.smith@example.com"),
    "nocontact": make_patient("900000020", given_name="Nadia", family_name="Ali", born=years_ago(50),
                              mobile="", email=""),
    "child": make_patient("900000021", given_name="Amelia", family_name="Jones", born=years_ago(9)),
    "deceased": make_patient("900000023", given_name="Edith", family_name="Clarke", born=years_ago(90),
                             date_of_death=date.today() - timedelta(days=40)),
    "sensitive": make_patient("900000024", given_name="Sam", family_name="Hidden", born=years_ago(40),
                              sensitive=True),
}
UNKNOWN = number("900000025")  # a valid number nobody in the index has


def _user(sub: str, level: str, person: Patient | None, **extra: str) -> dict[str, str]:
    user = {"sub": sub, "identity_proofing_level": level}
    if person is not None:
        user |= {"nhs_number": person.nhs_number.digits, "birthdate": person.date_of_birth.isoformat(),
                 "family_name": person.family_name}
    return user | extra


def users() -> dict[str, dict[str, str]]:
    jane = PEOPLE["jane"]
    found = {
        "p9-jane": _user("sub-jane", "P9", jane),
        "p5-jane": _user("sub-jane", "P5", jane),
        "p0-jane": {"sub": "sub-jane", "identity_proofing_level": "P0"},
        "p9-no-number": _user("sub-nobody", "P9", None, birthdate=jane.date_of_birth.isoformat()),
        "p9-unknown": _user("sub-unknown", "P9", None, nhs_number=UNKNOWN.digits,
                            birthdate=jane.date_of_birth.isoformat()),
        "p9-other-birthdate": _user("sub-jane", "P9", jane, birthdate=(jane.date_of_birth - timedelta(days=1))
                                    .isoformat()),
        "p9-nocontact": _user("sub-nocontact", "P9", PEOPLE["nocontact"]),
        "p9-child": _user("sub-child", "P9", PEOPLE["child"]),
        "p9-deceased": _user("sub-deceased", "P9", PEOPLE["deceased"]),
        "p9-sensitive": _user("sub-sensitive", "P9", PEOPLE["sensitive"]),
    }
    for mode in TOKEN_MODES:
        found[f"p9-jane-{mode}"] = _user("sub-jane", "P9", jane, token=mode)
    return found


@dataclass
class LocalNhsLogin:
    issuer: str
    process: subprocess.Popen[str]
    client_pem: bytes
    redirect_url: str

    def config(self, **changes: object) -> NhsLoginConfig:
        fields: dict[str, object] = {"client_id": CLIENT_ID, "issuer": self.issuer, "private_key_pem": self.client_pem,
                                     "redirect_url": self.redirect_url, "vtr": NHS_LOGIN_VTR, "scope": "openid profile"}
        fields.update(changes)
        return NhsLoginConfig(**fields)  # type: ignore[arg-type]

    def sign_in(self, authorization_url: str, user: str) -> str:
        """What the person's browser does at NHS login: returns where it sends them back (the callback URL)."""
        response = requests.get(f"{authorization_url}&login_hint={user}", allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return str(response.headers["Location"])


def private_key_pem(kind: str = "rsa") -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa" else \
        ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_jwk(pem: bytes) -> dict[str, object]:
    loaded = serialization.load_pem_private_key(pem, password=None)
    key: RSAKey | ECKey = RSAKey.import_key(pem) if isinstance(loaded, rsa.RSAPrivateKey) else ECKey.import_key(pem)
    return dict(key.as_dict(private=False))


def start_provider(directory: Path, redirect_url: str, alg: str = "RS256", client: str = "rsa") -> LocalNhsLogin:
    pem = private_key_pem(client)
    config = directory / f"provider-{alg}-{client}.json"
    config.write_text(json.dumps({"client_id": CLIENT_ID, "client_jwk": public_jwk(pem), "redirect_uri": redirect_url,
                                  "alg": alg, "users": users()}))
    process = subprocess.Popen([sys.executable, "-m", "ndop.demo.nhs_login_provider", str(config)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("listening "):
        process.kill()
        raise RuntimeError(f"the local NHS login did not start: {process.stderr.read() if process.stderr else ''}")
    return LocalNhsLogin(line.removeprefix("listening "), process, pem, redirect_url)


class Providers:
    """One provider process per (callback, algorithm, client key kind), started when first asked for."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.running: dict[tuple[str, str, str], LocalNhsLogin] = {}

    def get(self, redirect_url: str, alg: str = "RS256", client: str = "rsa") -> LocalNhsLogin:
        key = (redirect_url, alg, client)
        if key not in self.running:
            self.running[key] = start_provider(self.directory, redirect_url, alg, client)
        return self.running[key]

    def stop(self) -> None:
        for provider in self.running.values():
            provider.process.terminate()
            try:
                provider.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                provider.process.kill()
                provider.process.wait()
            for stream in (provider.process.stdout, provider.process.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture(scope="session")
def nhs_login_providers(tmp_path_factory: pytest.TempPathFactory):
    providers = Providers(tmp_path_factory.mktemp("nhs-login"))
    yield providers
    providers.stop()
