"""Where NHS login lets someone go: a table of claims and records, and properties of the screen."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.online.nhs_login import LoginOutcome, NhsLoginIdentity, decide, screen
from tests.conftest import make_patient, number

TODAY = date(2026, 11, 23)
JANE = make_patient("943476591", born=date(1990, 5, 17))
P9 = NhsLoginIdentity("P9", JANE.nhs_number.digits, date(1990, 5, 17))


@pytest.mark.parametrize(("identity", "patient", "outcome"), [
    pytest.param(P9, JANE, LoginOutcome.VERIFIED, id="p9-in-the-index"),
    pytest.param(NhsLoginIdentity("P9", JANE.nhs_number.digits), JANE, LoginOutcome.VERIFIED, id="p9-no-birthdate"),
    pytest.param(NhsLoginIdentity("P5", JANE.nhs_number.digits, date(1990, 5, 17)), JANE,
                 LoginOutcome.NOT_HIGH_LEVEL, id="p5"),
    pytest.param(NhsLoginIdentity("P0"), JANE, LoginOutcome.NOT_HIGH_LEVEL, id="p0"),
    pytest.param(NhsLoginIdentity("p9", JANE.nhs_number.digits), JANE, LoginOutcome.NOT_HIGH_LEVEL, id="level-case"),
    pytest.param(NhsLoginIdentity("P9", ""), JANE, LoginOutcome.NO_NHS_NUMBER, id="no-nhs-number"),
    pytest.param(NhsLoginIdentity("P9", "9434765918"), JANE, LoginOutcome.NO_NHS_NUMBER, id="bad-check-digit"),
    pytest.param(P9, None, LoginOutcome.NOT_FOUND, id="not-in-the-index"),
    pytest.param(NhsLoginIdentity("P9", JANE.nhs_number.digits, date(1990, 5, 18)), JANE, LoginOutcome.NOT_FOUND,
                 id="another-birth-date"),
    pytest.param(NhsLoginIdentity("P9", JANE.nhs_number.digits, date(2014, 1, 1)),
                 make_patient("943476591", born=date(2014, 1, 1)), LoginOutcome.UNDER_13, id="aged-12"),
    pytest.param(NhsLoginIdentity("P9", JANE.nhs_number.digits), make_patient("943476591", born=date(2013, 11, 23)),
                 LoginOutcome.VERIFIED, id="thirteen-today"),
    pytest.param(P9, make_patient("943476591", date_of_death=date(2026, 1, 1)), LoginOutcome.CANNOT_CONTINUE,
                 id="deceased"),
    pytest.param(P9, make_patient("943476591", sensitive=True), LoginOutcome.CANNOT_CONTINUE, id="sensitive"),
    pytest.param(P9, make_patient("943476591", superseded_by=number("900000007")), LoginOutcome.CANNOT_CONTINUE,
                 id="superseded"),
])
def test_where_nhs_login_lets_someone_go(identity, patient, outcome) -> None:
    assert decide(identity, patient, TODAY) is outcome


def test_only_the_security_code_outcomes_fall_back() -> None:
    assert {o for o in LoginOutcome if o.falls_back} == {
        LoginOutcome.NOT_HIGH_LEVEL, LoginOutcome.NO_NHS_NUMBER, LoginOutcome.NOT_FOUND}


@given(level=st.text(max_size=4), digits=st.text(alphabet="0123456789 -", max_size=12))
def test_anything_below_p9_never_gets_through(level: str, digits: str) -> None:
    identity = NhsLoginIdentity(level, digits)
    if level != "P9":
        assert screen(identity) is LoginOutcome.NOT_HIGH_LEVEL
        assert decide(identity, JANE, TODAY) is not LoginOutcome.VERIFIED
    elif identity.number is None:
        assert screen(identity) is LoginOutcome.NO_NHS_NUMBER
