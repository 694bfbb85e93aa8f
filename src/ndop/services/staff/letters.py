"""Letters: queued with the case in its transaction, rendered and sent after it commits (so a letter
never goes out for a case that rolled back, and a slow provider never holds the registry's locks)."""

from __future__ import annotations

from datetime import date
from typing import Final

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.contact_centre.cases import Case
from ndop.domain.contact_centre.evidence import ProxyDetails
from ndop.domain.contact_centre.ports import ContactCentre
from ndop.domain.letters.letters import Letter, LetterKind, LetterStatus, Recipient
from ndop.domain.letters.ports import LetterDispatcher, LetterRenderer, LetterStore
from ndop.domain.registry.choices import Choice
from ndop.domain.registry.patients import Patient

BATCH: Final = 500


def person_recipient(patient: Patient) -> Recipient:
    return Recipient(patient.full_name, patient.address_lines, patient.postcode)


def proxy_recipient(proxy: ProxyDetails) -> Recipient:
    return Recipient(proxy.name, proxy.address_lines, proxy.postcode)


def queue_letter(
    unit: ContactCentre, case: Case, kind: LetterKind, recipient: Recipient, about_name: str, *,
    choice: Choice | None = None, reason: str = "", by_proxy: bool = False,
) -> Letter:
    """Write a pending letter for `case` (call inside the case's transaction)."""
    made_on: date | None = case.made_at.date() if case.made_at else None
    letter = unit.letters.add(
        Letter(
            id="", kind=kind, nhs_number=case.nhs_number, recipient=recipient,
            about_name=about_name, reference=case.reference, created_at=unit.clock.now(), choice=choice,
            made_on=made_on, reason=reason, by_proxy=by_proxy,
        ),
        case_reference=case.reference,
    )
    unit.audit.append(
        AuditEntry(action=AuditAction.LETTER_QUEUED, actor=Actor.system(),
                   subject=case.nhs_number.digits if case.nhs_number else "",
                   details={"letter": letter.id, "kind": kind.value, "case": case.reference})
    )
    return letter


def send_pending_letters(
    store: LetterStore, renderer: LetterRenderer, dispatcher: LetterDispatcher, *, limit: int = 500,
    case_reference: str = "",
) -> int:
    """Render and send pending letters, up to `limit`, in batches: each batch is rendered together and marked in
    one transaction (not one commit per letter). Only one case's with `case_reference`: what a portal action
    queued, so that agents' requests do not render each other's letters. Returns how many. A failure leaves the
    rest pending."""
    sent = 0
    while sent < limit:
        batch = store.claim(min(BATCH, limit - sent), case_reference=case_reference)
        if not batch:
            break
        marks = []
        try:
            for letter, pdf in zip(batch, renderer.render_many(batch), strict=True):
                status, path, provider_id = dispatcher.dispatch(letter, pdf)
                marks.append((letter.id, status, path, provider_id))
        finally:
            store.mark_many(marks)  # what was sent is marked, even when a later letter failed
            store.release([letter.id for letter in batch[len(marks):]])  # the rest wait for the next run
        sent += len(marks)
        if len(batch) < BATCH:
            break
    return sent


__all__ = ["LetterStatus", "person_recipient", "proxy_recipient", "queue_letter", "send_pending_letters"]
