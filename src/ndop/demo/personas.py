"""Demo personas: a handful of people with known NHS numbers so a newcomer can walk every journey.

Numbers are from the synthetic range that starts with 9 (never issued to real patients).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ndop.domain.common.actors import Actor
from ndop.domain.common.clock import ShiftedClock
from ndop.domain.common.nhs_number import NhsNumber, complete
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest, Proxy, ProxyRole
from ndop.domain.registry.patients import Gender, Patient
from ndop.domain.registry.ports import Registry
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice


def _number(first_nine: str) -> NhsNumber:
    number = complete(first_nine)
    assert number is not None, first_nine
    return number


@dataclass(frozen=True)
class Persona:
    story: str
    patient: Patient
    choices: tuple[ChoiceRequest, ...] = ()
    choices_days_ago: int = 30


def personas(today: date) -> list[Persona]:
    def born(years: int, days: int = 40) -> date:
        return date(today.year - years, today.month, 1) - timedelta(days=days)

    adult = _number("943476591")
    opted = _number("900000002")
    child = _number("900000006")
    no_contact = _number("900000007")
    deceased = _number("900000008")
    old = _number("900000010")
    new = _number("900000011")
    teen = _number("900000013")
    return [
        Persona(
            "Adult with a mobile and an email on record: walk the online journey.",
            Patient(adult, "Jane", "Smith", born(34), Gender.FEMALE, "LS1 4AP", "E01011365", "B86016",
                    "07700900123", "jane.smith@example.com"),
        ),
        Persona(
            "Adult who opted out by phone in 2019.",
            Patient(opted, "Omar", "Hussain", born(52), Gender.MALE, "M1 1AE", "E01005131", "P84004",
                    "07700900456", ""),
            (ChoiceRequest(opted, Choice.OPTED_OUT, Channel.CONTACT_CENTRE, case_reference="12345-A"),),
        ),
        Persona(
            "Child aged 9 whose mother opted out for them by post.",
            Patient(child, "Amelia", "Jones", born(9), Gender.FEMALE, "BS1 5TR", "E01014540", "L81019",
                    "", ""),
            (ChoiceRequest(child, Choice.OPTED_OUT, Channel.PAPER,
                           Proxy(ProxyRole.GUARDIAN, "Sarah Jones", "birth certificate", "BC-123456")),),
        ),
        Persona(
            "Adult with no mobile or email on record: the online service sends them to the phone route.",
            Patient(no_contact, "Peter", "Brown", born(71), Gender.MALE, "NE1 7RU", "E01008386", "A86003"),
        ),
        Persona(
            "A person who opted out and has since died: the choice still stands.",
            Patient(deceased, "Edith", "Clarke", born(88), Gender.FEMALE, "EX1 1HS", "E01019962", "L83002",
                    "07700900789", "", date_of_death=today - timedelta(days=200)),
            (ChoiceRequest(deceased, Choice.OPTED_OUT, Channel.ONLINE),),
            choices_days_ago=900,
        ),
        Persona(
            "A number replaced by a newer one (superseded).",
            Patient(old, "Sam", "Taylor", born(27), Gender.NOT_SPECIFIED, "B1 1BB", "E01009288", "M85002",
                    "07700900321", "", superseded_by=new),
        ),
        Persona(
            "The newer number that replaced Sam Taylor's.",
            Patient(new, "Sam", "Taylor", born(27), Gender.NOT_SPECIFIED, "B1 1BB", "E01009288", "M85002",
                    "07700900321", "sam.taylor@example.com"),
        ),
        Persona(
            "A 15-year-old who can make their own choice online.",
            Patient(teen, "Leo", "Walker", born(15), Gender.MALE, "SW1A 2AA", "E01004736", "H85001",
                    "07700900654", "leo.walker@example.com"),
        ),
    ]


def install_demo_data(registry: Registry, *, by: Actor) -> list[Persona]:
    """Idempotent: records the personas' choices only where they have none yet."""
    people = personas(registry.clock.now().date())
    load_patients(registry, [p.patient for p in people], loaded_by=by, source="demo personas")
    real_clock = registry.clock
    try:
        for persona in people:
            if persona.choices and registry.choices.current(persona.patient.nhs_number) is None:
                # Recorded as if made some time ago (before the deceased persona died).
                registry.clock = ShiftedClock(real_clock, -timedelta(days=persona.choices_days_ago))
                for request in persona.choices:
                    record_choice(registry, request, recorded_by=by)
    finally:
        registry.clock = real_clock
    return people
