"""Contact-centre fixtures: a unit of work on the real database, staff with their second factors, people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from ndop import container
from ndop.domain.contact_centre.evidence import ProxyDetails
from ndop.domain.contact_centre.staff import StaffRole
from ndop.services.registry.load_patients import load_patients
from ndop.services.staff.accounts import add_staff
from tests.conftest import TESTER, make_patient

PASSWORD = "correct horse battery"


@dataclass
class Staff:
    username: str
    secret: str
    recovery_codes: tuple[str, ...]

    def code(self) -> str:
        return container.totp_code(self.secret)


@pytest.fixture
def centre(db, clock):
    return container.contact_centre(clock)


def _add(centre, username: str, *roles: StaffRole) -> Staff:
    _, enrolment = add_staff(centre, username, username.title(), frozenset(roles), by=TESTER, password=PASSWORD)
    return Staff(username, enrolment.totp_secret, enrolment.recovery_codes)


@pytest.fixture
def agent(centre) -> Staff:
    return _add(centre, "alice.agent", StaffRole.AGENT)


@pytest.fixture
def second_agent(centre) -> Staff:
    return _add(centre, "bob.agent", StaffRole.AGENT)


@pytest.fixture
def approver(centre) -> Staff:
    return _add(centre, "ann.approver", StaffRole.APPROVER, StaffRole.AGENT)


ADDRESS = {"address_line_1": "1 Wellington Place", "address_line_2": "", "address_line_3": "", "town": "Leeds"}
ADULT = make_patient("943476591", born=date(1980, 3, 1), given_name="Jane", family_name="Smith", **ADDRESS)
CHILD = make_patient("943476592", born=date(2017, 6, 1), given_name="Sam", family_name="Smith", **ADDRESS)
TEEN = make_patient("943476593", born=date(2013, 1, 1), given_name="Tia", family_name="Smith", **ADDRESS)
DEAD = make_patient("943476594", born=date(1940, 1, 1), given_name="Old", family_name="Smith",
                    date_of_death=date(2025, 1, 1), **ADDRESS)


@pytest.fixture
def people(centre):
    load_patients(centre, [ADULT, CHILD, TEEN, DEAD], loaded_by=TESTER, source="test")
    return {"adult": ADULT, "child": CHILD, "teen": TEEN, "dead": DEAD}


def guardian(**overrides) -> ProxyDetails:
    fields = {"role": "GUARDIAN", "name": "Jane Smith", "relationship": "Mother",
              "address_lines": ["1 Wellington Place", "Leeds"], "postcode": "LS1 4AP",
              "evidence_type": "birth_certificate", "evidence_reference": "BC123456"}
    fields.update(overrides)
    return ProxyDetails.parse(**fields)
