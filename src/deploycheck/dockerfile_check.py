"""The Dockerfile checker: DF rules, the build context's DI rules, hadolint and its config (HL001).

DF005 is given the web service's ``healthCheckPath`` from the ``render.yaml`` in the build
context, so the Dockerfile is checked against the path Render will probe; /health without one.
"""

from __future__ import annotations

import os
from pathlib import Path

from deploycheck.findings import Result
from deploycheck.rules import dockerfile as dockerfile_rules
from deploycheck.rules import hadolint
from deploycheck.targets import dockerignore
from deploycheck.targets.blueprint import Blueprint
from deploycheck.targets.dockerfile import Dockerfile
from deploycheck.targets.dockerignore import BuildContext, Dockerignore

HADOLINT_CONFIG = ".hadolint.yaml"


def health_path_in(root: Path) -> str:
    """``root``'s render.yaml web service ``healthCheckPath``; /health when there is none."""
    blueprint_path = root / "render.yaml"
    if not blueprint_path.is_file():
        return dockerfile_rules.DEFAULT_HEALTH_PATH
    web = Blueprint.load(blueprint_path).web_service
    path = web.get("healthCheckPath") if web else None
    return path if isinstance(path, str) and path else dockerfile_rules.DEFAULT_HEALTH_PATH


def check_dockerfile(path: str | os.PathLike[str], *, root: str | os.PathLike[str] = ".") -> Result:
    """Every finding for the Dockerfile at ``path`` built in the context ``root``.

    ``root`` holds the .dockerignore, the .hadolint.yaml (hadolint's defaults without one) and
    the render.yaml the health path comes from. Raises ``ConfigFileError`` when the Dockerfile
    is missing or has no FROM, ``ToolUnavailableError`` when hadolint cannot run.
    """
    context_root = Path(root)
    dockerfile = Dockerfile(path)
    result = Result(dockerfile_rules.check(dockerfile, health_path=health_path_in(context_root)))
    context = BuildContext(context_root, dockerfile, Dockerignore(context_root / ".dockerignore"))
    result.extend(dockerignore.check(context))
    config = context_root / HADOLINT_CONFIG
    result.extend(hadolint.lint(dockerfile.path, config if config.is_file() else None))
    if config.is_file():
        result.extend(hadolint.unjustified_ignores(config))
    return result
