"""The exit-code contract: 0 clean, 1 error findings, 2 cannot check (one line), 3 internal
error (one line; the traceback only with --debug). A crash never exits 1."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from deploycheck import cli
from deploycheck.cli import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_UNUSABLE
from deploycheck.findings import Finding
from deploycheck.registry import REGISTRY, load_all
from deploycheck.reporters import REPORTERS, TextReporter
from tests.unit.deploycheck.support import FOREIGN, check_foreign, run


def test_clean_and_failing_files(capsys: pytest.CaptureFixture[str]) -> None:
    clean = check_foreign(capsys, "Dockerfile", "--no-config")
    broken = check_foreign(capsys, "broken.Dockerfile", "--no-config")
    assert (clean[0], broken[0]) == (EXIT_OK, EXIT_FINDINGS)


def unreadable(tmp_path: Path, kind: str) -> Path:
    if kind == "missing":
        return tmp_path / "nothing-here"
    if kind == "directory":
        return tmp_path
    if kind == "undecodable":
        path = tmp_path / "binary"
        path.write_bytes(b"FROM alpine\n\xff\xfe\x00 junk\n")
        return path
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop")
    return loop


@pytest.mark.parametrize("command", ["dockerfile", "blueprint"])
@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("missing", "no such file"),
        ("directory", "is a directory"),
        ("undecodable", "not UTF-8 text (byte 12)"),
        ("symlink-loop", "symbolic links"),
    ],
)
def test_unreadable_input_exits_2_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, kind: str, says: str
) -> None:
    path = unreadable(tmp_path, kind)
    code, out, err = run(capsys, command, str(path), "--no-config")
    assert (code, out) == (EXIT_UNUSABLE, "")
    assert len(err.splitlines()) == 1, err
    assert says in err, err
    assert str(path) in err, err


def test_usage_error_exits_2_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "dockerfile", "--no-such-option")
    assert code == EXIT_UNUSABLE
    assert err.splitlines() == [
        "deploycheck: unrecognized arguments: --no-such-option (see deploycheck --help)"
    ]


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == EXIT_OK
    assert out.startswith("usage: deploycheck")
    assert "3 internal error" in out


@pytest.fixture
def broken_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """DF004's body raises as a bug would."""
    load_all()

    def crash(*args: object, **kwargs: object) -> list[object]:
        raise KeyError("stage")

    monkeypatch.setattr(REGISTRY.rule("DF004"), "body", crash)


@pytest.mark.usefixtures("broken_rule")
def test_internal_error_exits_3_in_one_line_naming_the_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(FOREIGN / "Dockerfile")
    code, out, err = check_foreign(capsys, "Dockerfile", "--no-config")
    assert (code, out) == (EXIT_INTERNAL, "")
    assert err.splitlines() == [
        f"deploycheck: internal error while checking {path}: rule DF004 crashed: KeyError: "
        "'stage' "
        "(run with --debug for the traceback)"
    ]


@pytest.mark.usefixtures("broken_rule")
def test_debug_adds_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check_foreign(capsys, "Dockerfile", "--no-config", "--debug")
    assert code == EXIT_INTERNAL
    assert "internal error while checking" in err.splitlines()[0]
    assert "Traceback (most recent call last)" in err
    assert "raise KeyError" in err


def test_the_console_script_keeps_the_contract(tmp_path: Path) -> None:
    """``python -m deploycheck`` as a user runs it: exit 2 and one line, no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "deploycheck", "dockerfile", str(tmp_path), "--no-config"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == EXIT_UNUSABLE
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_findings_with_and_without_lines_sort() -> None:
    """The crash behind exit 1 on foreign files: order=True compared None with an int."""
    findings = [
        Finding("Dockerfile", 3, "DF004", "b", column=7),
        Finding("Dockerfile", None, "DF003", "a"),
        Finding("Dockerfile", 3, "DF004", "a"),
        Finding(".dockerignore", None, "DI001", "c"),
    ]
    assert [(f.path, f.line, f.column) for f in sorted(findings)] == [
        (".dockerignore", None, None),
        ("Dockerfile", None, None),
        ("Dockerfile", 3, None),
        ("Dockerfile", 3, 7),
    ]


def test_github_is_the_default_format_inside_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REPORTERS, "github", TextReporter)
    assert cli.default_format({"GITHUB_ACTIONS": "true"}) == "github"
    assert cli.default_format({}) == "text"


def test_warning_and_info_findings_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    """The sound foreign Dockerfile has one hadolint info finding (DL3066), and passes."""
    code, out, _ = check_foreign(capsys, "Dockerfile", "--no-config")
    assert code == EXIT_OK, out
    assert re.search(r": info .*\(DL3066\)$", out, re.MULTILINE), out


def test_a_dockerfile_check_without_a_path_reads_dockerfile(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    foreign_project: Path,
) -> None:
    """No project's file name is built in: the default is Docker's own ``Dockerfile``."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "dockerfile", "--no-config")
    assert (code, out) == (EXIT_UNUSABLE, "")
    assert err == "deploycheck: error: cannot read Dockerfile Dockerfile: no such file\n"
    # The whole build context: DI003 reads the files the Dockerfile COPYs.
    monkeypatch.chdir(foreign_project)
    assert run(capsys, "dockerfile", "--no-config")[0] == EXIT_OK


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_report_in_a_structured_format_prints_only_that_format(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    """``deploycheck report --format json | jq`` works: the item notes go to stderr."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    results = tmp_path / "checklist"
    results.mkdir()
    record = {
        "items": [7],
        "nodeid": "t.py::test_csrf",
        "summary": "test_csrf",
        "suite": "unit",
        "outcome": "failed",
        "timestamp": "2025-01-01",
    }
    payload = {"suite": "unit", "pid": 1, "written_at": "", "results": [record]}
    (results / "results-x.json").write_text(json.dumps(payload), encoding="utf-8")
    code, out, err = run(capsys, "report", "--report-dir", str(tmp_path), "--format", fmt)
    assert code == EXIT_FINDINGS
    json.loads(out)  # the whole of stdout, nothing printed before or after it
    assert "checklist item 7: " in err
    assert "wrote " in err
