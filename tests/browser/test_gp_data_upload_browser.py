"""The web upload's GP-data question in a real browser (Debian's chromium), without JavaScript, axe on each page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ndop import container
from ndop.domain.organisations.accounts import OdsCode, Organisation, OrganisationRole
from ndop.services.gp_codes.import_codes import import_codes
from ndop.services.organisations.accounts import add_organisation_user, register_organisation
from ndop.services.registry.load_patients import load_patients
from tests.conftest import TESTER, make_patient, number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
A, T1 = (number(n).digits for n in ("943476591", "900000002"))


def test_org_check_gp_data_removes_type1_in_a_browser(no_script_page, axe_no_script, tmp_path) -> None:
    registry = container.registry()
    load_patients(registry, [make_patient(T1[:9])], loaded_by=TESTER, source="fixture")
    extract = f"nhs_number,practice_code,code_system,code,recorded_date\n{T1},B82001,read2,9Nu0.,2015-01-01\n"
    import_codes(container.gp_codes(), io.BytesIO(extract.encode()), imported_by=TESTER, source="t")
    register_organisation(registry, Organisation(OdsCode("RR8"), "Leeds Teaching Hospitals"), by=TESTER)
    add_organisation_user(registry, OdsCode("RR8"), "ann@leeds.nhs.uk", OrganisationRole.CHECKER, by=TESTER,
                          password=PASSWORD)
    upload = tmp_path / "RR8-231126-0003.dat"
    upload.write_bytes(f"{A},\r\n{T1},\r\n".encode())

    page = no_script_page
    page.goto("/org/check/")
    page.get_by_label("Email address").fill("ann@leeds.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Upload a file").set_input_files(str(upload))
    page.get_by_label("Yes, data from GP records").check()
    page.get_by_role("button", name="Check the list").click()
    assert page.get_by_role("heading", name="Your list has been checked").is_visible()
    assert page.get_by_text("Removed (type 1 opt-out, GP data)").is_visible()
    axe_no_script(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the cleaned list").click()
    assert Path(download_info.value.path()).read_bytes() == f"{A},\r\n".encode()
