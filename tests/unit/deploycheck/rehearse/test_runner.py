"""What deploycheck.rehearse.runner decides before any container starts: where the
``sync: false`` values come from, and what the report says of the emulation."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck.errors import ConfigFileError
from deploycheck.rehearse.runner import Rehearsal, dashboard_values, facts
from deploycheck.rehearse.settings import RehearseSettings
from deploycheck.rehearse.target import DeployTarget

BLUEPRINT = """\
services:
  - type: web
    name: app
    runtime: docker
    envVars:
      - {key: SENTRY_DSN, sync: false}
      - {key: STRIPE_KEY, sync: false}
      - {key: MAILER_KEY, sync: false}
  - type: worker
    name: mailer
    runtime: docker
    dockerCommand: mail-forever
databases:
  - name: db
    postgresMajorVersion: "15"
"""


def rehearsal(tmp_path: Path, settings: RehearseSettings, env_file: Path | None = None):
    path = tmp_path / "render.yaml"
    path.write_text(BLUEPRINT)
    return Rehearsal(path, settings, tmp_path / "reports", env_file=env_file)


def test_sync_false_values_come_from_the_dashboard_then_the_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env.rehearse").write_text("# local values\nSTRIPE_KEY=sk_test_1\nSENTRY_DSN=\n")
    settings = RehearseSettings(
        dashboard={"SENTRY_DSN": "https://x@sentry.example/1"}, env_file=".env.rehearse"
    )

    values, source = dashboard_values(rehearsal(tmp_path, settings), tmp_path)

    assert values == {"SENTRY_DSN": "", "STRIPE_KEY": "sk_test_1"}
    assert source == tmp_path / ".env.rehearse"


def test_the_command_line_env_file_wins_and_a_missing_one_is_a_config_error(
    tmp_path: Path,
) -> None:
    given = tmp_path / "given.env"
    given.write_text("MAILER_KEY=m\n")
    settings = RehearseSettings(env_file="absent.env")

    values, source = dashboard_values(rehearsal(tmp_path, settings, given), tmp_path)

    assert (values, source) == ({"MAILER_KEY": "m"}, given)
    with pytest.raises(ConfigFileError, match="absent.env: no such file"):
        dashboard_values(rehearsal(tmp_path, settings), tmp_path)


def test_the_report_names_given_and_generated_values_image_and_workers(tmp_path: Path) -> None:
    path = tmp_path / "render.yaml"
    path.write_text(BLUEPRINT)
    target = DeployTarget.from_blueprint(path)
    settings = RehearseSettings(dashboard={"STRIPE_KEY": "k"})

    notes = facts(target, settings, tmp_path / "x.env", DeployTarget.workers(path))

    text = "\n".join(notes)
    source = f"`rehearse: dashboard:` or {tmp_path / 'x.env'}"
    assert f"app: `sync: false` values from {source}: `STRIPE_KEY`." in text
    assert "app: `sync: false` values generated: `SENTRY_DSN`, `MAILER_KEY`." in text
    assert "PostgreSQL 15 (postgresMajorVersion)" in text
    assert "No healthCheckPath: the proxy probes the port over TCP" in text
    assert "Worker mailer runs beside it (`mail-forever`)." in text
    assert (
        "Clock compressed 5x: an instance failing its health checks leaves routing after 3 s"
        in text
    )
