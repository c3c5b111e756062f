"""Rules over a built image: size, user, health check, wasted space, leaked files and secrets.

Each rule is a function over plain facts (:mod:`deploycheck.targets.image`) that yields findings;
the container suite runs them on the real image and on deliberately broken builds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from deploycheck.findings import Level, Problem
from deploycheck.registry import implements, rule
from deploycheck.secret_files import PRIVATE_KEY, secret_file_kind
from deploycheck.secret_text import secret_in_text
from deploycheck.secret_values import literal_secret, redact
from deploycheck.targets.image import BuildResult, FileEntry, Image, Layer, LayerFile, Process

MB = 1_000_000
APP_DIR = "/app"
WRITABLE_DIRS = ("/app/logs",)

# Space wasters, by kind: caches a build should not leave behind and tools it should not ship.
WASTE = {
    "pip cache": re.compile(r"/\.cache/pip/"),
    "apt lists": re.compile(r"^/var/lib/apt/lists/[^/]+_[^/]+$"),
    "apt archives": re.compile(r"^/var/cache/apt/archives/.+\.deb$"),
    "build tools": re.compile(r"^/usr/(local/)?bin/(gcc|g\+\+|cc|c\+\+|make|clang)(-[\d.]+)?$"),
}
# Trees package managers fill: their RECORD hashes and vendored test keys are not ours to judge.
PACKAGE_TREES = re.compile(
    r"/(site|dist)-packages/|/node_modules/|^/usr/(share|lib|include)/|^/var/lib/"
)
# Files a COPY or ADD brings from the build context are the repository's, which the
# detect-secrets scan (SEC001) reads with its baseline; the layers to read are those a command
# wrote at build time, which no repository scan sees.
_FROM_CONTEXT = ("COPY ", "ADD file:", "ADD dir:", "ADD multi:")
# PEP 3147: __pycache__/<source name>.<cache tag>[.opt-N].pyc; the tag (cpython-311, pypy310)
# has no dot and ends in the version, the source name may have dots (gunicorn.conf.py ->
# gunicorn.conf.cpython-311.pyc).
PYC = re.compile(r"^(?P<dir>.*)/__pycache__/(?P<module>[^/]+?)\.[A-Za-z_]+-?\d+(\.opt-\d+)?\.pyc$")

# scripts/provision-images labels every stand-in with the hash of its recipe; the label stays
# whatever name the image is later tagged or pushed under.
STANDIN_LABEL = "io.deploycheck.standin.recipe"
DOCKER_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})


@dataclass(frozen=True)
class SizeBudget:
    """What the app's layers may add to the base image and, optionally, what the whole image
    may weigh. The added part is what this project controls; a stand-in base built offline is
    not what ships, so only on the official base does a total make sense."""

    added_megabytes: float
    base: Image
    total_megabytes: float | None = None


def is_official_python(ref: str, labels: Mapping[str, str] | None) -> bool:
    """True for Docker Hub's ``python`` image, by its short name or from a registry that
    mirrors Docker Hub's ``library/`` namespace (``127.0.0.1:5000/library/python:3.11-slim``,
    ``mirror.gcr.io/library/python@sha256:...``); never for a stand-in, whatever its name."""
    if labels and STANDIN_LABEL in labels:
        return False
    name = ref.partition("@")[0]
    first, slash, rest = name.partition("/")
    # As docker reads a reference: a first component with a dot or a port is a registry.
    if slash and ("." in first or ":" in first or first == "localhost"):
        path = rest
        official_paths = {"library/python"} | ({"python"} if first in DOCKER_HUB_HOSTS else set())
    else:
        path, official_paths = name, {"python", "library/python"}
    repository = path.rpartition(":")[0] if ":" in path else path
    return repository in official_paths


@rule("IMG001", target="image")
def check_size(image: Image, budget: SizeBudget) -> Iterator[Problem]:
    """The image fits its size budget.

    pass: 118 MB added to the base with a 150 MB budget. fail: 1.1 GB added (build tools, a
    full scientific stack) with 150 MB.
    """
    added = image.size - budget.base.size
    if added > budget.added_megabytes * MB:
        yield Problem(
            image.ref,
            None,
            f"the app adds {added / MB:.1f} MB to {budget.base.ref}, over the "
            f"{budget.added_megabytes:g} MB budget; largest layers: {_largest(image.layers)}",
        )
    if budget.total_megabytes is not None and image.size > budget.total_megabytes * MB:
        yield Problem(
            image.ref,
            None,
            f"the image is {image.size / MB:.1f} MB in all, over the "
            f"{budget.total_megabytes:g} MB total budget; largest layers: {_largest(image.layers)}",
        )


@rule("IMG002", target="image")
def check_user(image: Image) -> Iterator[Problem]:
    """The image config runs as a named user that is not root.

    pass: ``User: appuser``. fail: ``User: ""`` (root by default), ``root``, ``0``, ``0:0``.
    """
    user = image.user.split(":", 1)[0]
    if user in ("", "root", "0"):
        shown = image.user or "unset (root)"
        yield Problem(image.ref, None, f"image runs as root: config User is {shown}")


@implements("IMG002")
def check_runtime_user(where: str, uid: int, processes: Sequence[Process]) -> Iterator[Problem]:
    """At run time: ``id -u`` in the container is not 0 and every process shares it.

    pass: uid 10001 for gunicorn's master and workers. fail: uid 0 (``USER root``).
    """
    if uid == 0:
        yield Problem(where, None, "running container runs as root: id -u is 0")
    for process in processes:
        if process.uid != uid:
            yield Problem(
                where,
                None,
                f"process {process.pid} ({process.command[:60]}) runs as uid {process.uid}, "
                f"not the container user's uid {uid}",
            )


@rule("IMG003", target="image")
def check_healthcheck(image: Image, path: str = "/health") -> Iterator[Problem]:
    """The image config has a HEALTHCHECK that probes ``path`` with a start period.

    pass: ``CMD python -m app.healthcheck /health``, StartPeriod 40s. fail: none or ``NONE``.
    """
    health = image.healthcheck or {}
    test = health.get("Test") or []
    if not test or test[0] == "NONE":
        yield Problem(image.ref, None, "image has no HEALTHCHECK")
        return
    if not any(path in part for part in test[1:]):
        yield Problem(image.ref, None, f"HEALTHCHECK {test[1:]} does not probe {path}")
    if not health.get("StartPeriod"):
        yield Problem(image.ref, None, "HEALTHCHECK has no start period")


@rule("IMG004", target="image")
def check_wasted_space(image: Image, files: Sequence[FileEntry]) -> Iterator[Problem]:
    """No caches, package lists, build tools or orphan bytecode in the image.

    pass: ``pip install --no-cache-dir``. fail: ``pip install`` leaving /root/.cache/pip.
    """
    sources = {entry.path for entry in files if entry.path.endswith(".py")}
    wasted: dict[str, list[FileEntry]] = {}
    for entry in files:
        if entry.is_dir:
            continue
        for kind, pattern in WASTE.items():
            if pattern.search(entry.path):
                wasted.setdefault(kind, []).append(entry)
        pyc = PYC.match(entry.path)
        if pyc and f"{pyc['dir']}/{pyc['module']}.py" not in sources:
            wasted.setdefault("bytecode without source", []).append(entry)
    for kind, entries in sorted(wasted.items()):
        total = sum(entry.size for entry in entries)
        sample = ", ".join(entry.path for entry in entries[:3])
        yield Problem(
            image.ref,
            None,
            f"{kind}: {len(entries)} files, {total / MB:.1f} MB wasted (e.g. {sample})",
            level=Level.WARNING if kind == "bytecode without source" else None,
        )


# Development-only files: wrong to ship, not a leak (a .pem is usually a public certificate).
DEVELOPMENT_FILES = re.compile(r"(^|/)(\.git|tests)(/|$)|\.(pem|sqlite|db)$")


def _secret_by_name(relative: str) -> bool:
    """A file that holds secrets by its kind (:mod:`deploycheck.secret_files`), judged by its
    name alone, as the image's file list gives no content: a ``.pem`` is usually a public
    certificate, so it counts as a development file instead."""
    kind = secret_file_kind(relative)
    return kind is not None and not (kind == PRIVATE_KEY and relative.endswith(".pem"))


@rule("IMG005", target="image")
def check_forbidden_files(image: Image, files: Iterable[FileEntry]) -> Iterator[Problem]:
    """Nothing secret-looking or development-only under /app or root's home.

    A file that holds secrets by its kind is an error; development files are a warning.
    pass: /app/app/__init__.py, /app/.env.example. fail: /app/.env, /app/key.pem (warning),
    /app/.git/config (warning), /app/tests/ (warning).
    """
    for entry in files:
        if not entry.path.startswith((f"{APP_DIR}/", "/root/")) or entry.is_dir:
            continue
        relative = entry.path.split("/", 2)[2]
        if _secret_by_name(relative):
            yield Problem(image.ref, None, f"{entry.path} holds secrets by its kind: keep it out")
        elif DEVELOPMENT_FILES.search(relative):
            yield Problem(
                image.ref,
                None,
                f"{entry.path} is a development file: keep it out with .dockerignore",
                level=Level.WARNING,
            )


@rule("IMG006", target="image")
def check_code_not_writable(
    image: Image, files: Iterable[FileEntry], uid: int
) -> Iterator[Problem]:
    """The runtime user owns and can write nothing under /app but its log directory.

    pass: code owned by root, mode 644. fail: ``COPY --chown=appuser . .``.
    """
    for entry in files:
        if not entry.path.startswith(f"{APP_DIR}/") or entry.path.startswith(WRITABLE_DIRS):
            continue
        owned_writable = entry.uid == uid and entry.mode & 0o200
        if owned_writable or entry.mode & 0o002:
            yield Problem(image.ref, None, f"{entry.path} is writable by uid {uid}")


@rule("IMG007", target="image")
def check_secrets_in_metadata(image: Image, known_secrets: Sequence[str] = ()) -> Iterator[Problem]:
    """No secret values in the image env or in any ``docker history`` command.

    The env is judged like a Dockerfile's final stage (a secret's name with a value that can be
    a secret); every history entry is read with the one text heuristic, so a key typed into a
    RUN (or a build argument it used) is found, with the layer and the instruction.
    pass: ``ENV APP_ENV=production``, ``ENV GOOGLE_API_KEY=no``. fail: ``ENV
    FLASK_SECRET_KEY=...``, a URL with a password, ``RUN curl -H "Authorization: Bearer
    <token>" ...``.
    """
    reported = set()
    for key, value in image.env.items():
        reason = literal_secret(key, value)
        if reason is not None or any(secret and secret in value for secret in known_secrets):
            reported.add(f"ENV {key}={value}")
            yield Problem(image.ref, None, f"image env sets {key}: {reason or 'a known secret'}")
    for index, layer in enumerate(image.layers):
        if layer.instruction in reported:
            continue
        reason = secret_in_text(layer.created_by, known_secrets, command=True)
        if reason is not None:
            shown = redact(layer.created_by, known_secrets)[:120]
            yield Problem(
                image.ref,
                None,
                f"docker history of layer {index} holds {reason} in: {shown}",
            )


@rule("IMG009", target="image")
def check_secrets_in_layers(
    image: Image, files: Iterable[LayerFile], known_secrets: Sequence[str] = ()
) -> Iterator[Problem]:
    """No file in any layer the Dockerfile adds holds a secret, deleted ones included.

    Every layer ships: a file written by one RUN and removed by the next is still in the image
    for anyone who pulls it. Text files that commands wrote (not COPY from the context, not
    package-manager trees) are read with the one text heuristic (a secret's name set to a
    random value, hex keys included; a URL with a real credential; a provider's token); the
    finding names the layer, the file and the instruction that wrote it.
    pass: ``RUN --mount=type=secret,id=token ...`` (the secret never lands in a layer), a RUN
    rewriting a file whose help text shows the ``user:password@host:port/name`` URL shape.
    fail: ``RUN echo "FLASK_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(20))')"
    > .env`` then ``RUN rm .env``.
    """
    for entry in files:
        if entry.data is None or PACKAGE_TREES.search(entry.path):
            continue
        if entry.instruction.startswith(_FROM_CONTEXT):
            continue
        try:
            text = entry.data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        reason = secret_in_text(text, known_secrets, filename=entry.path)
        if reason is None:
            continue
        fate = ", deleted by a later layer but still shipped in this one" * entry.deleted_later
        yield Problem(
            image.ref,
            None,
            f"{entry.path} holds {reason}{fate}: written by layer {entry.layer} "
            f"({entry.instruction[:80]})",
        )


@rule("IMG008", target="image")
def check_layer_caching(
    before: BuildResult, after: BuildResult, step: str = "pip install"
) -> Iterator[Problem]:
    """After a code-only change, the dependency install step comes from the cache.

    ``before`` is the build before the change, ``after`` the rebuild after it.
    pass: COPY requirements.txt, RUN pip install, then COPY app/. fail: COPY app/ first.
    """
    rebuilt = after.step(step)
    if not rebuilt.cached:
        yield Problem(
            after.image.ref,
            None,
            f"after a code-only change step {rebuilt.number} ({rebuilt.instruction[:60]}) ran "
            f"again instead of using the cache ({after.seconds:.1f} s rebuild, "
            f"{before.seconds:.1f} s before the change): copy the code after installing "
            "requirements",
        )


def _largest(layers: Sequence[Layer], count: int = 3) -> str:
    top = sorted(layers, key=lambda layer: layer.size, reverse=True)[:count]
    return "; ".join(f"{layer.instruction[:60]} ({layer.size / MB:.1f} MB)" for layer in top)
