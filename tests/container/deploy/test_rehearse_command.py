"""`deploycheck rehearse` end to end on a project that is not ours (tests/fixtures/projects/
notes: no web framework, its own Dockerfile, Blueprint with a database, a worker and an env
group, and its own rehearse: config), and a broken variant of it that the rehearsal rejects."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from deploycheck.cli import main

pytestmark = [pytest.mark.container, pytest.mark.slow]

NOTES = Path(__file__).parents[2] / "fixtures" / "projects" / "notes"


def rehearse(project: Path, report_dir: Path, *options: str) -> tuple[int, dict]:
    """Run the command as a user would, with the base image this host can build on."""
    python_image = os.environ.get("PYTHON_IMAGE") or "python:3.11-slim-bookworm"
    code = main(
        [
            "rehearse",
            str(project / "render.yaml"),
            "--build-arg",
            f"PYTHON_IMAGE={python_image}",
            "--report-dir",
            str(report_dir),
            *options,
        ]
    )
    return code, json.loads((report_dir / "rehearsal.json").read_text())


def verdicts(document: dict) -> dict[str, str]:
    return {s["name"]: s["verdict"] for s in document["scenarios"]}


def test_rehearses_a_foreign_project_from_its_blueprint_and_config(
    docker_engine: None, tmp_path: Path
) -> None:
    code, document = rehearse(NOTES, tmp_path / "reports")

    assert verdicts(document) == {
        "zero-downtime-deploy": "pass",
        "failed-deploy": "pass",
        "database-restart": "pass",
        "keyvalue-outage": "skipped",
        "scale-out": "pass",
    }, document
    assert code == 0
    acknowledged = sum(s["writes_acknowledged"] for s in document["scenarios"])
    assert acknowledged > 0
    assert all(s["writes_lost"] == 0 for s in document["scenarios"])
    assert (tmp_path / "reports" / "rehearsal.md").is_file()
    assert (tmp_path / "reports" / "rehearsal" / "zero-downtime-deploy.png").is_file()


def test_rejects_a_variant_whose_health_check_ignores_the_database(
    docker_engine: None, tmp_path: Path
) -> None:
    project = tmp_path / "notes"
    shutil.copytree(NOTES, project)
    config = project / ".deploycheck.yaml"
    broken = "rehearse:\n  env: {HEALTH_IGNORES_DATABASE: 1}\n"
    config.write_text(config.read_text().replace("rehearse:\n", broken))

    code, document = rehearse(project, tmp_path / "reports", "--scenario", "failed-deploy")

    (failed,) = document["scenarios"]
    assert (code, failed["verdict"]) == (1, "fail")
    assert "with a wrong database password was routed to" in failed["notes"], failed["notes"]
