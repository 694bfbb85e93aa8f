"""Choices and their history.

A choice is an append-only event. The latest expression of will wins: the current choice is the event
with the latest `made_at` (when the person made it), ties broken by the higher sequence, so a back-dated
event (a postal form signed before a later online choice, a converted GP code, a re-import) enters the
history without overriding a later choice. No event at all means the person has not opted out. The
sequence number is the registry version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ndop.domain.common.nhs_number import NhsNumber


class Choice(StrEnum):
    OPTED_OUT = "opted_out"
    NOT_OPTED_OUT = "not_opted_out"


class Channel(StrEnum):
    """NDOP-OptOutSource-1 codes, plus T2 for the 2018 conversion of Type 2 opt-outs."""

    ONLINE = "OP"
    APP = "PFSP"
    NHS_UK_FORM = "FN"
    CONTACT_CENTRE = "CC"
    PAPER = "PP"
    TYPE2_CONVERSION = "T2"

    @property
    def is_staff_assisted(self) -> bool:
        return self in (Channel.CONTACT_CENTRE, Channel.PAPER)


class ProxyRole(StrEnum):
    """NDOP-ProxyRole-1 codes."""

    GUARDIAN = "GUARDIAN"
    POWER_OF_ATTORNEY = "POA"
    COURT_APPOINTED_DEPUTY = "COURTDEP"


@dataclass(frozen=True, slots=True)
class Proxy:
    """Someone with formal legal powers acting for the patient, and the evidence seen."""

    role: ProxyRole
    name: str
    evidence_type: str
    evidence_reference: str


@dataclass(frozen=True, slots=True)
class ChoiceRequest:
    """What someone asks the registry to record. Validated by `eligibility.check`."""

    nhs_number: NhsNumber
    choice: Choice
    channel: Channel
    proxy: Proxy | None = None
    case_reference: str = ""
    # When the person made the choice; None means now (the moment it is recorded).
    made_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ChoiceEvent:
    """A recorded choice. Never changed once written."""

    sequence: int
    nhs_number: NhsNumber
    choice: Choice
    recorded_at: datetime
    channel: Channel
    recorded_by: str
    proxy: Proxy | None = None
    case_reference: str = ""
    made_at: datetime | None = None  # None only for an event built before it is stored: then recorded_at

    @property
    def effective_made_at(self) -> datetime:
        return self.recorded_at if self.made_at is None else self.made_at

    @property
    def precedence(self) -> tuple[datetime, int]:
        """Orders a person's events: the greatest is the current choice."""
        return (self.effective_made_at, self.sequence)

    @property
    def acted_for_self(self) -> bool:
        return self.proxy is None


@dataclass(frozen=True, slots=True)
class ChoiceHistory:
    nhs_number: NhsNumber
    events: tuple[ChoiceEvent, ...] = field(default_factory=tuple)

    @property
    def current(self) -> ChoiceEvent | None:
        return max(self.events, key=lambda e: e.precedence, default=None)

    @property
    def current_choice(self) -> Choice:
        event = self.current
        return Choice.NOT_OPTED_OUT if event is None else event.choice
