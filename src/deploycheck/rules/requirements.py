"""Runtime requirements rules (RQ001-RQ002): what ``requirements.txt`` makes the image install.

No development or debugging tool ships (a debug toolbar in production leaks every request),
and every direct requirement is one the code imports, as deptry judges it. Only direct
requirements count: a pin that another listed requirement needs (its installed metadata says
so) is part of the resolved tree, not a choice to re-justify.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from deploycheck import registry
from deploycheck.config import Config, config_for
from deploycheck.errors import ConfigFileError, ToolUnavailableError
from deploycheck.findings import Finding, Problem, Result
from deploycheck.registry import Settings, rule

# Tools for developing, debugging, profiling, testing or linting: never in a production image.
DEV_TOOLS = frozenset(
    canonicalize_name(name)
    for name in (
        *("flask-debugtoolbar", "django-debug-toolbar", "werkzeug-debugger-runtime", "debugpy"),
        *("pdbpp", "ipdb", "pudb", "ipython", "jupyter", "notebook", "pyinstrument"),
        *("line-profiler", "memory-profiler", "py-spy", "snakeviz", "pytest", "pytest-cov"),
        *("coverage", "tox", "nox", "hypothesis", "faker", "factory-boy", "black", "ruff"),
        *("flake8", "pylint", "mypy", "isort", "pre-commit", "watchdog", "flask-shell-ipython"),
    )
)
# Folders and files deptry must not read for the app's imports (the checker, its tests).
_NOT_APP = ("src", "tests", "scripts", "docs", r"\.ci", r"\.tox", r"\.venv", "venv")
_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Pin:
    """One requirement line: its canonical name, the extras it asks for, its line number."""

    name: str
    line: int
    extras: frozenset[str] = frozenset()


class RuntimeRequirements:
    """A project root and the requirements file its image installs."""

    def __init__(self, root: str | Path, file: str = "requirements.txt") -> None:
        self.root = Path(root)
        self.path = self.root / file
        try:
            self.text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigFileError(f"cannot read requirements file {self.path}: {exc}") from None

    @cached_property
    def pins(self) -> list[Pin]:
        found = []
        for number, raw in enumerate(self.text.splitlines(), start=1):
            text = raw.split(" #", 1)[0].strip()
            if not text or text.startswith(("#", "-")):
                continue
            try:
                requirement = Requirement(text)
                name = canonicalize_name(requirement.name)
                found.append(Pin(name, number, frozenset(requirement.extras)))
            except InvalidRequirement as exc:
                raise ConfigFileError(f"{self.path}:{number}: {exc}") from None
        return found

    @cached_property
    def direct(self) -> list[Pin]:
        """Pins no other listed requirement depends on (per the installed metadata)."""
        needed: set[str] = set()
        for pin in self.pins:
            try:
                requires = metadata.requires(pin.name) or []
            except metadata.PackageNotFoundError:
                continue
            for text in requires:
                requirement = Requirement(text)
                marker = requirement.marker
                if marker is None or any(
                    marker.evaluate({"extra": extra}) for extra in {"", *pin.extras}
                ):
                    needed.add(canonicalize_name(requirement.name))
        return [pin for pin in self.pins if pin.name not in needed]

    def unused(self) -> dict[str, str]:
        """deptry's DEP002 answers: ``{canonical name: message}`` for pins no code imports."""
        excludes = [arg for folder in _NOT_APP for arg in ("--extend-exclude", folder)]
        with tempfile.TemporaryDirectory(prefix="deploycheck-deptry-") as scratch:
            # deptry prefers a pyproject.toml's [project] table to requirements files, and this
            # repository's pyproject.toml describes the checker: run it from a clean directory.
            (Path(scratch) / "requirements.txt").write_text(self.text, encoding="utf-8")
            report = Path(scratch) / "deptry.json"
            command = [
                *(sys.executable, "-m", "deptry", str(self.root.resolve())),
                *("--requirements-files", "requirements.txt", "--known-first-party", "app"),
                *("--json-output", str(report), "--no-ansi", *excludes),
            ]
            try:
                subprocess.run(
                    command, cwd=scratch, capture_output=True, timeout=_TIMEOUT_SECONDS, check=False
                )
                issues = json.loads(report.read_text(encoding="utf-8"))
            except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
                raise ToolUnavailableError(
                    f"deptry did not run on {self.root}: {exc}\n"
                    "Hint: pip install -r requirements-dev.txt (it pins deptry)"
                ) from None
        return {
            canonicalize_name(issue["module"]): issue["error"]["message"]
            for issue in issues
            if issue["error"]["code"] == "DEP002"
        }


def _problem(reqs: RuntimeRequirements, line: int, message: str) -> Problem:
    return Problem(str(reqs.path.relative_to(reqs.root)), line, message)


@rule("RQ001", target="requirements")
def no_dev_tools(reqs: RuntimeRequirements) -> Iterator[Problem]:
    """No development, debugging, profiling or test tool is a runtime requirement.

    Pass: ``Flask==3.1.3`` (test tools go in requirements-dev.txt)
    Fail: ``flask-debugtoolbar==0.16.0`` (a debug toolbar in production shows every request)
    """
    for pin in reqs.pins:
        if pin.name in DEV_TOOLS:
            yield _problem(
                reqs,
                pin.line,
                f"{pin.name} is a development tool: expected it in requirements-dev.txt, "
                "never in what the image installs",
            )


@rule("RQ002", target="requirements", options={"used_without_import": []})
def direct_requirements_imported(
    reqs: RuntimeRequirements, options: Mapping[str, Any]
) -> Iterator[Problem]:
    """Every direct runtime requirement is imported by the app's code (deptry's DEP002).

    Option ``used_without_import``: requirements used by name instead (a server, a worker
    class, a database driver named in a URL), each to be justified in the config.
    Pass: ``Flask==3.1.3`` with ``from flask import Flask`` in app/
    Fail: ``xgboost==2.0.3`` that no module imports (hundreds of MB for nothing)
    """
    allowed = {canonicalize_name(str(name)) for name in options["used_without_import"]}
    unused = reqs.unused()
    for pin in reqs.direct:
        if pin.name in unused and pin.name not in allowed:
            yield _problem(
                reqs,
                pin.line,
                f"deptry: {unused[pin.name]}: expected every direct requirement to be imported, "
                "or listed under RQ002's used_without_import with a reason (from the "
                "project's config)",
            )


def check(root: str | Path, settings: Settings | None = None) -> list[Finding]:
    """Every RQ rule over ``root``'s requirements.txt and code."""
    return registry.run("requirements", RuntimeRequirements(root), settings)


def check_requirements(
    path: str | os.PathLike[str], *, root: str | os.PathLike[str], config: Config | None = None
) -> Result:
    """The ``deploycheck requirements`` verdict: RQ rules on the requirements file at ``path``
    for the code under ``root``, under ``config`` (default: the one found from ``path``) and
    the inline suppressions of the file."""
    settings = (config if config is not None else config_for(path)).with_overrides()
    reqs = RuntimeRequirements(root, os.path.relpath(path, root))
    findings = registry.run("requirements", reqs, settings)
    return Result(settings.finish(findings, {str(reqs.path.relative_to(reqs.root)): reqs.path}))
