"""Dockerfile rules for running a service (DF001-DF008) and ``check``, which runs every DF rule.

On by default, they hold for any Dockerfile, at levels that mean something: an error when the
build or the deploy fails or the image runs as root, a warning when something is likely wrong
(an unpinned base, dependencies installed after the code, a shell-form CMD), info for advice.
A HEALTHCHECK, its start period and an EXPOSE (DF005, DF006, DF008) are conventions, not
defects (Render probes the service itself and never runs Docker's HEALTHCHECK; distroless has
no shell for one): they are opt-in, turned on by a config that gives them a level. Only the
target stage runs, so the runtime rules follow it through the stages it builds on
(``FROM base``) and ignore builder and export stages. What one project wants on top (its base
image family, its health path, its code folders) comes from its config as rule options, and
the messages say so. ``dockerfile_user`` holds DF004, ``dockerfile_hygiene`` DF009 on;
hadolint covers style.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from fnmatch import fnmatch
from typing import Any

from deploycheck import registry
from deploycheck.findings import FROM_CONFIG, Finding, Level, Problem
from deploycheck.registry import Settings, rule
from deploycheck.targets.dockerfile import Copy, Dockerfile, command_of
from deploycheck.targets.image_ref import ImageRef
from deploycheck.targets.installs import MANIFESTS, Install, Installs
from deploycheck.targets.stage_graph import is_export_stage

_VERSION = re.compile(r"^(?P<version>\d+(?:\.\d+)*)(?P<variant>.*)$")
# No image tag is an upper-case phrase; that is a note to the builder (gotify's Dockerfile).
_PLACEHOLDER = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|<[^<>]+>|(?i:change_?me|replace_?me)")
_CODE_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".rb", ".php", ".sh")


def _problem(df: Dockerfile, line: int | None, message: str, level: Level | None = None) -> Problem:
    return Problem(df.display_path, line, message, level=level)


def _origin(df: Dockerfile, stage_index: int) -> str:
    """How the message should name where a stage's base came from."""
    stage = df.stages[stage_index]
    sources = df.base_variables(stage)
    if not sources:
        return f"FROM on line {stage.line}"
    arg = sources[-1]
    return f"FROM on line {stage.line}, default of ARG {arg.name} on line {arg.line}"


def _placeholder(value: str | None) -> bool:
    """An ARG default meant to be overridden: ``PLEASE_PROVIDE_GO_VERSION``, ``<tag>``."""
    return bool(value) and bool(_PLACEHOLDER.fullmatch(value or ""))


@rule("DF001", target="dockerfile", level=Level.WARNING)
def base_image_pinned(df: Dockerfile) -> Iterator[Problem]:
    """Every base image names a tag (or digest) that is not ``latest``.

    A warning: an unpinned base builds today and changes under you tomorrow (likely wrong,
    not a failure); a base that resolves to nothing is an error, as ``docker build`` refuses
    it. A stage built on an earlier stage (``FROM builder``) is judged by that stage's image;
    ``FROM scratch`` needs no tag; a base that depends on a build argument with no default is
    only known at build time and is left alone; so is a stage chosen per platform
    (``FROM base-${TARGETARCH}``, judged by the stage it names for amd64). An ARG default that
    is a placeholder to override (``ARG GO_VERSION=PLEASE_PROVIDE_GO_VERSION``) is a warning
    saying to pass ``--build-arg``.
    Pass: ``ARG PYTHON_IMAGE=python:3.11-slim-bookworm`` + ``FROM ${PYTHON_IMAGE}``
    Fail: ``FROM python``, ``FROM python:latest`` or ``FROM localhost:5000/python``
    """
    for stage in df.stages:
        if stage.parent is not None or stage.base is None:
            continue
        where = _origin(df, stage.index)
        placeholder = next((v for v in df.base_variables(stage) if _placeholder(v.value)), None)
        if placeholder is not None:
            yield _problem(
                df,
                stage.line,
                f"base image {stage.base!r} ({where}) holds the placeholder "
                f"{placeholder.value!r}: pass --build-arg {placeholder.name}=... when building",
            )
            continue
        ref = ImageRef.parse(stage.base)
        level = None
        if not stage.base:
            message = f"base image resolves to nothing ({where}): give the ARG a default"
            level = Level.ERROR
        elif not ref.pinned:
            message = (
                f"base image {stage.base!r} ({where}) is not pinned: expected an explicit "
                "version tag or a digest, found " + ("no tag" if not ref.tag else "'latest'")
            )
        else:
            continue
        yield _problem(df, stage.line, message, level)


