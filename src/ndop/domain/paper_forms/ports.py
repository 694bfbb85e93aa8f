"""Port of the paper forms: how a form becomes a PDF."""

from __future__ import annotations

from typing import Protocol

from ndop.domain.paper_forms.forms import PaperForm, SendTo


class PaperFormRenderer(Protocol):
    def render(self, form: PaperForm, send_to: SendTo) -> bytes:
        """The form as an accessible, tagged PDF with real text."""
        ...
