"""The register of data flows: append-only versions, scoped to one organisation, audited."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from django.db import IntegrityError, connection, transaction

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.common.actors import Actor
from ndop.domain.organisations.accounts import OdsCode, Organisation
from ndop.domain.policy import InvalidFlow
from ndop.domain.policy.questions import BY_KEY
from ndop.domain.policy.register import FlowDetails, FlowNotFound, InvalidFlowDetails, csv_rows
from ndop.services.organisations.accounts import register_organisation
from ndop.services.policy.register import flow_history, record_flow, revise_flow
from tests.conftest import TESTER
from tests.integration.policy.test_cli_policy import FLOW

pytestmark = pytest.mark.django_db
RR8 = OdsCode("RR8")
OTHER = OdsCode("X26")
ANN = Actor.organisation_user("ann@example.nhs.uk")
BOB = Actor.organisation_user("bob@example.nhs.uk")


@pytest.fixture
def unit(registry, clock):
    register_organisation(registry, Organisation(RR8, "Leeds Teaching Hospitals"), by=TESTER)
    register_organisation(registry, Organisation(OTHER, "NHS England"), by=TESTER)
    return container.policy_register(clock)


def add(unit, name: str = "CPRD extract", **answers: object):
    return record_flow(
        unit, ods_code=RR8, details=FlowDetails(name, "Monthly"), answers={**FLOW, **answers}, by=ANN
    )


def test_register_records_a_flow_with_its_decision_and_audits_it(unit, clock) -> None:
    version = add(unit)
    assert version.version == 1 and version.applies and version.reason_code == "section_251_standard_condition"
    assert version.answers["date"] == clock.now().date().isoformat()  # the decision's date is kept explicit
    assert version.decided_at == clock.now() and version.decided_by == "ann@example.nhs.uk"
    [stored] = unit.flows.current(RR8)
    assert stored == version
    audit = m.AuditEvent.objects.get(action="policy_flow.recorded")
    assert audit.subject == "RR8" and audit.details["flow_id"] == str(version.flow_id)
    assert audit.details["applies"] is True


def test_register_revision_appends_a_version_and_keeps_the_old_one(unit, clock) -> None:
    first = add(unit)
    clock.set(clock.now() + timedelta(days=3))
    second = revise_flow(
        unit, ods_code=RR8, flow_id=first.flow_id, by=BOB, answers={**FLOW, "cag_exempted": True}
    )
    assert second.version == 2 and not second.applies and second.reason_code == "cag_exempted"
    assert second.details == first.details
    history = flow_history(unit, ods_code=RR8, flow_id=first.flow_id)
    assert [v.version for v in history] == [1, 2]
    assert history[0] == first
    assert unit.flows.current(RR8) == [second]
    assert m.AuditEvent.objects.filter(action="policy_flow.revised").count() == 1


def test_register_renaming_carries_the_answers_over(unit) -> None:
    first = add(unit)
    renamed = revise_flow(
        unit,
        ods_code=RR8,
        flow_id=first.flow_id,
        by=Actor.organisation_user("ann"),
        details=FlowDetails.clean("  CPRD   monthly extract ", "  New text "),
    )
    assert renamed.details == FlowDetails("CPRD monthly extract", "New text")
    assert renamed.answers == first.answers and renamed.decision == first.decision


def test_register_is_scoped_to_the_organisation(unit) -> None:
    first = add(unit)
    assert unit.flows.current(OTHER) == []
    assert unit.flows.latest(OTHER, first.flow_id) is None
    with pytest.raises(FlowNotFound):
        revise_flow(unit, ods_code=OTHER, flow_id=first.flow_id, by=Actor.organisation_user("eve"),
                    details=FlowDetails("Mine now"))
    with pytest.raises(FlowNotFound):
        flow_history(unit, ods_code=OTHER, flow_id=first.flow_id)
    assert m.PolicyFlowVersion.objects.count() == 1


def test_register_refuses_invalid_answers_and_details_writing_nothing(unit) -> None:
    with pytest.raises(InvalidFlow):
        add(unit, purpose="shopping")
    with pytest.raises(InvalidFlowDetails) as info:
        FlowDetails.clean("   ")
    assert info.value.field == "name"
    with pytest.raises(InvalidFlowDetails):
        FlowDetails("x", "y" * 2001)
    assert m.PolicyFlow.objects.count() == 0
    assert not m.AuditEvent.objects.filter(action__startswith="policy_flow").exists()


def test_register_unknown_flow_is_not_found(unit) -> None:
    with pytest.raises(FlowNotFound):
        revise_flow(unit, ods_code=RR8, flow_id=uuid4(), by=Actor.organisation_user("ann"), details=FlowDetails("x"))


def test_register_versions_cannot_be_changed_or_deleted(unit) -> None:
    add(unit)
    for statement in ("UPDATE policy_flow_version SET applies = false", "DELETE FROM policy_flow_version"):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert m.PolicyFlowVersion.objects.get().applies is True


def test_register_a_version_must_follow_the_latest(unit, clock) -> None:
    first = add(unit)
    stale = type(first)(first.flow_id, 1, RR8, FlowDetails("dup"), first.answers, first.decision, "x", clock.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        unit.flows.append(stale)


def test_register_lists_current_flows_by_name_and_exports_every_version(unit) -> None:
    b = add(unit, "b flow")
    a = add(unit, "A flow", legal_basis="consent")
    revise_flow(unit, ods_code=RR8, flow_id=b.flow_id, by=Actor.organisation_user("ann"),
                details=FlowDetails("=HYPERLINK(1)"))
    assert [v.details.name for v in unit.flows.current(RR8)] == ["=HYPERLINK(1)", "A flow"]
    rows = csv_rows(unit.flows.everything(RR8))
    header, body = rows[0], rows[1:]
    assert [(r[header.index("Flow ID")], r[header.index("Version")]) for r in body] == [
        (str(b.flow_id), "1"),
        (str(b.flow_id), "2"),
        (str(a.flow_id), "1"),
    ]
    assert body[1][header.index("Name")] == "'=HYPERLINK(1)"  # a spreadsheet shows it, never runs it
    # Reasons, sources and answers in words, as the pages show them: no codes, no internal references.
    assert body[2][header.index("Deciding reason")] == "The patient consented"
    assert body[2][header.index("Source")].startswith("nhs.uk, Where an opt-out doesn't apply")
    assert body[2][header.index("Opt-out applies")] == "No"
    assert body[0][header.index("Legal basis")] == BY_KEY["legal_basis"].label_for("s251_reg5")
    assert body[0][header.index("Legal basis")] != "s251_reg5"
    assert isinstance(UUID(body[0][0]), UUID)
    for row in rows:
        for cell in row:
            assert "ndop-system" not in cell and "list item" not in cell and "§" not in cell
            assert not re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", cell), cell
