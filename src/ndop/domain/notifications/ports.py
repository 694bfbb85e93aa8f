"""Ports of notifications: where messages go (the outbox, or GOV.UK Notify)."""

from __future__ import annotations

from typing import Protocol

from ndop.domain.notifications.messages import Message


class Notifier(Protocol):
    def send(self, message: Message) -> str:
        """Send (or queue) the message; returns the provider's id for it. Raises on failure."""
        ...
