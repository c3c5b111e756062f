"""The Blueprint checker: load, schema, policy rules and cross-file rules, in that order.

Later stages only run on what earlier ones could read: a file that is not YAML gets its one
YAML finding and nothing else; a schema error does not stop the policy rules, which read the
Blueprint defensively, so one run shows every problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from deploycheck import registry
from deploycheck.findings import Result
from deploycheck.policy import Policy, PolicyTarget
from deploycheck.rules import crossfile
from deploycheck.rules.schema import (
    BLUEPRINT_SCHEMA,
    load_schema,
    official_blueprint_schema,
    validate,
)
from deploycheck.targets.blueprint import Blueprint


def check_blueprint(
    path: str | Path,
    *,
    root: str | Path | None = None,
    policy: Policy | None = None,
    crossfile_rules: bool = True,
    environ: Mapping[str, str] | None = None,
    display_path: str | None = None,
) -> Result:
    """Every finding for the Blueprint at ``path``.

    ``root`` is the repository the cross-file rules read (default: the Blueprint's folder);
    ``policy`` defaults to :meth:`Policy.from_env`; ``environ`` stands in for ``os.environ``.
    Raises ``ConfigFileError``/``PolicyError`` when the check cannot run at all.
    """
    blueprint = Blueprint.load(path, display_path)
    result = Result(list(blueprint.document.findings))
    if not blueprint.usable:
        return result
    document = blueprint.document
    result.extend(validate(document, load_schema(BLUEPRINT_SCHEMA), "SCH001", "Blueprint schema"))
    official = official_blueprint_schema(environ)
    if official is not None:
        result.extend(validate(document, official, "SCH002", "Render's official schema"))
    target = PolicyTarget(blueprint, policy or Policy.from_env(environ))
    result.extend(registry.run("blueprint", target))
    if crossfile_rules:
        context = crossfile.RepoContext(blueprint, Path(root) if root else Path(path).parent)
        result.extend(registry.run("repo", context))
    return result


BLUEPRINT_TARGETS = ("yaml", "blueprint-schema", "blueprint", "repo")


def rule_catalogue() -> dict[str, str]:
    """``{rule id: what it wants}`` for every id the Blueprint checker can report."""
    return {
        info.id: info.summary for info in registry.load_all() if info.target in BLUEPRINT_TARGETS
    }
