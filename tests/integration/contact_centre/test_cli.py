"""`ndop staff`, `ndop letters` and `ndop choice show --json` from the command line."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from ndop.adapters.db import models as m
from ndop.cli import main
from ndop.domain.contact_centre.cases import IdentityDetail
from ndop.domain.registry.choices import Choice
from ndop.services.staff import approvals, phone
from tests.integration.contact_centre.conftest import guardian

ID = frozenset({IdentityDetail.FULL_NAME, IdentityDetail.DATE_OF_BIRTH, IdentityDetail.POSTCODE})


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


@pytest.fixture(autouse=True)
def _var(settings, tmp_path):
    settings.CONFIG = settings.CONFIG.replace(var_dir=tmp_path, notify=None)


def test_staff_add_list_role_disable_enable_reset(db) -> None:
    added = run("staff", "add", "Jo.Bloggs", "--name", "Jo Bloggs", "--role", "agent", "--role", "approver")
    assert added.exit_code == 0, added.output
    assert "TOTP secret:" in added.output and "Recovery codes:" in added.output
    assert "jo.bloggs" in run("staff", "list").output
    assert run("staff", "role", "jo.bloggs", "--role", "admin").exit_code == 0
    assert run("staff", "disable", "jo.bloggs").exit_code == 0
    assert "disabled" in run("staff", "list").output
    assert run("staff", "enable", "jo.bloggs").exit_code == 0
    reset = run("staff", "reset", "jo.bloggs")
    assert reset.exit_code == 0 and "Password:" in reset.output
    listed = run("staff", "list").output
    assert "admin" in listed and "approver" not in listed


@pytest.mark.parametrize("args", [
    ["staff", "add", "x", "--name", "N", "--role", "agent"],  # username too short
    ["staff", "add", "ok.name", "--name", "N", "--role", "boss"],  # unknown role
    ["staff", "add", "ok.name", "--name", "", "--role", "agent"],  # no name
    ["staff", "disable", "nobody.here"],
    ["staff", "reset", "nobody.here"],
])
def test_staff_bad_input_exits_2_and_changes_nothing(db, args) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not m.StaffAccount.objects.exists()


def test_staff_add_password_too_short_on_stdin_exits_2(db) -> None:
    result = run("staff", "add", "ok.name", "--name", "N", "--role", "agent", "--password-stdin", stdin="short\n")
    assert result.exit_code == 2 and "at least 12" in result.output


def test_choice_show_json_after_an_approved_guardian_choice(centre, agent, approver, people) -> None:
    case = phone.record_phone_choice(centre, agent.username, people["child"].nhs_number, Choice.OPTED_OUT,
                                     identity_confirmed=ID, nic_reference="12345-C", proxy=guardian())
    approvals.approve(centre, approver.username, case.reference)
    result = run("choice", "show", people["child"].nhs_number.digits, "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["nhs_number"] == people["child"].nhs_number.digits and shown["current_choice"] == "opted_out"
    [event] = shown["history"]
    assert set(event) == {"sequence", "choice", "made_at", "recorded_at", "channel", "proxy_role", "case_reference"}
    assert (event["proxy_role"], event["channel"], event["case_reference"]) == ("GUARDIAN", "CC", "12345-C")


def test_choice_show_json_with_no_choice(people) -> None:
    shown = json.loads(run("choice", "show", people["adult"].nhs_number.digits, "--json").output)
    assert shown == {"nhs_number": people["adult"].nhs_number.digits, "current_choice": "not_opted_out",
                     "history": []}


def test_letters_list_send_and_print(centre, agent, people, clock, tmp_path) -> None:
    assert run("letters", "list", "--json").output.strip() == "[]"
    for nic in ("1", "2"):
        phone.record_phone_choice(centre, agent.username, people["adult"].nhs_number, Choice.OPTED_OUT,
                                  identity_confirmed=ID, nic_reference=nic)
    assert "Sent 2" in run("letters", "send").output
    listed = json.loads(run("letters", "list", "--json").output)
    assert [lt["kind"] for lt in listed] == ["choice_confirmation"] * 2
    assert {"id", "nhs_number", "kind", "created_at", "path"} <= set(listed[0])
    assert listed[0]["nhs_number"] == people["adult"].nhs_number.digits and listed[0]["path"].endswith(".pdf")
    out = tmp_path / "run.pdf"
    printed = run("letters", "print", "--date", clock.now().date().isoformat(), "--out", str(out))
    assert printed.exit_code == 0, printed.output
    assert len(PdfReader(io.BytesIO(out.read_bytes())).pages) == 2


def test_letters_print_bad_input_exits_2(db, tmp_path) -> None:
    assert run("letters", "print", "--date", "yesterday", "--out", str(tmp_path / "x.pdf")).exit_code == 2
    empty = run("letters", "print", "--date", "2020-01-01", "--out", str(tmp_path / "x.pdf"))
    assert empty.exit_code == 2 and "no letters" in empty.output
    assert not (tmp_path / "x.pdf").exists()
