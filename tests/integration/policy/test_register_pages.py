"""The register's pages: only the organisation's IG lead, every change a new version, CSV export."""

from __future__ import annotations

import csv
import io
from uuid import uuid4

import pytest

from ndop.adapters.db import models as m
from tests.integration.policy.conftest import PASSWORD
from tests.integration.policy.test_questionnaire import S251_STUDY, walk

pytestmark = pytest.mark.django_db


def sign_in(client, email: str) -> None:
    response = client.post("/org/sign-in", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:300]


def save_flow(client, name: str = "CPRD extract", answers: dict[str, str] | None = None) -> str:
    walk(client, answers or S251_STUDY)
    response = client.post("/policy/register/new", {"name": name, "description": "Monthly, under CAG 1-23"})
    assert response.status_code == 302, response.content.decode()[:800]
    return response["Location"]


def test_register_needs_sign_in(client, accounts) -> None:
    response = client.get("/policy/register/")
    assert response.status_code == 302 and response["Location"].startswith("/org/sign-in?next=")


def test_register_is_only_for_ig_leads(client, accounts) -> None:
    sign_in(client, "checker@leeds.nhs.uk")
    assert client.get("/policy/register/").status_code == 403
    assert client.post("/policy/register/new", {"name": "x"}).status_code == 403


def test_register_is_on_the_ig_leads_home_page(client, accounts) -> None:
    sign_in(client, "ig@leeds.nhs.uk")
    assert 'href="/policy/register/"' in client.get("/org/").content.decode()


def test_register_save_from_the_questionnaire_then_view(client, accounts) -> None:
    sign_in(client, "ig@leeds.nhs.uk")
    decision = walk(client, S251_STUDY) and client.get("/policy/decision").content.decode()
    assert 'href="/policy/register/new"' in decision
    location = save_flow(client)
    page = client.get(location).content.decode()
    assert "CPRD extract" in page and "Monthly, under CAG 1-23" in page
    assert "The national data opt-out applies" in page
    assert "Section 251 support with the standard condition" in page and "ig@leeds.nhs.uk" in page
    assert "section_251_standard_condition" not in page
    assert "Version 1" in page
    listing = client.get("/policy/register/").content.decode()
    assert "CPRD extract" in listing and "Applies" in listing
    assert m.AuditEvent.objects.filter(action="policy_flow.recorded", actor="ig@leeds.nhs.uk").count() == 1
    assert "policy_answers" not in client.session  # the questionnaire starts afresh


def test_register_new_needs_a_name_and_answers(client, accounts) -> None:
    sign_in(client, "ig@leeds.nhs.uk")
    assert "First answer the questions" in client.get("/policy/register/new").content.decode()
    walk(client, S251_STUDY)
    response = client.post("/policy/register/new", {"name": "  ", "description": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and 'href="#name"' in page and "Enter a name for the data flow" in page
    assert m.PolicyFlow.objects.count() == 0


def test_register_rename_appends_a_version(client, accounts) -> None:
    sign_in(client, "ig@leeds.nhs.uk")
    location = save_flow(client)
    response = client.post(f"{location}/details", {"name": "CPRD monthly extract", "description": "Changed"})
    assert response["Location"] == location
    page = client.get(location).content.decode()
    assert "CPRD monthly extract" in page and "Version 2" in page and "Version 1" in page
    old = client.get(f"{location}/versions/1").content.decode()
    assert "CPRD extract: version 1" in old and "This is an earlier version" in old
    assert client.get(f"{location}/versions/3").status_code == 404


def test_register_unchanged_details_write_nothing(client, accounts) -> None:
    sign_in(client, "ig@leeds.nhs.uk")
    location = save_flow(client)
    client.post(f"{location}/details", {"name": "CPRD extract", "description": "Monthly, under CAG 1-23"})
    assert m.PolicyFlowVersion.objects.count() == 1


def test_register_change_answers_through_the_questionnaire(client, accounts) -> None:
    sign_in(client, "ig@leeds.nhs.uk")
    location = save_flow(client)
    flow_id = location.rstrip("/").rsplit("/", 1)[-1]
    response = client.post(f"{location}/change-answers")
    assert response["Location"] == "/policy/questions/date"
    client.post("/policy/questions/date", {"date-day": "", "date-month": "", "date-year": ""})
    client.post("/policy/questions/cag_exempted", {"cag_exempted": "true"})
    decision = client.get("/policy/decision").content.decode()
    assert "Save as a new version of this flow" in decision
    saved = client.post(f"/policy/register/{flow_id}/answers")
    assert saved["Location"] == location
    page = client.get(location).content.decode()
    assert "The national data opt-out does not apply" in page
    assert "Section 251 support that sets the opt-out aside" in page
    assert list(m.PolicyFlowVersion.objects.order_by("version").values_list("applies", flat=True)) == [True, False]


def test_register_other_organisations_flows_are_not_found(client, accounts) -> None:
    sign_in(client, "ig@leeds.nhs.uk")
    location = save_flow(client)
    client.post("/org/sign-out")
    sign_in(client, "ig@england.nhs.uk")
    assert client.get(location).status_code == 404
    assert client.post(f"{location}/details", {"name": "Taken"}).status_code == 404
    assert client.post(f"{location}/change-answers").status_code == 404
    assert "CPRD extract" not in client.get("/policy/register/").content.decode()
    assert client.get(f"/policy/register/{uuid4()}").status_code == 404


def test_register_exports_csv_of_current_flows_and_full_history(client, accounts) -> None:
    sign_in(client, "ig@leeds.nhs.uk")
    location = save_flow(client)
    save_flow(client, "Consented study", {**S251_STUDY, "legal_basis": "consent"})
    client.post(f"{location}/details", {"name": "CPRD extract v2", "description": ""})
    response = client.get("/policy/register/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="data-flows-RR8-register-' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted((r["Name"], r["Opt-out applies"], r["Deciding reason"]) for r in rows) == [
        ("CPRD extract v2", "Yes", "Section 251 support with the standard condition"),
        ("Consented study", "No", "The patient consented"),
    ]
    history = list(csv.DictReader(io.StringIO(client.get("/policy/register/export.csv?history=all").content.decode())))
    assert len(history) == 3
    assert {r["Decided by"] for r in history} == {"ig@leeds.nhs.uk"}


def test_demo_installs_the_demo_register_once(db) -> None:
    from click.testing import CliRunner

    from ndop.cli import main

    for _ in range(2):
        result = CliRunner().invoke(main, ["demo"])
        assert result.exit_code == 0, result.output
    assert "register of data flows holds 3 demo flows" in result.output
    assert m.PolicyFlow.objects.filter(organisation_id="ZZ001").count() == 3
    assert set(m.PolicyFlowVersion.objects.values_list("applies", flat=True)) == {True, False}
