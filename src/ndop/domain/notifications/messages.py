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
    LOCKED_NOTICE = "locked_notice"  # someone tried too often with this person's details (ADR 0045)


# Personalisation that must never be kept anywhere: stored copies show MASK instead (ADR 0046).
SECRET_PERSONALISATION = frozenset({"code"})
MASK = "••••••"


_SUBJECTS = {
    Template.SECURITY_CODE: "Your NHS security code",
    Template.CHOICE_CONFIRMATION: "Your national data opt-out choice",
    Template.LOCKED_NOTICE: "Someone tried to use your details",
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
    Template.LOCKED_NOTICE: (
        "Someone tried too many times to use your details on Manage your choice (national data opt-out), "
        "so we have paused it online for your NHS number for {minutes} minutes. If this was you, try again "
        "later. You can make or change your choice at any time by calling 0300 303 5678."
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

    @property
    def stored_body(self) -> str:
        """The body as it may be kept (an outbox, a log): secrets such as the code masked."""
        shown = {k: (MASK if k in SECRET_PERSONALISATION else v) for k, v in self.personalisation.items()}
        return _BODIES[self.template].format(**shown)
