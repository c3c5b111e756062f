"""``deploycheck init`` on a fixture project: a starter config with what it found, commented,
that deploycheck itself accepts; never over an existing one without --force."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from deploycheck.cli import EXIT_OK, EXIT_UNUSABLE, main
from deploycheck.config import load_config

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "init" / "service"


def deploycheck(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the fixture project, so init writes outside the repository."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "service"))


def test_init_writes_what_it_found_as_rule_options(project: Path) -> None:
    code, out, _ = deploycheck("init", str(project))
    assert code == EXIT_OK, out
    written = project / ".deploycheck.yaml"
    text = written.read_text()
    assert "#   Dockerfile: final stage FROM python:3.12-slim, USER 10001" in text
    assert "#   render.yaml: web 'shop'; 1 database(s)" in text
    assert "#   workflows: .github/workflows/ci.yml" in text
    config = load_config(written)
    assert config.rules_version is not None
    expected = {
        "DF002": {"base": "python:3.12-slim"},
        "DF008": {"port": 8080},
        "DF005": {"path": "/healthz"},
        "RB007": {"plan": "pro"},
        "RB002": {"min_instances": 2},
        "RB003": {"max_instances": 4},
    }
    assert {rule: dict(config.options(rule)) for rule in expected} == expected
    assert config.enabled("XF003")
    # The project passes its own starter config.
    for check in ("dockerfile", "blueprint"):
        code, out, _ = deploycheck(check, str(project / ("Dockerfile" if check == "dockerfile"
                                   else "render.yaml")), "--root", str(project))  # fmt: skip
        assert code == EXIT_OK, out


def test_init_refuses_to_overwrite_without_force(project: Path) -> None:
    (project / ".deploycheck.yaml").write_text("rules: {}\n")
    code, _, err = deploycheck("init", str(project))
    assert code == EXIT_UNUSABLE
    assert "exists; --force replaces it" in err
    assert (project / ".deploycheck.yaml").read_text() == "rules: {}\n"
    assert deploycheck("init", str(project), "--force")[0] == EXIT_OK
    assert "rules-version:" in (project / ".deploycheck.yaml").read_text()


def test_init_on_an_empty_folder_says_what_it_did_not_find(tmp_path: Path) -> None:
    code, out, _ = deploycheck("init", str(tmp_path))
    assert code == EXIT_OK
    assert "found: no Dockerfile found" in out
    assert "found: no render.yaml found" in out
    assert load_config(tmp_path / ".deploycheck.yaml").rules == {}
