"""Ports of letters: where they are kept, how they become PDFs, and where they are sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from ndop.domain.letters.letters import Letter, LetterKind, LetterStatus


class LetterStore(Protocol):
    def add(self, letter: Letter, case_reference: str = "") -> Letter:
        """Store a new letter (its id empty); returns it with its id."""
        ...

    def get(self, letter_id: str) -> Letter | None: ...

    def mark(self, letter_id: str, status: LetterStatus, *, path: str = "", provider_id: str = "") -> None: ...

    def mark_many(self, marks: list[tuple[str, LetterStatus, str, str]]) -> None:
        """Mark many letters at once, (id, status, path, provider id) each, in one transaction."""
        ...

    def claim(self, limit: int = 500, *, case_reference: str = "") -> list[Letter]:
        """Take up to `limit` pending letters, the oldest first, for this sender alone: each is `sending` when
        returned, and a letter another sender holds is never returned. Only one case's with `case_reference`."""
        ...

    def release(self, letter_ids: Sequence[str]) -> None:
        """Give claimed letters that were not sent back to the pending ones."""
        ...

    def listed(self, *, on: date | None = None, case_reference: str = "", kind: LetterKind | None = None,
               limit: int = 10000) -> list[Letter]: ...


class LetterRenderer(Protocol):
    def render(self, letter: Letter) -> bytes:
        """The letter as a PDF."""
        ...

    def render_many(self, letters: Sequence[Letter]) -> list[bytes]: ...


class LetterDispatcher(Protocol):
    """The letters outbox on disk, or GOV.UK Notify's precompiled-letter API."""

    def dispatch(self, letter: Letter, pdf: bytes) -> tuple[LetterStatus, str, str]:
        """Keep or send the PDF; returns (status, path on disk, provider id)."""
        ...
