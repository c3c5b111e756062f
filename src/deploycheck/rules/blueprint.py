"""Blueprint rules for the shape of the deployment: web service, scaling, plan, deploys, datastores.

On by default only what holds for any Blueprint, whether it deploys a web service, workers,
cron jobs or a static site: scaling bounds Render accepts (error), no disk on a scaled service
(error), datastores reachable from the internet (a warning: Render allows it, and a project may
want it), a web service without ``healthCheckPath`` (advice: Render then waits for the port).
Conventions are opt-in (RB001, one web service). The numbers one project wants (its scaling
range and targets, plan, deploy trigger, eviction policy, PostgreSQL version) are rule options
from that project's config; a rule whose option is unset checks nothing. Env var rules live in
``blueprint_env``, the ``from*`` references' in ``blueprint_refs``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from deploycheck.findings import FROM_CONFIG, Level, Problem
from deploycheck.registry import rule
from deploycheck.targets.blueprint import Blueprint, Resource
from deploycheck.targets.yamlfile import YamlPath


def _mismatch(
    bp: Blueprint, path: YamlPath, got: object, want: object, unset: str = "missing"
) -> Problem:
    """``is 'starter', wants 'standard' (from the project's config)``; ``unset`` for None."""
    shown = unset if got is None else f"is {got!r}"
    return bp.problem(path, f"{shown}, wants {want!r} {FROM_CONFIG}")


def _scaling_number(bp: Blueprint, web: Resource, key: str) -> int | None:
    value = bp.scaling(web).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@rule("RB001", target="blueprint", enabled=False)
def web_service_present(bp: Blueprint) -> Iterator[Problem]:
    """The Blueprint declares a web service for the app.

    Opt-in, a convention: a Blueprint of workers, cron jobs, private services or static sites
    is valid.
    Passes: ``services: [{type: web, name: example-app, ...}]``
    Fails:  ``services: [{type: keyvalue, name: cache, ...}]`` (nothing serves HTTP)
    """
    if bp.web_service is None:
        yield bp.problem(("services",), "no service has type: web")


@rule("RB002", target="blueprint", options={"min_instances": int})
def min_instances_floor(bp: Blueprint, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The web service autoscales and never below ``min_instances`` (when configured).

    With ``min_instances: 1``:
    Passes: ``scaling: {minInstances: 1, maxInstances: 3, ...}``
    Fails:  ``scaling: {minInstances: 0, maxInstances: 3, ...}``, or no ``scaling`` at all
    """
    web, floor = bp.web_service, options["min_instances"]
    if web is None or floor is None:
        return
    if not bp.scaling(web):
        yield bp.problem(web.path, "no scaling block: autoscaling is off")
        return
    low = _scaling_number(bp, web, "minInstances")
    if low is not None and low < floor:
        yield bp.problem(
            (*web.path, "scaling", "minInstances"),
            f"is {low}, the floor is {floor} {FROM_CONFIG}",
        )


@rule("RB003", target="blueprint", options={"max_instances": int})
def max_instances_ceiling(bp: Blueprint, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Autoscaling stays at or under ``max_instances`` (when configured), a cost cap.

    With ``max_instances: 3``:
    Passes: ``scaling: {minInstances: 1, maxInstances: 3, ...}``
    Fails:  ``scaling: {minInstances: 1, maxInstances: 10, ...}``
    """
    web, ceiling = bp.web_service, options["max_instances"]
    high = _scaling_number(bp, web, "maxInstances") if web else None
    if web is not None and ceiling is not None and high is not None and high > ceiling:
        yield bp.problem(
            (*web.path, "scaling", "maxInstances"),
            f"is {high}, the ceiling is {ceiling} {FROM_CONFIG}",
        )


@rule("RB004", target="blueprint")
def min_not_above_max(bp: Blueprint) -> Iterator[Problem]:
    """``minInstances`` is not above ``maxInstances`` (Render rejects such a Blueprint).

    Checked on every service that autoscales (web, private services, workers).
    Passes: ``scaling: {minInstances: 1, maxInstances: 3, ...}``
    Fails:  ``scaling: {minInstances: 3, maxInstances: 2, ...}``
    """
    for service in bp.services:
        low = _scaling_number(bp, service, "minInstances")
        high = _scaling_number(bp, service, "maxInstances")
        if low is not None and high is not None and low > high:
            yield bp.problem(
                (*service.path, "scaling", "minInstances"),
                f"is {low}, above maxInstances {high}",
            )


def _target_percent(bp: Blueprint, key: str, want: int | None) -> Iterator[Problem]:
    web = bp.web_service
    if want is None or web is None or not bp.scaling(web):
        return
    got = bp.scaling(web).get(key)
    if got != want:
        yield _mismatch(bp, (*web.path, "scaling", key), got, want)


@rule("RB005", target="blueprint", options={"percent": int})
def memory_target(bp: Blueprint, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Autoscaling targets the configured memory use (option ``percent``).

    With ``percent: 70``:
    Passes: ``targetMemoryPercent: 70``
    Fails:  ``targetMemoryPercent: 95`` (instances would be near OOM before scaling out)
    """
    yield from _target_percent(bp, "targetMemoryPercent", options["percent"])


@rule("RB006", target="blueprint", options={"percent": int})
def cpu_target(bp: Blueprint, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Autoscaling targets the configured CPU use (option ``percent``).

    With ``percent: 80``:
    Passes: ``targetCPUPercent: 80``
    Fails:  ``targetCPUPercent: 50`` (scales out, and pays, long before it is needed)
    """
    yield from _target_percent(bp, "targetCPUPercent", options["percent"])


def _web_setting(bp: Blueprint, key: str, want: str | None, unset: str) -> Iterator[Problem]:
    web = bp.web_service
    if want is not None and web is not None and web.get(key) != want:
        yield _mismatch(bp, (*web.path, key), web.get(key), want, unset)


@rule("RB007", target="blueprint", options={"plan": str})
def plan_matches(bp: Blueprint, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The web service runs on the configured plan (option ``plan``).

    With ``plan: standard``:
    Passes: ``plan: standard``
    Fails:  ``plan: starter`` (a smaller instance than the one the project sized its workers for)
    """
    unset = "missing (Render defaults to starter)"
    yield from _web_setting(bp, "plan", options["plan"], unset)


@rule("RB008", target="blueprint", level=Level.INFO)
def health_check_path_set(bp: Blueprint) -> Iterator[Problem]:
    """Web services have a ``healthCheckPath``, so Render routes only to instances that answer.

    Advice: without one Render still checks that the port is open before it routes traffic, so
    an app that listens before it can serve (no database yet) takes requests during a deploy.
    Passes: ``healthCheckPath: /health``
    Fails:  no ``healthCheckPath`` (Render waits for the open port only)
    """
    for web in bp.web_services:
        if not web.get("healthCheckPath"):
            yield bp.problem(
                web.path,
                f"service {web.name!r} has no healthCheckPath: Render only waits for its port",
            )


@rule("RB009", target="blueprint", options={"trigger": str})
def auto_deploy_trigger(bp: Blueprint, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The web service deploys on the configured trigger (option ``trigger``).

    With ``trigger: checksPass``:
    Passes: ``autoDeployTrigger: checksPass`` (a red pull-request check never deploys)
    Fails:  ``autoDeployTrigger: commit`` (every push to the branch deploys, even a red one)
    """
    unset = "missing (Render defaults to commit)"
    yield from _web_setting(bp, "autoDeployTrigger", options["trigger"], unset)


@rule("RB017", target="blueprint", options={"policy": str})
def key_value_eviction(bp: Blueprint, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Key Value evicts by the configured ``policy``, say ``allkeys-lru`` for a cache.

    With ``policy: allkeys-lru``:
    Passes: ``maxmemoryPolicy: allkeys-lru``
    Fails:  ``maxmemoryPolicy: noeviction`` (writes fail with OOM once memory is full)
    """
    want = options["policy"]
    for kv in bp.key_value_services if want is not None else ():
        got = kv.get("maxmemoryPolicy")
        if got != want:
            yield _mismatch(bp, (*kv.path, "maxmemoryPolicy"), got, want)


def _is_private(source: object) -> bool:
    try:
        return ipaddress.ip_network(str(source), strict=False).is_private
    except ValueError:
        return False


@rule("RB018", target="blueprint")
def datastores_not_public(bp: Blueprint) -> Iterator[Problem]:
    """Databases and Key Value accept no internet traffic: ``ipAllowList`` empty or private.

    An error: without an ``ipAllowList`` Render accepts connections from the whole internet,
    so the database's password and its server are all that stands between any scanner and the
    data (the finding cloud security scanners give a public database). Render allows it, and
    a project that needs outside access (a BI tool, a laptop) lists those sources instead.
    Passes: ``ipAllowList: []`` (reachable only on Render's private network)
    Fails:  ``ipAllowList: [{source: 0.0.0.0/0}]``, or no ``ipAllowList`` (Render allows all)
    """
    for store in (*bp.databases, *bp.key_value_services):
        allow = store.get("ipAllowList")
        if not isinstance(allow, list):
            yield bp.problem(
                store.path, f"{store.name!r} has no ipAllowList: reachable from anywhere"
            )
            continue
        for i, entry in enumerate(allow):
            source = entry.get("source") if isinstance(entry, dict) else entry
            if not _is_private(source):
                yield bp.problem(
                    (*store.path, "ipAllowList", i),
                    f"{store.name!r} allows {source!r}: only private ranges may connect",
                )


@rule("RB019", target="blueprint", options={"version": (str, int)})
def postgres_version(bp: Blueprint, options: Mapping[str, Any]) -> Iterator[Problem]:
    """PostgreSQL runs the configured major ``version`` (the one the tests run against).

    With ``version: "15"``:
    Passes: ``postgresMajorVersion: "15"``
    Fails:  ``postgresMajorVersion: "14"`` (tests ran against another version than prod)
    """
    want = options["version"]
    for db in bp.databases if want is not None else ():
        got = db.get("postgresMajorVersion")
        if str(got) != str(want):
            unset = "missing (Render picks its newest)"
            yield _mismatch(bp, (*db.path, "postgresMajorVersion"), got, str(want), unset)


@rule("RB020", target="blueprint")
def no_disk_with_scaling(bp: Blueprint) -> Iterator[Problem]:
    """A service with a persistent disk runs one instance: Render cannot scale it.

    Passes: ``scaling: {...}`` and no ``disk`` (logs go to stdout)
    Fails:  ``disk: {mountPath: /app/logs}`` with ``scaling`` or ``numInstances: 3``
    """
    for service in bp.services:
        if not bp.disk(service):
            continue
        instances = service.get("numInstances", 1)
        if bp.scaling(service) or (isinstance(instances, int) and instances > 1):
            yield bp.problem(
                (*service.path, "disk"),
                f"{service.name!r} has a disk and more than one instance: Render blocks "
                "scaling and zero-downtime deploys for services with a disk",
            )
