"""Messages the service sends: security codes and confirmations, by SMS or email.

The wording lives here so that the outbox, the tests and the GOV.UK Notify templates agree.
A Notify template uses the same personalisation keys: ((code)), ((minutes)), ((choice_text)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class ContactMethod(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class Template(StrEnum):
    SECURITY_CODE = "security_code"
    CHOICE_CONFIRMATION = "choice_confirmation"


_SUBJECTS = {
    Template.SECURITY_CODE: "Your NHS security code",
    Template.CHOICE_CONFIRMATION: "Your national data opt-out choice",
}

_BODIES = {
    Template.SECURITY_CODE: (
        "Your security code for Manage your choice (national data opt-out) is {code}. "
        "It expires in {minutes} minutes. Do not share it with anyone."
    ),
    Template.CHOICE_CONFIRMATION: (
        "We have recorded your choice: {choice_text}. "
        "You can change your choice at any time online, or by calling 0300 303 5678."
    ),
}


@dataclass(frozen=True, slots=True)
class Message:
    method: ContactMethod
    to: str
    template: Template
    personalisation: Mapping[str, str] = field(default_factory=dict)
    reference: str = ""

    @property
    def subject(self) -> str:
        return _SUBJECTS[self.template]

    @property
    def body(self) -> str:
        return _BODIES[self.template].format(**self.personalisation)
