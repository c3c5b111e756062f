"""Facts read statically from the app sources, the Dockerfile and requirements.txt.

Cross-file rules compare these with ``render.yaml``. Everything here is parsing only (``ast``,
the shared ``Dockerfile`` target, plain text): no import of the app, no Docker engine. The
conventions relied on are the team's: env reads are calls whose first argument is the name as
a string literal (``os.environ.get("X")``, ``os.getenv("X")``, ``env_*("X")``) and routes are
decorators such as ``@bp.route("/health")`` or ``@bp.get("/health")``.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from tests.harness.dockerfile import Dockerfile

_ENV_CALLS = frozenset({"getenv", "get"})
_ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete"})
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class Place:
    """Where a fact was read: a file and a 1-based line."""

    path: Path
    line: int


def _literal_first_arg(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _is_env_read(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "getenv" or func.id.startswith("env_")
    if isinstance(func, ast.Attribute):
        if func.attr.startswith("env_"):
            return True
        owner = func.value
        # os.getenv / os.environ.get / environ.get
        names = {"os", "environ"} if func.attr == "getenv" else {"environ"}
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        return func.attr in _ENV_CALLS and owner_name in names
    return False


def env_reads(path: Path) -> dict[str, Place]:
    """``{NAME: first place read}`` for every env var ``path`` reads by the conventions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    reads: dict[str, Place] = {}
    for node in ast.walk(tree):
        name: str | None = None
        if isinstance(node, ast.Call) and _is_env_read(node):
            name = _literal_first_arg(node)
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "environ"
            and isinstance(node.slice, ast.Constant)
        ):
            name = str(node.slice.value)
        if name and name not in reads:
            reads[name] = Place(path, node.lineno)
    return reads


def _blueprint_prefixes(tree: ast.Module) -> dict[str, str]:
    """``{"bp": "/api"}`` for ``bp = Blueprint(..., url_prefix="/api")`` in one module."""
    prefixes: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for kw in node.value.keywords:
                if kw.arg == "url_prefix" and isinstance(kw.value, ast.Constant):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            prefixes[target.id] = str(kw.value.value).rstrip("/")
    return prefixes


def routes(app_dir: Path) -> dict[str, Place]:
    """``{"/health": place}`` for every route decorator in ``app_dir/**/*.py``.

    A blueprint's own ``url_prefix`` is applied; one given to ``register_blueprint`` is not.
    """
    found: dict[str, Place] = {}
    for source in sorted(app_dir.rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        prefixes = _blueprint_prefixes(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for deco in node.decorator_list:
                if not (
                    isinstance(deco, ast.Call)
                    and isinstance(deco.func, ast.Attribute)
                    and deco.func.attr in _ROUTE_METHODS
                ):
                    continue
                rule = _literal_first_arg(deco)
                owner = deco.func.value
                prefix = prefixes.get(owner.id, "") if isinstance(owner, ast.Name) else ""
                if rule is not None:
                    found.setdefault(prefix + rule, Place(source, deco.lineno))
    return found


def healthcheck_paths(dockerfile: Dockerfile) -> set[str]:
    """URL paths the HEALTHCHECK probes: ``/health`` in ``CMD python -m app.healthcheck /health``.

    An argument counts when it is an http(s) URL (its path) or starts with ``/``.
    """
    check = dockerfile.healthcheck
    if check is None or check.command is None:
        return set()
    argv = list(check.command.argv)
    if not check.command.exec_form:
        try:
            argv = shlex.split(argv[-1])
        except ValueError:
            return set()
    paths = set()
    for token in argv[1:]:
        if token.startswith(("http://", "https://")):
            paths.add(urlsplit(token).path or "/")
        elif token.startswith("/"):
            paths.add(token)
    return paths


def user_names(dockerfile: Dockerfile) -> set[str]:
    """Names and ids the final USER goes by: ``{"10001", "appuser"}`` for ``USER 10001:10001``
    after ``useradd --uid 10001 appuser``; empty when the image runs as root."""
    user = (dockerfile.user or "").split(":")[0]
    if not user or user in {"root", "0"}:
        return set()
    names = {user}
    for run in dockerfile.instructions_named("RUN"):
        for command in re.split(r"&&|;", run.value):
            words = command.split()
            if "useradd" in words and words:
                uid = next(
                    (b for a, b in zip(words, words[1:], strict=False) if a in {"-u", "--uid"}),
                    None,
                )
                if user in (uid, words[-1]):
                    names |= {words[-1]} | ({uid} if uid else set())
    return names


def mount_prepared(dockerfile: Dockerfile, mount: str) -> tuple[bool, bool]:
    """(created, owned by the final USER) for directory ``mount``, from RUN and WORKDIR."""
    mount_path = PurePosixPath(mount)
    owners = user_names(dockerfile)
    created = any(w.value.strip() == mount for w in dockerfile.instructions_named("WORKDIR"))
    owned = False
    for run in dockerfile.instructions_named("RUN"):
        for command in re.split(r"&&|;", run.value):
            words = command.split()
            if "mkdir" in words and mount in words:
                created = True
            if "chown" in words and owners:
                recursive = "-R" in words or "--recursive" in words
                owner_ok = any(w.split(":")[0] in owners for w in words)
                targets = [PurePosixPath(w) for w in words if w.startswith("/")]
                owned = owned or (
                    owner_ok
                    and any(
                        t == mount_path or (recursive and t in mount_path.parents) for t in targets
                    )
                )
    return created, owned


def requirement_names(path: Path) -> set[str]:
    """Normalised distribution names listed in a requirements file (``-r`` lines skipped)."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _REQUIREMENT_NAME.match(line.split("#", 1)[0])
        if match:
            names.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return names
