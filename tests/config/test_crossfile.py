"""This repository's render.yaml agrees with Dockerfile.render, the app and requirements.txt."""

from __future__ import annotations

from pathlib import Path

from deploycheck import registry
from deploycheck.rules.crossfile import RepoContext, predeploy_executable
from deploycheck.targets.blueprint import Blueprint
from deploycheck.testing.assertions import assert_clean

ROOT = Path(__file__).parents[2]


def test_real_render_yaml_agrees_with_the_repository() -> None:
    findings = registry.run("repo", RepoContext(Blueprint.load(ROOT / "render.yaml"), ROOT))
    assert_clean(findings, "render.yaml against Dockerfile.render, app/ and requirements.txt")


def test_real_predeploy_command_runs_flask() -> None:
    web = Blueprint.load(ROOT / "render.yaml").web_service
    assert web is not None
    assert predeploy_executable(web.get("preDeployCommand")) == "flask"
