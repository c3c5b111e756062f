"""Dockerfile rules for the base image and the layer order (DF001-DF003) and ``check``, which
runs every DF rule.

On by default, they hold for any Dockerfile, at levels that mean something: an error when the
build or the deploy fails or the image runs as root, a warning when something is likely wrong
(an unpinned base, dependencies installed after the code, a shell-form CMD), info for advice.
A HEALTHCHECK, its start period and an EXPOSE (DF005, DF006, DF008) are conventions, not
defects (Render probes the service itself and never runs Docker's HEALTHCHECK; distroless has
no shell for one): they are opt-in, turned on by a config that gives them a level. Only the
target stage runs, so the runtime rules follow it through the stages it builds on
(``FROM base``) and ignore builder and export stages. What one project wants on top (its base
image family, its health path, its code folders) comes from its config as rule options, and
the messages say so. ``dockerfile_user`` holds DF004, ``dockerfile_runtime`` what the image
runs (DF005-DF008), ``dockerfile_hygiene`` DF009 on; hadolint covers style.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from fnmatch import fnmatch
from typing import Any

from deploycheck import registry
from deploycheck.findings import FROM_CONFIG, Finding, Level, Problem
from deploycheck.registry import Settings, rule
from deploycheck.targets.dockerfile import Copy, Dockerfile
from deploycheck.targets.image_ref import ImageRef
from deploycheck.targets.installs import MANIFESTS, Install, Installs

_VERSION = re.compile(r"^(?P<version>\d+(?:\.\d+)*)(?P<variant>.*)$")
# No image tag is an upper-case phrase; that is a note to the builder (gotify's Dockerfile).
_PLACEHOLDER = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|<[^<>]+>|(?i:change_?me|replace_?me)")
_CODE_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".rb", ".php", ".sh")


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
            yield df.problem(
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
        yield df.problem(stage.line, message, level)


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
    yield df.problem(
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
        yield df.problem(
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
                yield df.problem(
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
            yield df.problem(
                code.line,
                f"code is copied on line {code.line} ({' '.join(code.sources)}), before the "
                f"{first.tool} dependency install on line {first.line}: expected only the "
                "manifests before the install and the code after it, so a code change does not "
                "rebuild the dependency layer",
            )


def check(df: Dockerfile, settings: Settings | None = None) -> list[Finding]:
    """Every DF rule enabled in ``settings``, sorted by place."""
    return registry.run("dockerfile", df, settings)
