"""``deploycheck blueprint``: exit codes 0/1/2 and the text, JSON, Markdown output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deploycheck.cli import main

ROOT = Path(__file__).parents[3]
FIXTURES = ROOT / "tests" / "fixtures"
VALID = str(FIXTURES / "blueprints" / "valid.yaml")
BROKEN = str(FIXTURES / "blueprints" / "RB003-max-instances-10.yaml")
REPO = str(FIXTURES / "repo")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["blueprint", *argv, "--root", REPO])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_blueprint_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, VALID)
    assert (code, out.strip()) == (0, "ok: 0 error(s), 0 warning(s)")


def test_findings_print_one_line_each_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, BROKEN)
    row, summary, pages = out.splitlines()
    assert code == 1
    assert row.startswith(f"{BROKEN}:15: error services[0].scaling.maxInstances: is 10"), row
    assert row.endswith("(RB003)"), row
    assert summary == "failed: 1 error(s), 0 warning(s)"
    # After the verdict, as ruff ends with a hint: where the rule that fired is documented.
    assert pages.startswith("rule pages: RB003 https://"), pages
    assert pages.endswith("/docs/rules.md#rb003"), pages


def test_json_output_lists_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, BROKEN, "--format", "json")
    payload = json.loads(out)
    assert code == 1
    assert (payload["version"], payload["summary"]["ok"]) == (1, False)
    assert [(f["rule"], f["line"], f["level"]) for f in payload["findings"]] == [
        ("RB003", 15, "error")
    ]


def test_markdown_output_is_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, BROKEN, "--format", "markdown")
    assert "| where | level | rule | message |" in out
    assert f"| `{BROKEN}:15` | error | RB003 |" in out


def test_missing_file_exits_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "no-such-render.yaml")
    assert (code, out) == (2, "")
    assert "no-such-render.yaml: no such file" in err


def test_malformed_policy_override_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPLOYCHECK_RB003_MAX_INSTANCES", "three")
    code, _, err = run(capsys, VALID)
    assert code == 2
    assert "DEPLOYCHECK_RB003_MAX_INSTANCES='three'" in err


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["blueprint", VALID, "--format", "xml"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'xml'" in err
    assert len(err.splitlines()) == 1, err


def test_module_entry_point_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "deploycheck", "blueprint", BROKEN, "--root", REPO],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "RB003" in done.stdout


def readme_command(*argv: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, run from the repository root as the README shows it, in
    this environment less the variables that deliberately change a verdict."""
    script = shutil.which("deploycheck", path=str(Path(sys.executable).parent))
    assert script, f"no deploycheck console script beside {sys.executable}"
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DEPLOYCHECK_", "GRADETRACKER_")) and k != "RENDER_BLUEPRINT_SCHEMA"
    }
    return subprocess.run(
        [script, *argv], cwd=ROOT, env=environ, capture_output=True, text=True, check=False
    )


def test_readme_reviewer_command_passes_on_this_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "| `deploycheck blueprint render.yaml` |" in readme, "the README's command changed"
    done = readme_command("blueprint", "render.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "ok: 0 error(s), 0 warning(s)", done.stdout


def test_render_yaml_without_config_has_no_findings() -> None:
    """The default rules hold for any Blueprint, so this repository's passes them bare."""
    done = readme_command("blueprint", "render.yaml", "--no-config")
    assert (done.returncode, done.stdout.strip()) == (0, "ok: 0 error(s), 0 warning(s)"), (
        done.stdout + done.stderr
    )
