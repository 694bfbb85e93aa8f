"""Django implementations of the check channels' ports: organisations, the MESH ledger, stored checks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from ndop.adapters.db import models as m
from ndop.adapters.db import prepared
from ndop.domain.check.clients import ApiKeyInfo, CheckLimits, NewApiKey, PresentedKey
from ndop.domain.check.jobs import CheckChannel
from ndop.domain.check.mesh import LostClaim, MeshRequestRecord
from ndop.domain.check.rejections import CheckFormat
from ndop.domain.check.stored import StoredCheck, StoredCheckStatus
from ndop.domain.common.actors import Actor
from ndop.domain.organisations.accounts import OdsCode, Organisation


def _organisation(row: m.Organisation) -> Organisation:
    return Organisation(OdsCode(row.ods_code), row.name, row.mesh_mailbox, row.active)


# An unrevoked key, its organisation and the organisation's limits (none: the defaults), in one read.
_PRESENTED = (
    "SELECT k.key_hash, o.ods_code, o.name, o.mesh_mailbox, o.active, l.requests_per_minute, l.max_request_bytes,"
    " l.inline_bytes FROM organisation_api_key AS k JOIN organisation AS o ON o.ods_code = k.organisation_id"
    " LEFT JOIN organisation_check_limits AS l ON l.organisation_id = o.ods_code"
    " WHERE k.key_id = %s AND k.revoked_at IS NULL"
)


class DjangoCheckClients:
    def by_mailbox(self, mailbox: str) -> Organisation | None:
        if not mailbox:
            return None
        row = m.Organisation.objects.filter(mesh_mailbox=mailbox.upper(), active=True).order_by("ods_code").first()
        return None if row is None else _organisation(row)

    def with_mailboxes(self) -> list[Organisation]:
        return [_organisation(r) for r in m.Organisation.objects.exclude(mesh_mailbox="").order_by("ods_code")]

    def add_key(self, ods_code: OdsCode, key: NewApiKey, *, label: str, at: datetime) -> None:
        m.OrganisationApiKey.objects.create(
            key_id=key.key_id, organisation_id=ods_code.value, key_hash=key.hash, label=label, created_at=at
        )

    def key_hash(self, key_id: str) -> tuple[OdsCode, str] | None:
        row = m.OrganisationApiKey.objects.filter(key_id=key_id, revoked_at__isnull=True).first()
        return None if row is None else (OdsCode(row.organisation_id), row.key_hash)

    def presented(self, key_id: str) -> PresentedKey | None:
        with prepared.cursor() as cursor:  # every API call: a prepared statement on PostgreSQL (ADR 92)
            cursor.execute(_PRESENTED, [key_id])
            row = cursor.fetchone()
        if row is None:
            return None
        key_hash, ods_code, name, mailbox, active, per_minute, max_bytes, inline = row
        limits = CheckLimits() if per_minute is None else CheckLimits(per_minute, max_bytes, inline)
        return PresentedKey(Organisation(OdsCode(ods_code), name, mailbox, bool(active)), key_hash, limits)

    def revoke_key(self, key_id: str, *, at: datetime) -> OdsCode | None:
        row = m.OrganisationApiKey.objects.filter(key_id=key_id, revoked_at__isnull=True).first()
        if row is None:
            return None
        m.OrganisationApiKey.objects.filter(key_id=key_id).update(revoked_at=at)
        return OdsCode(row.organisation_id)

    def keys(self, ods_code: OdsCode) -> list[ApiKeyInfo]:
        rows = m.OrganisationApiKey.objects.filter(organisation_id=ods_code.value).order_by("created_at")
        return [ApiKeyInfo(r.key_id, ods_code, r.label, r.created_at, r.revoked_at) for r in rows]

    def limits(self, ods_code: OdsCode) -> CheckLimits:
        row = m.OrganisationCheckLimits.objects.filter(organisation_id=ods_code.value).first()
        if row is None:
            return CheckLimits()
        return CheckLimits(row.requests_per_minute, row.max_request_bytes, row.inline_bytes)

    def set_limits(self, ods_code: OdsCode, limits: CheckLimits) -> None:
        m.OrganisationCheckLimits.objects.update_or_create(
            organisation_id=ods_code.value,
            defaults={
                "requests_per_minute": limits.requests_per_minute,
                "max_request_bytes": limits.max_request_bytes,
                "inline_bytes": limits.inline_bytes,
            },
        )


_RECORD_FIELDS = tuple(MeshRequestRecord.__slots__)


def _record(row: m.MeshRequest) -> MeshRequestRecord:
    return MeshRequestRecord(**{name: getattr(row, name) for name in _RECORD_FIELDS})


class DjangoMeshLedger:
    def claim(
        self, message_id: str, *, job_ref: str, worker: str, now: datetime, lease_s: float
    ) -> MeshRequestRecord | None:
        expires = now + timedelta(seconds=lease_s)
        try:
            with transaction.atomic():
                m.MeshRequest.objects.create(
                    message_id=message_id,
                    job_ref=job_ref,
                    claimed_by=worker,
                    claim_expires_at=expires,
                    received_at=now,
                )
        except IntegrityError:
            # Seen before: take it over only when its claim is ours or has lapsed.
            taken = (
                m.MeshRequest.objects.filter(message_id=message_id, acknowledged_at__isnull=True)
                .filter(Q(claimed_by=worker) | Q(claimed_by="") | Q(claim_expires_at__lt=now))
                .update(claimed_by=worker, claim_expires_at=expires)
            )
            if not taken:
                return None
        return _record(m.MeshRequest.objects.get(message_id=message_id))

    def get(self, message_id: str) -> MeshRequestRecord | None:
        row = m.MeshRequest.objects.filter(message_id=message_id).first()
        return None if row is None else _record(row)

    def update(
        self, message_id: str, *, worker: str, now: datetime, lease_s: float, **fields: Any
    ) -> MeshRequestRecord:
        unknown = set(fields) - set(_RECORD_FIELDS)
        if unknown:
            raise TypeError(f"not ledger fields: {sorted(unknown)}")
        changed = m.MeshRequest.objects.filter(message_id=message_id, claimed_by=worker).update(
            claim_expires_at=now + timedelta(seconds=lease_s), **fields
        )
        if not changed:
            raise LostClaim("another worker holds this message now")
        return _record(m.MeshRequest.objects.get(message_id=message_id))

    def answered_unacknowledged(self) -> list[str]:
        rows = m.MeshRequest.objects.filter(answered_at__isnull=False, acknowledged_at__isnull=True)
        return list(rows.order_by("received_at").values_list("message_id", flat=True)[:1000])

    def sent_by_another(self, sent_message_id: str, request_message_id: str) -> bool:
        return (
            m.MeshRequest.objects.filter(Q(ack_message_id=sent_message_id) | Q(response_message_id=sent_message_id))
            .exclude(message_id=request_message_id)
            .exists()
        )


_STORED_FIELDS = (
    "id", "organisation", "channel", "requested_by", "filename", "format", "status", "created_at", "check_job_id",
    "registry_version", "rows_in", "rows_kept", "rows_removed", "rows_invalid", "rejected", "rejection", "message",
    "report", "request_path", "result_path", "finished_at", "gp_data", "rows_removed_type1",
)


def _stored_row(check: StoredCheck) -> dict[str, object]:
    fields = {name: getattr(check, name) for name in _STORED_FIELDS}
    fields.update(channel=check.channel.value, requested_by=str(check.requested_by), status=check.status.value,
                  format="" if check.format is None else check.format.value)
    return fields


class DjangoStoredChecks:
    def add(self, check: StoredCheck) -> None:
        m.StoredCheck.objects.create(**_stored_row(check))

    def get(self, check_id: str, organisation: str) -> StoredCheck | None:
        row = m.StoredCheck.objects.filter(id=check_id, organisation=organisation).first()
        if row is None:
            return None
        fields = {name: getattr(row, name) for name in _STORED_FIELDS}
        fields.update(channel=CheckChannel(row.channel), requested_by=Actor.parse(row.requested_by),
                      status=StoredCheckStatus(row.status), format=CheckFormat(row.format) if row.format else None)
        return StoredCheck(**fields)

    def save(self, check: StoredCheck) -> None:
        fields = _stored_row(check)
        del fields["id"]
        m.StoredCheck.objects.filter(id=check.id).update(**fields)

    def start(self, check_id: str) -> bool:
        unfinished = (StoredCheckStatus.QUEUED, StoredCheckStatus.RUNNING)
        return bool(m.StoredCheck.objects.filter(id=check_id, status__in=unfinished)
                    .update(status=StoredCheckStatus.RUNNING))

    def finish(self, check: StoredCheck) -> bool:
        # One conditional UPDATE: of two runs racing, PostgreSQL makes the second wait on the row and
        # re-read the status; SQLite has one writer at a time. Either way only one finishes the check.
        fields = _stored_row(check)
        del fields["id"]
        finished = (StoredCheckStatus.DONE, StoredCheckStatus.FAILED)
        return bool(m.StoredCheck.objects.filter(id=check.id).exclude(status__in=finished).update(**fields))
