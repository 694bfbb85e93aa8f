"""Keep an organisation's register of data flows: record a flow, or a new version of one.

Every write decides afresh from the answers (under today's rules), appends a version, and audits
it, all in one transaction. Nothing is ever updated in place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from uuid import UUID, uuid4

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.clock import today
from ndop.domain.organisations.accounts import OdsCode
from ndop.domain.policy import decide, parse_flow
from ndop.domain.policy.register import FlowDetails, FlowNotFound, FlowVersion, PolicyRegisterUnit

NOT_FOUND = "There is no data flow with this reference in your organisation's register."


def record_flow(
    unit: PolicyRegisterUnit,
    *,
    ods_code: OdsCode,
    details: FlowDetails,
    answers: Mapping[str, object],
    by: Actor,
    new_id: Callable[[], UUID] = uuid4,
) -> FlowVersion:
    """Add a flow to the organisation's register. Raises InvalidFlow (writing nothing) for bad answers."""
    with unit.transaction():
        version = _decided(unit, new_id(), 1, ods_code, details, answers, by)
        unit.flows.append(version)
        _audit(unit, version, AuditAction.POLICY_FLOW_RECORDED, by)
    return version


def revise_flow(
    unit: PolicyRegisterUnit,
    *,
    ods_code: OdsCode,
    flow_id: UUID,
    by: Actor,
    details: FlowDetails | None = None,
    answers: Mapping[str, object] | None = None,
) -> FlowVersion:
    """Append a version with new details and/or new answers (the others carried over), decided afresh."""
    with unit.transaction():
        latest = unit.flows.latest(ods_code, flow_id, for_update=True)
        if latest is None:
            raise FlowNotFound(NOT_FOUND)
        version = _decided(
            unit,
            flow_id,
            latest.version + 1,
            ods_code,
            details or latest.details,
            answers if answers is not None else latest.answers,
            by,
        )
        unit.flows.append(version)
        _audit(unit, version, AuditAction.POLICY_FLOW_REVISED, by)
    return version


def flow_history(unit: PolicyRegisterUnit, *, ods_code: OdsCode, flow_id: UUID) -> list[FlowVersion]:
    versions = unit.flows.history(ods_code, flow_id)
    if not versions:
        raise FlowNotFound(NOT_FOUND)
    return versions


def _decided(
    unit: PolicyRegisterUnit,
    flow_id: UUID,
    number: int,
    ods_code: OdsCode,
    details: FlowDetails,
    answers: Mapping[str, object],
    by: Actor,
) -> FlowVersion:
    flow = parse_flow(answers, today=today(unit.clock))
    return FlowVersion(
        flow_id=flow_id,
        version=number,
        ods_code=ods_code,
        details=details,
        answers=flow.as_answers(),  # canonical, with the date the decision was for
        decision=decide(flow).as_dict(),
        decided_by=str(by),
        decided_at=unit.clock.now(),
    )


def _audit(unit: PolicyRegisterUnit, version: FlowVersion, action: AuditAction, by: Actor) -> None:
    unit.audit.append(
        AuditEntry(
            action=action,
            actor=by,
            subject=version.ods_code.value,
            details={
                "flow_id": str(version.flow_id),
                "version": version.version,
                "applies": version.applies,
                "reason": version.reason_code,
            },
        )
    )
