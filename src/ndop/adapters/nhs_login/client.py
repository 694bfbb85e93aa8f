"""NHS login through Authlib's OAuth 2 client: authorization code + PKCE, `private_key_jwt`, `vtr` (ADR 68).

The provider's metadata comes from its discovery document and its keys from its JWKS, each fetched once
per process (the JWKS again when a token names a key we have not seen: NHS login rotates its keys). The
id_token is checked with joserfc (Authlib's JOSE library): the signature against the JWKS, `iss`, `aud`,
`exp`, `iat` and the `nonce` this sign-in sent. Nothing personal is logged or put in an exception: a
failure carries a reason code only.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from ndop.domain.online.nhs_login import NhsLoginFailed, NhsLoginIdentity

ID_TOKEN_ALGORITHMS = ["RS256", "RS512", "ES256"]
LEEWAY_SECONDS = 60  # clock skew allowed on exp and iat
TIMEOUT_SECONDS = 10.0


@dataclass
class NhsLoginClient:
    client_id: str
    issuer: str
    private_key_pem: bytes = field(repr=False)
    redirect_url: str
    vtr: str
    scope: str = "openid profile"
    timeout: float = TIMEOUT_SECONDS
    _metadata: dict[str, Any] | None = field(default=None, repr=False)
    _keys: KeySet | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- the provider's metadata and keys --------------------------------------------------------

    def _get_json(self, url: str, reason: str) -> dict[str, Any]:
        try:
            response = requests.get(url, timeout=self.timeout)
            response.raise_for_status()
            body = response.json()
        except (requests.RequestException, ValueError):
            raise NhsLoginFailed(reason) from None
        if not isinstance(body, dict):
            raise NhsLoginFailed(reason)
        return body

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                found = self._get_json(f"{self.issuer}/.well-known/openid-configuration", "discovery")
                if found.get("issuer", "").rstrip("/") != self.issuer:
                    raise NhsLoginFailed("discovery_issuer")
                self._metadata = found
            return self._metadata

    def _key_set(self, refresh: bool = False) -> KeySet:
        with self._lock:
            cached = self._keys
        if cached is not None and not refresh:
            return cached
        found = self._get_json(self.metadata()["jwks_uri"], "jwks")
        try:
            keys = KeySet.import_key_set(found)  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError):
            raise NhsLoginFailed("jwks") from None
        with self._lock:
            self._keys = keys
        return keys

    def _client_key(self) -> RSAKey | ECKey:
        try:
            return RSAKey.import_key(self.private_key_pem)
        except (JoseError, ValueError, TypeError):
            return ECKey.import_key(self.private_key_pem)

    # -- the flow --------------------------------------------------------------------------------

    def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        session = OAuth2Session(self.client_id, redirect_uri=self.redirect_url, scope=self.scope,
                                code_challenge_method="S256")
        url, _ = session.create_authorization_url(
            self.metadata()["authorization_endpoint"], state=state, nonce=nonce, code_verifier=code_verifier,
            vtr=self.vtr,
        )
        return str(url)

    def identify(self, *, code: str, code_verifier: str, nonce: str) -> NhsLoginIdentity:
        token = self._exchange(code, code_verifier)
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise NhsLoginFailed("no_id_token")
        claims = self._verified_claims(id_token, nonce)
        info = self._userinfo(str(token.get("access_token", "")), claims["sub"])
        return _identity(claims, info)

    def _exchange(self, code: str, code_verifier: str) -> dict[str, Any]:
        endpoint = self.metadata()["token_endpoint"]
        key = self._client_key()
        alg = "RS512" if isinstance(key, RSAKey) else "ES256"  # NHS login asks for RS512 assertions
        session = OAuth2Session(self.client_id, client_secret=key, redirect_uri=self.redirect_url,
                                token_endpoint_auth_method=PrivateKeyJWT(endpoint, alg=alg))
        try:
            token = session.fetch_token(endpoint, grant_type="authorization_code", code=code,
                                        code_verifier=code_verifier, timeout=self.timeout)
        except (OAuthError, requests.RequestException, ValueError):
            raise NhsLoginFailed("token") from None
        return dict(token)

    def _verified_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            decoded = self._decode(id_token, self._key_set())
        except _UnknownKey:
            try:
                decoded = self._decode(id_token, self._key_set(refresh=True))
            except _UnknownKey:
                raise NhsLoginFailed("id_token_key") from None
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(decoded)
        except JoseError as exc:
            raise NhsLoginFailed(f"id_token_{getattr(exc, 'claim', '') or exc.error}") from None
        if not isinstance(decoded.get("iat"), int) or decoded["iat"] > time.time() + LEEWAY_SECONDS:
            raise NhsLoginFailed("id_token_iat")
        return decoded

    @staticmethod
    def _decode(id_token: str, keys: KeySet) -> dict[str, Any]:
        try:
            return dict(jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS).claims)
        except JoseError as exc:
            if exc.error == "invalid_key_id":
                raise _UnknownKey from None
            raise NhsLoginFailed("id_token_signature") from None
        except (ValueError, TypeError):
            raise NhsLoginFailed("id_token_signature") from None

    def _userinfo(self, access_token: str, sub: str) -> dict[str, Any]:
        endpoint = self.metadata().get("userinfo_endpoint")
        if not endpoint or not access_token:
            return {}
        try:
            response = requests.get(endpoint, headers={"Authorization": f"Bearer {access_token}"},
                                    timeout=self.timeout)
            response.raise_for_status()
            info = response.json()
        except (requests.RequestException, ValueError):
            raise NhsLoginFailed("userinfo") from None
        if not isinstance(info, dict) or info.get("sub") != sub:
            raise NhsLoginFailed("userinfo_sub")  # another person's claims: never mixed with this id_token
        return info


class _UnknownKey(Exception):
    """The id_token names a key the cached JWKS lacks: fetch the JWKS again, once."""


def _identity(claims: dict[str, Any], info: dict[str, Any]) -> NhsLoginIdentity:
    # The proofing level from the signed id_token; the demographic claims from userinfo (NHS login's
    # `profile` scope), or the id_token when it carries them.
    level = str(claims.get("identity_proofing_level") or str(claims.get("vot", "")).split(".")[0])
    number = str(info.get("nhs_number") or claims.get("nhs_number") or "")
    born = info.get("birthdate") or claims.get("birthdate")
    try:
        birthdate = date.fromisoformat(born) if isinstance(born, str) else None
    except ValueError:
        birthdate = None
    return NhsLoginIdentity(level, number.replace(" ", ""), birthdate)
