"""Whole projects: a Dockerfile checked in its real build context, with its verdict.

Each folder in tests/fixtures/dockerfiles/contexts is a build context (Dockerfile,
.dockerignore, the files it COPYs). Its Dockerfile states what a careful reviewer would say in
an ``# expect:`` comment: ``clean`` (no error or warning from deploycheck's own rules, with no
config) or ``RULE@FILE:LINE[:level]`` places, FILE being ``Dockerfile`` or ``.dockerignore``.
hadolint's codes have tests of their own and are left out here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deploycheck.cli import EXIT_FINDINGS, EXIT_OK, main
from deploycheck.config import Config, load_config
from deploycheck.dockerfile_check import check_dockerfile
from deploycheck.findings import Level
from deploycheck.registry import RELAYED_CODE
from tests.expect_comments import expectations, places

CONTEXTS = Path(__file__).resolve().parents[2] / "fixtures" / "dockerfiles" / "contexts"
FOLDERS = sorted(p for p in CONTEXTS.iterdir() if (p / "Dockerfile").is_file())

Place = tuple[str | int | None, ...]


def expected(folder: Path) -> set[Place]:
    return places(expectations(folder / "Dockerfile")["generic"], with_file=True)


def verdict(folder: Path, root: Path | None = None) -> set[Place]:
    result = check_dockerfile(
        folder / "Dockerfile", root=root or folder, config=Config(), environ={}
    )
    return {
        (f.rule_id, Path(f.path).name, f.line, str(f.level))
        for f in result.findings
        if f.level >= Level.WARNING and not RELAYED_CODE.match(f.rule_id)
    }


def test_the_corpus_has_a_fixture_per_class() -> None:
    names = {p.name for p in FOLDERS}
    assert {"go-distroless", "rust-cargo-glob", "arg-path", "reinclude"} <= names
    assert any(expected(p) for p in FOLDERS), "no broken context proves the rules can fail"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_verdict(folder: Path) -> None:
    assert verdict(folder) == expected(folder)


def test_the_issue_go_example_gives_no_error_from_the_cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 21's reproduction, with a real .git the .dockerignore keeps out."""
    project = tmp_path / "project"
    shutil.copytree(CONTEXTS / "go-distroless", project)
    (project / ".git" / "objects").mkdir(parents=True)
    (project / ".git" / "config").write_text("[core]\n", encoding="utf-8")
    code = main(["dockerfile", str(project / "Dockerfile"), "--root", str(project), "--no-config"])
    out = capsys.readouterr().out
    assert code == EXIT_OK, out
    assert " error " not in out, out
    assert " warning " not in out, out


def test_the_go_example_reports_git_once_the_dockerignore_lets_it_in(tmp_path: Path) -> None:
    """The other side of the test above: the same .git, no .dockerignore line for it."""
    project = tmp_path / "project"
    shutil.copytree(CONTEXTS / "go-distroless", project)
    (project / ".git" / "objects").mkdir(parents=True)
    (project / ".dockerignore").write_text("# nothing ignored\n", encoding="utf-8")
    result = check_dockerfile(project / "Dockerfile", root=project, config=Config(), environ={})
    (finding,) = [f for f in result.findings if f.rule_id == "DI002"]
    # `COPY . .` puts it in the build stage only; the image gets /app alone.
    assert finding.level is Level.INFO
    assert ".git/ (VCS data" in finding.message
    assert "build stage's layers by" in finding.message


