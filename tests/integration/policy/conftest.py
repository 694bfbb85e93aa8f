"""Organisations and accounts for the register's pages."""

from __future__ import annotations

import pytest

from ndop.domain.organisations.accounts import OdsCode, Organisation, OrganisationRole
from ndop.services.organisations.accounts import add_organisation_user, register_organisation
from tests.conftest import TESTER

PASSWORD = "correct horse battery staple"


@pytest.fixture
def accounts(registry):
    for code, name in (("RR8", "Leeds Teaching Hospitals"), ("X26", "NHS England")):
        register_organisation(registry, Organisation(OdsCode(code), name), by=TESTER)
    for email, code, role in (
        ("ig@leeds.nhs.uk", "RR8", OrganisationRole.IG_LEAD),
        ("checker@leeds.nhs.uk", "RR8", OrganisationRole.CHECKER),
        ("ig@england.nhs.uk", "X26", OrganisationRole.IG_LEAD),
    ):
        add_organisation_user(registry, OdsCode(code), email, role, by=TESTER, password=PASSWORD)
