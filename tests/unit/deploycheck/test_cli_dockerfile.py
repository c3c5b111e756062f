"""``deploycheck dockerfile``: exit codes 0/1/2, and render.yaml is not its business."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from deploycheck.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, main

ROOT = Path(__file__).parents[3]
DOCKERFILE = str(ROOT / "Dockerfile.render")
BROKEN = str(ROOT / "tests" / "fixtures" / "dockerfiles" / "root-user.Dockerfile")


def run(capsys: pytest.CaptureFixture[str], *argv: str, root: Path = ROOT) -> tuple[int, str, str]:
    code = main(["dockerfile", *argv, "--root", str(root)])
    out, err = capsys.readouterr()
    return code, out, err


def test_dockerfile_render_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, DOCKERFILE)
    assert (code, out.strip()) == (EXIT_OK, "ok: 0 error(s), 0 warning(s)")


def test_broken_fixture_exits_1_with_rule_and_hadolint_findings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, BROKEN, "--format", "json")
    payload = json.loads(out)
    assert code == EXIT_FINDINGS
    assert (payload["version"], payload["summary"]["ok"]) == (1, False)
    assert {"DF004", "DL3002"} <= {f["rule"] for f in payload["findings"]}


def test_missing_file_exits_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "no-such.Dockerfile")
    assert (code, out) == (EXIT_UNUSABLE, "")
    assert "cannot read Dockerfile no-such.Dockerfile" in err


def test_dockerfile_without_from_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "Dockerfile"
    empty.write_text("# nothing to build\n", encoding="utf-8")
    code, _, err = run(capsys, str(empty))
    assert code == EXIT_UNUSABLE
    assert "has no FROM instruction" in err


def test_render_yaml_in_root_does_not_change_the_dockerfile_verdict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The Blueprint's healthCheckPath agreeing with the HEALTHCHECK is XF003's alone (the
    Blueprint check); the Dockerfile check reporting it too would count one mismatch twice."""
    for name in (".dockerignore", ".hadolint.yaml", "requirements.txt", "gunicorn.conf.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("app", "migrations"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "render.yaml").write_text(
        "services:\n  - type: web\n    name: app\n    healthCheckPath: /healthz\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, DOCKERFILE, root=tmp_path)
    assert (code, out.strip()) == (EXIT_OK, "ok: 0 error(s), 0 warning(s)")


def test_target_names_the_stage_that_ships(capsys: pytest.CaptureFixture[str]) -> None:
    """The builder of this fixture runs as root: harmless as a builder, reported as the image
    (a warning: its command, ``go test``, serves no network port)."""
    builder = str(ROOT / "tests" / "fixtures" / "hadolint" / "builder-root.Dockerfile")
    code, out, _ = run(capsys, builder, "--no-config")
    assert "DF004" not in out, out
    code, out, _ = run(capsys, builder, "--no-config", "--target", "build")
    assert "warning USER root runs the app as root" in out, out
    code, out, err = run(capsys, builder, "--no-config", "--target", "nope")
    assert (code, out) == (EXIT_UNUSABLE, "")
    assert "no stage named 'nope'" in err
    assert "stages: build, 1" in err
