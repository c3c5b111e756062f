"""The built image as a target: plain facts the image rules read.

Like pytest-testinfra's modules, an :class:`Image` holds facts (``user``, ``healthcheck``,
``env``, ``layers``) and the rules and tests make the judgements. Nothing here talks to Docker:
:mod:`deploycheck.testing.image` builds images and reads these facts off the engine, so the
rules stay importable, and testable on hand-made facts, without the docker SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_SHELL = "/bin/sh -c "


@dataclass(frozen=True)
class Layer:
    """One entry of the image history: the instruction that made it and its size."""

    created_by: str
    size: int

    @property
    def instruction(self) -> str:
        # History records RUN as "/bin/sh -c ..." (after "|1 NAME=value " when build args
        # are in scope, whose values stay out of reports) and metadata as "... #(nop) ...".
        text = self.created_by
        if text.startswith("|") and _SHELL in text:
            text = text[text.index(_SHELL) :]
        text = text.removeprefix(_SHELL).strip()
        return text.removeprefix("#(nop) ").strip()


@dataclass(frozen=True)
class FileEntry:
    """One path of the image filesystem, as ``docker export`` shows it."""

    path: str
    size: int
    mode: int
    uid: int
    is_dir: bool


@dataclass(frozen=True)
class LayerFile:
    """A regular file as one layer's tarball stores it, whatever later layers do to it.

    ``layer`` is the index in :attr:`Image.layers` (history order) of the instruction that
    wrote it; ``data`` holds the bytes of files up to the reader's size limit, else None;
    ``deleted_later`` says a later layer removes it (a whiteout), so only the layers show it.
    """

    layer: int
    instruction: str
    path: str
    size: int
    data: bytes | None
    deleted_later: bool


@dataclass(frozen=True)
class Process:
    """One process in a running container, as ``docker top`` reports it."""

    uid: int
    pid: int
    ppid: int
    command: str


@dataclass(frozen=True)
class Image:
    """Facts about one local image: ``docker inspect``'s config and size, its history (oldest
    layer first, the base image's included) and its layer digests (``diff_ids``, base first)."""

    ref: str
    id: str
    size: int
    config: Mapping[str, Any] = field(default_factory=dict)
    layers: tuple[Layer, ...] = ()
    diff_ids: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"<Image {self.ref} {self.id[:19]}>"

    @property
    def user(self) -> str:
        return self.config.get("User") or ""

    @property
    def healthcheck(self) -> Mapping[str, Any] | None:
        return self.config.get("Healthcheck")

    @property
    def env(self) -> dict[str, str]:
        pairs = (item.split("=", 1) for item in self.config.get("Env") or [])
        return {key: value for key, value in pairs}


@dataclass(frozen=True)
class BuildStep:
    """One Dockerfile instruction as the builder ran it."""

    number: int
    instruction: str
    cached: bool


@dataclass
class BuildResult:
    """What a build produced: the image, its log, the steps and how long it took. A reused
    build is an image built earlier from the same inputs: no steps, no log of its own."""

    image: Image
    seconds: float
    log: list[str] = field(default_factory=list)
    steps: list[BuildStep] = field(default_factory=list)
    reused: bool = False

    def step(self, fragment: str) -> BuildStep:
        """The first step whose instruction contains ``fragment``."""
        for step in self.steps:
            if fragment in step.instruction:
                return step
        raise LookupError(f"no build step contains {fragment!r}; steps: {self.steps}")
