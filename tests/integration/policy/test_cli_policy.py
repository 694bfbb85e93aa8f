"""`ndop policy decide` and `ndop policy docs`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ndop.cli import main
from ndop.domain.policy.reference import render_markdown

REPO = Path(__file__).resolve().parents[3]
FLOW = {
    "purpose": "research",
    "data": "identifiable",
    "nhs_number_obtainable": True,
    "legal_basis": "s251_reg5",
    "cag_exempted": False,
    "recipient": "other",
    "data_origin": "england_health_or_adult_social_care",
}


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def test_cli_policy_decide_prints_the_decision_as_json(tmp_path: Path) -> None:
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(FLOW))
    result = run("policy", "decide", str(path))
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision["applies"] is True
    assert decision["reasons"][0]["code"] == "section_251_standard_condition"
    assert decision["next_steps"]


def test_cli_policy_decide_reads_standard_input() -> None:
    result = run("policy", "decide", "-", stdin=json.dumps({**FLOW, "legal_basis": "consent"}))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["reasons"][0]["code"] == "consent"


def test_cli_policy_decide_invalid_input_exits_2_listing_every_problem() -> None:
    result = run("policy", "decide", "-", stdin=json.dumps({**FLOW, "purpose": "reserch", "extra": 1}))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "2 problems" in result.stderr
    assert "Allowed values: individual_care" in result.stderr
    assert '"extra" is not a known key' in result.stderr


def test_cli_policy_decide_bad_json_and_missing_file_exit_2(tmp_path: Path) -> None:
    assert run("policy", "decide", "-", stdin="{not json").exit_code == 2
    missing = run("policy", "decide", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2
    assert "cannot read" in missing.stderr


def test_cli_policy_docs_writes_the_reference(tmp_path: Path) -> None:
    out = tmp_path / "rules.md"
    assert run("policy", "docs", "--output", str(out)).exit_code == 0
    assert out.read_text() == render_markdown()


def test_policy_rules_reference_in_docs_is_up_to_date() -> None:
    committed = (REPO / "docs" / "policy-rules.md").read_text(encoding="utf-8")
    stale = "docs/policy-rules.md is stale: run `ndop policy docs -o docs/policy-rules.md`"
    assert committed == render_markdown(), stale
