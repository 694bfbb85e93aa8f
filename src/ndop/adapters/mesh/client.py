"""The `MeshMailbox` port over the real `mesh-client`, with MESH's HTTP errors turned into the
domain's error classes (what to do about them is the worker's business)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO

import requests
import urllib3.exceptions

from ndop.adapters.mesh.config import MeshConfig
from ndop.domain.check.mesh import (
    LIST_PAGE_LIMIT,
    InboundBody,
    InboundMessage,
    MeshAuthenticationFailed,
    MeshError,
    MeshMessageGone,
    MeshSendRefused,
    MeshUnavailable,
    Outgoing,
    SentMessage,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import mesh_client

_DOWN = (requests.ConnectionError, requests.Timeout, urllib3.exceptions.HTTPError, ConnectionError, TimeoutError)


def _status(exc: requests.HTTPError) -> int:
    return exc.response.status_code if exc.response is not None else 0


def _translate(exc: BaseException, *, action: str) -> MeshError:
    """A domain error for a mesh-client failure. Only statuses and MESH codes go into messages."""
    if isinstance(exc, requests.HTTPError):
        status = _status(exc)
        if status in (429,) or status >= 500 or status == 0:
            return MeshUnavailable(f"MESH {action}: HTTP {status}")
        if status == 403:
            if action in ("retrieve", "acknowledge"):
                return MeshMessageGone(f"MESH {action}: HTTP 403 (not this mailbox's message)")
            return MeshAuthenticationFailed(
                f"MESH {action}: HTTP 403 (check mailbox, password, shared key, certificate)"
            )
        if status in (404, 410):
            return MeshMessageGone(f"MESH {action}: HTTP {status}")
        return MeshSendRefused(f"MESH {action}: HTTP {status}")
    if isinstance(exc, mesh_client.MeshError):
        text = str(exc.args[0]) if exc.args else "unknown"
        detail = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
        codes = [str(d.get("code", "")) for d in detail.get("detail", []) if isinstance(d, dict)]
        if "Authentication" in text or "mailbox" in text.lower():
            return MeshAuthenticationFailed(f"MESH {action}: {text}")
        return MeshSendRefused(f"MESH {action}: {text} (codes {','.join(c for c in codes if c) or 'none'})")
    if isinstance(exc, _DOWN):
        return MeshUnavailable(f"MESH {action}: {type(exc).__name__}")
    return MeshError(f"MESH {action}: {type(exc).__name__}")


class MeshClientMailbox:
    """One mailbox through `mesh_client.MeshClient`. Close it (or use `with`)."""

    def __init__(self, config: MeshConfig, *, max_retries: int = 3, page_size: int = LIST_PAGE_LIMIT) -> None:
        self.mailbox = config.mailbox
        self._page_size = page_size
        cert = (config.cert, config.key) if config.cert else None
        self._client = mesh_client.MeshClient(
            config.url,
            mailbox=config.mailbox,
            password=config.password.get_secret_value(),
            shared_key=config.shared_key.get_secret_value().encode(),
            cert=cert,
            verify=config.ca or None,
            max_chunk_size=config.max_chunk_bytes,
            max_retries=max_retries,
            application_name="ndop",
        )
        if config.url.startswith("http://"):
            # Plain HTTP means the local sandbox: ask for chunks uncompressed (the sandbox would gzip each
            # one on the fly, which costs more than it saves on loopback).
            self._client._session.headers["Accept-Encoding"] = "identity"

    def __enter__(self) -> MeshClientMailbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _call(self, action: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except MeshError:
            raise
        except Exception as exc:  # noqa: BLE001 - every client failure becomes a domain error
            raise _translate(exc, action=action) from None

    def handshake(self) -> None:
        self._call("handshake", self._client.handshake)

    def inbox(self, workflow_id: str | None = None) -> Iterator[str]:
        pages = self._call(
            "list", self._client.iterate_message_ids, workflow_filter=workflow_id, batch_size=self._page_size
        )
        while True:
            try:
                yield next(pages)
            except StopIteration:
                return
            except Exception as exc:  # noqa: BLE001
                raise _translate(exc, action="list") from None

    def retrieve(self, message_id: str) -> tuple[InboundMessage, InboundBody]:
        message = self._call("retrieve", self._client.retrieve_message, message_id)
        info = InboundMessage(
            message_id=message_id,
            sender=(message.sender or "").upper(),
            recipient=(message.recipient or "").upper(),
            workflow_id=message.workflow_id or "",
            filename=message.filename or "",
            local_id=message.local_id or "",
            subject=message.subject or "",
        )
        return info, _Body(message)

    def send(self, outgoing: Outgoing, body: BinaryIO) -> str:
        # mesh-client sizes a stream by its file descriptor; an in-memory body goes as bytes.
        data: BinaryIO | bytes = body.getvalue() if isinstance(body, io.BytesIO) else body
        return str(
            self._call(
                "send",
                self._client.send_message,
                outgoing.recipient,
                data,
                workflow_id=outgoing.workflow_id,
                filename=outgoing.filename,
                local_id=outgoing.local_id or None,
                subject=outgoing.subject or None,
                content_type=outgoing.content_type,
            )
        )

    def sent_since(self, since: datetime) -> Iterator[SentMessage]:
        """Our outbox since `since`, from MESH's rich outbox (paged)."""
        session = self._client._session
        url: str | None = f"{self._client.mailbox_url}/outbox/rich"
        # Naive UTC: MESH reads it as UTC (and the sandbox cannot compare an offset with its naive times).
        start = since.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        params: dict[str, Any] | None = {"start_time": start, "max_results": 100}
        while url:
            try:
                response = session.get(url, params=params, timeout=60)
                response.raise_for_status()
            except Exception as exc:  # noqa: BLE001
                raise _translate(exc, action="outbox") from None
            page = response.json()
            for item in page.get("messages", []):
                sent = item.get("sent_date")
                yield SentMessage(
                    message_id=item["message_id"],
                    recipient=(item.get("recipient") or "").upper(),
                    workflow_id=item.get("workflow_id") or "",
                    local_id=item.get("local_id") or "",
                    sent_at=datetime.fromisoformat(sent) if sent else None,
                )
            following = (page.get("links") or {}).get("next")
            url = f"{self._client._url}{following}" if following else None
            params = None

    def acknowledge(self, message_id: str) -> None:
        self._call("acknowledge", self._client.acknowledge_message, message_id)


class _Body:
    """The message's bytes; read errors become domain errors too."""

    def __init__(self, message: Any) -> None:
        self._message = message

    def read(self, size: int = -1, /) -> bytes:
        try:
            data = self._message.read(None if size is None or size < 0 else size)
        except Exception as exc:  # noqa: BLE001
            raise _translate(exc, action="retrieve") from None
        return bytes(data or b"")

    def close(self) -> None:
        self._message.close()
