"""Time is injected: the domain never asks the system what time it is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests and replays; `advance` moves it on."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at


def today(clock: Clock) -> date:
    return clock.now().date()


class ShiftedClock:
    """Another clock's time moved by a fixed amount (demo data recorded in the past)."""

    def __init__(self, base: Clock, delta: timedelta) -> None:
        self._base = base
        self._delta = delta

    def now(self) -> datetime:
        return self._base.now() + self._delta
