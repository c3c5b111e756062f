"""``deploycheck init``: a starter ``.deploycheck.yaml`` from what a project already says.

It looks for the project's Dockerfiles (its folder and one level down), its Blueprint, the port
the image EXPOSEs or sets as ``PORT``, the Blueprint's ``healthCheckPath``, plan and scaling, and
its GitHub workflows, and writes a config that pins those facts as rule options, each with a
comment saying where it was found. The rules on by default need no config; what init adds are
the project's own values, so the opt-in rules judge the files against them from day one, and
``rules-version:`` so a later release's new rules report without failing until opted in.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from deploycheck import __version__
from deploycheck.config import CONFIG_FILE
from deploycheck.errors import ConfigFileError, HarnessError
from deploycheck.targets.blueprint import Blueprint
from deploycheck.targets.dockerfile import Dockerfile

SKIPPED_FOLDERS = frozenset({".git", "node_modules", ".venv", "venv", ".tox", "fixtures"})


def _is_dockerfile(path: Path) -> bool:
    name = path.name
    return name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".Dockerfile")


def find_dockerfiles(root: Path) -> list[Path]:
    """Dockerfiles in ``root`` and its direct subfolders, skipping VCS, envs and fixtures."""
    found = [p for p in sorted(root.iterdir()) if p.is_file() and _is_dockerfile(p)]
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name in SKIPPED_FOLDERS or folder.name.startswith("."):
            continue
        found += [p for p in sorted(folder.iterdir()) if p.is_file() and _is_dockerfile(p)]
    return found


@dataclass
class Findings:
    """What init learnt, as config lines (``KEY: VALUE  # comment``) and notes."""

    notes: list[str] = field(default_factory=list)
    rules: list[tuple[str, str, str]] = field(default_factory=list)

    def rule(self, rule_id: str, value: str, why: str) -> None:
        if all(existing != rule_id for existing, _, _ in self.rules):
            self.rules.append((rule_id, value, why))


def _port(dockerfile: Dockerfile) -> int | None:
    for port, _ in dockerfile.exposes:
        number = port.split("/")[0]
        if number.isdigit():
            return int(number)
    value = dockerfile.env.get("PORT", "")
    return int(value) if value.isdigit() else None


def inspect_dockerfile(path: Path, root: Path, found: Findings) -> None:
    try:
        dockerfile = Dockerfile(path, context=root)
        final = dockerfile.final_stage
    except HarnessError as exc:
        found.notes.append(f"{path.relative_to(root)}: not read ({exc})")
        return
    shown = path.relative_to(root).as_posix()
    found.notes.append(
        f"{shown}: final stage FROM {final.base_as_written}, USER {dockerfile.user or '(root)'}"
    )
    if final.base and final.parent is None:
        found.rule("DF002", f"{{base: {json.dumps(final.base)}}}", f"the base {shown} ships on")
    port = _port(dockerfile)
    if port is not None:
        found.rule("DF008", f"{{level: warning, port: {port}}}", f"the port {shown} serves")


def inspect_blueprint(path: Path, root: Path, found: Findings) -> str | None:
    """Notes and rules from the Blueprint's web service; its health path, if any."""
    blueprint = Blueprint.load(path)
    if not blueprint.usable:
        found.notes.append(f"{path.name}: not a Blueprint mapping; fix it first")
        return None
    web = blueprint.web_service
    kinds = ", ".join(f"{s.type} {s.name!r}" for s in blueprint.services) or "no services"
    found.notes.append(f"{path.name}: {kinds}; {len(blueprint.databases)} database(s)")
    if web is None:
        return None
    plan = web.get("plan")
    if isinstance(plan, str):
        found.rule("RB007", f"{{plan: {json.dumps(plan)}}}", f"{web.name}'s plan in {path.name}")
    scaling = web.mapping("scaling")
    for rule_id, key, option in (
        ("RB002", "minInstances", "min_instances"),
        ("RB003", "maxInstances", "max_instances"),
    ):
        if isinstance(scaling.get(key), int):
            found.rule(rule_id, f"{{{option}: {scaling[key]}}}", f"{web.name}'s scaling.{key}")
    health = web.get("healthCheckPath")
    if isinstance(health, str):
        found.rule("RB008", "error", f"{web.name} has healthCheckPath {health}: keep one")
        return health
    return None


def inspect(root: Path) -> Findings:
    found = Findings()
    dockerfiles = find_dockerfiles(root)
    if not dockerfiles:
        found.notes.append("no Dockerfile found")
    for path in dockerfiles:
        inspect_dockerfile(path, root, found)
    blueprint = next(
        (root / name for name in ("render.yaml", "render.yml") if (root / name).is_file()), None
    )
    health = inspect_blueprint(blueprint, root, found) if blueprint else None
    if blueprint is None:
        found.notes.append("no render.yaml found")
    if health and dockerfiles:
        path = json.dumps(health)
        found.rule("DF005", f"{{level: warning, path: {path}}}", "a HEALTHCHECK on the same path")
        found.rule("XF003", "warning", "the HEALTHCHECK and healthCheckPath agree")
    workflows = sorted((root / ".github" / "workflows").glob("*.y*ml"))
    if workflows:
        names = ", ".join(p.relative_to(root).as_posix() for p in workflows)
        found.notes.append(f"workflows: {names} (the deploycheck action: README, 'Adopting')")
    else:
        found.notes.append("no GitHub workflow found")
    return found


def render(found: Findings) -> str:
    today = datetime.date.today().isoformat()
    lines = [
        f"# deploycheck config, written by `deploycheck init` on {today} "
        f"(deploycheck {__version__}).",
        "# The rules on by default need nothing here; these lines pin this project's own",
        "# values so the rules that judge them run. Each rule's page: docs/rules.md, or",
        "# `deploycheck rules`.",
        "#",
        "# What init found:",
        *[f"#   {note}" for note in found.notes],
        "",
        "# The rule set of this release: default rules added later report but do not fail until",
        "# you give them a level here (raise it when you upgrade on purpose).",
        f"rules-version: {__version__}",
        "",
        "rules:",
    ]
    if not found.rules:
        lines.append("  {}  # nothing to pin yet")
    for rule_id, value, why in found.rules:
        lines.append(f"  {rule_id}: {value}  # {why}")
    lines += [
        "",
        "# Paths the checks skip, e.g. fixtures broken on purpose:",
        "# ignore:",
        "#   tests/fixtures/**: ['*']",
        "",
    ]
    return "\n".join(lines)


def write_config(root: Path, force: bool = False) -> tuple[Path, Findings]:
    """Inspect ``root`` and write its ``.deploycheck.yaml``; ``ConfigFileError`` (exit 2) when
    one exists and ``force`` is not given."""
    if not root.is_dir():
        raise ConfigFileError(f"cannot init {root}: not a folder")
    target = root / CONFIG_FILE
    if target.exists() and not force:
        raise ConfigFileError(f"{target} exists; --force replaces it")
    found = inspect(root)
    target.write_text(render(found), encoding="utf-8")
    return target, found
