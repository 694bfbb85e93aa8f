"""GOV.UK Notify through its official client. Chosen by the composition root when a key is set."""

from __future__ import annotations

from collections.abc import Mapping

from notifications_python_client.notifications import NotificationsAPIClient

from ndop.domain.notifications.messages import ContactMethod, Message, Template

TemplateIds = Mapping[tuple[ContactMethod, Template], str]


class NotifyNotifier:
    def __init__(self, client: NotificationsAPIClient, template_ids: TemplateIds) -> None:
        self._client = client
        self._templates = template_ids

    @classmethod
    def connect(cls, api_key: str, base_url: str, template_ids: TemplateIds, timeout: int = 10) -> NotifyNotifier:
        return cls(NotificationsAPIClient(api_key, base_url=base_url, timeout=timeout), template_ids)

    def send(self, message: Message) -> str:
        template_id = self._templates[(message.method, message.template)]
        personalisation = dict(message.personalisation)
        if message.method is ContactMethod.SMS:
            response = self._client.send_sms_notification(
                phone_number=message.to, template_id=template_id, personalisation=personalisation,
                reference=message.reference or None,
            )
        else:
            response = self._client.send_email_notification(
                email_address=message.to, template_id=template_id, personalisation=personalisation,
                reference=message.reference or None,
            )
        return str(response["id"])
