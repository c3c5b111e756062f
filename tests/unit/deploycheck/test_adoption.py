"""Adopting deploycheck on a project with findings: ``--fail-level``, ``deploycheck baseline``
and ``--baseline``, and a config's ``rules-version:`` pin."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from deploycheck.baseline import finding_fingerprint, subject
from deploycheck.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, main
from deploycheck.dockerfile_check import check_dockerfile
from deploycheck.registry import REGISTRY, RELEASES, load_all

PACKAGES = 16


def deploycheck(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def dockerfile(extra_top: str = "", packages: int = PACKAGES, extra_end: str = "") -> str:
    """A Dockerfile with more than 50 findings: every pip install repeats three of them."""
    installs = "".join(f"RUN pip install package{n}\n" for n in range(packages))
    return (
        f"{extra_top}FROM python:latest\nADD app.py /app/\n{installs}CMD python app.py\n{extra_end}"
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project outside the repository with a Dockerfile of 50-odd findings, as the cwd."""
    (tmp_path / "Dockerfile").write_text(dockerfile())
    (tmp_path / "app.py").write_text("print('hi')\n")
    (tmp_path / ".deploycheck.yaml").write_text("rules: {}\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_fail_level_picks_what_fails(project: Path) -> None:
    assert deploycheck("dockerfile")[0] == EXIT_OK  # only warnings and infos
    code, out, _ = deploycheck("dockerfile", "--fail-level", "warning")
    assert code == EXIT_FINDINGS
    assert "--fail-level warning" in out
    assert deploycheck("dockerfile", "--fail-level", "info")[0] == EXIT_FINDINGS
    assert deploycheck("dockerfile", "--fail-level", "fatal")[0] == EXIT_UNUSABLE


def test_a_project_with_50_findings_adopts_with_a_baseline_and_fails_only_on_a_new_one(
    project: Path,
) -> None:
    found = check_dockerfile(project / "Dockerfile", root=project).findings
    assert len(found) >= 50, len(found)
    code, out, _ = deploycheck("baseline")
    assert code == EXIT_OK, out
    written = json.loads((project / ".deploycheck-baseline.json").read_text())
    assert sum(entry["count"] for entry in written["findings"]) == len(found)

    strictest = ("--fail-level", "info", "--baseline", ".deploycheck-baseline.json")
    code, out, _ = deploycheck("dockerfile", *strictest)
    assert code == EXIT_OK, out
    assert f"baseline: {len(found)} known finding(s) not shown" in out

    # An unrelated edit shifts every line: nothing is new.
    (project / "Dockerfile").write_text(dockerfile(extra_top="# the app\n\n# built by CI\n"))
    code, out, _ = deploycheck("dockerfile", *strictest)
    assert code == EXIT_OK, out

    # One new finding fails, and it is the only one shown.
    secret = "ENV API_TOKEN=Zx81kQ0pW3mN7rT5vB2yH6jL9sD4fG1a\n"  # pragma: allowlist secret
    (project / "Dockerfile").write_text(dockerfile(extra_top="# the app\n", extra_end=secret))
    code, out, _ = deploycheck("dockerfile", *strictest)
    assert code == EXIT_FINDINGS, out
    shown = [line for line in out.splitlines() if line.startswith("Dockerfile:")]
    assert {line.rsplit("(", 1)[1] for line in shown} == {"DF010)", "DL3064)"}, shown

    # A fixed finding is named as gone; one more of a kind the baseline counts is new.
    (project / "Dockerfile").write_text(dockerfile(packages=PACKAGES - 1))
    code, out, _ = deploycheck("dockerfile", *strictest)
    assert code == EXIT_OK, out
    assert "baseline: gone (fixed): Dockerfile: " in out, out
    (project / "Dockerfile").write_text(dockerfile(packages=PACKAGES + 1))
    assert deploycheck("dockerfile", *strictest)[0] == EXIT_FINDINGS


def test_fingerprints_leave_out_the_line(project: Path) -> None:
    before = check_dockerfile(project / "Dockerfile", root=project).findings
    (project / "Dockerfile").write_text(dockerfile(extra_top="\n\n\n"))
    after = check_dockerfile(project / "Dockerfile", root=project).findings
    assert [f.line for f in before] != [f.line for f in after]
    assert sorted(map(finding_fingerprint, before)) == sorted(map(finding_fingerprint, after))
    assert subject("base image (FROM on line 12) at Dockerfile:12:3, lines 3-5") == (
        "base image (FROM on line #) at Dockerfile:#, lines #"
    )
    assert subject("python:3.11-slim is the base") == "python:3.11-slim is the base"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "no such file"),
        ("{not json", "not JSON"),
        ('{"version": 9, "findings": []}', "format version 1"),
        ('{"version": 1, "findings": [{"rule": "DF001"}]}', "lacks check"),
    ],
)
def test_a_bad_baseline_is_exit_2(project: Path, content: str | None, says: str) -> None:
    if content is not None:
        (project / "base.json").write_text(content)
    code, _, err = deploycheck("dockerfile", "--baseline", "base.json")
    assert code == EXIT_UNUSABLE
    assert says in err, err


@pytest.fixture
def df001_is_new(monkeypatch: pytest.MonkeyPatch) -> None:
    """DF001 as if it had joined the default set in the latest release."""
    load_all()
    monkeypatch.setitem(REGISTRY._infos, "DF001", replace(REGISTRY["DF001"], since=RELEASES[-1]))


@pytest.mark.usefixtures("df001_is_new")
def test_a_pinned_rule_set_reports_newer_rules_without_failing(project: Path) -> None:
    (project / "Dockerfile").write_text(
        'FROM python:latest\nCOPY app.py /app/\nUSER 10001\nCMD ["python", "/app/app.py"]\n'
    )
    (project / ".dockerignore").write_text(".git\n")
    strict = ("--fail-level", "warning", "--rule", "DL3007=off")
    (project / ".deploycheck.yaml").write_text(f"rules-version: {RELEASES[0]}\n")
    code, out, _ = deploycheck("dockerfile", *strict)
    assert "warning base image 'python:latest'" in out
    assert f"rules-version {RELEASES[0]}: 1 finding(s) of rules added" in out
    assert code == EXIT_OK, out
    # Opting in (a level for the rule) makes it count.
    (project / ".deploycheck.yaml").write_text(
        f"rules-version: {RELEASES[0]}\nrules:\n  DF001: warning\n"
    )
    assert deploycheck("dockerfile", *strict)[0] == EXIT_FINDINGS
    # So does pinning the release that has it, or no pin at all.
    (project / ".deploycheck.yaml").write_text(f"rules-version: {RELEASES[-1]}\n")
    assert deploycheck("dockerfile", *strict)[0] == EXIT_FINDINGS
    (project / ".deploycheck.yaml").write_text("rules: {}\n")
    assert deploycheck("dockerfile", *strict)[0] == EXIT_FINDINGS


def test_an_unknown_rules_version_is_exit_2(project: Path) -> None:
    (project / ".deploycheck.yaml").write_text("\nrules-version: 9.9.9\n")
    code, _, err = deploycheck("dockerfile")
    assert code == EXIT_UNUSABLE
    assert ".deploycheck.yaml:2: rules-version '9.9.9' is not a deploycheck release" in err, err
