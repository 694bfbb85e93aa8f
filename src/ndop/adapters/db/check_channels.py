"""Django implementations of the check channels' ports: organisations, the MESH ledger, stored checks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from ndop.adapters.db import models as m
from ndop.domain.mesh import LostClaim, MeshRequestRecord
from ndop.domain.organisations import CheckLimits, NewApiKey, Organisation


def _organisation(row: m.Organisation) -> Organisation:
    return Organisation(row.ods_code, row.name, row.mesh_mailbox, row.active)


class DjangoOrganisations:
    def get(self, ods_code: str) -> Organisation | None:
        row = m.Organisation.objects.filter(ods_code=ods_code).first()
        return None if row is None else _organisation(row)

    def by_mailbox(self, mailbox: str) -> Organisation | None:
        if not mailbox:
            return None
        row = m.Organisation.objects.filter(mesh_mailbox=mailbox.upper(), active=True).first()
        return None if row is None else _organisation(row)

    def all(self) -> list[Organisation]:
        return [_organisation(r) for r in m.Organisation.objects.order_by("ods_code")]

    def save(self, organisation: Organisation) -> bool:
        _, created = m.Organisation.objects.update_or_create(
            ods_code=organisation.ods_code,
            defaults={
                "name": organisation.name,
                "mesh_mailbox": organisation.mesh_mailbox,
                "active": organisation.active,
            },
        )
        return created

    def add_key(self, ods_code: str, key: NewApiKey, *, label: str, at: datetime) -> None:
        m.OrganisationApiKey.objects.create(
            key_id=key.key_id, organisation_id=ods_code, key_hash=key.hash, label=label, created_at=at
        )

    def key(self, key_id: str) -> tuple[str, str, bool] | None:
        """(ODS code, secret hash, usable) for a key id."""
        row = m.OrganisationApiKey.objects.select_related("organisation").filter(key_id=key_id).first()
        if row is None:
            return None
        return row.organisation_id, row.key_hash, row.revoked_at is None and row.organisation.active

    def revoke_key(self, key_id: str, *, at: datetime) -> str | None:
        """Revoke; returns the key's organisation, or None when there is no such unrevoked key."""
        row = m.OrganisationApiKey.objects.filter(key_id=key_id, revoked_at__isnull=True).first()
        if row is None:
            return None
        m.OrganisationApiKey.objects.filter(key_id=key_id).update(revoked_at=at)
        return str(row.organisation_id)

    def keys(self, ods_code: str) -> list[tuple[str, str, datetime, datetime | None]]:
        rows = m.OrganisationApiKey.objects.filter(organisation_id=ods_code).order_by("created_at")
        return [(r.key_id, r.label, r.created_at, r.revoked_at) for r in rows]

    def limits(self, ods_code: str) -> CheckLimits:
        row = m.OrganisationCheckLimits.objects.filter(organisation_id=ods_code).first()
        if row is None:
            return CheckLimits()
        return CheckLimits(row.requests_per_minute, row.max_request_bytes, row.inline_bytes)

    def set_limits(self, ods_code: str, limits: CheckLimits) -> None:
        m.OrganisationCheckLimits.objects.update_or_create(
            organisation_id=ods_code,
            defaults={
                "requests_per_minute": limits.requests_per_minute,
                "max_request_bytes": limits.max_request_bytes,
                "inline_bytes": limits.inline_bytes,
            },
        )


_RECORD_FIELDS = tuple(MeshRequestRecord.__slots__)  # type: ignore[attr-defined]


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
                m.MeshRequest.objects.filter(message_id=message_id)
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

    def sent_by_another(self, sent_message_id: str, request_message_id: str) -> bool:
        return (
            m.MeshRequest.objects.filter(Q(ack_message_id=sent_message_id) | Q(response_message_id=sent_message_id))
            .exclude(message_id=request_message_id)
            .exists()
        )
