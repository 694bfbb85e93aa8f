"""The web upload page in a real browser (Debian's chromium), without JavaScript, axe on every page.

The browser and axe fixtures are in tests/browser/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ndop import container
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.organisations.accounts import OdsCode, Organisation, OrganisationRole
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.organisations.accounts import add_organisation_user, register_organisation
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient, number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
A, B = (number(n).digits for n in ("943476591", "900000002"))


def test_org_check_upload_and_download_in_a_browser(no_script_page, axe_no_script, tmp_path) -> None:
    registry = container.registry()
    patient = make_patient("900000002")
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    record_choice(registry, ChoiceRequest(patient.nhs_number, Choice.OPTED_OUT, Channel.ONLINE),
                  recorded_by=PATIENT_ONLINE)
    register_organisation(registry, Organisation(OdsCode("RR8"), "Leeds Teaching Hospitals"), by=TESTER)
    add_organisation_user(registry, OdsCode("RR8"), "ann@leeds.nhs.uk", OrganisationRole.CHECKER, by=TESTER,
                          password=PASSWORD)
    good = tmp_path / "RR8-231126-0001.dat"
    good.write_bytes(f"{A},\r\n{B},\r\n".encode())
    bad = tmp_path / "RR8-231126-0002.dat"
    bad.write_bytes(f"{A},\r\n123,\r\n".encode())

    page = no_script_page
    page.goto("/org/check/")
    page.get_by_label("Email address").fill("ann@leeds.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="Check a list of NHS numbers").is_visible()
    axe_no_script(page)

    page.get_by_role("button", name="Check the list").click()  # no file: an error summary
    assert page.locator(".nhsuk-error-summary").is_visible()
    axe_no_script(page)

    page.get_by_label("Upload a file").set_input_files(str(good))
    page.get_by_role("button", name="Check the list").click()
    assert page.get_by_role("heading", name="Your list has been checked").is_visible()
    assert page.get_by_text("must not be added to any patient").is_visible()
    axe_no_script(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the cleaned list").click()
    download = download_info.value
    assert download.suggested_filename == "RR8-231126-0001_RESPONSE.dat"
    assert Path(download.path()).read_bytes() == f"{A},\r\n".encode()

    page.get_by_role("link", name="Check another list").click()
    page.get_by_label("Upload a file").set_input_files(str(bad))
    page.get_by_role("button", name="Check the list").click()
    assert page.get_by_role("heading", name="Your file was rejected").is_visible()
    axe_no_script(page)


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40 + b"\n\x01\x02\n"


@pytest.mark.parametrize("width", [1280, 320])
def test_org_upload_trips_past_checks_and_signed_out_at_each_width(page, axe, tmp_path, width) -> None:
    registry = container.registry()
    load_patients(registry, [make_patient("900000002")], loaded_by=TESTER, source="fixture")
    register_organisation(registry, Organisation(OdsCode("RR8"), "Leeds Teaching Hospitals"), by=TESTER)
    add_organisation_user(registry, OdsCode("RR8"), "ann@leeds.nhs.uk", OrganisationRole.CHECKER, by=TESTER,
                          password=PASSWORD)
    empty = tmp_path / "empty.dat"
    empty.write_bytes(b"")
    picture = tmp_path / "picture.dat"
    picture.write_bytes(PNG)
    bad = tmp_path / "RR8-231126-0003.dat"
    bad.write_bytes(f"{A},\r\n1234567890,\r\n123,\r\n".encode())

    def fits() -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        axe.check(page)

    def upload(path: Path) -> None:
        page.goto("/org/check/")
        page.locator("input[type=file]").set_input_files(str(path))  # the design system wraps it in a button
        page.get_by_role("button", name="Check the list").click()

    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/org/sign-in")
    page.get_by_label("Email address").fill("ann@leeds.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("Your organisation has not checked any lists yet.").is_visible()
    fits()

    upload(empty)
    assert page.locator(".nhsuk-error-summary").get_by_text("The selected file is empty").is_visible()
    fits()

    upload(picture)
    assert page.get_by_role("heading", name="Your file was rejected").is_visible()
    assert page.get_by_text("not a text file").first.is_visible()
    assert page.get_by_text("must be 10 digits").count() == 0 and page.get_by_role("table").count() == 0
    fits()

    upload(bad)
    table = page.get_by_role("table", name="What was wrong")
    assert table.get_by_role("row").count() == 3  # the header and two lines
    assert table.get_by_role("cell", name="Check digit is wrong").is_visible()
    assert table.get_by_role("cell", name="NHS number must be 10 digits").is_visible()
    assert page.get_by_text("line,reason").count() == 0
    fits()

    page.goto("/org/")
    assert page.get_by_role("heading", name="Your organisation's past checks").is_visible()
    assert page.get_by_text("Rejected: not a text file").is_visible()
    assert page.get_by_text("Rejected: invalid NHS numbers").is_visible()
    fits()

    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("heading", name="You have signed out").is_visible()
    fits()
    page.goto("/org/")
    assert "/org/sign-in" in page.url