def test_a_context_that_lacks_the_copied_files_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(
        ["dockerfile", str(CONTEXTS / "rust-cargo-glob" / "Dockerfile"), "--root", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert code == EXIT_FINDINGS
    assert "COPY Cargo.*: no file matches it in the build context" in out, out


@pytest.mark.parametrize(
    ("folder", "where"),
    [
        ("entrypoint-gosu", "gosu in docker-entrypoint.sh:5"),
        ("entrypoint-renamed-su-exec", "su-exec in docker/entry.sh:6"),
        ("entrypoint-from-builder", "su-exec in scripts/entrypoint.sh:5"),
        ("supervisord-users", "supervisord in supervisord.conf runs web as app, worker as app"),
    ],
)
def test_a_privilege_drop_is_read_from_the_script_the_image_runs(folder: str, where: str) -> None:
    """DF004 names the line of the copied script that drops root (info), so a reader can check."""
    result = check_dockerfile(
        CONTEXTS / folder / "Dockerfile", root=CONTEXTS / folder, config=Config(), environ={}
    )
    (found,) = [f for f in result.findings if f.rule_id == "DF004"]
    assert found.level == Level.INFO, found
    assert where in found.message, found.message


def test_a_configured_user_is_required_whatever_the_entrypoint_does(tmp_path: Path) -> None:
    """A project that names its USER (this repository: 10001:10001) gets an error for a drop."""
    folder = CONTEXTS / "entrypoint-gosu"
    path = tmp_path / ".deploycheck.yaml"
    path.write_text('rules:\n  DF004: {user: "10001:10001"}\n', encoding="utf-8")
    config = load_config(path)
    result = check_dockerfile(folder / "Dockerfile", root=folder, config=config, environ={})
    (found,) = [f for f in result.findings if f.rule_id == "DF004"]
    assert found.level == Level.ERROR, found
    assert "expected `USER 10001:10001` (from the project's config)" in found.message


def test_a_script_from_a_builder_without_the_drop_runs_as_root(tmp_path: Path) -> None:
    """The other side of entrypoint-from-builder: the script the builder copied drops nothing."""
    project = tmp_path / "project"
    shutil.copytree(CONTEXTS / "entrypoint-from-builder", project)
    (project / "scripts" / "entrypoint.sh").write_text('#!/bin/sh\nexec "$@"\n', encoding="utf-8")
    assert verdict(project) == {("DF004", "Dockerfile", 17, "error")}


def test_a_supervisord_program_without_a_user_runs_as_root(tmp_path: Path) -> None:
    """The other side of supervisord-users: one program has no user=, so supervisord (root)
    runs it as root and the image does not count as dropping root."""
    project = tmp_path / "project"
    shutil.copytree(CONTEXTS / "supervisord-users", project)
    config = project / "supervisord.conf"
    text = config.read_text(encoding="utf-8")
    worker = "command=python /srv/worker.py\n"
    assert worker + "user=app\n" in text
    config.write_text(text.replace(worker + "user=app\n", worker), encoding="utf-8")
    assert verdict(project) == {("DF004", "Dockerfile", 15, "error")}


def test_a_supervisord_server_with_unprivileged_workers_needs_no_user(tmp_path: Path) -> None:
    """snipe-it's shape: apache2ctl as root under supervisord serves from www-data workers."""
    project = tmp_path / "project"
    shutil.copytree(CONTEXTS / "supervisord-users", project)
    config = project / "supervisord.conf"
    text = config.read_text(encoding="utf-8")
    web = "command=gunicorn --bind 0.0.0.0:8000 app:app\ndirectory=/srv\nuser=app\n"
    assert web in text
    config.write_text(text.replace(web, "command=apache2ctl -DFOREGROUND\n"), encoding="utf-8")
    result = check_dockerfile(project / "Dockerfile", root=project, config=Config(), environ={})
    (found,) = [f for f in result.findings if f.rule_id == "DF004"]
    assert found.level == Level.INFO, found
    assert "runs web (unprivileged workers), worker as app" in found.message, found.message


def test_a_procfile_without_a_worker_server_runs_as_root(tmp_path: Path) -> None:
    """The other side of procfile-forego: forego starts PHP's built-in server, all root."""
    project = tmp_path / "project"
    shutil.copytree(CONTEXTS / "procfile-forego", project)
    (project / "Procfile").write_text("web: php -S 0.0.0.0:80 -t public\n", encoding="utf-8")
    assert verdict(project) == {("DF004", "Dockerfile", 14, "error")}
