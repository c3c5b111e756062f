"""The harness's own Dockerfile rules for running the app (DF001-DF008) and ``check``.

These encode what this deployment needs from Dockerfile.render: a pinned slim base, a cached
dependency layer, a non-root user, a health probe Render can rely on, a signal-safe command.
``dockerfile_hygiene_rules`` holds the rest (DF009-DF014); hadolint covers generic style.
Each rule's docstring starts with a summary line, then a passing and a failing example.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from deploycheck import registry
from deploycheck.findings import Finding, Problem
from deploycheck.registry import Settings, rule
from deploycheck.targets.dockerfile import Dockerfile, parse_command

DEFAULT_HEALTH_PATH = "/health"
# The python:3.11-slim-bookworm family: the floating tag or a patch-pinned one, with or without
# a digest. Anything else changes the OS or interpreter the tests were written against.
_SLIM_FAMILY = re.compile(r"3\.11(\.\d+)?-slim-bookworm")
_PYTHON_REPOSITORIES = {"python", "library/python", "docker.io/library/python"}
# Sources whose COPY brings in application code; dependencies must be installed before them.
CODE_SOURCES = {".", "app", "migrations", "gunicorn.conf.py"}
_REQUIREMENTS = re.compile(r"(-r|--requirement)[\s=]+(\./)?requirements\.txt\b")


def _problem(df: Dockerfile, line: int | None, message: str) -> Problem:
    return Problem(df.display_path, line, message)


def _split_ref(ref: str) -> tuple[str, str | None, str | None]:
    """``repository, tag, digest`` of an image reference; the tag is None when absent."""
    name, _, digest = ref.partition("@")
    repository, colon, tag = name.rpartition(":")
    if not colon or "/" in tag:
        return name, None, digest or None
    return repository, tag, digest or None


def _origin(df: Dockerfile, stage_index: int) -> str:
    """How the message should name where a stage's base came from."""
    stage = df.stages[stage_index]
    sources = df.base_variables(stage)
    if not sources:
        return f"FROM on line {stage.line}"
    arg = sources[-1]
    return f"FROM on line {stage.line}, default of ARG {arg.name} on line {arg.line}"


@rule("DF001", target="dockerfile")
def base_image_pinned(df: Dockerfile) -> Iterator[Problem]:
    """Every base image names a tag (or digest) that is not ``latest``.

    Pass: ``ARG PYTHON_IMAGE=python:3.11-slim-bookworm`` + ``FROM ${PYTHON_IMAGE}``
    Fail: ``FROM python`` or ``FROM python:latest``
    """
    stage_names = {s.name for s in df.stages if s.name}
    for stage in df.stages:
        if stage.base in stage_names:
            continue
        _, tag, digest = _split_ref(stage.base)
        where = _origin(df, stage.index)
        if not stage.base:
            message = f"base image resolves to nothing ({where}): give the ARG a default"
        elif digest is None and (tag is None or tag == "latest"):
            message = (
                f"base image {stage.base!r} ({where}) is not pinned: expected an explicit "
                "tag such as python:3.11-slim-bookworm, found "
                + ("no tag" if tag is None else "'latest'")
            )
        else:
            continue
        yield _problem(df, stage.line, message)


@rule("DF002", target="dockerfile")
def base_image_slim(df: Dockerfile) -> Iterator[Problem]:
    """The final stage is built on the python:3.11-slim-bookworm family.

    Pass: ``FROM python:3.11-slim-bookworm`` (or ``python:3.11.9-slim-bookworm``)
    Fail: ``FROM python:3.11`` (the ~1 GB full image) or ``FROM python:3.12-slim``
    """
    by_name = {s.name: s for s in df.stages if s.name}
    stage = df.final_stage
    while stage.base in by_name and by_name[stage.base].index < stage.index:
        stage = by_name[stage.base]
    repository, tag, _ = _split_ref(stage.base)
    if repository in _PYTHON_REPOSITORIES and tag and _SLIM_FAMILY.fullmatch(tag):
        return
    yield _problem(
        df,
        stage.line,
        f"final image is based on {stage.base!r} ({_origin(df, stage.index)}): expected the "
        "python:3.11-slim-bookworm family (slim keeps the image near 150 MB instead of ~1 GB)",
    )


