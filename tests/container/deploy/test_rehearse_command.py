"""`deploycheck rehearse` end to end on a project that is not ours (tests/fixtures/projects/
notes: no web framework, its own Dockerfile, Blueprint with a database, a worker and an env
group, and its own rehearse: config), and the broken variants of it that the rehearsal rejects.

The notes image is built once (:mod:`.notes_project`) and handed to each run with ``--image``;
the variants are env switches of that one image, set under ``rehearse: env:``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from deploycheck.cli import main
from tests.container.deploy import notes_project
from tests.container.deploy.notes_project import NOTES

pytestmark = [pytest.mark.container, pytest.mark.slow]


@pytest.fixture(scope="module")
def notes_image(docker_engine: None, report_dir: Path) -> str:
    return notes_project.notes_image(report_dir)


def rehearse(project: Path, report_dir: Path, image: str, *options: str) -> tuple[int, dict]:
    """Run the command as a user would, on the session's image of the notes service (any
    other build, ``--from`` a git ref, on the base image this host can build on)."""
    python_image = os.environ.get("PYTHON_IMAGE") or notes_project.DEFAULT_PYTHON_IMAGE
    code = main(
        [
            "rehearse",
            str(project / "render.yaml"),
            "--image",
            image,
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


def variant(tmp_path: Path, env: str) -> Path:
    """A copy of notes whose config sets ``env`` (a broken variant's switch)."""
    project = tmp_path / "notes"
    shutil.copytree(NOTES, project)
    config = project / ".deploycheck.yaml"
    config.write_text(config.read_text().replace("rehearse:\n", f"rehearse:\n  env: {env}\n"))
    return project


def test_rehearses_a_foreign_project_from_its_blueprint_and_config(
    notes_image: str, tmp_path: Path
) -> None:
    code, document = rehearse(NOTES, tmp_path / "reports", notes_image)

    assert verdicts(document) == {
        "zero-downtime-deploy": "pass",
        "failed-deploy": "pass",
        "database-restart": "pass",
        "database-unreachable": "pass",
        "keyvalue-outage": "skipped",
        "instance-crash": "pass",
        "sigterm-drain": "pass",
        "scale-out": "pass",
    }, document
    assert code == 0
    acknowledged = sum(s["writes_acknowledged"] for s in document["scenarios"])
    assert acknowledged > 0
    assert all(s["writes_lost"] == 0 for s in document["scenarios"])
    assert (tmp_path / "reports" / "rehearsal.md").is_file()
    assert (tmp_path / "reports" / "rehearsal" / "zero-downtime-deploy.png").is_file()
    ran = [s for s in document["scenarios"] if s["verdict"] != "skipped"]
    assert all("Worker notes-counter ran throughout" in s["notes"] for s in ran), ran
    assert "notes: `sync: false` values generated: `NOTES_ADMIN_TOKEN`." in document["notes"]


@pytest.mark.parametrize(
    ("env", "scenario", "reason"),
    [
        pytest.param(
            "{HEALTH_IGNORES_DATABASE: 1}",
            "failed-deploy",
            "with a wrong database password was routed to",
            id="health-ignores-the-database",
        ),
        pytest.param(
            "{ON_SIGTERM: exit}",
            "sigterm-drain",
            "in flight at SIGTERM: ",
            id="exits-on-sigterm-without-draining",
        ),
        pytest.param(
            "{PIDFILE: /tmp/notes.pid}",
            "instance-crash",
            "no request was answered by v1 within",
            id="stale-pidfile-blocks-the-restart",
        ),
        pytest.param(
            "{DATABASE_TIMEOUT: 0}",
            "database-unreachable",
            "got no answer during the outage (hangs)",
            id="no-database-timeout",
        ),
    ],
)
def test_rejects_a_broken_variant(
    notes_image: str, tmp_path: Path, env: str, scenario: str, reason: str
) -> None:
    project = variant(tmp_path, env)

    code, document = rehearse(project, tmp_path / "reports", notes_image, "--scenario", scenario)

    (failed,) = document["scenarios"]
    assert (code, failed["verdict"]) == (1, "fail"), failed
    assert reason in failed["notes"], failed["notes"]


def test_deploys_from_a_git_ref_built_from_that_commit(notes_image: str, tmp_path: Path) -> None:
    code, document = rehearse(
        NOTES,
        tmp_path / "reports",
        notes_image,
        "--from",
        "HEAD",
        "--scenario",
        "zero-downtime-deploy",
    )

    assert verdicts(document) == {"zero-downtime-deploy": "pass"}, document
    assert code == 0
    assert any(note.startswith("zero-downtime-deploy: from `HEAD`") for note in document["notes"])
