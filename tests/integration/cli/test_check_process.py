"""`ndop check` as users run it, a process of its own, sets up the check's smaller Django (ADR 78)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.integration.cli.test_startup import NDOP, clean_env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NDOP, *args], env=env, capture_output=True, text=True, timeout=300)


def test_check_process_sets_up_only_the_check_settings_and_checks(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    assert _run(["migrate"], env).returncode == 0
    request = tmp_path / "request.dat"
    request.write_bytes(b"9434765919\r\n")
    first = _run(["check", str(request), "-o", str(tmp_path / "out.dat")], env)
    assert first.returncode == 0 and first.stderr.startswith("Checked 1 rows"), first.stderr
    assert (tmp_path / "out.dat").read_bytes() == b"9434765919\r\n"
    code = ("import sys; sys.argv = ['ndop', 'check', sys.argv[1], '-o', sys.argv[2]]\n"
            "from ndop.cli import main\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
            "import django.conf as c; print(c.settings.SETTINGS_MODULE, 'ninja' in sys.modules)\n")
    second = subprocess.run([sys.executable, "-c", code, str(request), str(tmp_path / "out2.dat")], env=env,
                            capture_output=True, text=True, timeout=300)
    assert second.stdout.split() == ["ndop.settings_check", "False"], second.stderr
    assert (tmp_path / "out2.dat").read_bytes() == b"9434765919\r\n"
