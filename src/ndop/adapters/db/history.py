"""The staff views of a person's record, read from the audit trail for "Your choice history" (ADR 69)."""

from __future__ import annotations

from ndop.adapters.db import models as m
from ndop.adapters.db.registry import linked_numbers
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.online.history import StaffView

STAFF_PREFIX = "staff:"  # `Actor.staff_user(...)`'s stored form


class DjangoStaffViewLog:
    def staff_views(self, nhs_number: NhsNumber) -> list[StaffView]:
        # The subject and action columns are indexed; the person's numbers are one or a few.
        rows = (m.AuditEvent.objects
                .filter(action=AuditAction.PATIENT_VIEWED.value, subject__in=linked_numbers(nhs_number.digits),
                        actor__startswith=STAFF_PREFIX)
                .order_by("sequence")
                .values_list("occurred_at", "details"))
        views = []
        for occurred_at, details in rows:
            purpose = details.get("purpose", "") if isinstance(details, dict) else ""
            views.append(StaffView(occurred_at, str(purpose)))
        return views
