"""The GitHub Action (action.yml): valid against GitHub's action schema, used by this
repository's workflow, and its check script does what it says on a project outside the
repository: SARIF per check, Markdown in the job summary, the worst exit code as the output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deploycheck.rules.workflows import least_privilege
from deploycheck.targets.yamlfile import load_yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def step(name: str) -> dict:
    return next(s for s in load_yaml(ACTION).data["runs"]["steps"] if s.get("name") == name)


def test_the_action_matches_githubs_action_schema() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-actions"]
        + [str(ACTION)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_runs_the_action_with_the_upload_permission_on_that_job_only() -> None:
    jobs = load_yaml(WORKFLOW).data["jobs"]
    users = [
        job_id for job_id, job in jobs.items() if any(s.get("uses") == "./" for s in job["steps"])
    ]
    assert users == ["deploycheck"]
    assert jobs["deploycheck"]["permissions"]["security-events"] == "write"
    assert not [f for f in least_privilege(load_yaml(WORKFLOW))]


def test_the_action_pins_what_it_uses() -> None:
    uses = [s["uses"] for s in load_yaml(ACTION).data["runs"]["steps"] if "uses" in s]
    assert uses, "the action uploads SARIF"
    assert all("@" in u and len(u.split("@")[1].split()[0]) == 40 for u in uses), uses


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project outside the repository: a clean Blueprint and a Dockerfile running as root."""
    (tmp_path / "render.yaml").write_text(
        "services:\n  - type: web\n    name: hello\n    runtime: docker\n    plan: starter\n"
        "    healthCheckPath: /health\n"
    )
    (tmp_path / "Dockerfile").write_text(
        'FROM python:3.12-slim\nEXPOSE 8000\nCMD ["python", "-m", "http.server"]\n'
    )
    (tmp_path / ".dockerignore").write_text(".git\n")
    return tmp_path


def test_the_check_script_writes_sarif_and_summary_and_the_worst_exit_code(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    runner = tmp_path_factory.mktemp("runner")
    summary, output = runner / "summary.md", runner / "output"
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "DOCKERFILE": "Dockerfile",
        "DOCKERFILE_ROOT": ".",
        "BLUEPRINT": "render.yaml",
        "REQUIREMENTS": "",
        "ARGS": "--no-config",
        "SARIF_DIR": str(runner / "sarif"),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
    }
    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", step("Run the checks")["run"]],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert outputs["exit-code"] == "1", done.stdout  # DF004: a root server
    sarif = json.loads((runner / "sarif" / "dockerfile.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"DF004"}
    assert (
        json.loads((runner / "sarif" / "blueprint.sarif").read_text())["runs"][0]["results"] == []
    )
    text = summary.read_text()
    assert "### deploycheck dockerfile" in text
    assert "### deploycheck blueprint" in text
    assert "DF004" in text
