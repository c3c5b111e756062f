"""The Dockerfile checker: DF rules, the build context's DI rules, hadolint and its config (HL001).

Whether the HEALTHCHECK probes render.yaml's ``healthCheckPath`` is XF003's question (the
Blueprint check), so one mismatch is reported once.
"""

from __future__ import annotations

import os
from pathlib import Path

from deploycheck.findings import Result
from deploycheck.rules import dockerfile as dockerfile_rules
from deploycheck.rules import hadolint
from deploycheck.targets import dockerignore
from deploycheck.targets.dockerfile import Dockerfile
from deploycheck.targets.dockerignore import BuildContext, Dockerignore

HADOLINT_CONFIG = ".hadolint.yaml"


def check_dockerfile(path: str | os.PathLike[str], *, root: str | os.PathLike[str] = ".") -> Result:
    """Every finding for the Dockerfile at ``path`` built in the context ``root``.

    ``root`` holds the .dockerignore and the .hadolint.yaml (hadolint's defaults without one).
    Raises ``ConfigFileError`` when the Dockerfile
    is missing or has no FROM, ``ToolUnavailableError`` when hadolint cannot run.
    """
    context_root = Path(root)
    dockerfile = Dockerfile(path)
    result = Result(dockerfile_rules.check(dockerfile))
    context = BuildContext(context_root, dockerfile, Dockerignore(context_root / ".dockerignore"))
    result.extend(dockerignore.check(context))
    config = context_root / HADOLINT_CONFIG
    result.extend(hadolint.lint(dockerfile.path, config if config.is_file() else None))
    if config.is_file():
        result.extend(hadolint.unjustified_ignores(config))
    return result
