""""Your choice history" for a verified person: their choices and the staff views of their record (ADR 69).

Reading it is a view of the record, so it is audited (`patient.viewed`, by `patient:online`, with the
purpose); the person's own views are not listed back to them, staff views are.
"""

from __future__ import annotations

from dataclasses import dataclass

from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.online.history import HistoryEntry, entries
from ndop.domain.online.ports import StaffViewLog
from ndop.domain.registry.ports import Registry

PURPOSE = "your choice history"


@dataclass(frozen=True)
class OwnHistoryDeps:
    registry: Registry
    staff_views: StaffViewLog


def view_own_history(deps: OwnHistoryDeps, nhs_number: NhsNumber) -> list[HistoryEntry]:
    registry = deps.registry
    with registry.transaction():
        events = registry.choices.history(nhs_number)
        views = deps.staff_views.staff_views(nhs_number)
        registry.audit.append(AuditEntry(action=AuditAction.PATIENT_VIEWED, actor=PATIENT_ONLINE,
                                         subject=nhs_number.digits, details={"purpose": PURPOSE}))
    return entries(events, views)
