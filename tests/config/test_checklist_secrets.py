"""Checklist item 1: no secret in the files git would commit, no tracked ``.env``, and every
result the detect-secrets baseline allows is a justified false positive."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from deploycheck.secret_scan import (
    BASELINE,
    baseline_entries,
    git_files,
    load_baseline,
    new_secrets,
    tracked_env_files,
)
from deploycheck.testing.assertions import assert_clean

ROOT = Path(__file__).parents[2]
# Why each result in .secrets.baseline is not a secret. Other engineers' files cannot carry an
# inline `# pragma: allowlist secret` from this issue, so the reasons live here, and the test
# below keeps this table and the baseline in step. Fixtures that exist to hold a secret
# (tests/fixtures/blueprints/RB011-*) are excluded from the scan in the baseline instead, as is
# the "billion laughs" fixture (YML008-*): detect-secrets expands YAML aliases and would hang,
# and docs/rules.md, generated from the rules' docstrings (scanned where they are written), and
# docs/precision/ (the corpus's pinned commit hashes; findings' messages about other projects).
JUSTIFIED: dict[tuple[str, str], str] = {
    ("app/config.py", "Basic Auth Credentials"): "docstring naming the user-and-password URL shape",
    ("app/config_checks.py", "Basic Auth Credentials"): "help text naming the user-and-password "
    "URL shape",
    (
        "tests/unit/deploycheck/test_secret_values.py",
        "Basic Auth Credentials",
    ): "RB011 example of a leaked URL",
    (
        "tests/unit/deploycheck/test_secret_values.py",
        "Base64 High Entropy String",
    ): "RB011 example random key",
    (
        "tests/unit/deploycheck/rules/test_dockerfile.py",
        "Basic Auth Credentials",
    ): "DF rule example: a URL with a password in ENV must be reported",
    ("src/deploycheck/rules/blueprint_env.py", "Basic Auth Credentials"): "RB011 docstring example",
    ("src/deploycheck/policy.py", "Secret Keyword"): "the source name 'generateValue', not a value",
    ("tests/unit/app/conftest.py", "Secret Keyword"): "the unit tests' throwaway FLASK_SECRET_KEY",
    (
        "tests/unit/app/test_config.py",
        "Secret Keyword",
    ): "a made-up key that passes the length check",
    (
        "tests/unit/app/test_health.py",
        "Basic Auth Credentials",
    ): "unreachable DB URL (port 1) for the 503 test",
    ("tests/unit/app/test_logs.py", "Secret Keyword"): "the value the redaction tests must hide",
    ("tests/unit/app/test_logs.py", "Basic Auth Credentials"): "URL the redaction tests must hide",
}
# detect-secrets' own example of an AWS key (docs), which its AWSKeyDetector always reports;
# split so this file does not hold it.
PLANTED = "AKIA" + "IOSFODNN7EXAMPLE"


@pytest.fixture(scope="module")
def repo_files() -> list[str]:
    """Tracked files plus untracked ones git does not ignore."""
    return git_files(ROOT)


@pytest.mark.slow
@pytest.mark.checklist(1, 4)
def test_no_new_secret_in_files_git_would_commit(repo_files: list[str]) -> None:
    """detect-secrets finds nothing beyond .secrets.baseline in tracked and new files."""
    assert_clean(new_secrets(ROOT, repo_files, ROOT / BASELINE), "the repository")


@pytest.mark.checklist(1)
def test_no_env_file_is_tracked_by_git() -> None:
    """`git ls-files` lists no .env file (only .env.example may be committed)."""
    assert_clean(tracked_env_files(git_files(ROOT, untracked=False)), "git ls-files")


@pytest.mark.checklist(1)
def test_every_allowed_baseline_result_is_justified() -> None:
    """Each result the baseline allows has a reason in JUSTIFIED and none is a real secret."""
    entries = baseline_entries(load_baseline(ROOT / BASELINE))
    real = [(path, kind) for path, kind, is_secret in entries if is_secret]
    assert not real, f"{BASELINE} marks real secrets as allowed: {real}"
    allowed = {(path, kind) for path, kind, _ in entries}
    assert allowed == set(JUSTIFIED), (
        f"{BASELINE} and JUSTIFIED differ: unjustified {sorted(allowed - set(JUSTIFIED))}, "
        f"stale {sorted(set(JUSTIFIED) - allowed)}"
    )


def test_env_file_names_are_recognised() -> None:
    names = [".env", "deploy/.env.production", ".env.example", "docs/env.md", "app/.envrc"]
    assert [f.path for f in tracked_env_files(names)] == [".env", "deploy/.env.production"]


def planted_copy(tmp_path: Path, files: list[str]) -> tuple[Path, str]:
    """A git repository holding ``files`` of this one and a new settings file with a key."""
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    leaked = "app/settings_local.py"
    (tmp_path / "app").mkdir(exist_ok=True)
    (tmp_path / leaked).write_text(f'"""Local settings."""\n\nAWS_ACCESS_KEY_ID = "{PLANTED}"\n')
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path, leaked


def test_scan_reports_a_planted_secret_at_its_file_and_line(tmp_path: Path) -> None:
    root, leaked = planted_copy(tmp_path, [BASELINE, "app/config.py", "render.yaml"])
    findings = new_secrets(root, git_files(root), root / BASELINE)
    shown = [str(finding) for finding in findings]
    assert any(text.startswith(f"{leaked}:3: ") for text in shown), (
        f"expected a SEC001 finding at {leaked}:3, found {shown}"
    )


def test_scan_reports_a_planted_env_file(tmp_path: Path) -> None:
    root, _ = planted_copy(tmp_path, [BASELINE])
    (root / ".env").write_text(f"AWS_ACCESS_KEY_ID={PLANTED}\n")
    subprocess.run(["git", "-C", str(root), "add", "--force", ".env"], check=True)
    assert [f.rule_id for f in tracked_env_files(git_files(root, untracked=False))] == ["SEC002"]
