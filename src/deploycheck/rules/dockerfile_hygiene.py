"""Dockerfile hygiene rules (DF009-DF014): what must never go into the build or its layers.

No registry-bound syntax directive, no literal secrets, no remote fetches, no floating
versions, no pip cache. Each rule's docstring starts with a summary line, then a passing and a
failing example; ``dockerfile_rules.check`` runs these together with DF001-DF008.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from deploycheck.findings import Level, Problem
from deploycheck.registry import rule
from deploycheck.secret_names import is_secret_name
from deploycheck.secret_values import secret_reason
from deploycheck.targets.dockerfile import Dockerfile, Instruction

_LATEST = re.compile(r"[:@=]latest\b")
_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://|git@)")
_TRUTHY = {"1", "true", "yes", "on"}


def _problem(df: Dockerfile, line: int | None, message: str) -> Problem:
    return Problem(df.display_path, line, message)


@rule("DF009", target="dockerfile", enabled=False)
def no_syntax_directive(df: Dockerfile) -> Iterator[Problem]:
    """No ``# syntax=`` parser directive: fetching the frontend image needs a registry.

    Pass: a Dockerfile whose first line is an ordinary comment or instruction
    Fail: ``# syntax=docker/dockerfile:1`` on line 1 (air-gapped builds fail at once)
    """
    if "syntax" in df.directives:
        value, line = df.directives["syntax"]
        yield _problem(
            df,
            line,
            f"`# syntax={value}` makes BuildKit pull a frontend image from a registry: "
            "expected no syntax directive (the built-in frontend is enough)",
        )


@rule("DF010", target="dockerfile")
def no_secrets_in_env_or_arg(df: Dockerfile) -> Iterator[Problem]:
    """No ENV or ARG carries a literal secret; values are never echoed in the message.

    Pass: ``ENV PIP_NO_CACHE_DIR=1``, ``ARG PYTHON_IMAGE=python:3.11-slim-bookworm``, or a bare
    ``ARG SENTRY_DSN`` filled at build time
    Fail: ``ENV FLASK_SECRET_KEY=dev-secret-key`` or ``ENV UPLOAD_SALT=x7Gh2Kq9LmN4pR8sT1vW3yZ6``
    """
    for var in df.variables:
        if not var.is_literal:
            continue
        if is_secret_name(var.name):
            why = "its name marks a secret"
        elif (reason := secret_reason(var.value or "")) is not None:
            why = f"its value looks like {reason}"
        else:
            continue
        yield _problem(
            df,
            var.line,
            f"{var.kind} {var.name} sets a literal value and {why}: secrets belong in the Render "
            "dashboard, never in image layers or history (checklist item 1)",
        )


def _urls(sources: Iterable[str]) -> list[str]:
    return [s for s in sources if _URL.match(s)]


@rule("DF011", target="dockerfile")
def no_add_of_urls(df: Dockerfile) -> Iterator[Problem]:
    """ADD never fetches a remote URL (unverified download, no cache control).

    Pass: ``COPY gunicorn.conf.py .``
    Fail: ``ADD https://example.com/tool.tar.gz /opt/``
    """
    for copy in df.copies:
        if copy.instruction == "ADD" and (urls := _urls(copy.sources)):
            yield _problem(
                df,
                copy.line,
                f"ADD downloads {', '.join(urls)}: expected no remote fetch at build time; "
                "vendor the file or install it from a pinned package",
            )


@rule("DF012", target="dockerfile", level=Level.WARNING)
def copy_not_add(df: Dockerfile) -> Iterator[Problem]:
    """Local files are brought in with COPY, not ADD (ADD silently unpacks archives).

    Pass: ``COPY gunicorn.conf.py .``
    Fail: ``ADD gunicorn.conf.py .``
    """
    for copy in df.copies:
        if copy.instruction == "ADD" and not _urls(copy.sources):
            yield _problem(
                df, copy.line, "ADD of local files: expected COPY, which does not unpack"
            )


@rule("DF013", target="dockerfile")
def no_latest(df: Dockerfile) -> Iterator[Problem]:
    """Nothing outside FROM (DF001 checks FROM) refers to a ``latest`` tag or version.

    Pass: ``ARG PYTHON_IMAGE=python:3.11-slim-bookworm``
    Fail: ``ARG PYTHON_IMAGE=python:latest`` or ``COPY --from=tool:latest /bin/x /bin/x``
    """
    for ins in df.instructions:
        if ins.name != "FROM" and _LATEST.search(ins.value):
            yield _problem(
                df,
                ins.line,
                f"{ins.name} refers to 'latest': expected a pinned version so builds repeat",
            )


def _pip_cache_disabled(df: Dockerfile, run: Instruction) -> bool:
    return any(
        var.name == "PIP_NO_CACHE_DIR"
        and (var.value or "").strip().lower() in _TRUTHY
        and var.stage in (-1, run.stage)
        and var.line < run.line
        for var in df.variables
    )


@rule("DF014", target="dockerfile")
def pip_without_cache(df: Dockerfile) -> Iterator[Problem]:
    """Every ``pip install`` runs with ``--no-cache-dir`` or under ``PIP_NO_CACHE_DIR=1``.

    Pass: ``RUN pip install --no-cache-dir -r requirements.txt``
    Fail: ``RUN pip install -r requirements.txt`` with no PIP_NO_CACHE_DIR set (the wheel
    cache, tens of MB, stays in the layer)
    """
    for run in df.pip_installs:
        if "--no-cache-dir" not in run.value and not _pip_cache_disabled(df, run):
            yield _problem(
                df,
                run.line,
                "pip install keeps its cache in the layer: expected --no-cache-dir "
                "or ENV PIP_NO_CACHE_DIR=1 before it",
            )
