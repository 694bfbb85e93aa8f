"""The GOV.UK Notify adapter, with the real client, against a local fake of the Notify API."""

from __future__ import annotations

import pytest

from ndop.adapters.notify.client import NotifyNotifier
from ndop.domain.notifications.messages import ContactMethod, Message, Template
from tests.integration.notifications.fake_notify import FakeNotify

TEMPLATES = {
    (ContactMethod.SMS, Template.SECURITY_CODE): "sms-code-template",
    (ContactMethod.EMAIL, Template.SECURITY_CODE): "email-code-template",
    (ContactMethod.SMS, Template.CHOICE_CONFIRMATION): "sms-confirm-template",
    (ContactMethod.EMAIL, Template.CHOICE_CONFIRMATION): "email-confirm-template",
}


@pytest.fixture
def notify():
    with FakeNotify() as fake:
        yield fake


def test_sms_code_goes_to_notify_with_a_signed_token_and_the_template(notify) -> None:
    notifier = NotifyNotifier.connect(notify.api_key, notify.base_url, TEMPLATES)
    message = Message(ContactMethod.SMS, "07700900123", Template.SECURITY_CODE, {"code": "123456", "minutes": "10"},
                      reference="abc123")
    provider_id = notifier.send(message)
    assert notify.rejected == []
    [sent] = notify.received
    assert sent["path"] == "/v2/notifications/sms"
    assert sent["body"] == {"phone_number": "07700900123", "template_id": "sms-code-template",
                            "personalisation": {"code": "123456", "minutes": "10"}, "reference": "abc123"}
    assert len(provider_id) == 36


def test_email_confirmation_uses_the_email_endpoint(notify) -> None:
    notifier = NotifyNotifier.connect(notify.api_key, notify.base_url, TEMPLATES)
    notifier.send(Message(ContactMethod.EMAIL, "jane@example.com", Template.CHOICE_CONFIRMATION,
                          {"choice_text": "x"}))
    [sent] = notify.received
    assert sent["path"] == "/v2/notifications/email"
    assert sent["body"]["email_address"] == "jane@example.com"
    assert sent["body"]["template_id"] == "email-confirm-template"
    assert "reference" not in sent["body"]


def test_wrong_api_key_is_refused_by_notify_and_raises(notify) -> None:
    other = FakeNotify()  # a key for another service, never started
    notifier = NotifyNotifier.connect(other.api_key, notify.base_url, TEMPLATES)
    with pytest.raises(Exception) as raised:
        notifier.send(Message(ContactMethod.SMS, "07700900123", Template.SECURITY_CODE, {"code": "1", "minutes": "1"}))
    assert "403" in str(raised.value) or "token" in str(raised.value).lower()
    assert notify.received == [] and notify.rejected


def test_container_picks_notify_when_a_key_is_configured(notify, settings, monkeypatch) -> None:
    from ndop import container
    from ndop.config import load

    env = {
        "NDOP_NOTIFY_API_KEY": notify.api_key,
        "NDOP_NOTIFY_BASE_URL": notify.base_url,
        "NDOP_NOTIFY_TEMPLATE_SMS_CODE": "a",
        "NDOP_NOTIFY_TEMPLATE_EMAIL_CODE": "b",
        "NDOP_NOTIFY_TEMPLATE_SMS_CONFIRMATION": "c",
        "NDOP_NOTIFY_TEMPLATE_EMAIL_CONFIRMATION": "d",
        "NDOP_NOTIFY_TEMPLATE_SMS_LOCKED": "e",
        "NDOP_NOTIFY_TEMPLATE_EMAIL_LOCKED": "f",
    }
    settings.CONFIG = settings.CONFIG.replace(notify=load(env).notify)  # the pytest-django fixture restores it
    notifier = container.notifier()
    assert isinstance(notifier, NotifyNotifier)
    notifier.send(Message(ContactMethod.EMAIL, "jane@example.com", Template.SECURITY_CODE,
                          {"code": "123456", "minutes": "10"}))
    assert notify.received[0]["body"]["template_id"] == "b"


def test_notify_key_without_template_ids_is_a_configuration_error() -> None:
    from ndop.config import ConfigError, load

    with pytest.raises(ConfigError, match="NDOP_NOTIFY_TEMPLATE_SMS_CODE"):
        load({"NDOP_NOTIFY_API_KEY": "k" * 80})
