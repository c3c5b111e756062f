"""``deploycheck rehearse``'s run: build the Blueprint's web service, run each scenario on a
fresh stack with the project's workload (fresh databases on shared servers, or servers of its
own for a scenario that stops them), and write the report. Library code: it returns the
report and never exits; :mod:`.command` turns it into an exit code."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import docker

from deploycheck.errors import HarnessError
from deploycheck.rehearse.datastores import SharedDatastores
from deploycheck.rehearse.report import CHART_DIR, RehearsalReport, ScenarioResult
from deploycheck.rehearse.scenarios import SCENARIOS, skipped_because
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
    shared = SharedDatastores(target)
    try:
        log(f"building {target.dockerfile} in {target.docker_context}/")
        tag = re.sub(r"[^a-z0-9_.-]+", "-", target.name.lower())
        image = builds.build(f"rehearse-{tag}", project / target.docker_context).image.ref
        for scenario in SCENARIOS:
            if rehearsal.only and scenario.name not in rehearsal.only:
                continue
            log_dir = rehearsal.report_dir / CHART_DIR / "logs" / scenario.name
            result = ScenarioResult(scenario.name, log_dir=log_dir)
            report.scenarios.append(result)
            reason = skipped_because(scenario, target)
            if reason:
                result.verdict = "skipped"
                result.notes.append(f"Skipped: {reason}.")
                log(f"{scenario.name}: skipped ({reason})")
                continue
            log(f"{scenario.name}: running")
            workload = ConfiguredWorkload(rehearsal.settings, target.health_path)
            try:
                with rehearsal_stack(
                    target,
                    workload,
                    extra_env=rehearsal.settings.env,
                    dashboard=rehearsal.settings.dashboard,
                    shared=None if scenario.own_datastores else shared,
                    scenario=scenario.name,
                ) as stack:
                    problems = scenario.run(stack, image, result)
            except (HarnessError, docker.errors.DockerException, RuntimeError) as exc:
                problems = [f"the scenario could not run: {' '.join(str(exc).split())[:500]}"]
            result.verdict = "fail" if problems else "pass"
            result.notes += problems
            log(f"{scenario.name}: {result.verdict}" + "".join(f"\n  - {p}" for p in problems))
        report.write(rehearsal.report_dir)
    finally:
        shared.close()
        builds.remove_all()
        client.close()
    return report


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
