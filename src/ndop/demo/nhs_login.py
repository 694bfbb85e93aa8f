"""A local NHS login for `make run`: the client key the service signs its assertions with, and the
configuration of the local provider (demo/nhs_login_provider.py) with the demo personas as its users.

NHS login cannot be reached from a developer's machine, so without this "Continue with NHS login" would be
missing from the demo. `ndop demo` writes both files into the var directory; `make run` starts the provider
and points the service at it with the `NDOP_NHS_LOGIN_*` settings printed by `settings_for`.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

from ndop.demo.personas import Persona

CLIENT_ID = "ndop-demo"
CALLBACK = "/your-data-matters/nhs-login/callback"
# (button, persona's name, level): who can sign in at the local provider. P9 goes straight to the choice;
# P5 falls back to the security code; a child gets the under-13 page.
USERS: tuple[tuple[str, str, str], ...] = (
    ("Jane Smith, P9 (straight to her choice)", "Jane Smith", "P9"),
    ("Jane Smith, P5 (asked for a security code)", "Jane Smith", "P5"),
    ("Leo Walker, 15, P9", "Leo Walker", "P9"),
    ("Amelia Jones, 9, P9 (under 13)", "Amelia Jones", "P9"),
)


@dataclass(frozen=True, slots=True)
class LocalNhsLogin:
    key_file: Path
    provider_config: Path
    env_file: Path  # the service's NDOP_NHS_LOGIN_* settings, for `make run` to source


def write_local_nhs_login(directory: Path, site: str, issuer: str, people: Sequence[Persona]) -> LocalNhsLogin:
    """Write the key (once: kept between runs, mode 0600), the configuration of the provider that will listen
    at `issuer`, and the settings pointing the service at `site` to it."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_file = directory / "nhs_login_client_key.pem"
    if not key_file.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
    jwk = RSAKey.import_key(key_file.read_bytes()).as_dict(private=False)
    by_name = {f"{p.patient.given_name} {p.patient.family_name}": p.patient for p in people}
    users: dict[str, dict[str, str]] = {}
    for n, (label, name, level) in enumerate(USERS):
        patient = by_name[name]
        users[label] = {"sub": f"demo-{n}", "identity_proofing_level": level, "nhs_number": patient.nhs_number.digits,
                        "birthdate": patient.date_of_birth.isoformat(), "family_name": patient.family_name}
    provider_config = directory / "nhs_login_provider.json"
    provider_config.write_text(json.dumps({"client_id": CLIENT_ID, "client_jwk": jwk, "alg": "RS256",
                                           "redirect_uri": site + CALLBACK, "users": users}, indent=2),
                               encoding="utf-8")
    env_file = directory / "nhs_login.env"
    env_file.write_text("".join(f"{k}={shlex.quote(v)}\n" for k, v in settings_for(key_file, site, issuer).items()),
                        encoding="utf-8")
    return LocalNhsLogin(key_file, provider_config, env_file)


def settings_for(key_file: Path, site: str, issuer: str) -> dict[str, str]:
    """The service's settings that use the local provider at `issuer` (production refuses a local issuer)."""
    return {
        "NDOP_NHS_LOGIN_CLIENT_ID": CLIENT_ID,
        "NDOP_NHS_LOGIN_ENVIRONMENT": "local",
        "NDOP_NHS_LOGIN_ISSUER": issuer,
        "NDOP_NHS_LOGIN_PRIVATE_KEY_FILE": str(key_file.resolve()),
        "NDOP_NHS_LOGIN_REDIRECT_URL": site + CALLBACK,
    }
