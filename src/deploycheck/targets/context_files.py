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

from deploycheck.secret_names import is_secret_name
from deploycheck.secret_values import secret_reason
from deploycheck.targets.dockerignore import BuildContext

SECRET, VCS, VIRTUALENV, DEPENDENCIES, CACHE = (
    "secret",
    "VCS data",
    "virtualenv",
    "installed dependencies",
    "cache",
)
_VCS = frozenset({".git", ".hg", ".svn"})
_DEPENDENCIES = frozenset({"node_modules"})
_CACHES = frozenset(
    {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", ".nox", ".hypothesis"}
)
_READ_LIMIT = 65536
_PRIVATE_KEY = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
_KEY_NAMES = re.compile(r"(.*\.(pem|key)|id_(rsa|dsa|ecdsa|ed25519))")
# Key stores hold private keys by design (PKCS#12, Java key stores): their name is enough.
_KEY_STORES = re.compile(r".*\.(p12|pfx|jks|keystore)")
_TEMPLATE = re.compile(r".*\.(example|sample|template|dist|defaults?)")
_ENV_FILE = re.compile(r"\.env(\..+)?|.+\.env")
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*[=:]\s*(.*?)\s*$")
_PLACEHOLDER = re.compile(r"^(|\$.*|<.*>|x+|\*+|changeme|change-me|todo|none|null|false|true)$")
# Credential files and the line that makes them one (a token, a password), per file name.
_CREDENTIALS = {
    ".npmrc": re.compile(rb"_auth(Token)?\s*=\s*[^\s$]|_password\s*=\s*[^\s$]"),
    ".yarnrc.yml": re.compile(rb"npmAuth(Token|Ident)\s*:\s*[\"']?[^\s\"'$]"),
    ".pypirc": re.compile(rb"(?m)^\s*password\s*[=:]\s*\S"),
    ".netrc": re.compile(rb"\bpassword\s+\S"),
    ".git-credentials": re.compile(rb"://[^/\s:@]+:[^/\s@]+@"),
    ".pgpass": re.compile(rb"(?m)^[^#\s][^:\n]*:[^:\n]*:[^:\n]*:[^:\n]*:\S"),
    "credentials": re.compile(rb"aws_secret_access_key\s*="),
    "config.json": re.compile(rb"\"auth\"\s*:\s*\"[^\"]"),
}
# A service-account or OAuth client file: JSON with a private key in it.
_JSON_KEY = re.compile(rb"\"private_key\"\s*:\s*\"-----BEGIN")


@dataclass(frozen=True)
class Unwanted:
    """A file or directory in the context that no image needs; ``why`` never holds a value."""

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
    names = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        match = _ASSIGNMENT.match(line)
        if not match:
            continue
        name, value = match.group(1), match.group(2).strip("\"'")
        if _PLACEHOLDER.match(value.lower()):
            continue
        if is_secret_name(name.replace(".", "_")) or secret_reason(value):
            names.append(name)
    return names


def secret_in(path: Path, relative: str) -> str | None:
    """Why the file at ``path`` holds a secret, or None; reads it only when its name fits."""
    name = path.name
    if _TEMPLATE.fullmatch(name):
        return None
    if _KEY_STORES.fullmatch(name):
        return "a key store (it holds private keys)"
    if _KEY_NAMES.fullmatch(name) and _PRIVATE_KEY.search(_head(path)):
        return "a private key"
    if _ENV_FILE.fullmatch(name) and (names := _secret_variables(_head(path))):
        return f"an env file setting {', '.join(names[:3])}"
    pattern = _CREDENTIALS.get(name)
    generic = name in {"credentials", "config.json"} and not _in_tool_dir(relative)
    if pattern is not None and not generic and pattern.search(_head(path)):
        return f"a credential file ({name} with a token or password)"
    if name.endswith(".json") and _JSON_KEY.search(_head(path)):
        return "a JSON key file (a private key inside)"
    return None


def _in_tool_dir(relative: str) -> bool:
    """``.aws/credentials`` and ``.docker/config.json`` are credentials; other such names not."""
    parent = relative.rsplit("/", 2)[-2] if "/" in relative else ""
    return parent in {".aws", ".docker"}


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
