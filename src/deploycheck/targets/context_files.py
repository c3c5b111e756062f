"""What a build context really holds that no image needs: secrets, VCS data, virtualenvs,
installed dependencies and caches, found by walking it as the engine would send it.

Each kind is judged on the file itself, not its name alone: a ``.pem`` counts when it holds a
private key (a certificate is public), ``.npmrc`` when it carries an auth token, an env file
when a secret-named variable has a value (``.env.example`` is a template), a directory is a
virtualenv when it has a ``pyvenv.cfg`` and a cache when it has a ``CACHEDIR.TAG`` or a
well-known cache name. Contents are read only for the few candidates a name selects, at most
64 kB each; dependency trees, virtualenvs and VCS data are never entered, so a context with a
large ``node_modules`` or ``.git`` stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from deploycheck.placeholders import is_placeholder
from deploycheck.secret_files import (
    CREDENTIAL_LINES,
    CREDENTIALS,
    ENV_FILE,
    JSON_KEY,
    KEY_STORE,
    PRIVATE_KEY,
    PRIVATE_KEY_BLOCK,
    SECRETS,
    secret_file_kind,
)
from deploycheck.secret_text import secret_in_text
from deploycheck.secret_values import literal_secret
from deploycheck.targets.dockerignore import BuildContext

SECRET, VCS, VIRTUALENV, DEPENDENCIES, CACHE, KEPT_OUT = (
    "secret",
    "VCS data",
    "virtualenv",
    "installed dependencies",
    "cache",
    "kept out by the project",  # a path the project's keep_out option names
)
_VCS = frozenset({".git", ".hg", ".svn"})
_DEPENDENCIES = frozenset({"node_modules"})
_CACHES = frozenset(
    {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", ".nox", ".hypothesis"}
)
_READ_LIMIT = 65536
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*[=:]\s*(.*?)\s*$")


@dataclass(frozen=True)
class Unwanted:
    """A file or directory in the context that no image needs. ``kind`` is one of the kinds
    above (SECRET ... KEPT_OUT), ``why`` says what gave it away and never holds a value."""

    path: str
    kind: str
    why: str
    is_dir: bool = False


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_READ_LIMIT)
    except OSError:
        return b""


def _secret_variables(data: bytes) -> list[str]:
    """The variables an env file sets to a committed secret, judged as RB010 judges a
    Blueprint's: a placeholder (``changeme``) or a value no secret has the shape of is none."""
    names = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        match = _ASSIGNMENT.match(line)
        if not match:
            continue
        name, value = match.group(1), match.group(2).strip("\"'")
        if not is_placeholder(value) and literal_secret(name.replace(".", "_"), value):
            names.append(name)
    return names


def secret_in(path: Path, relative: str) -> str | None:
    """Why the file at ``path`` holds a secret, or None; reads it only when its name fits."""
    kind = secret_file_kind(relative)
    if kind == KEY_STORE:
        return "a key store (it holds private keys)"
    if kind == PRIVATE_KEY and PRIVATE_KEY_BLOCK.search(_head(path)):
        return "a private key"
    if kind == ENV_FILE and (names := _secret_variables(_head(path))):
        return f"an env file setting {', '.join(names[:3])}"
    if kind == CREDENTIALS and CREDENTIAL_LINES[path.name].search(_head(path)):
        return f"a credential file ({path.name} with a token or password)"
    if kind == SECRETS and (why := secret_in_text(_head(path).decode("utf-8", "replace"))):
        return f"a secrets file ({why})"
    if kind is None and path.name.endswith(".json") and JSON_KEY.search(_head(path)):
        return "a JSON key file (a private key inside)"
    return None


def _directory_kind(folder: Path, name: str) -> tuple[str, str] | None:
    if name in _VCS:
        return VCS, f"a {name} repository"
    if name in _DEPENDENCIES:
        return DEPENDENCIES, "packages installed on the host"
    if (folder / "pyvenv.cfg").is_file():
        return VIRTUALENV, "a Python virtualenv (it has pyvenv.cfg)"
    if name in _CACHES or (folder / "CACHEDIR.TAG").is_file():
        return CACHE, "a tool cache"
    return None


def unwanted(context: BuildContext) -> Iterator[Unwanted]:
    """Everything the context would send that is a secret, VCS data, a virtualenv, installed
    dependencies or a cache; directories of a kind are reported once and not entered."""
    kinds: dict[str, tuple[str, str] | None] = {}

    def kind_of(path: str) -> tuple[str, str] | None:
        if path not in kinds:
            kinds[path] = _directory_kind(context.root / path, path.rsplit("/", 1)[-1])
        return kinds[path]

    for entry in context.walk(prune=lambda path: kind_of(path) is not None):
        name = entry.path.rsplit("/", 1)[-1]
        if entry.is_dir:
            if (kind := kind_of(entry.path)) is not None:
                yield Unwanted(entry.path, *kind, is_dir=True)
        elif name == ".coverage":
            yield Unwanted(entry.path, CACHE, "coverage data")
        elif (why := secret_in(context.root / entry.path, entry.path)) is not None:
            yield Unwanted(entry.path, SECRET, why)
