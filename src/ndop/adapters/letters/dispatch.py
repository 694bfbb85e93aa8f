"""Where rendered letters go: the outbox on disk (a print run collects them), or GOV.UK Notify.

Either way the PDF is kept under the var directory (`letters/YYYY-MM-DD/<id>.pdf`), so the portal can show
it and `ndop letters print` can join a day's letters."""

from __future__ import annotations

import io
import os
from pathlib import Path

from notifications_python_client.notifications import NotificationsAPIClient

from ndop.domain.letters.letters import Letter, LetterStatus


def _keep(root: Path, letter: Letter, pdf: bytes) -> Path:
    folder = root / letter.created_at.date().isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{letter.id}.pdf"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pdf)
    os.replace(tmp, path)  # a reader never sees half a letter
    return path


class OutboxDispatcher:
    def __init__(self, root: Path) -> None:
        self._root = root

    def dispatch(self, letter: Letter, pdf: bytes) -> tuple[LetterStatus, str, str]:
        return LetterStatus.IN_OUTBOX, str(_keep(self._root, letter, pdf)), ""


class NotifyLetterDispatcher:
    """GOV.UK Notify's precompiled-letter API (`POST /v2/notifications/letter`) through the official client."""

    def __init__(self, root: Path, client: NotificationsAPIClient, postage: str = "second") -> None:
        self._root = root
        self._client = client
        self._postage = postage

    @classmethod
    def connect(cls, root: Path, api_key: str, base_url: str, timeout: int = 20) -> NotifyLetterDispatcher:
        return cls(root, NotificationsAPIClient(api_key, base_url=base_url, timeout=timeout))

    def dispatch(self, letter: Letter, pdf: bytes) -> tuple[LetterStatus, str, str]:
        path = _keep(self._root, letter, pdf)
        # Notify's reference is ours (the letter id): no NHS number or name leaves in it.
        response = self._client.send_precompiled_letter_notification(
            reference=letter.id, pdf_file=io.BytesIO(pdf), postage=self._postage
        )
        return LetterStatus.SENT, str(path), str(response["id"])