def _is_code_copy(sources: Iterable[str]) -> bool:
    tops = ((src.removeprefix("./").strip("/") or ".").split("/")[0] for src in sources)
    return any(top in CODE_SOURCES for top in tops)


@rule("DF003", target="dockerfile")
def requirements_before_code(df: Dockerfile) -> Iterator[Problem]:
    """requirements.txt is copied and ``pip install -r``'d before any application code.

    Pass: ``COPY requirements.txt .`` / ``RUN pip install -r requirements.txt`` / ``COPY app/ app/``
    Fail: ``COPY app/ app/`` before ``RUN pip install -r requirements.txt`` (every code change
    would reinstall every dependency)
    """
    local = [c for c in df.copies if "from" not in c.flags]
    code = next((c for c in local if _is_code_copy(c.sources)), None)
    install = next((i for i in df.pip_installs if _REQUIREMENTS.search(i.value)), None)
    if install is None:
        yield _problem(
            df,
            code.line if code else None,
            "expected `RUN pip install -r requirements.txt` before the code is copied, found none",
        )
        return
    # `COPY . .` brings requirements.txt in too (and is then itself the code-order problem).
    copied = any(
        src.removeprefix("./").strip("/") in {"requirements.txt", ".", ""}
        for c in local
        if c.line < install.line
        for src in c.sources
    )
    if not copied:
        yield _problem(
            df,
            install.line,
            f"pip installs requirements.txt on line {install.line} but no earlier COPY brings "
            "it in: expected `COPY requirements.txt .` right before the install",
        )
    if code is not None and code.line < install.line:
        yield _problem(
            df,
            code.line,
            f"application code is copied on line {code.line}, before `pip install -r "
            f"requirements.txt` on line {install.line}: expected the code COPY after the "
            "install so a code change does not rebuild the dependency layer",
        )


def _runtime_line(df: Dockerfile) -> int:
    final = df.final_stage
    starts = df.instructions_named("CMD", "ENTRYPOINT", stage=final.index)
    return starts[0].line if starts else final.line


@rule("DF004", target="dockerfile")
def non_root_user(df: Dockerfile) -> Iterator[Problem]:
    """The final stage switches to a non-root USER before its CMD/ENTRYPOINT.

    Pass: ``USER 10001:10001`` then ``CMD ["gunicorn", ...]``
    Fail: no USER at all, ``USER root`` or ``USER 0:0``
    """
    final = df.final_stage
    users = df.instructions_named("USER", stage=final.index)
    if not users:
        yield _problem(
            df,
            _runtime_line(df),
            "the final stage has no USER instruction, so the app would run as root: "
            "expected `USER 10001:10001` (appuser) before CMD",
        )
        return
    last = users[-1]
    name = last.value.strip().partition(":")[0]
    if name in {"root", "0"}:
        yield _problem(
            df,
            last.line,
            f"USER {last.value.strip()} runs the app as root: expected appuser",
        )
    elif last.line > _runtime_line(df):
        yield _problem(
            df,
            last.line,
            f"USER on line {last.line} comes after CMD/ENTRYPOINT on line {_runtime_line(df)}: "
            "expected it before, where readers look for the runtime user",
        )


