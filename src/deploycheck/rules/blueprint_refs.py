"""RB016: the Blueprint's ``fromDatabase``/``fromService``/``fromGroup`` references name
resources it declares, in the same environment, of the type they say."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import replace

from deploycheck.findings import Level, Problem
from deploycheck.registry import rule
from deploycheck.targets.blueprint import Blueprint, EnvVar, Resource


@rule("RB016", target="blueprint")
def references_resolve(bp: Blueprint) -> Iterator[Problem]:
    """``fromDatabase``/``fromService``/``fromGroup`` name a resource this Blueprint declares.

    References resolve within one environment of a project (root and ``ungrouped`` resources
    are seen from everywhere), and a ``fromService`` must give the named service's own type:
    errors. A name the Blueprint does not declare at all may be a resource that already exists
    in the Render workspace (Render's docs allow it), so that is a warning, and only advice
    (info) for ``fromGroup``, whose groups are often made in the dashboard. The message names
    both lines: the reference and the resource it should point at.

    Passes: ``fromDatabase: {name: example-db, ...}`` with a database of that name
    Fails:  ``fromDatabase: {name: example-pg, ...}`` next to ``example-db`` (a
    warning: did you mean it?), or ``fromService: {type: keyvalue, name: web-app}`` naming a
    web service (an error)
    """
    pools = {
        "fromDatabase": bp.databases,
        "fromService": bp.services,
        "fromGroup": bp.env_var_groups,
    }
    for service in bp.services:
        for var in bp.env_vars(service):
            if var.source not in pools:
                continue
            name = var.value.get("name") if isinstance(var.value, dict) else var.value
            unresolved = _unresolved(bp, service, var, str(name), pools[var.source])
            if unresolved:
                problem, level = unresolved
                found = bp.problem((*var.path, var.source), f"{var.key or 'fromGroup'} {problem}")
                yield replace(found, level=level)


# fromService types for resources this target does not list as services (dpg: a database).
_UNMODELLED = frozenset({"dpg", "job"})


def _unresolved(
    bp: Blueprint, service: Resource, var: EnvVar, name: str, pool: list[Resource]
) -> tuple[str, Level] | None:
    """Why ``var``'s reference to ``name`` does not resolve and how surely that fails the
    deploy, or ``None`` when it resolves."""
    visible = [r for r in pool if r.environment in (None, service.environment)]
    target = next((r for r in visible if r.name == name), None)
    if target is None:
        elsewhere = next((r for r in pool if r.name == name), None)
        if elsewhere is not None:
            return (
                f"refers to {name!r}, declared at line {bp.line(elsewhere.path)} in environment "
                f"{elsewhere.environment}: references resolve within one environment",
                Level.ERROR,
            )
        close = difflib.get_close_matches(name, [r.name for r in visible], n=1)
        hint = (
            f"; did you mean {close[0]!r} (line {bp.line(_named(visible, close[0]).path)})?"
            if close
            else f" (declared: {', '.join(sorted(r.name for r in visible)) or 'none'})"
        )
        kind = "group" if var.source == "fromGroup" else "resource"
        return (
            f"refers to {name!r}, which this Blueprint does not declare{hint}; the deploy "
            f"fails unless a {kind} of that name exists in the Render workspace",
            Level.INFO if var.source == "fromGroup" else Level.WARNING,
        )
    wanted = var.value.get("type") if var.source == "fromService" else None
    if (
        isinstance(wanted, str)
        and wanted not in _UNMODELLED
        and _kind(target) != _kind_named(wanted)
    ):
        return (
            f"says type {wanted!r}, but {name!r} at line {bp.line(target.path)} is "
            f"{'a static site' if target.is_static_site else f'type {target.type!r}'}",
            Level.ERROR,
        )
    return None


def _kind(resource: Resource) -> str | None:
    return "static" if resource.is_static_site else _kind_named(resource.type or "")


def _kind_named(type_: str) -> str:
    return "keyvalue" if type_ == "redis" else type_


def _named(resources: list[Resource], name: str) -> Resource:
    return next(r for r in resources if r.name == name)
