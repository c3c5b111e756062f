"""The images a rehearsal deploys: each service's, built from the Blueprint's
``dockerfilePath`` in its ``dockerContext`` (once per pair), and the previous version a deploy
starts from, built from a git ref of the project or named as an image."""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from deploycheck.rehearse.target import DeployTarget
from deploycheck.testing import engine
from deploycheck.testing.builds import ImageBuilds

Log = Callable[[str], None]


class ServiceImages:
    """The image of each service, built once per (dockerContext, dockerfilePath)."""

    def __init__(self, builds: ImageBuilds, project: Path, log: Log) -> None:
        self.builds = builds
        self.project = project
        self.log = log
        self.built: dict[tuple[str, str], str] = {}

    def of(self, target: DeployTarget) -> str:
        """``target``'s image from the project's working tree."""
        if target.build not in self.built:
            self.built[target.build] = self.at(target, self.project)
        return self.built[target.build]

    def at(self, target: DeployTarget, tree: Path, suffix: str = "") -> str:
        """``target``'s image built from ``tree`` (another checkout of the project)."""
        self.log(f"building {target.dockerfile} in {target.docker_context}/ {suffix}".strip())
        return build_service(self.builds, target, tree, suffix)


def build_service(
    builds: ImageBuilds, target: DeployTarget, project: Path, suffix: str = "", keep: bool = False
) -> str:
    """A service's image, built from its ``dockerfilePath`` in its ``dockerContext`` (``keep``:
    see :meth:`ImageBuilds.build`); the image's reference."""
    tag = re.sub(r"[^a-z0-9_.-]+", "-", target.name.lower())
    context = project / target.docker_context
    built = builds.build(
        f"rehearse-{tag}{suffix}", context, dockerfile=target.dockerfile_in_context, keep=keep
    )
    return built.image.ref


def previous_image(spec: str, images: ServiceImages, target: DeployTarget) -> str:
    """The image of ``spec``: a git ref of the project's repository, built from that commit's
    tree (the Blueprint's dockerContext and dockerfilePath), or else an image's name."""
    project = images.project
    commit = git(project, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
    if commit is None:
        engine.ensure_image(spec)
        return spec
    top = Path(git(project, "rev-parse", "--show-toplevel") or project)
    with tempfile.TemporaryDirectory(prefix="deploycheck-from-") as tree:
        archive = subprocess.run(
            ["git", "-C", str(top), "archive", commit], capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
        checkout = Path(tree) / project.resolve().relative_to(top.resolve())
        return images.at(target, checkout, suffix=f"-{commit[:12]}")


def git(project: Path, *args: str) -> str | None:
    """``git args`` in ``project``: its output, or None when git fails (not a ref, no repo)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(project), *args], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None
