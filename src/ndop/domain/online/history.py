""""Your choice history": what a verified person is shown of their own record (pure; issue 12, ADR 69).

Two kinds of entry, newest first: every recorded choice (when it was made, what it was, how: online, by
phone, by post, converted from a GP opt-out, and by whom when someone acted for them) and every time
contact-centre staff opened the record (when, and the reason they gave). Never a staff member's name or
id, a proxy's name, a case reference, an internal sequence number or another person's NHS number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ndop.domain.registry.choices import Channel, Choice, ChoiceEvent, ProxyRole

HOW: dict[Channel, str] = {
    Channel.ONLINE: "Online",
    Channel.APP: "In the NHS App",
    Channel.NHS_UK_FORM: "Online, with the form on the NHS website",
    Channel.CONTACT_CENTRE: "By phone",
    Channel.PAPER: "By post",
    Channel.TYPE2_CONVERSION: "Converted from the opt-out you gave your GP practice (a type 2 opt-out)",
}
BY_WHOM: dict[ProxyRole, str] = {
    ProxyRole.GUARDIAN: "by a parent or guardian",
    ProxyRole.POWER_OF_ATTORNEY: "by someone with lasting power of attorney",
    ProxyRole.COURT_APPOINTED_DEPUTY: "by a court-appointed deputy",
}
CHOICE_WORDS: dict[Choice, str] = {
    Choice.OPTED_OUT: "Your choice was set to: do not use my confidential patient information for research "
                      "and planning",
    Choice.NOT_OPTED_OUT: "Your choice was set to: my confidential patient information can be used for research "
                          "and planning",
}
STAFF_VIEW = "Contact centre staff looked at your record"


class EntryKind(StrEnum):
    CHOICE = "choice"
    STAFF_VIEW = "staff_view"


@dataclass(frozen=True, slots=True)
class StaffView:
    """A time contact-centre staff opened the record, as the audit trail has it (no staff id here)."""

    viewed_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    kind: EntryKind
    at: datetime
    what: str
    how: str


def how_made(event: ChoiceEvent) -> str:
    how = HOW[event.channel]
    if event.proxy is not None:
        return f"{how}, {BY_WHOM[event.proxy.role]}"
    return how


def entries(events: list[ChoiceEvent] | tuple[ChoiceEvent, ...], views: list[StaffView]) -> list[HistoryEntry]:
    """Newest first; a choice and a view at the same moment: the choice first (it is what was looked at)."""
    out = [
        HistoryEntry(EntryKind.CHOICE, event.made_at or event.recorded_at, CHOICE_WORDS[event.choice], how_made(event))
        for event in events
    ]
    out += [HistoryEntry(EntryKind.STAFF_VIEW, view.viewed_at, STAFF_VIEW, _reason(view.reason)) for view in views]
    return sorted(out, key=lambda e: (e.at, e.kind is EntryKind.CHOICE), reverse=True)


def _reason(reason: str) -> str:
    text = " ".join(reason.split())
    return f"Reason given: {text}" if text else "No reason was recorded"
