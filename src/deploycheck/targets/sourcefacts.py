"""Facts read statically from the app sources and requirements.txt.

Cross-file rules compare these with ``render.yaml``; Dockerfile facts come from the
``Dockerfile`` target. Everything here is parsing only (``ast``, plain text): no import of the
app, no Docker engine. The conventions relied on are the team's: env reads are calls whose first
argument is the name as a string literal (``os.environ.get("X")``, ``os.getenv("X")``,
``env_*("X")``) and routes are decorators such as ``@bp.route("/health")`` or
``@bp.get("/health")``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

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


def requirement_names(path: Path) -> set[str]:
    """Normalised distribution names listed in a requirements file (``-r`` lines skipped)."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _REQUIREMENT_NAME.match(line.split("#", 1)[0])
        if match:
            names.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return names
