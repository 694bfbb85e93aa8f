"""Record a verified person's own choice (channel OP) and confirm it to the contact they used."""

from __future__ import annotations

from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.notifications.messages import ContactMethod, Message, Template
from ndop.domain.registry.choices import Channel, Choice, ChoiceEvent, ChoiceHistory, ChoiceRequest
from ndop.services.online.deps import OnlineDeps
from ndop.services.registry.record_choice import record_choice

CHOICE_TEXT = {
    Choice.NOT_OPTED_OUT: "your confidential patient information can be used for research and planning",
    Choice.OPTED_OUT: "your confidential patient information will not be used for research and planning",
}


def set_choice_online(
    deps: OnlineDeps, nhs_number: NhsNumber, choice: Choice, method: ContactMethod | None
) -> ChoiceEvent | None:
    """Record through `record_choice` (eligibility, audit), then send the confirmation (none when `method` is
    None: someone signed in with NHS login whose record has no mobile or email).

    A choice the person already has is no change: nothing is recorded or sent, and the answer is None.
    """
    history = ChoiceHistory(nhs_number, tuple(deps.registry.choices.history(nhs_number)))
    if history.current_choice is choice:
        return None
    event = record_choice(deps.registry, ChoiceRequest(nhs_number, choice, Channel.ONLINE), recorded_by=PATIENT_ONLINE)
    patient = deps.registry.patients.get(nhs_number)
    if patient is None or method is None:
        return event
    to = (patient.mobile if method is ContactMethod.SMS else patient.email).strip()
    if to:
        deps.notifier.send(
            Message(method, to, Template.CHOICE_CONFIRMATION, {"choice_text": CHOICE_TEXT[choice]},
                    reference=f"choice-{event.sequence}")
        )
    return event
