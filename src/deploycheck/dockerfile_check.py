"""The Dockerfile checker: DF rules, the build context's DI rules, hadolint and its config (HL001).

Whether the HEALTHCHECK probes render.yaml's ``healthCheckPath`` is XF003's question (the
Blueprint check), so one mismatch is reported once. hadolint runs with the config file that
deploycheck's config names (HL002's ``config`` option, relative to that config's folder) or
with one built from HL002's options; never with a ``.hadolint.yaml`` it happens to find.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from deploycheck import registry
from deploycheck.config import Config, config_for
from deploycheck.findings import Result
from deploycheck.rules import hadolint
from deploycheck.targets.dockerfile import Dockerfile, display_path
from deploycheck.targets.dockerignore import BuildContext, Dockerignore


def hadolint_config(config: Config) -> Path | None:
    """The hadolint config file ``config`` names, resolved against its folder, or None."""
    named = config.options("HL002").get("config")
    if not named:
        return None
    path = Path(str(named))
    return path if path.is_absolute() or config.root is None else config.root / path


def check_dockerfile(
    path: str | os.PathLike[str],
    *,
    root: str | os.PathLike[str] = ".",
    config: Config | None = None,
    environ: Mapping[str, str] | None = None,
    target: str | None = None,
) -> Result:
    """Every finding for the Dockerfile at ``path`` built in the context ``root``.

    ``config`` defaults to the one found from ``path`` upward (:func:`config_for`), under the
    env-var overrides in ``environ`` (default ``os.environ``). Raises ``ConfigFileError`` when
    the Dockerfile is missing, has no FROM or no stage ``target`` (the stage
    ``docker build --target`` builds; default the last), ``ConfigError`` for a bad config and
    ``ToolUnavailableError`` when hadolint cannot run.
    """
    settings = (config if config is not None else config_for(path)).with_overrides(environ=environ)
    context_root = Path(root)
    dockerfile = Dockerfile(path, target, context_root)
    ignore = Dockerignore.for_build(context_root, dockerfile.path)
    findings = registry.run("dockerfile", dockerfile, settings)
    findings += registry.run("context", BuildContext(context_root, dockerfile, ignore), settings)
    files = {dockerfile.display_path: dockerfile.path, ignore.display_path: ignore.path}
    if settings.enabled("HL002"):
        lint_config = hadolint_config(settings)
        linted = hadolint.lint(dockerfile.path, lint_config, options=settings.options("HL002"))
        findings += hadolint.of_the_image(linted, dockerfile)
        if lint_config is not None and settings.enabled("HL001"):
            findings += hadolint.unjustified_ignores(lint_config)
            files[display_path(lint_config)] = lint_config
    return Result(settings.finish(findings, files))
