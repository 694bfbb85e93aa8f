"""Record a choice: validate it, append the event, move the projection, audit it. All or nothing."""

from __future__ import annotations

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.errors import ChoiceMadeInFuture, PatientNotFound
from ndop.domain.registry import eligibility
from ndop.domain.registry.choices import ChoiceEvent, ChoiceRequest
from ndop.domain.registry.integrity import event_row, events_digest
from ndop.domain.registry.ports import Registry


def record_choice(registry: Registry, request: ChoiceRequest, *, recorded_by: Actor) -> ChoiceEvent:
    """Record `request` on behalf of `recorded_by` (the person online, a staff user, an operator, a system job).

    Raises a DomainError, having written nothing, when the request may not be recorded.
    """
    with registry.transaction():
        patient = registry.patients.get(request.nhs_number)
        if patient is None:
            raise PatientNotFound(
                "There is no patient with this NHS number in the patient index. Check the number."
            )
        checked = registry.clock.now()
        eligibility.check(patient, request, checked.date())
        if request.made_at is not None and request.made_at > checked:
            raise ChoiceMadeInFuture("The date the choice was made cannot be in the future. Check the date.")
        sequence = registry.choices.next_sequence()
        # Read under the counter's lock, so that "now" advances with the sequence: concurrent choices made
        # now are ordered as they were recorded, and the latest-made rule agrees with the latest write.
        now = registry.clock.now()
        made_at = now if request.made_at is None else request.made_at
        event = ChoiceEvent(
            sequence=sequence,
            nhs_number=request.nhs_number,
            choice=request.choice,
            recorded_at=now,
            made_at=made_at,
            channel=request.channel,
            recorded_by=str(recorded_by),
            proxy=request.proxy,
            case_reference=request.case_reference,
        )
        registry.choices.append(event)
        details: dict[str, object] = {
            "sequence": event.sequence,
            # Seals the whole stored event in the audit chain (ADR 40).
            "event_sha256": events_digest([event_row(event)]),
            "choice": event.choice.value,
            "channel": event.channel.value,
        }
        if made_at != now:
            details["made_at"] = made_at.isoformat()
        if event.proxy is not None:
            details["proxy_role"] = event.proxy.role.value
        if event.case_reference:
            details["case_reference"] = event.case_reference
        registry.audit.append(
            AuditEntry(
                action=AuditAction.CHOICE_RECORDED, actor=recorded_by, subject=event.nhs_number.digits, details=details
            )
        )
    return event
