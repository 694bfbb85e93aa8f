"""What a new user tripped on, over HTTP: a new code, a timed-out session, the same choice again, the message."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from ndop.adapters.db import models as m
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.notifications.messages import ContactMethod
from ndop.domain.registry.choices import Choice
from ndop.services.online.set_choice_online import set_choice_online
from tests.integration.patient.conftest import last_code
from tests.integration.patient.test_pages import BASE, identify, verify

pytestmark = pytest.mark.django_db


def test_send_a_new_code_says_it_was_sent_and_that_the_earlier_code_no_longer_works(client, jane) -> None:
    identify(client, jane)
    client.post(BASE + "send-code", {"method": "sms"})
    first = last_code(jane.mobile)
    assert "We have sent you a new security code" not in client.get(BASE + "security-code").content.decode()
    r = client.post(BASE + "send-code/again")
    assert r["Location"] == BASE + "security-code"
    html = client.get(BASE + "security-code").content.decode()
    assert "We have sent you a new security code" in html
    assert "Any code we sent you before this one no longer works" in html
    second = last_code(jane.mobile)
    if first != second:
        html = client.post(BASE + "security-code", {"security_code": first}).content.decode()
        assert "The security code is not correct. Use the code in the newest message we sent you." in html
    r = client.post(BASE + "security-code", {"security_code": second})
    assert r["Location"] == BASE + "your-choice"


def test_an_expired_session_says_it_timed_out_and_why(client, jane) -> None:
    identify(client, jane)
    client.post(BASE + "send-code", {"method": "sms"})
    Session.objects.all().delete()  # what 20 minutes without a request do: the session is gone
    for path in ("security-code", "send-code", "your-choice", "check", "date-of-birth"):
        assert client.get(BASE + path)["Location"] == BASE + "session-expired", path
        Session.objects.all().delete()
    html = client.get(BASE + "session-expired").content.decode()
    assert "Your session has timed out" in html and "20 minutes" in html and "keep your information safe" in html


def test_a_page_out_of_order_without_a_session_goes_to_the_start_not_the_timed_out_page(client) -> None:
    assert client.get(BASE + "your-choice")["Location"] == BASE


def test_confirming_the_choice_already_held_records_nothing_and_says_it_has_not_changed(client, jane) -> None:
    verify(client, jane)
    events = m.ChoiceEvent.objects.count()
    audit = m.AuditEvent.objects.filter(action=AuditAction.CHOICE_RECORDED).count()
    client.post(BASE + "your-choice", {"allow": "yes"})  # no event yet: the choice already is "yes"
    r = client.post(BASE + "check")
    assert r["Location"] == BASE + "not-changed"
    html = client.get(BASE + "not-changed").content.decode()
    assert "Your choice has not changed" in html and "21 days" not in html
    assert m.ChoiceEvent.objects.count() == events
    assert m.AuditEvent.objects.filter(action=AuditAction.CHOICE_RECORDED).count() == audit
    assert not m.OutboxMessage.objects.filter(template="choice_confirmation").exists()
    assert client.get(BASE + "confirmation")["Location"] == BASE


def test_set_choice_online_twice_records_one_event(online, jane) -> None:
    assert set_choice_online(online, jane.nhs_number, Choice.OPTED_OUT, ContactMethod.SMS) is not None
    assert set_choice_online(online, jane.nhs_number, Choice.OPTED_OUT, ContactMethod.SMS) is None
    assert set_choice_online(online, jane.nhs_number, Choice.NOT_OPTED_OUT, ContactMethod.SMS) is not None
    assert m.ChoiceEvent.objects.count() == 2


def test_no_answer_says_the_whole_question(client, jane) -> None:
    verify(client, jane)
    html = client.post(BASE + "your-choice", {}).content.decode()
    assert ("Select yes if you allow your confidential patient information to be used for research and planning, "
            "or no if you do not") in html
