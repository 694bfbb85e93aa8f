"""Every action the audit trail records: one enum, one line each saying what it records.

The values are what audit rows store and what their hashes cover: never change one. A new action is a
new member, in alphabetical order of its value (so each feature's actions stand together), with its
description; docs/registry.md lists them from here (`scripts/audit_actions_doc.py`, kept current by a
test).
"""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    description: str

    def __new__(cls, value: str, description: str) -> AuditAction:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    CASE_APPROVED = (
        "case.approved",
        "A second staff member verified a proxy's evidence and approved the case; the choice is recorded",
    )
    CASE_CANNOT_MATCH = (
        "case.cannot_match",
        "A postal form could not be matched to one person in the index; with the reason",
    )
    CASE_MATCHED = "case.matched", "A postal form was matched to one person in the index; subject: the NHS number"
    CASE_OPENED = "case.opened", "A contact-centre case was opened, by phone (CC) or post (PP)"
    CASE_REJECTED = "case.rejected", "A second staff member rejected a proxy's case; with the reason"
    CASE_VIEWED = (
        "case.viewed",
        "A staff member opened a postal case (the details on the form); subject: the NHS number once matched",
    )
    CHECK_COMPLETED = (
        "check.completed",
        "A bulk check ran (cleaned or rejected), or a call was refused before any row was read; "
        "subject: the check job; the counts and digests, never a number",
    )
    CHOICE_RECORDED = "choice.recorded", "A choice was recorded; subject: the NHS number; its version and channel"
    GP_CODES_IMPORTED = (
        "gp_codes.imported",
        "A GP extract of opt-out codes was imported (its sha256 and counts); the Type 1 register was rebuilt",
    )
    GP_TYPE2_CONVERTED = (
        "gp_codes.type2_converted",
        "Type 2 codes were converted into national data opt-outs (channel T2): the counts, the versions, the "
        "events' digest, the letters queued",
    )
    LETTER_QUEUED = "letter.queued", "A letter was queued for a case (actor `system`); the letter id and kind"
    MESH_REQUEST_ANSWERED = (
        "mesh.request.answered",
        "A MESH check request from a registered mailbox was acknowledged and answered; subject: the message id",
    )
    MESH_REQUEST_REFUSED = (
        "mesh.request.refused",
        "A MESH check request from a mailbox no organisation has, or with a workflow id not answered, was answered "
        "with the refusal line",
    )
    MESH_REQUEST_UNDELIVERABLE = (
        "mesh.request.undeliverable",
        "MESH refused to deliver the answer to a request (it is acknowledged and not tried again)",
    )
    ONLINE_IDENTITY_MATCHED = (
        "online.identity_matched",
        "Someone online was matched to one person; subject: the NHS number; the contact methods on record",
    )
    ONLINE_IDENTITY_NOT_MATCHED = (
        "online.identity_not_matched",
        "Someone online could not go on (no match, under 13, or a record that cannot continue); no subject",
    )
    ONLINE_IDENTITY_REFUSED = (
        "online.identity_refused",
        "An identity check online was refused before any match: the number or the client is held; no subject",
    )
    ONLINE_LOCKED_OUT = (
        "online.locked_out",
        "A security code was tried while the NHS number was locked out, or the try that locked it out",
    )
    ONLINE_NHS_LOGIN_FAILED = (
        "online.nhs_login_failed",
        "A sign-in with NHS login was not trusted or not finished (state, token, signature...); the reason; no subject",
    )
    ONLINE_NHS_LOGIN_NOT_VERIFIED = (
        "online.nhs_login_not_verified",
        "NHS login vouched for someone who cannot go straight on (below P9, no or unknown number, under 13, "
        "a record that cannot continue); the outcome; no subject",
    )
    ONLINE_NHS_LOGIN_VERIFIED = (
        "online.nhs_login_verified",
        "A P9 NHS login was matched to one person 13 or over: identity verified; subject: the NHS number",
    )
    ONLINE_SECURITY_CODE_EXPIRED = "online.security_code_expired", "A security code was tried after it expired"
    ONLINE_SECURITY_CODE_REFUSED = (
        "online.security_code_refused",
        "A security code was asked for and refused: too many in the window",
    )
    ONLINE_SECURITY_CODE_REUSED = (
        "online.security_code_reused",
        "A security code that was used already was tried again",
    )
    ONLINE_SECURITY_CODE_SENT = "online.security_code_sent", "A security code was sent, by SMS or email"
    ONLINE_SECURITY_CODE_VERIFIED = "online.security_code_verified", "A security code was right: identity verified"
    ONLINE_SECURITY_CODE_WRONG = "online.security_code_wrong", "A wrong security code was tried"
    ORGANISATION_API_KEY_ISSUED = (
        "organisation.api_key_issued",
        "An API key was issued to an organisation; subject: the ODS code; the key id (never the secret)",
    )
    ORGANISATION_API_KEY_REVOKED = "organisation.api_key_revoked", "An organisation's API key was revoked"
    ORGANISATION_CHECK_LIMITS_SET = (
        "organisation.check_limits_set",
        "An organisation's check limits were set (per minute, largest request, inline size)",
    )
    ORGANISATION_REGISTERED = "organisation.registered", "An organisation was registered; subject: the ODS code"
    ORGANISATION_UPDATED = "organisation.updated", "An organisation's name, mailbox or status was changed"
    ORGANISATION_USER_ADDED = (
        "organisation_user.added",
        "An account was made for someone acting for an organisation; their email and role (never the password)",
    )
    ORGANISATION_USER_DISABLED = "organisation_user.disabled", "An organisation user's access was stopped"
    ORGANISATION_USER_ENABLED = "organisation_user.enabled", "An organisation user's access was restored"
    ORGANISATION_USER_SIGN_IN_FAILED = (
        "organisation_user.sign_in_failed",
        "A sign-in to the organisation pages failed (actor `anonymous`)",
    )
    ORGANISATION_USER_SIGNED_IN = "organisation_user.signed_in", "An organisation user signed in"
    PATIENT_VIEWED = (
        "patient.viewed",
        "A person's choice and history were looked at (staff, the CLI, the person online); with the purpose",
    )
    PATIENTS_LOADED = "patients.loaded", "Demographic records were added or updated in one load; with the counts"
    POLICY_FLOW_RECORDED = (
        "policy_flow.recorded",
        "A data flow was added to an organisation's register, with its decision; subject: the ODS code",
    )
    POLICY_FLOW_REVISED = (
        "policy_flow.revised",
        "A new version of a data flow in the register (new answers or details, decided afresh)",
    )
    POPULATION_IMPORTED = (
        "population.imported",
        "A population was bulk imported (both files' sha256 and counts, the versions it took)",
    )
    SNAPSHOT_EXPORTED = (
        "snapshot.exported",
        "The opt-out snapshot was exported, signed, for data platforms (Spark); its version and counts",
    )
    STAFF_ADDED = "staff.added", "A staff account was made; subject: the username; its roles (never the password)"
    STAFF_DISABLED = "staff.disabled", "A staff account was disabled"
    STAFF_ENABLED = "staff.enabled", "A staff account was enabled again"
    STAFF_LOCKED = "staff.locked", "A staff account was locked after repeated failed sign-ins (actor `system`)"
    STAFF_PERSON_TRACED = (
        "staff.person_traced",
        "Staff searched for a person by name, date of birth and postcode; how many were found (no subject)",
    )
    STAFF_RESET = "staff.reset", "A staff account's password and second factor were reset"
    STAFF_ROLES_CHANGED = "staff.roles_changed", "A staff account's roles were changed"
    STAFF_SIGN_IN_FAILED = "staff.sign_in_failed", "A sign-in to the staff portal failed (actor `anonymous`)"
    STAFF_SIGNED_IN = "staff.signed_in", "A staff member signed in (password and second factor)"
    STATISTICS_PUBLISHED = (
        "statistics.published",
        "A statistics publication was written; subject: the period; its files' digests",
    )


def markdown_table() -> str:
    """The actions as a Markdown table, in the enum's order (docs/registry.md holds this)."""
    lines = ["| action | what it records |", "|---|---|"]
    lines += [f"| `{action.value}` | {action.description} |" for action in AuditAction]
    return "\n".join(lines) + "\n"
