"""``python -m app.preflight``, the image's ENTRYPOINT: a bad setting is one line and exit 1
before gunicorn (which parses WEB_CONCURRENCY itself, with a traceback) ever starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
GUNICORN = ["gunicorn", "--config", "gunicorn.conf.py"]
MALFORMED_URL = "postgres://u:pw@db:port/g"  # pragma: allowlist secret


def preflight(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    bin_dir = str(Path(sys.executable).parent)
    return subprocess.run(
        [sys.executable, "-m", "app.preflight", *args],
        cwd=REPO_ROOT,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"WEB_CONCURRENCY": "abc"}, "WEB_CONCURRENCY must be an integer, got 'abc'"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be from 1 to 32, got 0"),
        ({"PORT": "99999"}, "PORT must be from 1 to 65535, got 99999"),
        ({"DATABASE_URL": MALFORMED_URL}, "DATABASE_URL must be a URL"),
        ({"RATELIMIT_DEFAULT": "lots please"}, "RATELIMIT_DEFAULT must be like"),
        ({"APP_ENV": "production"}, "Refusing to start in production: FLASK_SECRET_KEY is not"),
    ],
)
def test_bad_setting_stops_gunicorn_before_it_starts(env: dict[str, str], problem: str) -> None:
    result = preflight(GUNICORN, env)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("gradetracker: ")
    assert problem in line
    assert "pw" not in line


def test_good_settings_exec_the_command_in_the_same_process(tmp_path: Path) -> None:
    """Checked, then replaced rather than run as a child: gunicorn stays PID 1 and receives
    SIGTERM itself. A stand-in `gunicorn` on PATH prints the PID it runs as."""
    fake = tmp_path / "gunicorn"
    fake.write_text("#!/bin/sh\necho $$\n")
    fake.chmod(0o755)
    with subprocess.Popen(
        [sys.executable, "-m", "app.preflight", "gunicorn"],
        cwd=REPO_ROOT,
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert output.strip() == str(process.pid)


@pytest.mark.parametrize("program", ["flask", "/usr/local/bin/gunicorn"])
def test_the_app_programs_are_checked(program: str) -> None:
    result = preflight([program, "--version"], {"PORT": "99999"})
    assert result.returncode == 1
    assert "PORT must be from 1 to 65535" in result.stderr


def test_other_commands_run_unchecked() -> None:
    """A debugging shell or `id -u` in the image needs no app settings."""
    result = preflight(["sh", "-c", "echo unchecked"], {"APP_ENV": "production"})
    assert (result.returncode, result.stdout) == (0, "unchecked\n")


def test_without_a_command_it_prints_usage() -> None:
    result = preflight([], {})
    assert result.returncode == 2
    assert "usage: python -m app.preflight COMMAND" in result.stderr


def test_a_command_that_cannot_run_is_one_line_not_a_traceback() -> None:
    result = preflight(["no-such-command-here"], {})
    assert result.returncode == 127
    assert result.stderr == (
        "gradetracker: cannot run no-such-command-here: No such file or directory\n"
    )


def test_a_blank_worker_count_is_refused_before_gunicorn_reads_it() -> None:
    """gunicorn's int(' ') was 13 lines of traceback through the preflight."""
    result = preflight([*GUNICORN, "--version"], {"WEB_CONCURRENCY": " "})
    assert result.returncode == 1
    assert result.stderr.startswith("gradetracker: Invalid configuration: WEB_CONCURRENCY is blank")
    assert "Traceback" not in result.stderr
