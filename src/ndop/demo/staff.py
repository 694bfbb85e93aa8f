"""Demo contact-centre staff (an agent and an approver, their TOTP secrets printed) and a few open postal
forms in the queue. Idempotent: run again, the accounts are reset (fresh secrets) and no forms are added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ndop.domain.common.actors import Actor
from ndop.domain.contact_centre.cases import CaseStatus, StatedDetails
from ndop.domain.contact_centre.ports import ContactCentre, Enrolment
from ndop.domain.contact_centre.staff import StaffRole
from ndop.domain.registry.choices import Channel, Choice
from ndop.domain.registry.patients import Patient
from ndop.services.staff.accounts import add_staff, reset_staff
from ndop.services.staff.postal import receive_form

DEMO_STAFF_PASSWORD = "demo contact centre"  # noqa: S105 - the demo only, printed by `ndop demo`
STAFF = (
    ("demo.agent", "Dee Agent", frozenset({StaffRole.AGENT})),
    ("demo.approver", "Abe Approver", frozenset({StaffRole.AGENT, StaffRole.APPROVER})),
    ("demo.admin", "Ada Admin", frozenset({StaffRole.ADMIN})),
)


@dataclass(frozen=True, slots=True)
class DemoStaff:
    username: str
    roles: frozenset[StaffRole]
    enrolment: Enrolment


def install_demo_staff(centre: ContactCentre, people: list[Patient], *, by: Actor) -> tuple[list[DemoStaff], int]:
    """The demo accounts, and how many postal forms were added (0 when the queue already has some)."""
    staff = []
    for username, name, roles in STAFF:
        if centre.staff.get(username) is None:
            _, enrolment = add_staff(centre, username, name, roles, by=by, password=DEMO_STAFF_PASSWORD)
        else:
            _, enrolment = reset_staff(centre, username, by=by, password=DEMO_STAFF_PASSWORD)
        staff.append(DemoStaff(username, roles, enrolment))
    with centre.transaction():
        queued = centre.cases.by_status((CaseStatus.OPEN,), Channel.PAPER)
    added = 0
    if not queued:
        today = centre.clock.now().date()
        adults = [p for p in people if p.age_on(today) >= 13 and not p.is_deceased_on(today)][:3]
        for age, patient in zip((2, 11, 19), adults, strict=False):
            receive_form(
                centre, "demo.agent", received_on=today - timedelta(days=age),
                signed_on=today - timedelta(days=age + 2), scanned_reference=f"DEMO-SCAN-{age:03d}",
                choice=Choice.OPTED_OUT,
                stated=StatedDetails(patient.given_name, patient.family_name, patient.date_of_birth, patient.postcode,
                                     patient.address_lines),
            )
            added += 1
    return staff, added
