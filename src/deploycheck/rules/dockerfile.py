"""Dockerfile rules for running a service (DF001-DF008) and ``check``, which runs every DF rule.

Without options they hold for any production Dockerfile: a pinned base, dependencies installed
before the code, a non-root user, a HEALTHCHECK with a start period, an exec-form command, an
EXPOSE. What one project wants on top (its base image family, its health path, its code
folders) comes from that project's config as rule options, and the messages say so.
``dockerfile_hygiene`` holds DF009-DF014; hadolint covers generic style.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from deploycheck import registry
from deploycheck.findings import Finding, Problem
from deploycheck.registry import Settings, rule
from deploycheck.targets.dockerfile import Dockerfile, parse_command

FROM_CONFIG = "(from the project's config)"
_VERSION = re.compile(r"^(?P<version>\d+(?:\.\d+)*)(?P<variant>.*)$")


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
                "version tag or a digest, found " + ("no tag" if tag is None else "'latest'")
            )
        else:
            continue
        yield _problem(df, stage.line, message)


def _family(base: str) -> tuple[set[str], re.Pattern[str]]:
    """Repositories and tag pattern of ``base``'s family: ``python:3.11-slim-bookworm`` admits
    ``docker.io/library/python:3.11.9-slim-bookworm`` (a patch pin) but not ``3.12-slim``."""
    repository, tag, _ = _split_ref(base)
    names = {repository}
    if "/" not in repository:
        names |= {f"library/{repository}", f"docker.io/library/{repository}"}
    match = _VERSION.match(tag or "")
    if match is None:
        return names, re.compile(re.escape(tag or "latest"))
    version, variant = match["version"], match["variant"]
    return names, re.compile(rf"{re.escape(version)}(\.\d+)?{re.escape(variant)}")


@rule("DF002", target="dockerfile", options={"base": str})
def base_image_family(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final stage is built on the configured base image family (option ``base``).

    Without ``base`` nothing is required. With ``base: python:3.11-slim-bookworm``:
    Pass: ``FROM python:3.11-slim-bookworm`` (or ``python:3.11.9-slim-bookworm``)
    Fail: ``FROM python:3.11`` (the ~1 GB full image) or ``FROM python:3.12-slim``
    """
    base = options["base"]
    if not base:
        return
    by_name = {s.name: s for s in df.stages if s.name}
    stage = df.final_stage
    while stage.base in by_name and by_name[stage.base].index < stage.index:
        stage = by_name[stage.base]
    repository, tag, _ = _split_ref(stage.base)
    names, tags = _family(base)
    if repository in names and tag and tags.fullmatch(tag):
        return
    yield _problem(
        df,
        stage.line,
        f"final image is based on {stage.base!r} ({_origin(df, stage.index)}): expected the "
        f"{base} family {FROM_CONFIG}",
    )


def _is_code_copy(sources: Iterable[str], code: Iterable[str]) -> bool:
    tops = ((src.removeprefix("./").strip("/") or ".").split("/")[0] for src in sources)
    return any(top in set(code) for top in tops)


