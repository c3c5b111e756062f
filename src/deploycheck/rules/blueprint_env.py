"""Policy rules for the web service's env vars: secrets, required sources, cookie and CORS.

A literal ``value`` in ``render.yaml`` is committed to git, so anything secret must come from
``generateValue``, ``sync: false`` (typed into the dashboard) or a ``from*`` reference.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from deploycheck.findings import Problem
from deploycheck.registry import rule
from deploycheck.secret_names import is_secret_name
from deploycheck.secret_values import secret_reason
from deploycheck.targets.blueprint import Blueprint, EnvVar

FROM_CONFIG = "(from the project's config)"

_SOURCE_SPELLING = {"sync": "sync: false", "generateValue": "generateValue: true"}


def _web_env(bp: Blueprint) -> list[EnvVar]:
    web = bp.web_service
    return bp.env_vars(web) if web is not None else []


def _literal(bp: Blueprint, key: str) -> tuple[EnvVar | None, object]:
    var = next((v for v in _web_env(bp) if v.key == key), None)
    return var, (var.value if var is not None and var.is_literal else None)


@rule("RB010", target="blueprint")
def no_literal_secret_by_name(bp: Blueprint) -> Iterator[Problem]:
    """An env var named like a secret (SECRET, KEY, TOKEN, PASSWORD, DSN...) has no literal value.

    Passes: ``{key: FLASK_SECRET_KEY, generateValue: true}``
    Fails:  ``{key: FLASK_SECRET_KEY, value: dev-secret-key}`` (committed to git)
    """
    for var in _web_env(bp):
        if var.key and var.is_literal and is_secret_name(var.key):
            yield bp.problem(
                (*var.path, "value"),
                f"{var.key} is a secret but has a literal value; use generateValue or sync: false",
            )


@rule("RB011", target="blueprint")
def no_literal_secret_by_value(bp: Blueprint) -> Iterator[Problem]:
    """No literal value looks like a secret: no URL with a password, no high-entropy token.

    Passes: ``{key: CORS_ORIGINS, value: https://gradetracker.onrender.com}``
    Fails:  ``{key: DATABASE_URL, value: postgresql://app:s3cret@db:5432/app}``
    """
    for var in _web_env(bp):
        reason = secret_reason(var.value) if var.is_literal else None
        if reason:
            yield bp.problem(
                (*var.path, "value"), f"{var.key} is {reason}: keep secrets out of git"
            )


@rule("RB012", target="blueprint", options={"env": {}})
def required_env_present(bp: Blueprint, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Every env var the config requires (option ``env``, key -> source) is declared.

    With ``env: {API_TOKEN_ENCRYPTION_KEY: sync}``:
    Passes: ``envVars: [{key: API_TOKEN_ENCRYPTION_KEY, sync: false}, ...]``
    Fails:  no ``API_TOKEN_ENCRYPTION_KEY`` (API tokens would be stored unencrypted)
    """
    web = bp.web_service
    if web is None:
        return
    declared = bp.env_sources(web)
    for key in options["env"]:
        if key not in declared:
            yield bp.problem(
                (*web.path, "envVars"), f"required env var {key} is not declared {FROM_CONFIG}"
            )


@rule("RB013", target="blueprint", options={"env": {}})
def required_env_source(bp: Blueprint, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Each required env var (option ``env``) comes from its source (generateValue, ...).

    ``sync`` stands for ``sync: false`` (typed into the dashboard, never committed).
    With ``env: {REDIS_URL: fromService}``:
    Passes: ``{key: REDIS_URL, fromService: {type: keyvalue, name: ..., property: ...}}``
    Fails:  ``{key: REDIS_URL, value: redis://localhost:6379}``
    """
    for var in _web_env(bp):
        want = options["env"].get(var.key or "")
        if want is not None and var.source != want:
            yield bp.problem(
                var.path,
                f"{var.key} comes from {var.source or 'nothing'}, "
                f"wants {_SOURCE_SPELLING.get(want, want)} {FROM_CONFIG}",
            )


@rule("RB014", target="blueprint", options={"key": "SESSION_COOKIE_SECURE"}, enabled=False)
def session_cookie_secure(bp: Blueprint, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The app's secure-cookie switch (option ``key``) is the literal ``"true"``: HTTPS only.

    Opt-in: the variable's name is the app's, so a project turns this on in its config.
    Passes: ``{key: SESSION_COOKIE_SECURE, value: "true"}``
    Fails:  ``{key: SESSION_COOKIE_SECURE, value: "false"}``, or not declared
    """
    name = options["key"]
    web = bp.web_service
    var, value = _literal(bp, name)
    if web is not None and str(value).lower() != "true":
        where = var.path if var else (*web.path, "envVars")
        shown = "is not declared" if var is None else f"is {value!r}"
        yield bp.problem(where, f'{name} {shown}, must be "true" {FROM_CONFIG}')


@rule("RB015", target="blueprint", options={"key": "CORS_ORIGINS"}, enabled=False)
def cors_limited(bp: Blueprint, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The app's CORS origin list (option ``key``) holds only explicit https origins, never ``*``.

    Opt-in: the variable's name is the app's, so a project turns this on in its config.
    Passes: ``{key: CORS_ORIGINS, value: https://gradetracker.onrender.com}``
    Fails:  ``{key: CORS_ORIGINS, value: "*"}`` (any site may call the API with credentials)
    """
    name = options["key"]
    web = bp.web_service
    var, value = _literal(bp, name)
    if web is None:
        return
    if var is None or value is None:
        where = var.path if var else (*web.path, "envVars")
        yield bp.problem(where, f"{name} must be a literal origin list {FROM_CONFIG}")
        return
    for origin in str(value).replace(",", " ").split():
        if "*" in origin or not origin.startswith("https://"):
            yield bp.problem(var.path, f"{name} allows {origin!r}: only https:// origins")


@rule("RB016", target="blueprint")
def references_resolve(bp: Blueprint) -> Iterator[Problem]:
    """``fromDatabase``/``fromService``/``fromGroup`` name a resource this Blueprint declares.

    Passes: ``fromDatabase: {name: gradetracker-db, ...}`` with a database of that name
    Fails:  ``fromDatabase: {name: gradetracker-pg, ...}`` (the deploy fails at sync time)
    """
    known = {
        "fromDatabase": {d.name for d in bp.databases},
        "fromService": {s.name for s in bp.services},
        "fromGroup": {g.name for g in bp.env_var_groups},
    }
    for service in bp.services:
        for var in bp.env_vars(service):
            if var.source not in known:
                continue
            name = var.value.get("name") if isinstance(var.value, dict) else var.value
            if name not in known[var.source]:
                yield bp.problem(
                    (*var.path, var.source),
                    f"{var.key or 'group'} refers to {name!r}, which this Blueprint does not "
                    f"declare (known: {', '.join(sorted(known[var.source])) or 'none'})",
                )
