"""No setting of any kind ends in a traceback, on any entry point: every row of the README's
settings table, with bad values, through gunicorn, the image's preflight, the flask CLI and
``flask db upgrade``, each a real process: forked from one that imported the app's libraries
once (:mod:`tests.preloaded`), and one case per entry point also from a fresh interpreter,
which must answer the same.

The table is parsed from README.md, so a new setting fails here until it has bad values below.
A value the entry point reads must be refused in one line naming the variable; a value it does
not read (the flask CLI has no ``PORT``) must still give no traceback.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \|", re.MULTILINE)
PRODUCTION = "production"
DEVELOPMENT = "development"

# Values each setting must refuse, with the environment they are refused in. The hostile
# review's values are among them.
BAD: dict[str, list[tuple[str, str]]] = {
    "APP_ENV": [(DEVELOPMENT, "staging")],
    "DATABASE_URL": [(DEVELOPMENT, "postgresql://u:p@db:port/x"), (PRODUCTION, "sqlite://")],
    "DATABASE_CONNECT_TIMEOUT": [(DEVELOPMENT, "-1")],
    "DATABASE_STATEMENT_TIMEOUT": [(DEVELOPMENT, "99999999999")],
    "REDIS_URL": [(DEVELOPMENT, "localhost:6379")],
    "FLASK_SECRET_KEY": [
        (PRODUCTION, "0123456789abcdef" * 2),
        (PRODUCTION, "abcdefghijklmnopqrstuvwxyz0123456789"),
        (PRODUCTION, "dev-secret-key" * 3),
    ],
    "SESSION_COOKIE_SECURE": [(PRODUCTION, "false")],
    "API_TOKEN_ENCRYPTION_KEY": [(PRODUCTION, "x"), (PRODUCTION, "changeme")],
    "CORS_ORIGINS": [(DEVELOPMENT, "https://a.example.com:99999"), (PRODUCTION, "*")],
    "RATELIMIT_ENABLED": [(DEVELOPMENT, "perhaps")],
    "RATELIMIT_DEFAULT": [(DEVELOPMENT, "0 per minute")],
    "RATELIMIT_WRITE": [(DEVELOPMENT, "lots")],
    "SENTRY_DSN": [(DEVELOPMENT, "not-a-dsn")],
    "LOG_LEVEL": [(DEVELOPMENT, "junk")],
    "PORT": [(DEVELOPMENT, "99999")],
    "WEB_CONCURRENCY": [(DEVELOPMENT, " "), (DEVELOPMENT, "many")],
    "GUNICORN_PRELOAD": [(DEVELOPMENT, "sometimes")],
}
# Tried on every setting: non-ASCII and an invisible character. Refused or accepted, never a
# traceback.
ODD = "\u00e9\u200b"
PROD_SECRET_KEY = "9c1f0e4b7a2d58c36e0b9f71d2a4c8e5b3f6a0d7c9e2b4f1"  # pragma: allowlist secret
PROD_CRYPT_KEY = "q0pXg7n2Yx4sKd8Vb1Lm6Rt3Hc9Wz5Fj0Ae2Ui7Oy4M="  # pragma: allowlist secret
# Settings only the server reads; the flask CLI ignores them.
SERVER_ONLY = {"PORT", "WEB_CONCURRENCY", "GUNICORN_PRELOAD"}

# `python -m MODULE ARGS` for each entry point.
ENTRY_POINTS: dict[str, tuple[str, list[str]]] = {
    # gunicorn loads gunicorn.conf.py and the app, then stops.
    "gunicorn": ("gunicorn", ["--config", "gunicorn.conf.py", "--check-config"]),
    # The image's ENTRYPOINT; `gunicorn --version` reads WEB_CONCURRENCY as gunicorn does.
    "preflight": ("app.preflight", ["gunicorn", "--version"]),
    "flask": ("flask", ["--app", "app", "routes"]),
    "flask db upgrade": ("flask", ["--app", "app", "db", "upgrade"]),
}


def readme_settings() -> list[str]:
    section = README.read_text().split("### Settings", 1)[1].split("\n## ", 1)[0]
    return ROW.findall(section)


@dataclass(frozen=True)
class Case:
    entry: str
    name: str
    value: str
    app_env: str
    must_refuse: bool

    @property
    def id(self) -> str:
        return f"{self.entry}:{self.name}={self.value!r}:{self.app_env}"


def reads(entry: str, name: str) -> bool:
    return not (entry.startswith("flask") and name in SERVER_ONLY)


def gunicorns_own_read(entry: str, name: str, value: str) -> bool:
    """gunicorn reads WEB_CONCURRENCY with int() while importing its settings, before any of
    the project's code: only the image's ENTRYPOINT (the preflight, run first) can refuse it."""
    if entry != "gunicorn" or name != "WEB_CONCURRENCY":
        return False
    try:
        int(value)
    except ValueError:
        return True
    return False


def cases() -> list[Case]:
    found = []
    for name in readme_settings():
        for app_env, value in BAD.get(name, []):
            found += [
                Case(entry, name, value, app_env, reads(entry, name)) for entry in ENTRY_POINTS
            ]
        found += [Case(entry, name, ODD, DEVELOPMENT, False) for entry in ENTRY_POINTS]
    return [c for c in found if not gunicorns_own_read(c.entry, c.name, c.value)]


def base_env(app_env: str, workdir: Path) -> dict[str, str]:
    # The interpreter's own bin first: the preflight execs `gunicorn` from PATH.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin")])
    env = {"PATH": path, "APP_ENV": app_env}
    if app_env == PRODUCTION:
        # Valid, and never connected to: the bad value under test is refused first.
        env |= {
            "FLASK_SECRET_KEY": PROD_SECRET_KEY,
            "API_TOKEN_ENCRYPTION_KEY": PROD_CRYPT_KEY,
            "SESSION_COOKIE_SECURE": "true",
            "CORS_ORIGINS": "https://grades.example.com",
            "DATABASE_URL": "postgresql://app:pw@127.0.0.1:1/app",  # pragma: allowlist secret
            "REDIS_URL": "redis://127.0.0.1:1/0",
        }
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'entry.sqlite'}"
    return env


def case_env(case: Case, workdir: Path) -> dict[str, str]:
    """The case's whole environment, with a folder of its own for SQLite."""
    folder = workdir / re.sub(r"\W", "_", case.id)
    folder.mkdir(exist_ok=True)
    return base_env(case.app_env, folder) | {case.name: case.value}


