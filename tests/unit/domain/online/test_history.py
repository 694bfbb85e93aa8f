"""The words "Your choice history" uses for each channel and proxy, and its order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ndop.domain.online.history import HOW, EntryKind, StaffView, entries, how_made
from ndop.domain.registry.choices import Channel, Choice, ChoiceEvent, Proxy, ProxyRole
from tests.conftest import number

JANE = number("943476591")
AT = datetime(2026, 3, 2, 11, tzinfo=UTC)


def event(channel: Channel, proxy: ProxyRole | None = None, *, made_at: datetime = AT, sequence: int = 1,
          choice: Choice = Choice.OPTED_OUT) -> ChoiceEvent:
    return ChoiceEvent(sequence, JANE, choice, made_at, channel, "staff:alice.agent",
                       proxy=None if proxy is None else Proxy(proxy, "John Attorney", "certified_lpa", "LPA1"),
                       case_reference="CC-1", made_at=made_at)


@pytest.mark.parametrize(("channel", "proxy", "words"), [
    (Channel.ONLINE, None, "Online"),
    (Channel.APP, None, "In the NHS App"),
    (Channel.CONTACT_CENTRE, None, "By phone"),
    (Channel.PAPER, None, "By post"),
    (Channel.TYPE2_CONVERSION, None, "Converted from the opt-out you gave your GP practice (a type 2 opt-out)"),
    (Channel.CONTACT_CENTRE, ProxyRole.GUARDIAN, "By phone, by a parent or guardian"),
    (Channel.PAPER, ProxyRole.POWER_OF_ATTORNEY, "By post, by someone with lasting power of attorney"),
    (Channel.PAPER, ProxyRole.COURT_APPOINTED_DEPUTY, "By post, by a court-appointed deputy"),
])
def test_how_a_choice_was_made_in_words(channel, proxy, words) -> None:
    assert how_made(event(channel, proxy)) == words


def test_every_channel_has_words() -> None:
    assert set(HOW) == set(Channel)


def test_newest_first_with_a_choice_before_a_view_at_the_same_moment() -> None:
    later = datetime(2026, 6, 1, tzinfo=UTC)
    found = entries([event(Channel.ONLINE, made_at=AT), event(Channel.PAPER, made_at=later, sequence=2)],
                    [StaffView(later, "  asked   by phone "), StaffView(AT.replace(hour=9), "")])
    assert [(e.kind, e.at) for e in found] == [(EntryKind.CHOICE, later), (EntryKind.STAFF_VIEW, later),
                                               (EntryKind.CHOICE, AT), (EntryKind.STAFF_VIEW, AT.replace(hour=9))]
    assert found[1].how == "Reason given: asked by phone" and found[3].how == "No reason was recorded"


def test_no_entry_carries_a_proxy_name_a_staff_id_or_a_case_reference() -> None:
    text = " ".join(f"{e.what} {e.how}" for e in entries([event(Channel.PAPER, ProxyRole.POWER_OF_ATTORNEY)], []))
    for never in ("John Attorney", "alice", "CC-1", "LPA1", JANE.digits):
        assert never not in text
