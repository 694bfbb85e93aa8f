"""A small OpenID provider standing in for NHS login, run as its own process on loopback for the tests.

    python -m ndop.demo.nhs_login_provider CONFIG.json [PORT]   # prints "listening http://127.0.0.1:PORT" when ready

The tests start it on a free port; `make run` on NHS_LOGIN_PORT with the demo's configuration
(`ndop demo` writes it: demo/nhs_login.py), so "Continue with NHS login" can be tried on a new machine.

It does what the NHS login interface specification says a relying party meets: discovery at
`/.well-known/openid-configuration`, a JWKS, `/authorize` (authorization code, PKCE S256, `vtr`, `nonce`,
`state`), `/token` that accepts only `private_key_jwt` client authentication (the client's assertion
verified against the public key in the configuration: `iss` = `sub` = client id, `aud` = the token
endpoint, unexpired, a `jti` never seen before), and `/userinfo`. Tokens are real RS256 (or ES256) JWTs,
signed with Authlib's JOSE library (joserfc); the client's assertion is verified with it too.

The configuration (JSON): `client_id`, `client_jwk` (public), `redirect_uri`, `alg` (RS256 or ES256) and
`users`: id -> {sub, identity_proofing_level, nhs_number?, birthdate?, token?}. `token` makes a bad
id_token on purpose: `expired`, `tampered`, `wrong_nonce`, `wrong_audience`, `wrong_issuer`, `unsigned`.
Who signs in: `login_hint=<user id>` on /authorize answers at once (the integration tests); without it
the page lists the users, one button each (the browser tests). `POST /test/rotate-keys` replaces the signing
key (a new `kid`), as NHS login does from time to time.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CODE_SECONDS = 60


class Provider:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.alg = config.get("alg", "RS256")
        self.generation = 0
        self.rotate()
        self.client_key = KeySet.import_key_set({"keys": [config["client_jwk"]]})
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, str] = {}  # token -> user id
        self.seen_jti: set[str] = set()
        self.lock = threading.Lock()
        self.issuer = ""

    def rotate(self) -> None:
        """A new signing key with a new kid; the JWKS then holds only it (as after NHS login rotates)."""
        self.generation += 1
        self.kid = f"provider-{self.generation}"
        key = RSAKey.generate_key(2048) if self.alg == "RS256" else ECKey.generate_key("P-256")
        key_dict = key.as_dict(private=True)
        key_dict.update(kid=self.kid, use="sig", alg=self.alg)
        self.key = (RSAKey if self.alg == "RS256" else ECKey).import_key(key_dict)

    # -- endpoints -------------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [self.alg],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile"],
            "vtr_supported": ["P0.Cp", "P5.Cp", "P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"],
        }

    def jwks(self) -> dict[str, Any]:
        public = self.key.as_dict(private=False)
        public.update(kid=self.kid, use="sig", alg=self.alg)
        return {"keys": [public]}

    def authorize_problem(self, query: dict[str, str]) -> str | None:
        if query.get("response_type") != "code":
            return "response_type must be code"
        if query.get("client_id") != self.config["client_id"]:
            return "unknown client_id"
        if query.get("redirect_uri") != self.config["redirect_uri"]:
            return "redirect_uri is not the registered one"
        if "openid" not in query.get("scope", "").split():
            return "scope must include openid"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return "PKCE S256 is required"
        if not query.get("nonce") or not query.get("state"):
            return "nonce and state are required"
        try:
            vtr = json.loads(query.get("vtr", "[]"))
        except ValueError:
            return "vtr must be a JSON list"
        if not isinstance(vtr, list) or not vtr:
            return "vtr must be a JSON list"
        return None

    def issue_code(self, query: dict[str, str], user_id: str) -> str:
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {"query": query, "user": user_id, "expires": time.time() + CODE_SECONDS}
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        problem = self.client_problem(form)
        if problem:
            return 401, {"error": "invalid_client", "error_description": problem}
        with self.lock:
            grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["expires"] < time.time():
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        query = grant["query"]
        if form.get("redirect_uri") != query["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or challenge != query["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier does not match"}
        user = self.config["users"][grant["user"]]
        access = secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens[access] = grant["user"]
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": 3600,
                     "id_token": self.id_token(user, query), "scope": query.get("scope", "openid")}

    def client_problem(self, form: dict[str, str]) -> str | None:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return "private_key_jwt is the only client authentication accepted"
        try:
            token = jwt.decode(form.get("client_assertion", ""), self.client_key,
                               algorithms=["RS256", "RS512", "ES256"])
        except (JoseError, ValueError) as exc:
            return f"client assertion signature: {type(exc).__name__}"
        claims = token.claims
        client_id = self.config["client_id"]
        if claims.get("iss") != client_id or claims.get("sub") != client_id:
            return "client assertion iss and sub must be the client id"
        if claims.get("aud") not in (f"{self.issuer}/token", [f"{self.issuer}/token"]):
            return "client assertion aud must be the token endpoint"
        if not isinstance(claims.get("exp"), int) or claims["exp"] < time.time():
            return "client assertion expired"
        jti = claims.get("jti")
        with self.lock:
            if not jti or jti in self.seen_jti:
                return "client assertion jti missing or used before"
            self.seen_jti.add(jti)
        if form.get("client_id") not in (None, client_id):
            return "client_id differs"
        return None

    def id_token(self, user: dict[str, Any], query: dict[str, str]) -> str:
        now = int(time.time())
        mode = user.get("token", "")
        claims: dict[str, Any] = {
            "iss": self.issuer if mode != "wrong_issuer" else "https://auth.example.invalid",
            "aud": self.config["client_id"] if mode != "wrong_audience" else "someone-else",
            "sub": user["sub"],
            "iat": now - (7200 if mode == "expired" else 0),
            "exp": now + (-3600 if mode == "expired" else 600),
            "auth_time": now,
            "nonce": query["nonce"] if mode != "wrong_nonce" else "not-the-nonce",
            "vot": f"{user['identity_proofing_level']}.Cp.Cd",
            "vtm": "https://auth.login.nhs.uk/trustmark/login.nhs.uk",
            "identity_proofing_level": user["identity_proofing_level"],
            "jti": secrets.token_urlsafe(12),
        }
        if mode == "unsigned":
            header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
            body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
            return f"{header}.{body}."
        token = jwt.encode({"alg": self.alg, "kid": self.kid, "typ": "JWT"}, claims, self.key)
        if mode == "tampered":  # the claims changed after signing: the signature no longer covers them
            header, _body, signature = token.split(".")
            forged = dict(claims, identity_proofing_level="P9", sub=user["sub"] + "-forged")
            body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
            token = f"{header}.{body}.{signature}"
        return token

    def userinfo(self, authorization: str) -> tuple[int, dict[str, Any]]:
        access = authorization.removeprefix("Bearer ").strip()
        with self.lock:
            user_id = self.access_tokens.get(access)
        if user_id is None:
            return 401, {"error": "invalid_token"}
        user = self.config["users"][user_id]
        info = {"sub": user["sub"], "identity_proofing_level": user["identity_proofing_level"]}
        for claim in ("nhs_number", "birthdate", "family_name"):
            if user.get(claim):
                info[claim] = user[claim]
        return 200, info


class Handler(BaseHTTPRequestHandler):
    provider: Provider  # set by `_handler`

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _html(self, status: int, text: str) -> None:
        data = f"<!doctype html><html lang='en'><head><title>NHS login (test provider)</title></head>" \
               f"<body><main>{text}</main></body></html>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            return self._json(200, self.provider.discovery())
        if url.path == "/.well-known/jwks.json":
            return self._json(200, self.provider.jwks())
        if url.path == "/userinfo":
            return self._json(*self.provider.userinfo(self.headers.get("Authorization", "")))
        if url.path == "/authorize":
            problem = self.provider.authorize_problem(query)
            if problem:
                return self._html(400, f"<h1>Bad request</h1><p>{html.escape(problem)}</p>")
            hint = query.get("login_hint")
            if hint:
                if hint not in self.provider.config["users"]:
                    return self._html(400, "<h1>Unknown test user</h1>")
                return self._redirect(self.provider.issue_code(query, hint))
            hidden = "".join(f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
                             for k, v in query.items())
            buttons = "".join(f"<button name='login_hint' value='{html.escape(uid)}'>"
                              f"Sign in as {html.escape(uid)}</button>" for uid in self.provider.config["users"])
            return self._html(200, f"<h1>NHS login (test provider)</h1>"
                                   f"<form method='get' action='/authorize'>{hidden}{buttons}</form>")
        return self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if url.path == "/token":
            return self._json(*self.provider.token(form))
        if url.path == "/test/rotate-keys":  # the tests' control: NHS login has no such endpoint
            with self.provider.lock:
                self.provider.rotate()
            return self._json(200, {"kid": self.provider.kid})
        return self._json(404, {"error": "not_found"})


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    return type("BoundHandler", (Handler,), {"provider": provider})


def main(config_path: str, port: int = 0) -> None:
    """Serve on loopback: on `port`, or on a free one (the tests) when it is 0."""
    with open(config_path, encoding="utf-8") as handle:
        provider = Provider(json.load(handle))
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"listening {provider.issuer}", flush=True)  # noqa: T201 - the line its starter waits for
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
