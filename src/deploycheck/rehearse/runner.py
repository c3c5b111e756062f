"""``deploycheck rehearse``'s run: build the Blueprint's web service, run each scenario on a
fresh stack with the project's workload (fresh databases on shared servers, or servers of its
own for a scenario that stops them), and write the report. Library code: it returns the
report and never exits; :mod:`.command` turns it into an exit code."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

import docker
from dotenv import dotenv_values

from deploycheck.errors import ConfigFileError, HarnessError
from deploycheck.rehearse.balancer import (
    CHECK_FALL,
    CHECK_INTER_MS,
    COMPRESSION,
    RENDER_OUT_OF_ROUTING_S,
    RENDER_RESTART_S,
)
from deploycheck.rehearse.datastores import SharedDatastores
from deploycheck.rehearse.images import postgres_image
from deploycheck.rehearse.report import CHART_DIR, RehearsalReport, ScenarioResult
from deploycheck.rehearse.restarts import RESTART_AFTER_S
from deploycheck.rehearse.scenarios import SCENARIOS, Scenario, Versions, skipped_because
from deploycheck.rehearse.service_images import ServiceImages, previous_image
from deploycheck.rehearse.settings import RehearseSettings
from deploycheck.rehearse.stack import rehearsal_stack
from deploycheck.rehearse.target import DeployTarget, Wiring
from deploycheck.rehearse.workers import running_workers, worker_report
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
    # sync: false values, KEY=VALUE lines (--env-file; over `rehearse: env_file:`).
    env_file: Path | None = None
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
    """Build, run every scenario (or ``only`` those) for each web service of the Blueprint,
    its workers running beside it, and write the report; the report."""
    targets = DeployTarget.web_services(rehearsal.blueprint)
    workers = DeployTarget.workers(rehearsal.blueprint)
    project = rehearsal.blueprint.parent
    dashboard, from_file = dashboard_values(rehearsal, project)
    prepare_engine(project)
    report = RehearsalReport()
    client = docker.from_env(timeout=600)
    builds = ImageBuilds(
        client,
        rehearsal.report_dir / "build",
        dockerfile=targets[0].dockerfile_in_context,
        buildargs=rehearsal.build_args,
    )
    images = ServiceImages(builds, project, log)
    if rehearsal.image:
        engine.ensure_image(rehearsal.image)
        images.built[targets[0].build] = rehearsal.image
    closing = ExitStack()
    try:
        for target in targets:
            shared = closing.enter_context(SharedDatastores(target))
            # The config's workload speaks to the first web service; others get the default.
            settings = rehearsal.settings if target is targets[0] else RehearseSettings()
            settings = replace(settings, env=rehearsal.settings.env, dashboard=dashboard)
            prefix = f"{target.name}." if len(targets) > 1 else ""
            current = images.of(target)
            versions = Versions(current, current)
            if rehearsal.previous and target is targets[0]:
                log(f"preparing the previous version {rehearsal.previous}")
                versions = Versions(current, previous_image(rehearsal.previous, images, target))
            report.notes += [
                f"{prefix}{note}" for note in facts(target, settings, from_file, workers)
            ]
            report.notes.append(f"{prefix}{deployed_from(rehearsal.previous, versions)}")
            worker_images = {worker.name: images.of(worker) for worker in workers}
            for scenario in SCENARIOS:
                if rehearsal.only and scenario.name not in rehearsal.only:
                    continue
                result = run_scenario(
                    scenario,
                    Rehearsed(target, settings, versions, workers, worker_images, shared),
                    rehearsal.report_dir / CHART_DIR / "logs" / f"{prefix}{scenario.name}",
                    log,
                )
                result.name = f"{prefix}{scenario.name}"
                report.scenarios.append(result)
        report.write(rehearsal.report_dir)
    finally:
        closing.close()
        builds.remove_all()
        client.close()
    return report


@dataclass(frozen=True)
class Rehearsed:
    """One web service as the scenarios rehearse it, with the workers that run beside it."""

    target: DeployTarget
    settings: RehearseSettings
    versions: Versions
    workers: Sequence[DeployTarget]
    worker_images: Mapping[str, str]
    # The servers its scenarios lease fresh databases on, but for those that stop or cut them.
    shared: SharedDatastores


def run_scenario(
    scenario: Scenario, rehearsed: Rehearsed, log_dir: Path, log: Log
) -> ScenarioResult:
    """``scenario`` on a fresh stack; its result, verdict included."""
    target, settings = rehearsed.target, rehearsed.settings
    result = ScenarioResult(scenario.name, log_dir=log_dir)
    workload = ConfiguredWorkload(settings, target.health_path)
    reason = skipped_because(scenario, target, workload)
    if reason:
        result.verdict = "skipped"
        result.notes.append(f"Skipped: {reason}.")
        log(f"{scenario.name}: skipped ({reason})")
        return result
    log(f"{target.name} {scenario.name}: running")
    try:
        with (
            rehearsal_stack(
                target,
                workload,
                extra_env=settings.env,
                dashboard=settings.dashboard,
                shared=None if scenario.own_datastores else rehearsed.shared,
                scenario=scenario.name,
            ) as stack,
            running_workers(
                stack, rehearsed.workers, rehearsed.worker_images, settings.dashboard, settings.env
            ) as workers,
        ):
            problems = scenario.run(stack, rehearsed.versions, result)
            worker_problems, notes = worker_report(workers, log_dir)
            problems += worker_problems
            result.notes += notes
    except (HarnessError, docker.errors.DockerException, RuntimeError) as exc:
        problems = [f"the scenario could not run: {' '.join(str(exc).split())[:500]}"]
    result.verdict = "fail" if problems else "pass"
    result.notes += problems
    log(f"{scenario.name}: {result.verdict}" + "".join(f"\n  - {p}" for p in problems))
    return result


def dashboard_values(rehearsal: Rehearsal, project: Path) -> tuple[dict[str, str], Path | None]:
    """The ``sync: false`` values: ``rehearse: dashboard:``, then those of the env file
    (``--env-file``, else ``rehearse: env_file:`` relative to the Blueprint's folder); the
    file read, if any. ConfigFileError when it cannot be read."""
    named = rehearsal.env_file or rehearsal.settings.env_file
    if named is None:
        return dict(rehearsal.settings.dashboard), None
    path = Path(named) if rehearsal.env_file else project / named
    if not path.is_file():
        raise ConfigFileError(f"cannot read the env file {path}: no such file")
    values = {key: value or "" for key, value in dotenv_values(path).items()}
    return {**rehearsal.settings.dashboard, **values}, path


def deployed_from(spec: str | None, versions: Versions) -> str:
    if spec is None:
        return "zero-downtime-deploy: a redeploy of the same build."
    return f"zero-downtime-deploy: from `{spec}` ({versions.previous}) to `{versions.current}`."


def facts(
    target: DeployTarget,
    settings: RehearseSettings,
    env_file: Path | None,
    workers: Sequence[DeployTarget],
) -> list[str]:
    """What the report says of the emulation: where values came from, what ran beside the
    service, what is not checked."""
    notes = []
    for service in (target, *workers):
        given = [key for key in service.sync_keys if key in settings.dashboard]
        generated = service.generated_sync_keys(Wiring("", "", settings.dashboard))
        source = f"`rehearse: dashboard:` or {env_file}" if env_file else "`rehearse: dashboard:`"
        if given:
            notes.append(f"{service.name}: `sync: false` values from {source}: {_keys(given)}.")
        if generated:
            notes.append(f"{service.name}: `sync: false` values generated: {_keys(generated)}.")
    if target.postgres_versions:
        version = target.postgres_versions[0]
        notes.append(f"PostgreSQL {version} (postgresMajorVersion): `{postgres_image(version)}`.")
    out = CHECK_INTER_MS * CHECK_FALL / 1000
    notes.append(
        f"Clock compressed {COMPRESSION:g}x: an instance failing its health checks leaves "
        f"routing after {out:g} s (Render: {RENDER_OUT_OF_ROUTING_S} s) and is restarted after "
        f"{RESTART_AFTER_S:g} s (Render: {RENDER_RESTART_S} s); maxShutdownDelaySeconds "
        f"({target.shutdown_window} s) is not compressed."
    )
    if target.health_path is None:
        notes.append("No healthCheckPath: the proxy probes the port over TCP, as Render does.")
    notes += [
        f"Worker {w.name} runs beside it (`{w.docker_command or 'the image CMD'}`)."
        for w in workers
    ]
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


def _keys(keys: Sequence[str]) -> str:
    return ", ".join(f"`{key}`" for key in keys)
