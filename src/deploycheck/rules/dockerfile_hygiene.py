"""Dockerfile hygiene rules (DF009-DF019): what must never go into the build or its layers.

No registry-bound syntax directive, no literal secrets, no build secret copied into a layer,
no unverified remote fetches or piped installers, no floating versions, no pip cache. Each
rule's docstring starts with a summary line, then a passing and a failing example;
``dockerfile_rules.check`` runs these together with DF001-DF008.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath

from deploycheck.findings import Level, Problem
from deploycheck.registry import rule
from deploycheck.secret_names import is_secret_name
from deploycheck.secret_values import literal_secret
from deploycheck.targets.dockerfile import Dockerfile
from deploycheck.targets.installs import Install, Installs
from deploycheck.targets.run_scripts import leaked_secrets, piped_downloads
from deploycheck.targets.stage_graph import copies_of, shipped_stages

_LATEST = re.compile(r"[:@=]latest\b")
_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://|git@)")
# What ADD unpacks (docker docs: identity, gzip, bzip2, xz); the archive is the reason for ADD.
# Where pip and uv keep their caches when run as root (their default, ~/.cache).
_CACHE_HOMES = (PurePosixPath("/root/.cache/pip"), PurePosixPath("/root/.cache/uv"))
_ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz")


@rule("DF009", target="dockerfile", enabled=False)
def no_syntax_directive(df: Dockerfile) -> Iterator[Problem]:
    """No ``# syntax=`` parser directive: fetching the frontend image needs a registry.

    Pass: a Dockerfile whose first line is an ordinary comment or instruction
    Fail: ``# syntax=docker/dockerfile:1`` on line 1 (air-gapped builds fail at once)
    """
    if "syntax" in df.directives:
        value, line = df.directives["syntax"]
        yield df.problem(
            line,
            f"`# syntax={value}` makes BuildKit pull a frontend image from a registry: "
            "expected no syntax directive (the built-in frontend is enough)",
        )


def _shipped_stages(df: Dockerfile) -> set[int]:
    """Stages whose ENV and ARG reach the final image: the final stage and those it builds on."""
    return {stage.index for stage in df.chain()} if df.stages else set()


def _why_secret(name: str, value: str, shipped: bool) -> str | None:
    """Why ``name=value`` is a committed credential, or None (:mod:`deploycheck.secret_values`).

    In a stage that reaches the final image a secret's name with any value that can be one
    counts; in a builder stage (a ``localhost`` DATABASE_URL with the default password, for
    its tests) only a value that looks like a secret does, since nothing else ships.
    """
    reason = literal_secret(name, value, shipped=shipped)
    if reason is None:
        return None
    where = "in the final image's config and history" if shipped else "committed to git"
    return f"{reason}, {where}"


@rule("DF010", target="dockerfile")
def no_secrets_in_env_or_arg(df: Dockerfile) -> Iterator[Problem]:
    """No ENV or ARG carries a literal credential; values are never echoed in the message.

    Pass: ``ENV PIP_NO_CACHE_DIR=1``, ``ARG VCS_REF=<commit sha>``, ``ENV SSH_KEY_PATH=/run/...``,
    ``ENV GOOGLE_API_KEY=no``, ``ENV AUTH0_TOKEN_SIGN_ALG=RS256``, ``ENV API_KEY=${API_KEY}``,
    a bare ``ARG SENTRY_DSN`` filled at build time (DF016 warns about that one), or
    a ``localhost`` DATABASE_URL with the default ``postgres`` password in a builder stage
    Fail: ``ENV FLASK_SECRET_KEY=dev-secret-key`` in the final stage, a DATABASE_URL with a
    password for a real host, or ``ENV UPLOAD_SALT=x7Gh2Kq9LmN4pR8sT1vW3yZ6`` in any stage
    """
    shipped = _shipped_stages(df)
    for var in df.variables:
        if not var.is_literal:
            continue
        why = _why_secret(var.name, var.value or "", var.stage in shipped)
        if why is None:
            continue
        yield df.problem(
            var.line,
            f"{var.kind} {var.name} sets a literal value and {why}: secrets belong in the "
            "platform's secret store, never in the Dockerfile or image layers",
        )


def _urls(sources: Iterable[str]) -> list[str]:
    return [s for s in sources if _URL.match(s)]


@rule("DF011", target="dockerfile", level=Level.WARNING)
def no_add_of_urls(df: Dockerfile) -> Iterator[Problem]:
    """ADD never fetches a remote URL or a git repository unverified.

    A warning, like DF019: the build runs whatever the host serves that day (likely wrong, but
    common and often deliberate, as with a pinned release URL). ``ADD --checksum=sha256:...``
    is verified by BuildKit, so it is only info (the build still needs the network). Quoted
    sources and flags (``ADD --keep-git-dir=true "https://host/r.git#v1" /src``) count.
    Pass: ``COPY gunicorn.conf.py .``
    Fail: ``ADD https://example.com/tool.tar.gz /opt/`` or ``ADD git@github.com:o/r.git /src``
    """
    for copy in df.copies:
        if copy.instruction == "ADD" and (urls := _urls(copy.sources)):
            checked = "checksum" in copy.flags
            yield df.problem(
                copy.line,
                f"ADD downloads {', '.join(urls)}"
                + (
                    " (checksum-verified, but the build depends on that host)"
                    if checked
                    else " unverified"
                )
                + ": expected no remote fetch at build time; vendor the file, install it from "
                "a pinned package, or at least pin it with --checksum=sha256:...",
                Level.INFO if checked else None,
            )


@rule("DF012", target="dockerfile", level=Level.WARNING)
def copy_not_add(df: Dockerfile) -> Iterator[Problem]:
    """Local files are brought in with COPY, not ADD; a local archive ADD unpacks is fine.

    Pass: ``COPY gunicorn.conf.py .`` or ``ADD rootfs.tar.gz /`` (auto-extraction is the point)
    Fail: ``ADD gunicorn.conf.py .``
    """
    for copy in df.copies:
        if copy.instruction != "ADD" or _urls(copy.sources):
            continue
        if copy.sources and all(s.lower().endswith(_ARCHIVES) for s in copy.sources):
            continue
        yield df.problem(copy.line, "ADD of local files: expected COPY, which does not unpack")


@rule("DF013", target="dockerfile", level=Level.WARNING)
def no_latest(df: Dockerfile) -> Iterator[Problem]:
    """Nothing outside FROM (DF001 checks FROM) refers to a ``latest`` tag or version.

    A warning, like DF001: the build works, but does not repeat.

    Pass: ``ARG PYTHON_IMAGE=python:3.11-slim-bookworm``
    Fail: ``ARG PYTHON_IMAGE=python:latest`` or ``COPY --from=tool:latest /bin/x /bin/x``
    """
    for ins in df.instructions:
        if ins.name != "FROM" and _LATEST.search(ins.value):
            yield df.problem(
                ins.line,
                f"{ins.name} refers to 'latest': expected a pinned version so builds repeat",
            )


def _cache_ships(df: Dockerfile, install: Install, shipped: set[int]) -> bool:
    """Whether the files ``install``'s stage leaves in its home's cache reach the image: it is
    a ``shipped`` stage, or a shipped stage copies a folder holding the cache from it."""
    stage = df.stages[install.run.stage]
    if stage.index in shipped:
        return True
    for _, sources in copies_of(df, stage):
        for source in sources:
            path = PurePosixPath("/" + source.strip().lstrip("/"))
            if any(path == home or path in home.parents for home in _CACHE_HOMES):
                return True
            if path.parts[:2] == ("/", "home"):
                return True
    return False


@rule("DF014", target="dockerfile", level=Level.WARNING)
def pip_without_cache(df: Dockerfile) -> Iterator[Problem]:
    """Every pip (or ``uv pip``) install keeps its download cache out of the image.

    A warning: the cache is tens of MB of dead weight, not a failure. Any of:
    ``--no-cache-dir`` (uv: ``--no-cache``), ``PIP_NO_CACHE_DIR=1`` (uv:
    ``UV_NO_CACHE=1``) before the command, exported, or in the stage's ENV (inherited through
    ``FROM base``, never from an unrelated stage), or ``RUN --mount=type=cache``. An install
    in a builder stage is fine unless the image copies that stage's whole filesystem or the
    home folder holding the cache (``COPY --from=builder / /``).
    Pass: ``RUN pip install --no-cache-dir -r requirements.txt``
    Fail: ``RUN pip install -r requirements.txt`` with no PIP_NO_CACHE_DIR set (the wheel
    cache, tens of MB, stays in the layer)
    """
    seen: set[int] = set()
    shipped = shipped_stages(df)
    for install in Installs(df).all():
        if install.caches and install.line not in seen and _cache_ships(df, install, shipped):
            seen.add(install.line)
            flag = "--no-cache" if install.tool == "uv" else "--no-cache-dir"
            yield df.problem(
                install.line,
                f"{install.tool} install keeps its cache in the layer: expected {flag}, "
                "the cache-off variable before it, or RUN --mount=type=cache",
            )


@rule("DF015", target="dockerfile", level=Level.WARNING)
def utf8_text(df: Dockerfile) -> Iterator[Problem]:
    """The Dockerfile is UTF-8 text (Docker reads bytes, every editor and tool reads UTF-8).

    Pass: any UTF-8 file, with or without a BOM
    Fail: a Latin-1 ``LABEL maintainer="Jos\\xe9"``
    """
    if df.encoding_problem is not None:
        line, problem = df.encoding_problem
        yield df.problem(
            line,
            f"{problem}: expected UTF-8 (the rest was read with replacement characters)",
        )


@rule("DF016", target="dockerfile", level=Level.WARNING)
def no_secret_build_args(df: Dockerfile) -> Iterator[Problem]:
    """No ARG of the final image is meant to carry a secret, even without a default.

    ``docker build --build-arg`` values are recorded in the image history for anyone who pulls
    the image; BuildKit secret mounts are not. An ARG of a builder stage stays in that stage's
    history, which does not ship, so it is only advice (info).
    Pass: ``RUN --mount=type=secret,id=pip_token pip install ...``
    Fail: ``ARG PIP_TOKEN`` (filled with ``--build-arg PIP_TOKEN=...``)
    """
    shipped = _shipped_stages(df)
    for var in df.variables:
        if var.kind == "ARG" and var.value is None and is_secret_name(var.name):
            in_final = var.stage in shipped
            yield df.problem(
                var.line,
                f"ARG {var.name} would carry a secret into "
                + ("the image history" if in_final else "the builder stage's cache")
                + ": expected RUN --mount=type=secret,id=... for build-time secrets",
                None if in_final else Level.INFO,
            )


@rule("DF017", target="dockerfile")
def known_instructions(df: Dockerfile) -> Iterator[Problem]:
    """Every instruction is one Docker knows (a typo stops ``docker build`` there).

    Pass: ``RUN pip install -r requirements.txt``
    Fail: ``RUNN pip install -r requirements.txt``
    """
    for ins in df.unknown_instructions:
        yield df.problem(
            ins.line,
            f"unknown instruction {ins.name}: docker build refuses it; expected one of "
            "RUN, COPY, ENV, ... (https://docs.docker.com/reference/dockerfile/)",
        )


@rule("DF018", target="dockerfile")
def build_secret_kept(df: Dockerfile) -> Iterator[Problem]:
    """A build secret mounted into a RUN is never copied into a file the layer keeps.

    An error: the secret mount exists to keep the secret out of the image, and the copy puts
    it in a layer anyone who pulls the image can read. A copy the same RUN removes is fine.
    Pass: ``RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci``
    Fail: ``RUN --mount=type=secret,id=k cp /run/secrets/k .`` or
    ``RUN --mount=type=secret,id=k cat /run/secrets/k > /app/.env``
    """
    for run in df.instructions_named("RUN"):
        for mount, target in leaked_secrets(run):
            yield df.problem(
                run.line,
                f"RUN writes build secret {mount.id!r} to {target}, which stays in the layer: "
                "expected the secret used where it is mounted, or the copy removed in the same "
                "RUN",
            )


@rule("DF019", target="dockerfile", level=Level.WARNING)
def no_piped_download(df: Dockerfile) -> Iterator[Problem]:
    """No RUN pipes a download straight into a shell or interpreter.

    A warning, not an error: ``curl ... | sh`` runs whatever the server sends that day, with
    no checksum, yet installers document it (rustup, nvm, Poetry) and projects choose it on
    purpose; verify a pinned download instead where it matters.
    Pass: ``RUN curl -fsSLO https://host/tool.tgz && echo "<sha256>  tool.tgz" | sha256sum -c``
    Fail: ``RUN curl -fsSL https://host/install.sh | sh`` or ``wget -O- URL | bash``
    """
    for run in df.instructions_named("RUN"):
        for text in piped_downloads(run):
            yield df.problem(
                run.line,
                f"RUN pipes a download into a shell ({text!r}): the build runs unverified code; "
                "expected a pinned download checked with sha256sum before it runs",
            )
