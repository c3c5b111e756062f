"""Image references in FROM: build-argument substitution and the repository/tag/digest split.

Substitution follows the Dockerfile reference's "Environment replacement": ``$VAR``,
``${VAR}``, ``${VAR:-default}`` and ``${VAR:+alternative}``, where an ARG declared before the
first FROM gives the value. An undeclared name expands to nothing (so ``docker build`` would
fail on the empty name); a name declared without a default, or one of BuildKit's automatic
platform arguments, is only known at build time, so the reference is left alone (None).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_REFERENCE = re.compile(r"\$(?:\{(?P<braced>\w+)(?P<op>:?[-+])?(?P<word>[^}]*)\}|(?P<bare>\w+))")
# https://docs.docker.com/reference/dockerfile/#automatic-platform-args-in-the-global-scope
AUTOMATIC_ARGS = frozenset(
    {
        "BUILDPLATFORM",
        "BUILDOS",
        "BUILDARCH",
        "BUILDVARIANT",
        "TARGETPLATFORM",
        "TARGETOS",
        "TARGETARCH",
        "TARGETVARIANT",
    }
)


# The values BuildKit gives them when it builds for linux/amd64, then linux/arm64 (a stage
# chosen per platform, ``FROM base-${TARGETARCH}``, is judged by the first that names a stage).
PLATFORM_VALUES = tuple(
    {
        "BUILDPLATFORM": f"linux/{arch}",
        "BUILDOS": "linux",
        "BUILDARCH": arch,
        "BUILDVARIANT": "",
        "TARGETPLATFORM": f"linux/{arch}",
        "TARGETOS": "linux",
        "TARGETARCH": arch,
        "TARGETVARIANT": "",
    }
    for arch in ("amd64", "arm64")
)


class _Unknown(Exception):
    """A reference whose value is only known when the image is built."""


def substitute(word: str, args: Mapping[str, str | None]) -> str | None:
    """``word`` with build-argument defaults filled in, None when one is only known at build time.

    >>> substitute("${IMAGE:-python:3.11}", {})
    'python:3.11'
    """

    def value_of(name: str) -> str:
        if name in args:
            value = args[name]
            if value is None:
                raise _Unknown(name)
            return value
        if name in AUTOMATIC_ARGS:
            raise _Unknown(name)
        return ""

    def replace(match: re.Match[str]) -> str:
        if match.group("bare"):
            return value_of(match.group("bare"))
        name, op, alternative = match.group("braced", "op", "word")
        if op is None:
            if alternative:
                raise _Unknown(name)  # a modifier Docker's FROM does not document
            return value_of(name)
        try:
            value = value_of(name)
        except _Unknown:
            if name not in args and op.endswith("-"):
                return alternative
            raise
        if op.endswith("-"):
            return value if value or (op == "-" and name in args) else alternative
        return alternative if value or (op == "+" and name in args) else ""

    try:
        return _REFERENCE.sub(replace, word)
    except _Unknown:
        return None


def platform_candidates(word: str, args: Mapping[str, str | None]) -> list[str]:
    """``word`` as built for each of :data:`PLATFORM_VALUES`, global ARG defaults that refer to
    the platform arguments (``ARG FLAVOR=${TARGETARCH}``) expanded too."""
    found = []
    for platform in PLATFORM_VALUES:
        values = {**args, **{k: v for k, v in platform.items() if args.get(k) is None}}
        value: str | None = word
        for _ in range(3):  # a default may name an ARG whose default names a platform ARG
            if value is None or "$" not in value:
                break
            value = substitute(value, values)
        if value is not None and "$" not in value:
            found.append(value)
    return found


@dataclass(frozen=True)
class ImageRef:
    """``repository[:tag][@digest]``; ``localhost:5000/python`` has a registry port, no tag."""

    repository: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, ref: str) -> ImageRef:
        name, _, digest = ref.partition("@")
        repository, colon, tag = name.rpartition(":")
        if not colon or "/" in tag:
            return cls(name, None, digest or None)
        return cls(repository, tag, digest or None)

    @property
    def is_scratch(self) -> bool:
        """``FROM scratch`` is Docker's empty base: nothing to pin."""
        return self.repository == "scratch"

    @property
    def shell_free(self) -> bool:
        """An image without /bin/sh: scratch, distroless (its ``debug`` tags add busybox) and
        Chainguard's (its ``-dev`` tags add a shell), as their docs describe them."""
        if self.is_scratch:
            return True
        tag = self.tag or ""
        if "distroless" in self.repository:
            return "debug" not in tag
        return self.repository.startswith("cgr.dev/chainguard/") and "dev" not in tag

    @property
    def runs_nonroot(self) -> bool:
        """An image whose own USER is not root: distroless's ``nonroot`` tags (uid 65532) and
        Chainguard's images (``nonroot``, uid 65532, except their ``-dev`` tags)."""
        tag = self.tag or ""
        if "nonroot" in tag:
            return True
        return self.repository.startswith("cgr.dev/chainguard/") and "dev" not in tag

    @property
    def pinned(self) -> bool:
        """A digest, or a tag other than ``latest``."""
        return self.is_scratch or self.digest is not None or self.tag not in (None, "", "latest")
