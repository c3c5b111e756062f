"""Run tox envs' commands in one shared environment: ``suites.py [-e ENV,...] [-- ARGS]``.

tox 4 gives every env a virtualenv of its own (and recreates one that envs share), and the
suites here install the same requirements, so ``scripts/test`` installs them once into
``.tox/suites`` (again only when ``requirements*.txt`` or pyproject.toml's project tables
change) and runs there what ``tox config`` says each env runs: tox.ini stays the one place that
says what an env does, and ``tox -e unit`` works as before. Without ``-e``, tox's
``env_list``. ARGS go where tox puts ``{posargs}``. Every env runs, even after a failure, as
tox does; the exit status is the first failure's. Prints each env's time and outcome at the end.

Run with the bootstrap venv's python (it has tox): ``.tox/bootstrap/bin/python``.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / ".tox"
SHARED = WORK / "suites"
STAMP = SHARED / ".installed"


def inputs_hash() -> str:
    """What the installation depends on: the interpreter, the requirements files and
    pyproject.toml's [build-system] and [project] tables (not its tool settings)."""
    digest = hashlib.sha256(sys.version.encode())
    for name in ("requirements.txt", "requirements-dev.txt"):
        digest.update((REPO / name).read_bytes())
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    for table in ("build-system", "project"):
        digest.update(json.dumps(pyproject.get(table), sort_keys=True).encode())
    return digest.hexdigest()


def ensure_shared_env() -> None:
    """``.tox/suites`` with the app's and the tests' requirements and deploycheck (editable).
    A change installs into the same environment (pip only touches what changed); a dropped
    requirement stays until ``rm -rf .tox/suites`` (CI always starts from none)."""
    wanted = inputs_hash()
    if STAMP.is_file() and STAMP.read_text() == wanted:
        return
    print(f"suites: installing the requirements into {SHARED.relative_to(REPO)}", flush=True)
    if not (SHARED / "bin" / "python").is_file():
        subprocess.run([sys.executable, "-m", "venv", str(SHARED)], check=True)
    pip = [str(SHARED / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    pip += ["--disable-pip-version-check", "-r", "requirements.txt", "-r", "requirements-dev.txt"]
    subprocess.run([*pip, "--editable", "."], cwd=REPO, check=True)
    STAMP.write_text(wanted)


def tox_config(envs: list[str], posargs: list[str]) -> configparser.ConfigParser:
    """Each env's commands and set_env as tox resolves them (posargs substituted); every env
    of ``env_list`` when ``envs`` is empty."""
    tox = Path(sys.executable).parent / "tox"
    select = ["-e", ",".join(envs)] if envs else []
    keys = ["-k", "commands", "set_env", "env_dir"]
    text = subprocess.run(
        [str(tox), "config", *select, *keys, "--", *posargs],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read_string(text)
    return parser


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.strip().splitlines() if line.strip()]


def run_env(name: str, section: configparser.SectionProxy) -> int:
    """Run one env's commands in the shared environment; the first failing command's status."""
    own_dir = section["env_dir"].strip()
    env = dict(os.environ)
    for assignment in lines(section.get("set_env", "")):
        key, _, value = assignment.partition("=")
        env[key] = value.replace(own_dir, str(SHARED))
    env["PATH"] = f"{SHARED / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    for command in lines(section.get("commands", "")):
        argv = shlex.split(command.replace(own_dir, str(SHARED)))
        print(f"{name}: {shlex.join(argv)}", flush=True)
        status = subprocess.run(argv, cwd=REPO, env=env, check=False).returncode
        if status != 0:
            return status
    return 0


def main(argv: list[str]) -> int:
    posargs = argv[argv.index("--") + 1 :] if "--" in argv else []
    options = argv[: argv.index("--")] if "--" in argv else argv
    if options[:1] == ["-e"] and len(options) == 2:
        envs = options[1].split(",")
    elif options:
        print(f"suites: unknown arguments {options}\n{__doc__}", file=sys.stderr)
        return 2
    else:
        envs = []
    ensure_shared_env()
    config = tox_config(envs, posargs)
    names = envs or [s.removeprefix("testenv:") for s in config.sections()]
    results: list[tuple[str, int, float]] = []
    for name in names:
        started = time.monotonic()
        status = run_env(name, config[f"testenv:{name}"])
        results.append((name, status, time.monotonic() - started))
    print("suites: env times")
    for name, status, seconds in results:
        print(f"    {name:<12} {seconds:6.0f}s  {'OK' if status == 0 else f'FAILED ({status})'}")
    return next((status for _, status, _ in results if status != 0), 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