@rule("DF005", target="dockerfile", options={"path": DEFAULT_HEALTH_PATH})
def healthcheck_probes_path(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final stage has a HEALTHCHECK (not NONE) whose command probes the health path.

    Option ``path``: the path the probe must request (default /health).
    Pass: ``HEALTHCHECK CMD ["python", "-m", "app.healthcheck", "/health"]``
    Fail: no HEALTHCHECK, ``HEALTHCHECK NONE`` or a probe of ``/healthz``
    """
    health_path = options["path"]
    hc = df.healthcheck
    if hc is None:
        final = df.final_stage
        yield _problem(
            df,
            final.line,
            f"the final stage (FROM on line {final.line}) has no HEALTHCHECK: expected one "
            f"probing {health_path} so a hung app is restarted",
        )
    elif hc.disabled or hc.command is None:
        yield _problem(df, hc.line, f"HEALTHCHECK is disabled: expected a probe of {health_path}")
    elif health_path not in hc.probed_paths:
        yield _problem(
            df,
            hc.line,
            f"HEALTHCHECK probes {list(hc.command.argv)}: expected it to request {health_path}, "
            "the path render.yaml's healthCheckPath uses",
        )


@rule("DF006", target="dockerfile")
def healthcheck_start_period(df: Dockerfile) -> Iterator[Problem]:
    """The HEALTHCHECK gives the app a ``--start-period`` to boot and migrate.

    Pass: ``HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 CMD [...]``
    Fail: ``HEALTHCHECK --interval=30s CMD [...]`` (early failures count against the retries)
    """
    hc = df.healthcheck
    if hc is not None and not hc.disabled and "start-period" not in hc.options:
        yield _problem(
            df,
            hc.line,
            "HEALTHCHECK has no --start-period: expected one (the seed says 40s) so a slow "
            "start does not count as failures",
        )


@rule("DF007", target="dockerfile")
def exec_form_command(df: Dockerfile) -> Iterator[Problem]:
    """The final stage has a CMD or ENTRYPOINT, each in exec (JSON) form.

    Pass: ``CMD ["gunicorn", "--config", "gunicorn.conf.py"]`` (gunicorn is PID 1 and gets
    SIGTERM)
    Fail: ``CMD gunicorn --config gunicorn.conf.py`` (/bin/sh is PID 1 and swallows SIGTERM)
    """
    final = df.final_stage
    commands = df.instructions_named("CMD", "ENTRYPOINT", stage=final.index)
    if not commands:
        yield _problem(
            df,
            final.line,
            f"the final stage (FROM on line {final.line}) has no CMD or ENTRYPOINT: expected "
            '`CMD ["gunicorn", "--config", "gunicorn.conf.py"]`',
        )
    for ins in commands:
        if not parse_command(ins.name, ins.value, ins.line).exec_form:
            yield _problem(
                df,
                ins.line,
                f"{ins.name} is in shell form ({ins.value.strip()!r}): expected exec form, "
                "a JSON list, so the server is PID 1 and receives SIGTERM",
            )


@rule("DF008", target="dockerfile")
def expose_present(df: Dockerfile) -> Iterator[Problem]:
    """The final stage EXPOSEs the port it listens on (ENV PORT when set).

    Pass: ``ENV PORT=10000`` and ``EXPOSE 10000``
    Fail: no EXPOSE, or ``ENV PORT=10000`` with ``EXPOSE 8000``
    """
    final = df.final_stage
    ports = {port.partition("/")[0] for port, _ in df.exposes}
    if not ports:
        yield _problem(
            df,
            final.line,
            f"the final stage (FROM on line {final.line}) has no EXPOSE: expected the port "
            "gunicorn binds (Render's default 10000)",
        )
        return
    port = df.env.get("PORT")
    if port and not port.startswith("$") and port not in ports:
        yield _problem(
            df,
            df.exposes[0][1],
            f"EXPOSE lists {sorted(ports)} but ENV PORT is {port}: expected that port exposed",
        )


def check(df: Dockerfile, settings: Settings | None = None) -> list[Finding]:
    """Every DF rule (DF001-DF014) enabled in ``settings``, sorted by place."""
    return registry.run("dockerfile", df, settings)
