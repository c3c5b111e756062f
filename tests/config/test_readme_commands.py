"""Dogfood: the README's reviewer commands pass on this repository, run exactly as written.

The commands are read from the README's command table, so the README and CI cannot drift: a
row that changes is what runs, and a row that goes missing fails here.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
CHECKS = ("dockerfile", "blueprint", "requirements")
# A table row whose second cell is one command in backticks: | what | `command` |
ROW = re.compile(r"^\|[^|`]+\|\s*`(?P<command>deploycheck [^`]+)`\s*\|\s*$")


def readme_commands() -> dict[str, str]:
    """The README's ``deploycheck <check> ...`` table rows, by check."""
    commands: dict[str, str] = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            command = match["command"]
            commands.setdefault(command.split()[1], command)
    return {check: command for check, command in commands.items() if check in CHECKS}


def test_the_readme_shows_every_check_command() -> None:
    assert sorted(readme_commands()) == sorted(CHECKS), (
        f"README.md's command table should show `deploycheck {{{','.join(CHECKS)}}} PATH` rows"
    )


@pytest.mark.parametrize("check", CHECKS)
def test_readme_command_passes_on_this_repository(check: str) -> None:
    command = readme_commands()[check]
    # The console script of the environment running the tests, as a reviewer's shell finds it.
    scripts = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": os.pathsep.join([scripts, os.environ.get("PATH", "")])}
    done = subprocess.run(
        shlex.split(command),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (
        f"`{command}` (README.md) exited {done.returncode} in {ROOT}:\n{done.stdout}{done.stderr}"
    )
