from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import GENESIS_HASH, AuditEntry, seal
from ndop.domain.common.audit_actions import AuditAction, markdown_table

REPO = Path(__file__).resolve().parents[4]

# Every action stored before the enum existed. Rows and their hashes hold these strings: each must stay
# a member with exactly this value (new members are free to come).
STORED_BEFORE_THE_ENUM = (
    "check.completed", "choice.recorded", "mesh.request.answered", "mesh.request.refused",
    "mesh.request.undeliverable", "online.identity_matched", "online.identity_not_matched", "online.locked_out",
    "online.security_code_expired", "online.security_code_refused", "online.security_code_reused",
    "online.security_code_sent", "online.security_code_verified", "online.security_code_wrong",
    "organisation.api_key_issued", "organisation.api_key_revoked", "organisation.check_limits_set",
    "organisation.registered", "organisation.updated", "organisation_user.added", "organisation_user.disabled",
    "organisation_user.enabled", "organisation_user.sign_in_failed", "organisation_user.signed_in",
    "patient.viewed", "patients.loaded", "policy_flow.recorded", "policy_flow.revised", "population.imported",
    # stored by the contact centre, statistics, Spark export and identity limits before they met the enum
    "case.approved", "case.cannot_match", "case.matched", "case.opened", "case.rejected", "letter.queued",
    "online.identity_refused", "snapshot.exported", "staff.added", "staff.disabled", "staff.enabled", "staff.locked",
    "staff.person_traced", "staff.reset", "staff.roles_changed", "staff.sign_in_failed", "staff.signed_in",
    "statistics.published",
)


def _doc_script():
    spec = importlib.util.spec_from_file_location("audit_actions_doc", REPO / "scripts" / "audit_actions_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_audit_actions_keep_every_stored_value() -> None:
    assert {a.value for a in AuditAction} >= set(STORED_BEFORE_THE_ENUM)
    for value in STORED_BEFORE_THE_ENUM:
        assert AuditAction(value) == value


def test_audit_actions_are_in_alphabetical_order_with_one_line_each() -> None:
    values = [a.value for a in AuditAction]
    assert values == sorted(values), "add a new action in alphabetical order of its value"
    for action in AuditAction:
        assert action.description.strip() and "\n" not in action.description and "|" not in action.description


def test_audit_actions_list_in_docs_is_up_to_date() -> None:
    script = _doc_script()
    committed = (REPO / "docs" / "registry.md").read_text(encoding="utf-8")
    stale = "docs/registry.md is stale: run `.venv/bin/python scripts/audit_actions_doc.py`"
    assert script.with_table(committed, markdown_table()) == committed, stale
    assert markdown_table() in committed


def test_audit_actions_doc_rewrites_only_the_marked_part() -> None:
    script = _doc_script()
    text = f"# Title\n\nbefore\n{script.BEGIN}\nold table\n{script.END}\nafter\n"
    written = script.with_table(text, "| new |\n")
    assert written == f"# Title\n\nbefore\n{script.BEGIN}\n| new |\n{script.END}\nafter\n"
    with pytest.raises(ValueError):
        script.with_table("no markers", "| new |\n")


# Hashes the chain gave these records when actions and actors were plain strings (computed then).
@pytest.mark.parametrize(
    ("action", "actor", "subject", "details", "digest"),
    [
        (AuditAction.CHOICE_RECORDED, Actor.staff_user("1"), "9434765919",
         {"sequence": 1, "choice": "opted_out", "channel": "CC"},
         "d4234c48080202290f1f8036a8dbb20fcc5db98255cdd91fec8bc23764fb7bcf"),
        (AuditAction.CHECK_COMPLETED, Actor.organisation_user("ann@example.nhs.uk").through("web"), "job1",
         {"rows_in": 3}, "250ef9f71f2acf8d2a37b4287d06a9a07a8a605ddbda4e1fc97ce306192a9efa"),
        (AuditAction.ORGANISATION_USER_SIGN_IN_FAILED, Actor.anonymous(), "", {"client": "x"},
         "87733d5d059c65fcb3b4f146d8f6ad1c5c147b11eb689ba8c142b8ae7d7aeca6"),
        (AuditAction.POLICY_FLOW_RECORDED, Actor.organisation_user("ig@leeds.nhs.uk"), "RR8", {},
         "8d9dd0d2cdfcc6e27b64b00501472b57e25bfd7ebed93f125510f9e23250ec55"),
        (AuditAction.ONLINE_SECURITY_CODE_SENT, Actor.patient(), "9434765919", {"method": "sms"},
         "51d54f705586de7cbdafe94d5367ee752898f78a6fa479a0c3ef69ebd63b945b"),
    ],
)
def test_audit_typed_entries_hash_as_the_strings_did(action, actor, subject, details, digest) -> None:
    record = seal(AuditEntry(action, actor, subject, details), sequence=7,
                  occurred_at=datetime(2026, 1, 1, 12, tzinfo=UTC), previous_hash=GENESIS_HASH)
    assert record.hash == digest
    assert type(record.action) is str and type(record.actor) is str


def test_audit_entry_refuses_untyped_action_or_actor() -> None:
    with pytest.raises(TypeError):
        AuditEntry("choice.recorded", Actor.staff_user("1"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        AuditEntry(AuditAction.CHOICE_RECORDED, "staff:1")  # type: ignore[arg-type]
