"""``deploycheck rehearse``'s run: build the Blueprint's web service, run each scenario on a
fresh stack with the project's workload, and write the report. Library code: it returns the
report and never exits; :mod:`.command` turns it into an exit code."""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import docker

from deploycheck.errors import HarnessError
from deploycheck.rehearse.report import CHART_DIR, RehearsalReport, ScenarioResult
from deploycheck.rehearse.scenarios import SCENARIOS, Versions, skipped_because
from deploycheck.rehearse.settings import RehearseSettings
from deploycheck.rehearse.stack import rehearsal_stack
from deploycheck.rehearse.target import DeployTarget, Wiring
from deploycheck.rehearse.workload import ConfiguredWorkload
from deploycheck.testing import engine
from deploycheck.testing.builds import ImageBuilds

Log = Callable[[str], None]


@dataclass(frozen=True)
class Rehearsal:
    """What to rehearse: a Blueprint, the project's ``rehearse:`` settings, where the report
    goes, build args for the image (a base image's name on an air-gapped host, say) and,
    optionally, only some scenarios by name."""

    blueprint: Path
    settings: RehearseSettings
    report_dir: Path
    build_args: dict[str, str] = field(default_factory=dict)
    only: Sequence[str] = ()
    # An image of the web service built already: no build.
    image: str | None = None
    # What zero-downtime-deploy deploys from: a git ref of the project's repository or an
    # image; None: a redeploy of the same build.
    previous: str | None = None


def scenario_names() -> list[str]:
    return [scenario.name for scenario in SCENARIOS]


def prepare_engine(project: Path) -> None:
    """A reachable engine set up for testcontainers, image names from the project's
    ``.images.env``; else a HarnessError saying what to do."""
    status = engine.engine_status()
    if not status.reachable:
        raise HarnessError(status.reason)
    engine.load_images_env(engine.images_env_file(project))
    engine.configure_testcontainers()


def rehearse(rehearsal: Rehearsal, log: Log) -> RehearsalReport:
    """Build, run every scenario (or ``only`` those), write the report; the report."""
    target = DeployTarget.from_blueprint(rehearsal.blueprint)
    project = rehearsal.blueprint.parent
    prepare_engine(project)
    report = RehearsalReport()
    report.notes += facts(target, rehearsal.settings)
    client = docker.from_env(timeout=600)
    builds = ImageBuilds(
        client,
        rehearsal.report_dir / "build",
        dockerfile=target.dockerfile_in_context,
        buildargs=rehearsal.build_args,
    )
    try:
        if rehearsal.image:
            engine.ensure_image(rehearsal.image)
            image = rehearsal.image
        else:
            log(f"building {target.dockerfile} in {target.docker_context}/")
            image = build_service(builds, target, project)
        versions = Versions(image, image)
        if rehearsal.previous:
            log(f"preparing the previous version {rehearsal.previous}")
            versions = Versions(image, previous_image(rehearsal.previous, builds, target, project))
        report.notes.append(deployed_from(rehearsal.previous, versions))
        for scenario in SCENARIOS:
            if rehearsal.only and scenario.name not in rehearsal.only:
                continue
            log_dir = rehearsal.report_dir / CHART_DIR / "logs" / scenario.name
            result = ScenarioResult(scenario.name, log_dir=log_dir)
            report.scenarios.append(result)
            workload = ConfiguredWorkload(rehearsal.settings, target.health_path)
            reason = skipped_because(scenario, target, workload)
            if reason:
                result.verdict = "skipped"
                result.notes.append(f"Skipped: {reason}.")
                log(f"{scenario.name}: skipped ({reason})")
                continue
            log(f"{scenario.name}: running")
            try:
                with rehearsal_stack(
                    target,
                    workload,
                    extra_env=rehearsal.settings.env,
                    dashboard=rehearsal.settings.dashboard,
                ) as stack:
                    problems = scenario.run(stack, versions, result)
            except (HarnessError, docker.errors.DockerException, RuntimeError) as exc:
                problems = [f"the scenario could not run: {' '.join(str(exc).split())[:500]}"]
            result.verdict = "fail" if problems else "pass"
            result.notes += problems
            log(f"{scenario.name}: {result.verdict}" + "".join(f"\n  - {p}" for p in problems))
        report.write(rehearsal.report_dir)
    finally:
        builds.remove_all()
        client.close()
    return report


def build_service(
    builds: ImageBuilds, target: DeployTarget, project: Path, suffix: str = ""
) -> str:
    """The web service's image, built from its ``dockerfilePath`` in its ``dockerContext``
    (``builds`` was made with that Dockerfile); the image's reference."""
    tag = re.sub(r"[^a-z0-9_.-]+", "-", target.name.lower())
    return builds.build(f"rehearse-{tag}{suffix}", project / target.docker_context).image.ref


def previous_image(spec: str, builds: ImageBuilds, target: DeployTarget, project: Path) -> str:
    """The image of ``spec``: a git ref of the project's repository, built from that commit's
    tree (the Blueprint's dockerContext and dockerfilePath), or else an image's name."""
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
        return build_service(builds, target, checkout, suffix=f"-{commit[:12]}")


def git(project: Path, *args: str) -> str | None:
    """``git args`` in ``project``: its output, or None when git fails (not a ref, no repo)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(project), *args], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def deployed_from(spec: str | None, versions: Versions) -> str:
    if spec is None:
        return "zero-downtime-deploy: a redeploy of the same build."
    return f"zero-downtime-deploy: from `{spec}` ({versions.previous}) to `{versions.current}`."


def facts(target: DeployTarget, settings: RehearseSettings) -> list[str]:
    """What the report says of the emulation: generated values, what is not checked."""
    notes = []
    generated = target.generated_sync_keys(Wiring("", "", settings.dashboard))
    if generated:
        notes.append(
            "`sync: false` values generated (none given under `rehearse: dashboard:`): "
            + ", ".join(f"`{key}`" for key in generated)
            + "."
        )
    reads = ", ".join(f"`{call}`" for call in settings.read_calls(target.health_path))
    notes.append(f"Load: {reads} in turn.")
    if settings.write is None:
        notes.append("No write probe (`rehearse: write:`): acknowledged writes are not checked.")
    else:
        notes.append(
            f"Writes: one request in four is `{settings.write.request}`; each one acknowledged "
            f"is looked up with `{settings.write.check}` after the scenario."
        )
    return notes
