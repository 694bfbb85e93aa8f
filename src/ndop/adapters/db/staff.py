"""The Django implementations of the contact centre's ports: staff accounts and sign-in (Django's password
hashing, django-otp TOTP devices, hashed recovery codes), cases, the trace, and the letters store."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password as check_hash
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ndop.adapters.db import models as m
from ndop.adapters.db.mapping import patient_from_row
from ndop.adapters.db.registry import DjangoRegistry
from ndop.domain.common.clock import Clock
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.contact_centre.cases import (
    ActingFor,
    Case,
    CaseStatus,
    Decision,
    IdentityDetail,
    StatedDetails,
)
from ndop.domain.contact_centre.evidence import EvidenceType, ProxyDetails
from ndop.domain.contact_centre.ports import Enrolment
from ndop.domain.contact_centre.staff import StaffMember, StaffRole
from ndop.domain.letters.letters import Letter, LetterKind, LetterStatus, Recipient
from ndop.domain.registry.choices import Channel, Choice, ProxyRole
from ndop.domain.registry.patients import Patient

# Staff users are named `staff:<username>` in Django's user table, apart from organisation users (emails).
_PREFIX = "staff:"
ISSUER = "NDOP contact centre"
RECOVERY_CODES = 8


def _user(username: str) -> Any:  # Django's user model is chosen at run time
    return get_user_model().objects.filter(username=_PREFIX + username).first()


def _member(row: m.StaffAccount) -> StaffMember:
    return StaffMember(
        username=row.user.username.removeprefix(_PREFIX),
        display_name=row.display_name,
        roles=frozenset(StaffRole(r) for r in row.roles.split(",") if r),
        active=row.user.is_active,
        failed_sign_ins=row.failed_sign_ins,
    )


class DjangoStaffDirectory:
    def get(self, username: str) -> StaffMember | None:
        row = m.StaffAccount.objects.select_related("user").filter(user__username=_PREFIX + username).first()
        return None if row is None else _member(row)

    def add(self, member: StaffMember) -> None:
        user = get_user_model().objects.create_user(username=_PREFIX + member.username)
        user.set_unusable_password()
        user.is_active = member.active
        user.save()
        m.StaffAccount.objects.create(user=user, display_name=member.display_name,
                                      roles=",".join(sorted(r.value for r in member.roles)))

    def all(self) -> list[StaffMember]:
        return [_member(r) for r in m.StaffAccount.objects.select_related("user").order_by("user__username")]

    def set_active(self, username: str, active: bool) -> None:
        get_user_model().objects.filter(username=_PREFIX + username).update(is_active=active)

    def set_roles(self, username: str, roles: frozenset[StaffRole]) -> None:
        m.StaffAccount.objects.filter(user__username=_PREFIX + username).update(
            roles=",".join(sorted(r.value for r in roles)))

    def set_failed_sign_ins(self, username: str, count: int) -> None:
        m.StaffAccount.objects.filter(user__username=_PREFIX + username).update(failed_sign_ins=count)


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


class DjangoStaffSignIn:
    """Password (Django's hashers) and TOTP (django-otp: a 30-second step, one step of drift either way,
    and a used code refused a second time), or a one-use recovery code."""

    def check_password(self, username: str, password: str) -> bool:
        user = _user(username)
        if user is None:
            # The same work whether or not the account exists.
            check_hash(password, None)  # type: ignore[arg-type]
            return False
        return bool(user.check_password(password))

    def check_second_factor(self, username: str, code: str) -> bool:
        user = _user(username)
        if user is None:
            return False
        token = code.strip().replace(" ", "")
        if token.isdigit() and len(token) == 6:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            return device is not None and bool(device.verify_token(token))
        row = (m.StaffRecoveryCode.objects.select_for_update()
               .filter(account__user=user, code_hash=_hash_code(token), used_at__isnull=True).first())
        if row is None:
            return False
        row.used_at = datetime.now(UTC)
        row.save(update_fields=["used_at"])
        return True

    def enrol(self, username: str, password: str) -> Enrolment:
        user = _user(username)
        assert user is not None
        user.set_password(password)
        user.save(update_fields=["password"])
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        account = user.staff_account
        account.recovery_codes.all().delete()
        codes = tuple(f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES))
        m.StaffRecoveryCode.objects.bulk_create(
            [m.StaffRecoveryCode(account=account, code_hash=_hash_code(c)) for c in codes])
        secret = base64.b32encode(device.bin_key).decode()
        issuer = ISSUER.replace(" ", "%20")
        uri = f"otpauth://totp/{issuer}:{username}?secret={secret}&issuer={issuer}"
        return Enrolment(secret, uri, codes)


def totp_now(secret_b32: str, at: datetime | None = None) -> str:
    """The current code for a base32 secret (the demo prints it; tests sign in with it)."""
    totp = TOTP(base64.b32decode(secret_b32), step=30, digits=6)
    if at is not None:
        totp.time = at.timestamp()
    return f"{totp.token():06d}"


# -- cases ----------------------------------------------------------------------------------------


def _proxy_to_json(proxy: ProxyDetails | None) -> dict[str, object] | None:
    if proxy is None:
        return None
    return {"role": proxy.role.value, "name": proxy.name, "relationship": proxy.relationship,
            "address_lines": list(proxy.address_lines), "postcode": proxy.postcode,
            "evidence_type": proxy.evidence_type.value, "evidence_reference": proxy.evidence_reference}


def _proxy_from_json(data: dict | None) -> ProxyDetails | None:  # type: ignore[type-arg]
    if not data:
        return None
    return ProxyDetails(ProxyRole(data["role"]), data["name"], data["relationship"], tuple(data["address_lines"]),
                        data["postcode"], EvidenceType(data["evidence_type"]), data["evidence_reference"])


def _case_fields(case: Case) -> dict[str, object]:
    stated = None
    if case.stated is not None:
        stated = {"given_name": case.stated.given_name, "family_name": case.stated.family_name,
                  "date_of_birth": case.stated.date_of_birth.isoformat(), "postcode": case.stated.postcode,
                  "address_lines": list(case.stated.address_lines)}
    decision = case.decision
    return {
        "channel": case.channel.value, "status": case.status.value, "acting_for": case.acting_for.value,
        "created_at": case.created_at, "created_by": case.created_by,
        "nhs_number": case.nhs_number.digits if case.nhs_number else "",
        "choice": case.choice.value if case.choice else "", "made_at": case.made_at,
        "nic_reference": case.nic_reference, "identity_confirmed": sorted(d.value for d in case.identity_confirmed),
        "received_on": case.received_on, "scanned_reference": case.scanned_reference,
        "submitted_by": case.submitted_by, "stated": stated, "proxy": _proxy_to_json(case.proxy), "note": case.note,
        "decided_by": decision.by if decision else "", "decided_at": decision.at if decision else None,
        "decision_reason": decision.reason if decision else "", "decision_note": decision.note if decision else "",
        "event_sequence": case.event_sequence,
    }


def _case(row: m.ContactCase) -> Case:
    stated = None
    if row.stated:
        s = row.stated
        stated = StatedDetails(s["given_name"], s["family_name"], date.fromisoformat(s["date_of_birth"]),
                               s["postcode"], tuple(s.get("address_lines", ())))
    decision = None
    if row.decided_by:
        assert row.decided_at is not None
        decision = Decision(row.decided_by, row.decided_at, row.decision_reason, row.decision_note)
    return Case(
        reference=row.reference or "", channel=Channel(row.channel), status=CaseStatus(row.status),
        acting_for=ActingFor(row.acting_for), created_at=row.created_at, created_by=row.created_by,
        nhs_number=NhsNumber(row.nhs_number) if row.nhs_number else None,
        choice=Choice(row.choice) if row.choice else None, made_at=row.made_at, nic_reference=row.nic_reference,
        identity_confirmed=frozenset(IdentityDetail(d) for d in row.identity_confirmed),
        received_on=row.received_on, scanned_reference=row.scanned_reference, submitted_by=row.submitted_by,
        stated=stated, proxy=_proxy_from_json(row.proxy), note=row.note, decision=decision,
        event_sequence=row.event_sequence,
    )


class DjangoCaseStore:
    def add(self, case: Case) -> Case:
        row = m.ContactCase.objects.create(**_case_fields(case))
        # The reference comes from the row id: short, unique, and readable over the phone.
        row.reference = f"{case.channel.value}-{row.pk:06d}"
        row.save(update_fields=["reference"])
        return _case(row)

    def get(self, reference: str) -> Case | None:
        row = m.ContactCase.objects.filter(reference=reference.strip().upper()).first()
        return None if row is None else _case(row)

    def get_for_update(self, reference: str) -> Case | None:
        row = m.ContactCase.objects.select_for_update().filter(reference=reference.strip().upper()).first()
        return None if row is None else _case(row)

    def save(self, case: Case) -> None:
        m.ContactCase.objects.filter(reference=case.reference).update(**_case_fields(case))

    def by_status(self, statuses: tuple[CaseStatus, ...], channel: Channel | None = None) -> list[Case]:
        rows = m.ContactCase.objects.filter(status__in=[s.value for s in statuses])
        if channel is not None:
            rows = rows.filter(channel=channel.value)
        return [_case(r) for r in rows.order_by("id")[:1000]]

    def for_person(self, nhs_number: str) -> list[Case]:
        return [_case(r) for r in m.ContactCase.objects.filter(nhs_number=nhs_number).order_by("-id")[:100]]


class DjangoPatientTrace:
    def trace(self, family_name: str, date_of_birth: object, postcode: str, limit: int) -> list[Patient]:
        # The index on (date_of_birth, postcode) narrows to a household or two; the name is compared
        # without case in the database too (iexact), over those few rows.
        compact = postcode.replace(" ", "")
        spaced = f"{compact[:-3]} {compact[-3:]}"
        rows = (m.Patient.objects.filter(date_of_birth=date_of_birth, postcode__in=[spaced, compact],  # type: ignore[misc]
                                         family_name__iexact=family_name, superseded_by="")
                .order_by("nhs_number")[:limit])
        return [patient_from_row(r) for r in rows]


# -- letters --------------------------------------------------------------------------------------


def _letter(row: m.Letter) -> Letter:
    r = row.recipient
    return Letter(
        id=row.id, kind=LetterKind(row.kind), nhs_number=NhsNumber(row.nhs_number) if row.nhs_number else None,
        recipient=Recipient(r["name"], tuple(r["address_lines"]), r["postcode"]), about_name=row.about_name,
        reference=row.reference, created_at=row.created_at, choice=Choice(row.choice) if row.choice else None,
        made_on=row.made_on, reason=row.reason, by_proxy=row.by_proxy, status=LetterStatus(row.status),
        path=row.path, provider_id=row.provider_id,
    )


def letter_row(letter: Letter, case_reference: str = "") -> m.Letter:
    """A new pending letter row (a fresh id) for `letter`."""
    return m.Letter(
        id=uuid.uuid4().hex, kind=letter.kind.value,
        nhs_number=letter.nhs_number.digits if letter.nhs_number else "", case_reference=case_reference,
        created_at=letter.created_at, status=LetterStatus.PENDING.value,
        recipient={"name": letter.recipient.name, "address_lines": list(letter.recipient.address_lines),
                   "postcode": letter.recipient.postcode},
        about_name=letter.about_name, reference=letter.reference,
        choice=letter.choice.value if letter.choice else "", made_on=letter.made_on, reason=letter.reason,
        by_proxy=letter.by_proxy,
    )


class DjangoLetterStore:
    def add(self, letter: Letter, case_reference: str = "") -> Letter:
        row = letter_row(letter, case_reference)
        row.save(force_insert=True)
        return _letter(row)

    def get(self, letter_id: str) -> Letter | None:
        row = m.Letter.objects.filter(id=letter_id).first()
        return None if row is None else _letter(row)

    def mark(self, letter_id: str, status: LetterStatus, *, path: str = "", provider_id: str = "") -> None:
        m.Letter.objects.filter(id=letter_id).update(status=status.value, path=path, provider_id=provider_id)

    def mark_many(self, marks: list[tuple[str, LetterStatus, str, str]]) -> None:
        """(id, status, path, provider id) for many letters, in one transaction."""
        with transaction.atomic():
            for letter_id, status, path, provider_id in marks:
                m.Letter.objects.filter(id=letter_id).update(status=status.value, path=path, provider_id=provider_id)

    def claim(self, limit: int = 500, *, case_reference: str = "") -> list[Letter]:
        # A conditional update per letter: of two senders that read the same pending letter, the second's
        # update waits for the first's commit (the row lock on PostgreSQL, the write lock on SQLite), then
        # finds it no longer pending and leaves it. SKIP LOCKED lets PostgreSQL senders take different ones.
        with transaction.atomic():
            rows = m.Letter.objects.filter(status=LetterStatus.PENDING.value)
            if case_reference:
                rows = rows.filter(case_reference=case_reference)
            candidates = list(rows.select_for_update(skip_locked=True).order_by("created_at", "id")[:limit])
            mine = [r for r in candidates if m.Letter.objects.filter(id=r.id, status=LetterStatus.PENDING.value)
                    .update(status=LetterStatus.SENDING.value)]
        for row in mine:
            row.status = LetterStatus.SENDING.value
        return [_letter(r) for r in mine]

    def release(self, letter_ids: Sequence[str]) -> None:
        m.Letter.objects.filter(id__in=list(letter_ids), status=LetterStatus.SENDING.value).update(
            status=LetterStatus.PENDING.value)

    def listed(self, *, on: date | None = None, case_reference: str = "", kind: LetterKind | None = None,
               limit: int = 10000) -> list[Letter]:
        rows = m.Letter.objects.all()
        if kind is not None:
            rows = rows.filter(kind=kind.value)
        if on is not None:
            start = datetime.combine(on, time(0), tzinfo=UTC)
            rows = rows.filter(created_at__gte=start, created_at__lt=datetime.combine(
                date.fromordinal(on.toordinal() + 1), time(0), tzinfo=UTC))
        if case_reference:
            rows = rows.filter(case_reference=case_reference)
        return [_letter(r) for r in rows.order_by("created_at", "id")[:limit]]


class DjangoContactCentre(DjangoRegistry):
    """The registry's unit of work with the contact centre's stores."""

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.staff = DjangoStaffDirectory()
        self.sign_in = DjangoStaffSignIn()
        self.cases = DjangoCaseStore()
        self.trace = DjangoPatientTrace()
        self.letters = DjangoLetterStore()


__all__ = ["DjangoContactCentre", "totp_now", "transaction"]
