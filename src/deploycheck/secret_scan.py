"""Secrets in the repository: detect-secrets over every file git would commit, against the
committed ``.secrets.baseline``, and env files that git tracks.

The scan reads the baseline's plugins and filters (so it agrees with the pre-commit hook) but
never rewrites the baseline, unlike ``detect-secrets-hook``, which updates line numbers in
place: a test run must not change a committed file.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from detect_secrets.core import baseline as ds_baseline
from detect_secrets.core.secrets_collection import SecretsCollection
from detect_secrets.settings import transient_settings

from deploycheck.errors import ConfigFileError, ToolUnavailableError
from deploycheck.findings import Problem
from deploycheck.registry import rule

BASELINE = ".secrets.baseline"
# .env.example documents variable names with placeholder values and is meant to be committed.
ENV_FILE = re.compile(r"(^|/)\.env(\.(?!example$)[^/]+)?$")


def git_files(root: Path, *, untracked: bool = True) -> list[str]:
    """Files git tracks under ``root`` plus, by default, untracked ones it does not ignore
    (what the next ``git add -A`` would commit); deleted files are left out."""
    args = ["git", "-C", str(root), "ls-files", "-z", "--cached"]
    if untracked:
        args += ["--others", "--exclude-standard"]
    try:
        output = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ToolUnavailableError(
            f"cannot list the files of {root} with git ({exc}). Hint: run from a git clone."
        ) from None
    return sorted({name for name in output.split("\0") if name and (root / name).is_file()})


@rule("SEC002", target="repository")
def tracked_env_files(files: Iterable[str]) -> list[Problem]:
    """No ``.env`` (or ``.env.production``...) among the files git tracks.

    Passes: ``.env.example`` tracked, ``.env`` in .gitignore
    Fails:  ``git add --force .env``
    """
    return [
        Problem(name, None, "env file is tracked by git; keep secrets in Render")
        for name in files
        if ENV_FILE.search(name)
    ]


def load_baseline(path: Path) -> dict[str, Any]:
    """The baseline as detect-secrets reads it; a missing or broken file cannot be checked."""
    try:
        return ds_baseline.load_from_file(str(path))
    except Exception as exc:  # detect-secrets wraps OSError and JSON errors in its own types
        raise ConfigFileError(f"{path}: cannot read the detect-secrets baseline ({exc})") from None


def scan(root: Path, files: Iterable[str], baseline: dict[str, Any]) -> SecretsCollection:
    """Every potential secret in ``files`` (relative to ``root``) with the baseline's plugins,
    filters and exclude patterns."""
    # The baseline lists hashes of what it allows, not secrets, so it is never scanned.
    skip_baseline = {"path": "detect_secrets.filters.common.is_baseline_file", "filename": BASELINE}
    settings = {**baseline, "filters_used": [*baseline.get("filters_used", []), skip_baseline]}
    # detect-secrets names results by the path it opened and its exclude patterns match that
    # path, so scanning from inside ``root`` keeps both relative, as in the baseline.
    with transient_settings(settings), contextlib.chdir(root):
        found = SecretsCollection()
        for name in files:
            found.scan_file(name)
    return found


@rule("SEC001", target="repository")
def new_secrets(root: Path, files: Iterable[str], baseline_path: Path) -> list[Problem]:
    """No potential secret in the files git would commit that the baseline does not allow.

    Passes: the password read from an env var the Render dashboard sets
    Fails:  a private key block committed in a new file, not in ``.secrets.baseline``

    detect-secrets matches on file, type and secret hash, so a moved line stays allowed but the
    same value in another file is new.
    """
    baseline = load_baseline(baseline_path)
    found = scan(root, files, baseline) - SecretsCollection.load_from_baseline(baseline)
    return [
        Problem(
            filename,
            secret.line_number,
            f"potential secret ({secret.type}) not in {BASELINE}: move it to the Render "
            "dashboard, or mark a false positive with `# pragma: allowlist secret`",
        )
        for filename, secret in found
    ]


def baseline_entries(baseline: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """``(file, secret type, is_secret)`` for every result the baseline allows."""
    entries = [
        (filename, result["type"], result.get("is_secret"))
        for filename, results in baseline.get("results", {}).items()
        for result in results
    ]
    return sorted(entries, key=lambda entry: entry[:2])