def run_fresh(case: Case, workdir: Path) -> subprocess.CompletedProcess[str]:
    """The case in a fresh interpreter: ``python -m MODULE ARGS``."""
    module, args = ENTRY_POINTS[case.entry]
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=case_env(case, workdir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_preloaded(cases: list[Case], workdir: Path) -> dict[str, subprocess.CompletedProcess]:
    """Every case in a process forked from one that imported the libraries once."""
    lines = [
        json.dumps(
            {
                "key": case.id,
                "module": ENTRY_POINTS[case.entry][0],
                "args": ENTRY_POINTS[case.entry][1],
                "env": case_env(case, workdir),
            }
        )
        for case in cases
    ]
    server = subprocess.run(
        [sys.executable, "-m", "tests.preloaded", f"--jobs={os.cpu_count() or 2}"],
        cwd=ROOT,
        env=base_env(DEVELOPMENT, workdir),
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=60 + 5 * len(cases),
        check=False,
    )
    assert server.returncode == 0, server.stderr
    answers = [json.loads(line) for line in server.stdout.splitlines()]
    return {
        a["key"]: subprocess.CompletedProcess(a["key"], a["returncode"], a["stdout"], a["stderr"])
        for a in answers
    }


ALL_CASES = cases()
# One refused case per entry point, run both ways: the forked process must answer as a fresh
# interpreter does.
FRESH_CASES = [
    next(c for c in ALL_CASES if c.entry == entry and c.must_refuse and c.name == "LOG_LEVEL")
    for entry in ENTRY_POINTS
]


@pytest.fixture(scope="module")
def outcomes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, subprocess.CompletedProcess]:
    """Every selected case (``-k`` narrows them) run once, one per core at a time. Under
    xdist, ``--dist loadfile`` gives the module's tests to one worker, which runs them all."""
    selected = [
        item.callspec.params["case"]
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.module is sys.modules[__name__]
        and "case" in getattr(getattr(item, "callspec", None), "params", {})
    ]
    return run_preloaded(selected, tmp_path_factory.mktemp("entrypoints"))


def test_every_readme_setting_has_bad_values() -> None:
    settings = readme_settings()
    assert len(settings) >= 15, f"the README's settings table parsed to {settings}"
    missing = [name for name in settings if name not in BAD]
    assert not missing, f"add bad values for the README's new settings to BAD: {missing}"
    assert not set(BAD) - set(settings), "BAD names settings the README does not list"


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_a_setting_never_ends_in_a_traceback(
    case: Case, outcomes: dict[str, subprocess.CompletedProcess]
) -> None:
    result = outcomes[case.id]
    output = (result.stdout + result.stderr).strip()
    assert "Traceback" not in output, output
    if not case.must_refuse and result.returncode == 0:
        return
    assert result.returncode != 0, f"{case.entry} accepted {case.name}={case.value!r}:\n{output}"
    lines = output.splitlines()
    assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{output}"
    assert case.name in lines[0], f"the line does not name {case.name}: {lines[0]}"


@pytest.mark.parametrize("case", FRESH_CASES, ids=lambda case: case.id)
def test_a_forked_case_answers_as_a_fresh_interpreter(case: Case, tmp_path: Path) -> None:
    fresh = run_fresh(case, tmp_path)
    forked = run_preloaded([case], tmp_path)[case.id]
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        fresh.returncode,
        fresh.stdout,
        fresh.stderr,
    )
