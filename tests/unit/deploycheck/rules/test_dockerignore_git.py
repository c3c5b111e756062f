"""DI002 and DI003 judged on what git knows of the context (issue 21, classes of the corpus):
a missing COPY source that git ignores is a build output (a warning), a secret file git tracks
is already in the repository (a warning); untracked secrets and missing paths git does not
ignore stay errors, and so does everything outside a git work tree.

Files are written at test time, in throwaway repositories, with key markers split so that no
scanner mistakes this file for a key.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from deploycheck.findings import Finding, Level
from deploycheck.registry import StaticSettings
from deploycheck.rules import dockerignore
from deploycheck.targets.dockerignore import BuildContext
from deploycheck.targets.git_facts import ignored, in_work_tree, tracked

RANDOM_KEY = "5b1e" + "8c3a9f2d7e4b6a0c1f3e5d7b9a2c4e6f8a0b1d3c"  # pragma: allowlist secret
PRIVATE_KEY = "-----BEGIN " + "EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END " + "EC PRIVATE KEY-----\n"


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


def di(folder: Path, rule_id: str) -> list[Finding]:
    found = dockerignore.check(BuildContext.at(folder), StaticSettings())
    return [f for f in found if f.rule_id == rule_id]


BUILT_FIRST = "FROM alpine:3.20\nCOPY server /usr/local/bin/server\nUSER 10001\n"


def test_a_missing_source_git_ignores_is_a_build_output(tmp_path: Path) -> None:
    write(
        tmp_path, {"Dockerfile": BUILT_FIRST, ".dockerignore": ".git\n", ".gitignore": "/server\n"}
    )
    git(tmp_path, "init", "-q")
    (finding,) = di(tmp_path, "DI003")
    assert finding.level is Level.WARNING
    assert "git ignores it" in finding.message
    assert "clean clone" in finding.message


@pytest.mark.parametrize("repository", [True, False], ids=["not-ignored", "no-git"])
def test_a_missing_source_nothing_explains_is_an_error(tmp_path: Path, repository: bool) -> None:
    write(tmp_path, {"Dockerfile": BUILT_FIRST, ".dockerignore": ".git\n"})
    if repository:
        git(tmp_path, "init", "-q")
    (finding,) = di(tmp_path, "DI003")
    assert finding.level is Level.ERROR
    assert "does not exist" in finding.message


def test_a_glob_matching_nothing_is_info_a_literal_path_an_error(tmp_path: Path) -> None:
    dockerfile = "FROM alpine:3.20\nCOPY composer.* symfony.* ./\nCOPY symfony.lock ./\n"
    write(tmp_path, {"Dockerfile": dockerfile, ".dockerignore": ".git\n", "composer.json": "{}"})
    found = {f.line: f.level for f in di(tmp_path, "DI003")}
    assert found == {2: Level.INFO, 3: Level.ERROR}


COPY_ALL = "FROM python:3.12-slim\nCOPY . /app\nUSER 10001\n"
SECRETS = {
    ".env.testing": f"APP_KEY={RANDOM_KEY}\n",
    "test/certs/key.pem": PRIVATE_KEY,
    ".env": f"FLASK_SECRET_KEY={RANDOM_KEY}\n",
}


def test_a_tracked_secret_file_is_a_warning_an_untracked_one_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": COPY_ALL, ".dockerignore": ".git\n", **SECRETS})
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "Dockerfile", ".env.testing", "test/certs/key.pem")
    found = {f.message.split()[0]: f for f in di(tmp_path, "DI002")}
    assert {path: f.level for path, f in found.items()} == {
        ".env.testing": Level.WARNING,
        "test/certs/key.pem": Level.WARNING,
        ".env": Level.ERROR,
    }
    assert "git tracks it" in found[".env.testing"].message
    assert "git tracks it" not in found[".env"].message


def test_outside_a_work_tree_every_secret_file_is_untracked(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": COPY_ALL, ".dockerignore": ".git\n", **SECRETS})
    assert {f.level for f in di(tmp_path, "DI002")} == {Level.ERROR}
    assert not in_work_tree(tmp_path)
    assert tracked(tmp_path, list(SECRETS)) == set() == ignored(tmp_path, list(SECRETS))


def test_paths_with_glob_characters_are_taken_literally(tmp_path: Path) -> None:
    write(tmp_path, {"a[1].env": "", "a1.env": ""})
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "a1.env")
    assert tracked(tmp_path, ["a[1].env", "a1.env"]) == {"a1.env"}