@rule(
    "DF003",
    target="dockerfile",
    options={"code": ["."], "requirements": "requirements.txt", "required": False},
)
def requirements_before_code(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The requirements file is copied and ``pip install -r``'d before any application code.

    Options: ``code``, the sources whose COPY brings in code (default ``.``);
    ``requirements``, the file (default requirements.txt); ``required``, whether a Dockerfile
    without that install is itself a finding (default false: not every image is Python).
    Pass: ``COPY requirements.txt .`` / ``RUN pip install -r requirements.txt`` / ``COPY . .``
    Fail: ``COPY . .`` before ``RUN pip install -r requirements.txt`` (every code change
    would reinstall every dependency)
    """
    name = options["requirements"]
    pattern = re.compile(rf"(-r|--requirement)[\s=]+(\./)?{re.escape(name)}(\s|$)")
    local = [c for c in df.copies if "from" not in c.flags]
    code = next((c for c in local if _is_code_copy(c.sources, options["code"])), None)
    install = next((i for i in df.pip_installs if pattern.search(i.value)), None)
    if install is None and options["required"]:
        yield _problem(
            df,
            code.line if code else None,
            f"expected `RUN pip install -r {name}` before the code is copied {FROM_CONFIG}, "
            "found none",
        )
    if install is None:
        return
    # `COPY . .` brings requirements.txt in too (and is then itself the code-order problem).
    copied = any(
        src.removeprefix("./").strip("/") in {name, ".", ""}
        for c in local
        if c.line < install.line
        for src in c.sources
    )
    if not copied:
        yield _problem(
            df,
            install.line,
            f"pip installs {name} on line {install.line} but no earlier COPY brings "
            f"it in: expected `COPY {name} .` right before the install",
        )
    if code is not None and code.line < install.line:
        yield _problem(
            df,
            code.line,
            f"application code is copied on line {code.line}, before `pip install -r "
            f"{name}` on line {install.line}: expected the code COPY after the "
            "install so a code change does not rebuild the dependency layer",
        )


def _runtime_line(df: Dockerfile) -> int:
    final = df.final_stage
    starts = df.instructions_named("CMD", "ENTRYPOINT", stage=final.index)
    return starts[0].line if starts else final.line


@rule("DF004", target="dockerfile", options={"user": str})
def non_root_user(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final stage switches to a non-root USER before its CMD/ENTRYPOINT.

    Option ``user``: the USER the messages suggest (say ``10001:10001``).
    Pass: ``USER 10001:10001`` then ``CMD ["gunicorn", ...]``
    Fail: no USER at all, ``USER root`` or ``USER 0:0``
    """
    wanted = f"`USER {options['user']}` {FROM_CONFIG}" if options["user"] else "a non-root USER"
    final = df.final_stage
    users = df.instructions_named("USER", stage=final.index)
    if not users:
        yield _problem(
            df,
            _runtime_line(df),
            "the final stage has no USER instruction, so the app would run as root: "
            f"expected {wanted} before CMD",
        )
        return
    last = users[-1]
    name = last.value.strip().partition(":")[0]
    if name in {"root", "0"}:
        yield _problem(
            df,
            last.line,
            f"USER {last.value.strip()} runs the app as root: expected {wanted}",
        )
    elif last.line > _runtime_line(df):
        yield _problem(
            df,
            last.line,
            f"USER on line {last.line} comes after CMD/ENTRYPOINT on line {_runtime_line(df)}: "
            "expected it before, where readers look for the runtime user",
        )


@rule("DF005", target="dockerfile", options={"path": str})
def healthcheck_probes_path(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final stage has a HEALTHCHECK (not NONE), probing the configured ``path`` if any.

    Option ``path``: the URL path the probe must request (say ``/health``); without it any
    probe command will do.
    Pass: ``HEALTHCHECK CMD ["python", "-m", "app.healthcheck", "/health"]``
    Fail: no HEALTHCHECK, ``HEALTHCHECK NONE``, or with ``path: /health`` a probe of ``/healthz``
    """
    health_path = options["path"]
    probing = f"probing {health_path} {FROM_CONFIG}" if health_path else "that probes the app"
    hc = df.healthcheck
    if hc is None:
        final = df.final_stage
        yield _problem(
            df,
            final.line,
            f"the final stage (FROM on line {final.line}) has no HEALTHCHECK: expected one "
            f"{probing} so a hung app is restarted",
        )
    elif hc.disabled or hc.command is None:
        yield _problem(df, hc.line, f"HEALTHCHECK is disabled: expected one {probing}")
    elif health_path and health_path not in hc.probed_paths:
        yield _problem(
            df,
            hc.line,
            f"HEALTHCHECK probes {list(hc.command.argv)}: expected it to request {health_path} "
            f"{FROM_CONFIG}",
        )


@rule("DF006", target="dockerfile", options={"start_period": str})
def healthcheck_start_period(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The HEALTHCHECK gives the app a ``--start-period`` to boot and migrate.

    Option ``start_period``: the value the message suggests (say ``40s``).
    Pass: ``HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 CMD [...]``
    Fail: ``HEALTHCHECK --interval=30s CMD [...]`` (early failures count against the retries)
    """
    period = options["start_period"]
    suggested = f" ({period} {FROM_CONFIG})" if period else ""
    hc = df.healthcheck
    if hc is not None and not hc.disabled and "start-period" not in hc.options:
        yield _problem(
            df,
            hc.line,
            f"HEALTHCHECK has no --start-period: expected one{suggested} so a slow start does "
            "not count as failures",
        )


@rule("DF007", target="dockerfile", options={"command": str})
def exec_form_command(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final stage has a CMD or ENTRYPOINT, each in exec (JSON) form.

    Option ``command``: the exec-form CMD the message suggests when there is none.
    Pass: ``CMD ["gunicorn", "--config", "gunicorn.conf.py"]`` (gunicorn is PID 1 and gets
    SIGTERM)
    Fail: ``CMD gunicorn --config gunicorn.conf.py`` (/bin/sh is PID 1 and swallows SIGTERM)
    """
    final = df.final_stage
    commands = df.instructions_named("CMD", "ENTRYPOINT", stage=final.index)
    if not commands:
        wanted = (
            f"`CMD {options['command']}` {FROM_CONFIG}"
            if options["command"]
            else "an exec-form CMD that starts the server"
        )
        yield _problem(
            df,
            final.line,
            f"the final stage (FROM on line {final.line}) has no CMD or ENTRYPOINT: expected "
            + wanted,
        )
    for ins in commands:
        if not parse_command(ins.name, ins.value, ins.line).exec_form:
            yield _problem(
                df,
                ins.line,
                f"{ins.name} is in shell form ({ins.value.strip()!r}): expected exec form, "
                "a JSON list, so the server is PID 1 and receives SIGTERM",
            )


@rule("DF008", target="dockerfile", options={"port": int})
def expose_present(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final stage EXPOSEs the port it listens on (ENV PORT when set).

    Option ``port``: the port the message suggests (say 10000, Render's default).
    Pass: ``ENV PORT=10000`` and ``EXPOSE 10000``
    Fail: no EXPOSE, or ``ENV PORT=10000`` with ``EXPOSE 8000``
    """
    final = df.final_stage
    ports = {port.partition("/")[0] for port, _ in df.exposes}
    if not ports:
        port = options["port"]
        suggested = f" ({port} {FROM_CONFIG})" if port else ""
        yield _problem(
            df,
            final.line,
            f"the final stage (FROM on line {final.line}) has no EXPOSE: expected the port "
            f"the server binds{suggested}",
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