def _family(base: str) -> tuple[set[str], re.Pattern[str]]:
    """Repositories and tag pattern of ``base``'s family: ``python:3.11-slim-bookworm`` admits
    ``docker.io/library/python:3.11.9-slim-bookworm`` (a patch pin) but not ``3.12-slim``."""
    ref = ImageRef.parse(base)
    names = {ref.repository}
    if "/" not in ref.repository:
        names |= {f"library/{ref.repository}", f"docker.io/library/{ref.repository}"}
    match = _VERSION.match(ref.tag or "")
    if match is None:
        return names, re.compile(re.escape(ref.tag or "latest"))
    version, variant = match["version"], match["variant"]
    return names, re.compile(rf"{re.escape(version)}(\.\d+)?{re.escape(variant)}")


@rule("DF002", target="dockerfile", options={"base": str})
def base_image_family(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final image is built on the configured base image family (option ``base``).

    The image is found through the stages the final one builds on. Without ``base`` nothing is
    required. With ``base: python:3.11-slim-bookworm``:
    Pass: ``FROM python:3.11-slim-bookworm`` (or ``python:3.11.9-slim-bookworm``)
    Fail: ``FROM python:3.11`` (the ~1 GB full image) or ``FROM python:3.12-slim``
    """
    base = options["base"]
    stage = df.root()
    if not base or stage.base is None:
        return
    ref = ImageRef.parse(stage.base)
    names, tags = _family(base)
    if ref.repository in names and ref.tag and tags.fullmatch(ref.tag):
        return
    yield _problem(
        df,
        stage.line,
        f"final image is based on {stage.base!r} ({_origin(df, stage.index)}): expected the "
        f"{base} family {FROM_CONFIG}",
    )


def _is_code(source: str, code: frozenset[str] = frozenset()) -> bool:
    """Whether a COPY source brings in code (``.``, a folder, a script, a configured name),
    not a manifest."""
    path = source.removeprefix("./")
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if path in {"", ".", "*"} or path.strip("/").split("/")[0] in code:
        return True
    if "://" in path or path.startswith("git@") or MANIFESTS.fullmatch(name):
        return False
    return path.endswith("/") or name.endswith(_CODE_SUFFIXES) or "." not in name


def _brings(copy: Copy, wanted: str) -> bool:
    """Whether ``copy`` puts the context file ``wanted`` (as an install names it) in the image."""
    name = wanted.rsplit("/", 1)[-1]
    for source in copy.sources:
        path = source.removeprefix("./").rstrip("/")
        base = path.rsplit("/", 1)[-1]
        if path in {"", ".", "*"} or base == name or fnmatch(name, base):
            return True
        if wanted.removeprefix("./").startswith(path + "/"):
            return True
    return False


def _may_hold(copy: Copy) -> bool:
    """Whether a COPY may bring in more than its names say: a folder or a glob."""
    return any(
        s.endswith("/") or "." not in s.rsplit("/", 1)[-1] or any(c in s for c in "*?[$")
        for s in copy.sources
    )


def _available(df: Dockerfile, install: Install, wanted: str) -> bool:
    stage = df.stages[install.run.stage]
    earlier = [
        c
        for s in df.chain(stage)
        for c in df.copies_in(s)
        if c.stage != stage.index or c.line < install.line
    ]
    if any(_brings(c, wanted) or _may_hold(c) for c in earlier):
        return True
    name = wanted.rsplit("/", 1)[-1]
    # A bind mount of the context, or a file an earlier RUN wrote (``poetry export > ...``).
    runs = [i for i in df.inherited("RUN", stage=stage) if i.line <= install.line]
    return any(name in " ".join(run.flag_values("mount")) for run in runs) or any(
        name in run.script for run in runs if run.line < install.line
    )


@rule(
    "DF003",
    target="dockerfile",
    level=Level.WARNING,
    options={"code": ["."], "requirements": "requirements.txt", "required": False},
)
def requirements_before_code(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Dependencies are installed from their manifest before any code is copied (per stage).

    Judged for pip/uv requirement files, ``uv sync``, poetry, pipenv and npm/yarn/pnpm: code is
    ``.``, a source folder or a script; manifests are requirements*.txt, pyproject.toml, the
    lock files and package.json. Code first is a warning (the build works, every code change
    reinstalls every dependency); a requirement file that no earlier COPY, bind mount or RUN
    can have brought in is an error (the install fails); after a COPY of a folder that may hold
    it, nothing is said.
    Options: ``code``, more sources that count as code; ``required``, whether a Dockerfile
    without a ``pip install -r`` of ``requirements`` is itself a finding (default false).
    Pass: ``COPY requirements.txt .`` / ``RUN pip install -r requirements.txt`` / ``COPY . .``
    Fail: ``COPY src/ src/`` before ``RUN pip install -r requirements.txt`` (every code change
    would reinstall every dependency)
    """
    installs = Installs(df)
    code_names = frozenset(str(c).strip("/") for c in options["code"])
    name = options["requirements"]
    if options["required"] and not any(name in i.requirement_files for i in installs.all()):
        yield _problem(
            df,
            df.final_stage.line,
            f"expected `RUN pip install -r {name}` before the code is copied {FROM_CONFIG}, "
            "found none",
            Level.ERROR,
        )
    for stage in df.stages:
        first = next((i for i in installs.in_stage(stage) if i.from_manifest), None)
        if first is None:
            continue
        for wanted in first.requirement_files:
            if not _available(df, first, wanted):
                yield _problem(
                    df,
                    first.line,
                    f"{first.tool} installs {wanted} on line {first.line} but no earlier COPY "
                    f"brings it in: expected `COPY {wanted} .` right before the install",
                    Level.ERROR,
                )
        code = next(
            (
                c
                for c in df.copies_in(stage)
                if c.line < first.line
                and "from" not in c.flags
                and any(_is_code(s, code_names) for s in c.sources)
            ),
            None,
        )
        if code is not None:
            yield _problem(
                df,
                code.line,
                f"code is copied on line {code.line} ({' '.join(code.sources)}), before the "
                f"{first.tool} dependency install on line {first.line}: expected only the "
                "manifests before the install and the code after it, so a code change does not "
                "rebuild the dependency layer",
            )


@rule("DF005", target="dockerfile", options={"path": str}, enabled=False)
def healthcheck_probes_path(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final image has a HEALTHCHECK (inherited through its stages counts).

    Opt-in: a convention, not a defect. Render probes the service itself (``healthCheckPath``
    or an open port) and never runs Docker's HEALTHCHECK, and a distroless image has no shell
    or curl for one; a project that wants it turns it on with a level (``DF005: error``).

    Option ``path`` (say render.yaml's healthCheckPath): the probe must be a real one
    requesting it. Without it ``HEALTHCHECK NONE`` is an explicit choice and any probe will do.
    Pass: ``HEALTHCHECK CMD ["python", "-m", "app.healthcheck", "/health"]``
    Fail: no HEALTHCHECK, or (with a path) ``HEALTHCHECK NONE`` or a probe of ``/healthz``
    """
    health_path = options["path"]
    hc = df.healthcheck
    if hc is None:
        final = df.final_stage
        wanted = f"probing {health_path} {FROM_CONFIG} " if health_path else ""
        yield _problem(
            df,
            final.line,
            f"the final image (FROM on line {final.line}) has no HEALTHCHECK: expected one "
            f"{wanted}so a hung app is restarted",
        )
    elif not health_path:
        return
    elif hc.disabled or hc.command is None:
        yield _problem(
            df, hc.line, f"HEALTHCHECK is disabled: expected a probe of {health_path} {FROM_CONFIG}"
        )
    elif health_path not in hc.probed_paths:
        yield _problem(
            df,
            hc.line,
            f"HEALTHCHECK probes {list(hc.command.argv)}: expected it to request {health_path} "
            f"{FROM_CONFIG}",
        )


@rule("DF006", target="dockerfile", options={"start_period": str}, enabled=False)
def healthcheck_start_period(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The HEALTHCHECK gives the app a ``--start-period`` to boot and migrate.

    Opt-in, like DF005: a Docker HEALTHCHECK setting that Render never uses.

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


def _no_command(df: Dockerfile, command: str | None) -> Problem:
    final = df.final_stage
    base = df.root().base
    where = f"the final image (FROM on line {final.line})"
    if command:
        return _problem(
            df,
            final.line,
            f"{where} has no CMD or ENTRYPOINT: expected `CMD {command}` {FROM_CONFIG}",
        )
    if base == "scratch":
        return _problem(
            df, final.line, f"{where} is built FROM scratch and has no CMD or ENTRYPOINT to run"
        )
    return _problem(
        df,
        final.line,
        f"{where} sets no CMD or ENTRYPOINT, so it runs whatever its base image "
        f"{base or df.root().base_as_written!r} runs: expected an exec-form CMD unless that "
        "is the server",
        Level.WARNING,
    )


@rule("DF007", target="dockerfile", options={"command": str})
def exec_form_command(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final image has a CMD or ENTRYPOINT, each in exec (JSON) form.

    Only the command the target stage runs counts (a builder stage's shell-form ENTRYPOINT is
    fine, and an export stage, ``FROM scratch`` with files only, runs nothing). Shell form is a
    warning: /bin/sh may be PID 1 and swallow SIGTERM, yet many shells exec a lone command and
    ``CMD exec server`` is fine (not reported). It is an error when the image has no /bin/sh
    (scratch, distroless, Chainguard): the container cannot start. A shell-form
    ``HEALTHCHECK CMD`` is a warning: it needs /bin/sh and starts a shell on every probe.
    Pass: ``CMD ["gunicorn", "--config", "gunicorn.conf.py"]`` (gunicorn is PID 1 and gets
    SIGTERM)
    Fail: ``CMD gunicorn --config gunicorn.conf.py`` (/bin/sh is PID 1 and swallows SIGTERM)
    No command at all is an error when the image is ``scratch`` or the config names the
    command; otherwise it is a warning, as the base image may supply one (``FROM nginx:1.27``).
    Option ``command``: the exec-form CMD the message suggests when there is none.
    """
    if is_export_stage(df):
        return
    base = df.root().base
    no_shell = base is not None and ImageRef.parse(base).shell_free
    effective = [df.inherited(name)[-1:] for name in ("ENTRYPOINT", "CMD")]
    commands = [ins for found in effective for ins in found]
    if df.cmd is None and commands and commands[-1].name == "CMD":
        commands.pop()  # an inherited CMD reset by a later ENTRYPOINT
    if not commands:
        yield _no_command(df, options["command"])
    for ins in sorted(commands, key=lambda i: i.line):
        if command_of(ins).exec_form:
            continue
        if no_shell:
            yield _problem(
                df,
                ins.line,
                f"{ins.name} is in shell form ({ins.value.strip()!r}) but the image {base!r} "
                "has no /bin/sh, so the container cannot start: expected exec form, a JSON list",
            )
        elif not ins.value.strip().startswith("exec "):
            yield _problem(
                df,
                ins.line,
                f"{ins.name} is in shell form ({ins.value.strip()!r}): expected exec form, "
                "a JSON list, so the server is PID 1 and receives SIGTERM",
                Level.WARNING,
            )
    hc = df.healthcheck
    if hc is not None and hc.command is not None and not hc.command.exec_form:
        yield _problem(
            df,
            hc.line,
            f"HEALTHCHECK CMD is in shell form ({hc.command.argv[-1]!r}): expected exec form, "
            "so the probe needs no /bin/sh in the image",
            Level.WARNING,
        )


@rule("DF008", target="dockerfile", options={"port": int}, enabled=False)
def expose_present(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final image EXPOSEs the port it listens on (ENV PORT when set).

    Opt-in: EXPOSE is documentation; Render finds the port the service binds (or reads
    ``PORT``), so an image without one deploys all the same.

    Pass: ``ENV PORT=10000`` and ``EXPOSE 10000``
    Fail: no EXPOSE, or ``ENV PORT=10000`` with ``EXPOSE 8000``
    Option ``port``: the port the message suggests (say 10000, Render's default).
    """
    final = df.final_stage
    ports = {port.partition("/")[0] for port, _ in df.exposes}
    if not ports:
        yield _problem(
            df,
            final.line,
            f"the final image (FROM on line {final.line}) has no EXPOSE: expected the port "
            "the server binds" + (f" ({options['port']} {FROM_CONFIG})" if options["port"] else ""),
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
    """Every DF rule enabled in ``settings``, sorted by place."""
    return registry.run("dockerfile", df, settings)
