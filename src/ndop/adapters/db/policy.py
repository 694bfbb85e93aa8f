"""The Django implementation of the register of data flows (`FlowRegister`, `PolicyRegisterUnit`)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from uuid import UUID

from django.db import transaction
from django.db.models import F

from ndop.adapters.db import models as m
from ndop.adapters.db.registry import DjangoAuditLog
from ndop.domain.common.clock import Clock, SystemClock
from ndop.domain.common.ports import AuditLog
from ndop.domain.organisations.accounts import OdsCode
from ndop.domain.policy.register import FlowDetails, FlowRegister, FlowVersion


def _from_row(row: m.PolicyFlowVersion, ods_code: str) -> FlowVersion:
    return FlowVersion(
        flow_id=row.flow_id,
        version=row.version,
        ods_code=OdsCode(ods_code),
        details=FlowDetails(row.name, row.description),
        answers=row.answers,
        decision=row.decision,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


class DjangoFlowRegister:
    def append(self, version: FlowVersion) -> None:
        if version.version == 1:
            m.PolicyFlow.objects.create(
                id=version.flow_id,
                organisation_id=version.ods_code.value,
                latest_version=1,
                name=version.details.name,
                created_at=version.decided_at,
                updated_at=version.decided_at,
            )
        else:
            updated = m.PolicyFlow.objects.filter(
                id=version.flow_id, organisation_id=version.ods_code.value, latest_version=version.version - 1
            ).update(latest_version=version.version, name=version.details.name, updated_at=version.decided_at)
            if updated != 1:
                raise ValueError("a version must follow the flow's latest version")
        m.PolicyFlowVersion.objects.create(
            flow_id=version.flow_id,
            version=version.version,
            name=version.details.name,
            description=version.details.description,
            answers=dict(version.answers),
            decision=dict(version.decision),
            applies=version.applies,
            reason_code=version.reason_code,
            decided_by=version.decided_by,
            decided_at=version.decided_at,
        )

    def latest(self, ods_code: OdsCode, flow_id: UUID, *, for_update: bool = False) -> FlowVersion | None:
        flows = m.PolicyFlow.objects.filter(id=flow_id, organisation_id=ods_code.value)
        if for_update:
            flows = flows.select_for_update()
        flow = flows.first()
        if flow is None:
            return None
        row = m.PolicyFlowVersion.objects.get(flow_id=flow_id, version=flow.latest_version)
        return _from_row(row, ods_code.value)

    def history(self, ods_code: OdsCode, flow_id: UUID) -> list[FlowVersion]:
        rows = m.PolicyFlowVersion.objects.filter(flow_id=flow_id, flow__organisation_id=ods_code.value)
        return [_from_row(row, ods_code.value) for row in rows.order_by("version")]

    def current(self, ods_code: OdsCode) -> list[FlowVersion]:
        rows = m.PolicyFlowVersion.objects.filter(
            flow__organisation_id=ods_code.value, version=F("flow__latest_version")
        )
        versions = [_from_row(r, ods_code.value) for r in rows]
        return sorted(versions, key=lambda v: (v.details.name.lower(), str(v.flow_id)))

    def everything(self, ods_code: OdsCode) -> list[FlowVersion]:
        rows = m.PolicyFlowVersion.objects.filter(flow__organisation_id=ods_code.value).order_by("version")
        versions = [_from_row(r, ods_code.value) for r in rows]
        names = {v.flow_id: v.details.name.lower() for v in versions}  # ordered by version: the latest name wins
        return sorted(versions, key=lambda v: (names[v.flow_id], str(v.flow_id), v.version))


class DjangoPolicyRegisterUnit:
    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        # Typed as the ports: a protocol's attributes are invariant.
        self.flows: FlowRegister = DjangoFlowRegister()
        self.audit: AuditLog = DjangoAuditLog(self.clock)

    def transaction(self) -> AbstractContextManager[None]:
        return transaction.atomic()
