"""The hooks .pre-commit-hooks.yaml offers, proven as another repository meets them:
``pre-commit try-repo`` installs deploycheck from a snapshot of this checkout into pre-commit's
own environment and runs it on a throwaway repository, which passes when clean and fails when
broken."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow
# What `pip install .` of the snapshot needs, and the hooks file itself.
PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml")
GIT_IDENTITY = ("-c", "user.name=deploycheck tests", "-c", "user.email=tests@example.invalid")

CLEAN = {
    "Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY requirements.txt app.py ./\n"
    "RUN pip install --no-cache-dir -r requirements.txt\nUSER 10001\n"
    'CMD ["python", "app.py"]\n',
    ".dockerignore": ".git\n",
    "app.py": "import yaml\n\nprint(yaml.safe_dump({'ok': True}))\n",
    "requirements.txt": "PyYAML==6.0.2\n",
    "render.yaml": "services:\n  - type: web\n    name: hello\n    runtime: docker\n"
    "    plan: starter\n    healthCheckPath: /health\n",
}


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *GIT_IDENTITY, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-commit snapshot of this checkout's package and hooks, uncommitted edits included."""
    snapshot = tmp_path_factory.mktemp("hooks") / "deploycheck"
    shutil.copytree(
        ROOT / "src" / "deploycheck",
        snapshot / "src" / "deploycheck",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    for name in PACKAGE_FILES:
        shutil.copy2(ROOT / name, snapshot / name)
    git("init", "-q", cwd=snapshot)
    git("add", "-A", cwd=snapshot)
    git("commit", "-qm", "snapshot", cwd=snapshot)
    return snapshot


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    return tmp_path


def try_repo(where: Path, hooks_repo: Path) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo``: it builds the hooks' environment in a store of its own each
    time (about a minute: pip installs deploycheck and its dependencies)."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hooks_repo), "--ref", "HEAD"]
        + ["--all-files", "--color", "never"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_the_hooks_pass_on_a_clean_repository(tmp_path: Path, hooks_repo: Path) -> None:
    done = try_repo(project(tmp_path, CLEAN), hooks_repo)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    for hook in ("deploycheck dockerfile", "deploycheck blueprint", "deploycheck requirements"):
        line = next(row for row in done.stdout.splitlines() if row.startswith(hook))
        assert line.endswith("Passed"), line


def test_the_hooks_fail_on_a_broken_repository(tmp_path: Path, hooks_repo: Path) -> None:
    broken = {
        **CLEAN,
        "Dockerfile": CLEAN["Dockerfile"]
        + "ENV API_TOKEN=Zx81kQ0pW3mN7rT5vB2yH6jL9sD4fG1a\n",  # pragma: allowlist secret
        "requirements.txt": "PyYAML==6.0.2\nipdb==0.13.13\n",
    }
    done = try_repo(project(tmp_path, broken), hooks_repo)
    assert done.returncode == 1, done.stdout[-4000:]
    rows = {row.split(".")[0]: row for row in done.stdout.splitlines() if "...." in row}
    assert rows["deploycheck dockerfile"].endswith("Failed"), done.stdout
    assert rows["deploycheck requirements"].endswith("Failed"), done.stdout
    assert rows["deploycheck blueprint"].endswith("Passed"), done.stdout
    assert "(DF010)" in done.stdout
    assert "(RQ001)" in done.stdout
