"""`ndop check` as users run it, a process of its own: without Django on a current snapshot (ADR 95), with the
check's smaller Django (ADR 78) otherwise, and a small request without importing numba (ADR 88)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.integration.cli.test_startup import NDOP, clean_env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NDOP, *args], env=env, capture_output=True, text=True, timeout=300)


# Runs `ndop check REQUEST -o RESPONSE` in this interpreter, then prints what it imported: which settings Django
# was set up with (or "none"), and whether Django, the API's Ninja and numba are in `sys.modules`.
_CHECK_AND_SHOW = (
    "import sys; sys.argv = ['ndop', 'check', sys.argv[1], '-o', sys.argv[2]]\n"
    "from ndop.cli import main\n"
    "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
    "django = 'django' in sys.modules\n"
    "settings = sys.modules['django.conf'].settings.SETTINGS_MODULE if 'django.conf' in sys.modules else 'none'\n"
    "print(settings, django, 'ninja' in sys.modules, 'numba' in sys.modules)\n"
)


def _check_and_show(request: Path, out: Path, env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _CHECK_AND_SHOW, str(request), str(out)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.stderr.startswith("Checked"), done.stderr
    return done.stdout.split()


def test_a_check_on_a_current_or_caught_up_snapshot_does_not_import_django(tmp_path: Path) -> None:
    """ADR 95: the first check builds the snapshot with the check's smaller Django (ADR 78); a check on the
    persisted snapshot, current or a few events behind, runs on a DB-API connection and never imports Django."""
    env = clean_env(tmp_path)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    assert _run(["demo"], env).returncode == 0  # the demo's personas include 943 476 5919
    request = tmp_path / "request.dat"
    request.write_bytes(b"9434765919\r\n9434765870\r\n")
    first = _check_and_show(request, tmp_path / "out1.dat", env)  # no snapshot yet: a rebuild, on Django
    assert first[:3] == ["ndop.settings_check", "True", "False"]  # (a rebuild sets its bits with numba)
    assert _check_and_show(request, tmp_path / "out2.dat", env) == ["none", "False", "False", "False"]
    assert (tmp_path / "out2.dat").read_bytes() == request.read_bytes()
    assert _run(["choice", "set", "9434765919", "--opted-out", "--channel", "OP"], env).returncode == 0
    # One new event: the snapshot is caught up (its bits set with numba), still without Django; the row goes.
    assert _check_and_show(request, tmp_path / "out3.dat", env)[:3] == ["none", "False", "False"]
    assert (tmp_path / "out3.dat").read_bytes() == b"9434765870\r\n"
    assert " 1 kept, 1 removed" in _run(["check", str(request), "-o", str(tmp_path / "out4.dat")], env).stderr
    verified = _run(["audit", "verify"], env)  # the records written without Django are in the one chain
    assert verified.returncode == 0 and "Audit chain intact" in verified.stdout, verified.stdout + verified.stderr


def test_check_process_compiles_a_request_over_the_small_size_and_answers_the_same(tmp_path: Path) -> None:
    from ndop.domain.check.engine import SMALL_DAT

    env = clean_env(tmp_path)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    assert _run(["demo"], env).returncode == 0  # the demo's personas include 943 476 5919
    assert _run(["choice", "set", "9434765919", "--opted-out", "--channel", "OP"], env).returncode == 0
    rows = [b"9434765870,\n", b"9434765919,\n"] * (SMALL_DAT // 24 + 1)  # just over SMALL_DAT bytes
    small, large = tmp_path / "small.dat", tmp_path / "large.dat"
    small.write_bytes(b"".join(rows[:2000]))
    large.write_bytes(b"".join(rows))
    assert large.stat().st_size > SMALL_DAT
    code = ("import sys; sys.argv = ['ndop', 'check', sys.argv[1], '-o', sys.argv[2]]\n"
            "from ndop.cli import main\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
            "print('numba' in sys.modules)\n")
    # The first check after the opt-out brings the snapshot up to date (compiled bit setting); the next is warm.
    for request, numba in ((small, None), (small, "False"), (large, "True")):
        out = tmp_path / f"{request.stem}.out"
        done = subprocess.run([sys.executable, "-c", code, str(request), str(out)], env=env,
                              capture_output=True, text=True, timeout=600)
        assert numba is None or done.stdout.split() == [numba], done.stderr
        assert done.stderr.startswith(f"Checked {len(request.read_bytes()) // 12:,} rows"), done.stderr
    for request in (small, large):  # the opted-out number's rows removed, by either scan
        kept = b"".join(row for row in request.read_bytes().splitlines(keepends=True) if row != b"9434765919,\n")
        assert (tmp_path / f"{request.stem}.out").read_bytes() == kept
    assert _run(["audit", "verify"], env).returncode == 0


def test_the_check_chooses_its_django_from_its_own_options_not_sys_argv(tmp_path: Path) -> None:
    """`--gp-data` needs the full Django (the Type 1 register). Run in process with arguments that are not
    `sys.argv` (as a script or a scheduler calls `main(args)`), each check sets up what its options ask for:
    reading `sys.argv` instead gave the smaller Django to a --gp-data check, which then failed."""
    env = clean_env(tmp_path)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    assert _run(["migrate"], env).returncode == 0
    request = tmp_path / "request.dat"
    request.write_bytes(b"9434765919\r\n")
    code = ("import sys\n"
            "args, sys.argv = sys.argv[1:], ['ndop']\n"
            "from ndop.cli import main\n"
            "try:\n    main(args, prog_name='ndop')\nexcept SystemExit as exc:\n    code = exc.code\n"
            "c = sys.modules.get('django.conf')\n"
            "print(code, c.settings.SETTINGS_MODULE if c and c.settings.configured else 'no-django')\n")
    # The first builds the snapshot; the second, on a current snapshot, needs no Django at all (ADR 95).
    for options, settings in ((["--gp-data"], "ndop.settings"), ([], "no-django")):
        out = tmp_path / f"out{len(options)}.dat"
        done = subprocess.run([sys.executable, "-c", code, "check", str(request), *options, "-o", str(out)],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.stdout.split() == ["0", settings], done.stderr
        assert out.read_bytes() == b"9434765919\r\n"
