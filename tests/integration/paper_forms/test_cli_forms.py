"""`ndop forms write DIR`: the same PDFs as the web serves, written to a folder; a bad folder is one line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from django.test import Client

from ndop.cli import main
from ndop.domain.paper_forms.forms import FORMS


def test_forms_write_puts_every_form_in_the_folder_as_the_web_serves_it(tmp_path: Path) -> None:
    out = tmp_path / "new" / "forms"
    result = CliRunner().invoke(main, ["forms", "write", str(out)])
    assert result.exit_code == 0, result.output
    for form in FORMS:
        written = (out / form.filename).read_bytes()
        served = Client().get(f"/forms/{form.filename}").content
        assert written[:5] == b"%PDF-"
        assert written == served  # the same data, the same renderer: the same bytes
        assert f"Wrote {out / form.filename}" in result.output


def test_forms_write_to_a_file_not_a_folder_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["forms", "write", str(blocker / "forms")])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: Cannot make the folder")
    assert "Traceback" not in result.output
