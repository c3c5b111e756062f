"""Policy rules for the shape of the deployment: web service, scaling, plan, deploys, datastores.

Each rule has an id, a default level and a docstring whose first line says what it wants,
followed by a passing and a failing example. Env var rules live in ``blueprint_env_rules``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from deploycheck.findings import Problem
from deploycheck.policy import PolicyTarget
from deploycheck.registry import rule
from deploycheck.targets.blueprint import Resource
from deploycheck.targets.yamlfile import YamlPath


def _policy_mismatch(
    target: PolicyTarget,
    path: YamlPath,
    got: object,
    want: object,
    env: str,
    unset: str = "missing",
) -> Problem:
    """``is 'starter', policy wants 'standard' (GRADETRACKER_PLAN)``, or ``unset`` for None."""
    shown = unset if got is None else f"is {got!r}"
    return target.blueprint.problem(path, f"{shown}, policy wants {want!r} ({env})")


def _scaling_number(target: PolicyTarget, web: Resource, key: str) -> int | None:
    value = target.blueprint.scaling(web).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@rule("RB001", target="blueprint")
def web_service_present(target: PolicyTarget) -> Iterator[Problem]:
    """The Blueprint declares a web service for the app.

    Passes: ``services: [{type: web, name: gradetracker, ...}]``
    Fails:  ``services: [{type: keyvalue, name: cache, ...}]`` (nothing serves HTTP)
    """
    if target.blueprint.web_service is None:
        yield target.blueprint.problem(("services",), "no service has type: web")


@rule("RB002", target="blueprint")
def min_instances_floor(target: PolicyTarget) -> Iterator[Problem]:
    """The web service autoscales and never below the policy floor (default 1 instance).

    Passes: ``scaling: {minInstances: 1, maxInstances: 3, ...}``
    Fails:  ``scaling: {minInstances: 0, maxInstances: 3, ...}``
    """
    web, floor = target.blueprint.web_service, target.policy.min_instances
    if web is None:
        return
    if not target.blueprint.scaling(web):
        yield target.blueprint.problem(web.path, "no scaling block: autoscaling is off")
        return
    low = _scaling_number(target, web, "minInstances")
    if low is not None and low < floor:
        yield target.blueprint.problem(
            (*web.path, "scaling", "minInstances"),
            f"is {low}, policy floor is {floor} (GRADETRACKER_MIN_INSTANCES)",
        )


@rule("RB003", target="blueprint")
def max_instances_ceiling(target: PolicyTarget) -> Iterator[Problem]:
    """Autoscaling stays at or under the policy ceiling (default 3 instances), a cost cap.

    Passes: ``scaling: {minInstances: 1, maxInstances: 3, ...}``
    Fails:  ``scaling: {minInstances: 1, maxInstances: 10, ...}``
    """
    web, ceiling = target.blueprint.web_service, target.policy.max_instances
    high = _scaling_number(target, web, "maxInstances") if web else None
    if web is not None and high is not None and high > ceiling:
        yield target.blueprint.problem(
            (*web.path, "scaling", "maxInstances"),
            f"is {high}, policy ceiling is {ceiling} (GRADETRACKER_MAX_INSTANCES)",
        )


@rule("RB004", target="blueprint")
def min_not_above_max(target: PolicyTarget) -> Iterator[Problem]:
    """``minInstances`` is not above ``maxInstances`` (Render rejects such a Blueprint).

    Passes: ``scaling: {minInstances: 1, maxInstances: 3, ...}``
    Fails:  ``scaling: {minInstances: 3, maxInstances: 2, ...}``
    """
    web = target.blueprint.web_service
    if web is None:
        return
    low = _scaling_number(target, web, "minInstances")
    high = _scaling_number(target, web, "maxInstances")
    if low is not None and high is not None and low > high:
        yield target.blueprint.problem(
            (*web.path, "scaling", "minInstances"),
            f"is {low}, above maxInstances {high}",
        )


def _target_percent(target: PolicyTarget, key: str, want: int, env: str) -> Iterator[Problem]:
    web = target.blueprint.web_service
    if web is None or not target.blueprint.scaling(web):
        return
    got = target.blueprint.scaling(web).get(key)
    if got != want:
        yield _policy_mismatch(target, (*web.path, "scaling", key), got, want, env)


@rule("RB005", target="blueprint")
def memory_target(target: PolicyTarget) -> Iterator[Problem]:
    """Autoscaling targets the policy memory use (default 70%).

    Passes: ``targetMemoryPercent: 70``
    Fails:  ``targetMemoryPercent: 95`` (instances would be near OOM before scaling out)
    """
    want = target.policy.target_memory_percent
    env = "GRADETRACKER_TARGET_MEMORY_PERCENT"
    yield from _target_percent(target, "targetMemoryPercent", want, env)


@rule("RB006", target="blueprint")
def cpu_target(target: PolicyTarget) -> Iterator[Problem]:
    """Autoscaling targets the policy CPU use (default 80%).

    Passes: ``targetCPUPercent: 80``
    Fails:  ``targetCPUPercent: 50`` (scales out, and pays, long before it is needed)
    """
    want, env = target.policy.target_cpu_percent, "GRADETRACKER_TARGET_CPU_PERCENT"
    yield from _target_percent(target, "targetCPUPercent", want, env)


def _web_setting(
    target: PolicyTarget, key: str, want: str, env: str, unset: str
) -> Iterator[Problem]:
    web = target.blueprint.web_service
    if web is not None and web.get(key) != want:
        yield _policy_mismatch(target, (*web.path, key), web.get(key), want, env, unset)


@rule("RB007", target="blueprint")
def plan_matches(target: PolicyTarget) -> Iterator[Problem]:
    """The web service runs on the policy plan (default ``standard``: 1 GB for 3 workers).

    Passes: ``plan: standard``
    Fails:  ``plan: starter`` (512 MB: three gevent workers run out of memory)
    """
    want, unset = target.policy.plan, "missing (Render defaults to starter)"
    yield from _web_setting(target, "plan", want, "GRADETRACKER_PLAN", unset)


@rule("RB008", target="blueprint")
def health_check_path_set(target: PolicyTarget) -> Iterator[Problem]:
    """The web service has a ``healthCheckPath``, so Render only routes to healthy instances.

    Passes: ``healthCheckPath: /health``
    Fails:  no ``healthCheckPath`` (a broken deploy would take traffic)
    """
    web = target.blueprint.web_service
    if web is not None and not web.get("healthCheckPath"):
        yield target.blueprint.problem(web.path, f"service {web.name!r} has no healthCheckPath")


@rule("RB009", target="blueprint")
def auto_deploy_trigger(target: PolicyTarget) -> Iterator[Problem]:
    """The web service deploys on the policy trigger (default ``checksPass``).

    Passes: ``autoDeployTrigger: checksPass`` (a red pull-request check never deploys)
    Fails:  ``autoDeployTrigger: commit`` (every push to the branch deploys, even a red one)
    """
    want, unset = target.policy.auto_deploy_trigger, "missing (Render defaults to commit)"
    env = "GRADETRACKER_AUTO_DEPLOY_TRIGGER"
    yield from _web_setting(target, "autoDeployTrigger", want, env, unset)


@rule("RB017", target="blueprint")
def key_value_eviction(target: PolicyTarget) -> Iterator[Problem]:
    """Key Value evicts by the policy (default ``allkeys-lru``): it is a cache, never full.

    Passes: ``maxmemoryPolicy: allkeys-lru``
    Fails:  ``maxmemoryPolicy: noeviction`` (writes fail with OOM once memory is full)
    """
    want = target.policy.redis_eviction
    for kv in target.blueprint.key_value_services:
        got = kv.get("maxmemoryPolicy")
        if got != want:
            path = (*kv.path, "maxmemoryPolicy")
            yield _policy_mismatch(target, path, got, want, "GRADETRACKER_REDIS_EVICTION")


def _is_private(source: object) -> bool:
    try:
        return ipaddress.ip_network(str(source), strict=False).is_private
    except ValueError:
        return False


@rule("RB018", target="blueprint")
def datastores_not_public(target: PolicyTarget) -> Iterator[Problem]:
    """Databases and Key Value accept no internet traffic: ``ipAllowList`` empty or private.

    Passes: ``ipAllowList: []`` (reachable only on Render's private network)
    Fails:  ``ipAllowList: [{source: 0.0.0.0/0}]``, or no ``ipAllowList`` (Render allows all)
    """
    for store in (*target.blueprint.databases, *target.blueprint.key_value_services):
        allow = store.get("ipAllowList")
        if not isinstance(allow, list):
            yield target.blueprint.problem(
                store.path, f"{store.name!r} has no ipAllowList: reachable from anywhere"
            )
            continue
        for i, entry in enumerate(allow):
            source = entry.get("source") if isinstance(entry, dict) else entry
            if not _is_private(source):
                yield target.blueprint.problem(
                    (*store.path, "ipAllowList", i),
                    f"{store.name!r} allows {source!r}: only private ranges may connect",
                )


@rule("RB019", target="blueprint")
def postgres_version(target: PolicyTarget) -> Iterator[Problem]:
    """PostgreSQL runs the policy major version (default 15, as the local postgres:15 image).

    Passes: ``postgresMajorVersion: "15"``
    Fails:  ``postgresMajorVersion: "14"`` (tests ran against another version than prod)
    """
    want = target.policy.postgres_version
    for db in target.blueprint.databases:
        got = db.get("postgresMajorVersion")
        if str(got) != want:
            yield _policy_mismatch(
                target,
                (*db.path, "postgresMajorVersion"),
                got,
                want,
                "GRADETRACKER_POSTGRES_VERSION",
                unset="missing (Render picks its newest)",
            )


@rule("RB020", target="blueprint")
def no_disk_with_scaling(target: PolicyTarget) -> Iterator[Problem]:
    """A service with a persistent disk runs one instance: Render cannot scale it.

    Passes: ``scaling: {...}`` and no ``disk`` (logs go to stdout)
    Fails:  ``disk: {mountPath: /app/logs}`` with ``scaling`` or ``numInstances: 3``
    """
    for service in target.blueprint.services:
        if not target.blueprint.disk(service):
            continue
        instances = service.get("numInstances", 1)
        if target.blueprint.scaling(service) or (isinstance(instances, int) and instances > 1):
            yield target.blueprint.problem(
                (*service.path, "disk"),
                f"{service.name!r} has a disk and more than one instance: Render blocks "
                "scaling and zero-downtime deploys for services with a disk",
            )
