"""A small fake of the GOV.UK Notify HTTP API on loopback, strict about what the client sends.

It checks what the real service checks first: a Bearer JWT signed (HS256) with the key's secret,
issued by the key's service id, issued within the last 30 seconds; a JSON body with the fields a
notification needs. Accepted requests are kept for the test to inspect.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

REQUIRED = {
    "/v2/notifications/sms": ("phone_number", "template_id"),
    "/v2/notifications/email": ("email_address", "template_id"),
    "/v2/notifications/letter": ("reference", "content"),  # a precompiled letter: a base64 PDF
}


def _check_precompiled(body: dict[str, Any]) -> str:
    """What Notify checks of a precompiled letter before accepting it: a PDF, A4, at most 10 pages, and a
    postage it knows."""
    import base64
    import io

    from pypdf import PdfReader

    try:
        pdf = base64.b64decode(body["content"], validate=True)
        pages = PdfReader(io.BytesIO(pdf)).pages
    except Exception:  # noqa: BLE001 - anything unreadable is the same refusal
        return "Letter content is not a valid PDF"
    if not pdf.startswith(b"%PDF") or not 1 <= len(pages) <= 10:
        return "Letter content is not a valid PDF"
    for page in pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        if abs(width - 595.28) > 1 or abs(height - 841.89) > 1:
            return "Letter is not A4"
    if body.get("postage", "second") not in ("first", "second", "economy"):
        return "postage invalid. It must be either first, second or economy."
    return ""


class FakeNotify:
    def __init__(self) -> None:
        self.service_id = str(uuid.uuid4())
        self.secret = str(uuid.uuid4())
        self.api_key = f"ndop_test-{self.service_id}-{self.secret}"
        self.received: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                error = fake._check(self, raw)
                if error:
                    fake.rejected.append(error)
                    status = 403 if "token" in error.lower() or "auth" in error.lower() else 400
                    self._reply(status, {"status_code": status, "errors": [{"error": "BadRequestError",
                                                                           "message": error}]})
                    return
                body = json.loads(raw)
                fake.received.append({"path": self.path, "body": body})
                if self.path == "/v2/notifications/letter":
                    # Notify's precompiled-letter answer: an id, the reference and the postage.
                    self._reply(201, {"id": str(uuid.uuid4()), "reference": body["reference"],
                                      "postage": body.get("postage", "second")})
                    return
                self._reply(201, {"id": str(uuid.uuid4()), "reference": body.get("reference"),
                                  "content": {}, "uri": "", "template": {"id": body["template_id"]}})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def _check(self, request: BaseHTTPRequestHandler, raw: bytes) -> str:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return "Unauthorized: authentication token must be provided"
        try:
            claims = jwt.decode(auth[7:], self.secret, algorithms=["HS256"], options={"verify_iat": False})
        except jwt.PyJWTError:
            return "Invalid token: signature, api token not found"
        if claims.get("iss") != self.service_id:
            return "Invalid token: service not found"
        if abs(time.time() - int(claims.get("iat", 0))) > 30:
            return "Error: Your system clock must be accurate to within 30 seconds (token)"
        if request.headers.get("Content-Type", "").split(";")[0] != "application/json":
            return "Content-Type must be application/json"
        if request.path not in REQUIRED:
            return f"Unknown endpoint {request.path}"
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return "Invalid JSON"
        missing = [f for f in REQUIRED[request.path] if not body.get(f)]
        if missing:
            return f"{missing[0]} is a required property"
        if "personalisation" in body and not isinstance(body["personalisation"], dict):
            return "personalisation must be an object"
        if request.path == "/v2/notifications/letter":
            return _check_precompiled(body)
        return ""

    def __enter__(self) -> FakeNotify:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
