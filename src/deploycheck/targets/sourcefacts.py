"""Facts read statically from the app sources and requirements.txt.

Cross-file rules compare these with ``render.yaml``; Dockerfile facts come from the
``Dockerfile`` target. Everything here is parsing only (``ast``, plain text): no import of the
app, no Docker engine. Env reads are calls whose first argument names the variable
(``os.environ.get("X")``, ``os.getenv("X")``, ``env_*("X")``, ``os.environ["X"]``); routes are
decorators such as ``@bp.route("/health")`` or ``@bp.get(HEALTH_PATH)``. A name or a path may
be a string literal or a module constant, in the same module or imported from another module of
the app (``from .paths import HEALTH_PATH``), joined with ``+`` or an f-string.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

_ENV_CALLS = frozenset({"getenv", "get", "setdefault"})
_ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete"})
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class Place:
    """Where a fact was read: a file and a 1-based line."""

    path: Path
    line: int


@dataclass(frozen=True)
class EnvRead(Place):
    """Where an env var is read; ``has_default`` when every read of it has a fallback
    (``os.environ.get("X", "1")``, ``env_bool("X", True)``, ``os.getenv("X") or "1"``), so the
    app runs without it."""

    has_default: bool = False


class Constants:
    """String constants of the app's modules, resolved on demand: a module's top-level
    ``NAME = "..."`` assignments and the names it imports from sibling modules."""

    def __init__(self, app_dir: Path) -> None:
        self.app_dir = app_dir
        self._modules: dict[Path, dict[str, ast.expr]] = {}
        self._imports: dict[Path, dict[str, tuple[Path, str | None]]] = {}

    def value(self, node: ast.expr, source: Path, depth: int = 0) -> str | None:
        """The string ``node`` evaluates to in ``source``, or ``None`` when it is not static."""
        if depth > 20:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self.value(node.left, source, depth + 1)
            right = self.value(node.right, source, depth + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(node, ast.JoinedStr):
            parts = [
                self.value(v.value if isinstance(v, ast.FormattedValue) else v, source, depth + 1)
                for v in node.values
            ]
            return "".join(p for p in parts if p is not None) if None not in parts else None
        if isinstance(node, ast.Name):
            return self._named(source, node.id, depth)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module, attr = self._imported(source).get(node.value.id, (None, None))
            if module is not None and attr is None:
                return self._named(module, node.attr, depth)
        return None

    def _named(self, source: Path, name: str, depth: int) -> str | None:
        assigned = self._assignments(source).get(name)
        if assigned is not None:
            return self.value(assigned, source, depth + 1)
        module, attr = self._imported(source).get(name, (None, None))
        return self._named(module, attr, depth + 1) if module and attr else None

    def _tree(self, source: Path) -> ast.Module | None:
        try:
            return ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            return None

    def _assignments(self, source: Path) -> dict[str, ast.expr]:
        if source not in self._modules:
            found: dict[str, ast.expr] = {}
            tree = self._tree(source)
            for node in tree.body if tree else ():
                if isinstance(node, ast.Assign):
                    targets, value = node.targets, node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    targets, value = [node.target], node.value
                else:
                    continue
                for target in targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = value
            self._modules[source] = found
        return self._modules[source]

    def _imported(self, source: Path) -> dict[str, tuple[Path, str | None]]:
        """``{local name: (module file, name in it, or None for the module itself)}``."""
        if source not in self._imports:
            found: dict[str, tuple[Path, str | None]] = {}
            tree = self._tree(source)
            for node in tree.body if tree else ():
                if not isinstance(node, ast.ImportFrom):
                    continue
                package = self._module_dir(source, node.level, node.module)
                for alias in node.names:
                    local = alias.asname or alias.name
                    as_module = _module_file(package / alias.name) if package else None
                    module = _module_file(package) if package else None
                    if as_module is not None:
                        found[local] = (as_module, None)
                    elif module is not None:
                        found[local] = (module, alias.name)
            self._imports[source] = found
        return self._imports[source]

    def _module_dir(self, source: Path, level: int, module: str | None) -> Path | None:
        """The path (without suffix) ``from <level dots><module> import`` refers to, when it
        lies inside the app folder."""
        parts = module.split(".") if module else []
        if level:
            base = source.parent
            for _ in range(level - 1):
                base = base.parent
        elif parts and parts[0] == self.app_dir.name:
            base, parts = self.app_dir, parts[1:]
        else:
            return None
        return base.joinpath(*parts)


def _module_file(stem: Path) -> Path | None:
    for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_env_read(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "getenv" or func.id.startswith("env_")
    if isinstance(func, ast.Attribute):
        if func.attr.startswith("env_"):
            return True
        owner = func.value
        # os.getenv / os.environ.get / environ.get / os.environ.setdefault
        names = {"os", "environ"} if func.attr == "getenv" else {"environ"}
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        return func.attr in _ENV_CALLS and owner_name in names
    return False


def _call_default(call: ast.Call) -> bool:
    """Whether the read passes a fallback other than ``None`` (second argument or default=)."""
    given = call.args[1] if len(call.args) > 1 else None
    given = next((kw.value for kw in call.keywords if kw.arg == "default"), given)
    return given is not None and not (isinstance(given, ast.Constant) and given.value is None)


def _falls_back(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """``read or "fallback"``: the read is a left operand of an ``or``."""
    parent = parents.get(node)
    return (
        isinstance(parent, ast.BoolOp)
        and isinstance(parent.op, ast.Or)
        and parent.values[-1] is not node
    )


def env_reads(path: Path, constants: Constants | None = None) -> dict[str, EnvRead]:
    """``{NAME: place}`` for every env var ``path`` reads: the first read without a default,
    else the first read (then ``has_default``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    constants = constants or Constants(path.parent)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    reads: dict[str, EnvRead] = {}
    for node in ast.walk(tree):
        name, defaulted = None, False
        if isinstance(node, ast.Call) and _is_env_read(node) and node.args:
            name = constants.value(node.args[0], path)
            defaulted = _call_default(node) or _falls_back(node, parents)
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "environ"
            and isinstance(node.ctx, ast.Load)
        ):
            name = constants.value(node.slice, path)
        if not name:
            continue
        seen = reads.get(name)
        if seen is None or (seen.has_default and not defaulted):
            reads[name] = EnvRead(path, node.lineno, defaulted)
    return dict(sorted(reads.items(), key=lambda item: item[1].line))


def _blueprint_prefixes(tree: ast.Module, source: Path, constants: Constants) -> dict[str, str]:
    """``{"bp": "/api"}`` for ``bp = Blueprint(..., url_prefix="/api")`` in one module."""
    prefixes: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for kw in node.value.keywords:
                prefix = constants.value(kw.value, source) if kw.arg == "url_prefix" else None
                if prefix is None:
                    continue
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        prefixes[target.id] = prefix.rstrip("/")
    return prefixes


def routes(app_dir: Path) -> dict[str, Place]:
    """``{"/health": place}`` for every route decorator in ``app_dir/**/*.py``.

    A blueprint's own ``url_prefix`` is applied; one given to ``register_blueprint`` is not.
    """
    constants = Constants(app_dir)
    found: dict[str, Place] = {}
    for source in sorted(app_dir.rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        prefixes = _blueprint_prefixes(tree, source, constants)
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for deco in node.decorator_list:
                if not (
                    isinstance(deco, ast.Call)
                    and isinstance(deco.func, ast.Attribute)
                    and deco.func.attr in _ROUTE_METHODS
                    and deco.args
                ):
                    continue
                rule = constants.value(deco.args[0], source)
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
