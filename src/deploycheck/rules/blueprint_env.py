"""Policy rules for the web service's env vars: secrets, required sources, cookie and CORS.

A literal ``value`` in ``render.yaml`` is committed to git, so anything secret must come from
``generateValue``, ``sync: false`` (typed into the dashboard) or a ``from*`` reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from deploycheck.findings import FROM_CONFIG, Level, Problem
from deploycheck.placeholders import is_placeholder
from deploycheck.registry import rule
from deploycheck.secret_names import is_secret_name
from deploycheck.secret_values import literal_secret, secret_reason
from deploycheck.targets.blueprint import Blueprint, EnvVar

_SOURCE_SPELLING = {"sync": "sync: false", "generateValue": "generateValue: true"}


def _web_env(bp: Blueprint) -> list[EnvVar]:
    web = bp.web_service
    return bp.env_vars(web) if web is not None else []


def _literal(bp: Blueprint, key: str) -> tuple[EnvVar | None, object]:
    var = next((v for v in _web_env(bp) if v.key == key), None)
    return var, (var.value if var is not None and var.is_literal else None)


def _all_env(bp: Blueprint) -> list[EnvVar]:
    """Every service's and environment group's env vars: each literal is committed to git."""
    return [*(var for service in bp.services for var in bp.env_vars(service)), *bp.group_env_vars()]


@rule("RB010", target="blueprint")
def no_literal_secret_by_name(bp: Blueprint) -> Iterator[Problem]:
    """An env var named like a secret (SECRET, KEY, TOKEN, PASSWORD, DSN...) has no literal value.

    In any service or environment group; a value no secret has the shape of (a flag, a path, an
    algorithm name, a template) is not one. A plain placeholder (``changeme``,
    ``your_api_key_here``) is a warning: no credential leaks, but the real value is still to set.

    Passes: ``{key: FLASK_SECRET_KEY, generateValue: true}``, ``{key: AUTH0_TOKEN_SIGN_ALG,
    value: RS256}``, ``{key: GOOGLE_API_KEY, value: "no"}``
    Fails:  ``{key: FLASK_SECRET_KEY, value: dev-secret-key}`` (committed to git)
    """
    for var in _all_env(bp):
        if not (var.key and var.is_literal and is_secret_name(var.key)):
            continue
        if is_placeholder(var.value):
            problem = bp.problem(
                (*var.path, "value"),
                f"{var.key} is a secret with a placeholder value: set the real value with "
                "sync: false",
            )
            yield replace(problem, level=Level.WARNING)
        elif literal_secret(var.key, var.value) is not None:
            yield bp.problem(
                (*var.path, "value"),
                f"{var.key} is a secret but has a literal value; use generateValue or sync: false",
            )


@rule("RB011", target="blueprint")
def no_literal_secret_by_value(bp: Blueprint) -> Iterator[Problem]:
    """No literal value looks like a secret: no URL with a password, no high-entropy token.

    Nor a provider's token; in any service or group. A URL's placeholder or loopback dev
    password is not one, and a hex string counts only under a secret's name (else a SHA).

    Passes: ``{key: CORS_ORIGINS, value: https://example-app.onrender.com}``, ``{key:
    GIT_SHA, value: <40 hex digits>}``, a ``localhost`` DATABASE_URL with the default
    ``postgres`` password
    Fails:  ``{key: DATABASE_URL, value: postgresql://app:s3cret@db:5432/app}``
    """
    for var in _all_env(bp):
        if not var.is_literal:
            continue
        reason = secret_reason(var.value, var.key or "")
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
    Passes: ``{key: CORS_ORIGINS, value: https://example-app.onrender.com}``
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


# Env var names that hold a CORS allow-list: CORS_ORIGINS, CORS_ALLOWED_ORIGINS, ALLOWED_ORIGINS,
# ACCESS_CONTROL_ALLOW_ORIGIN, ...
_CORS_NAME = re.compile(r"ORIGIN", re.IGNORECASE)
_CORS_HINT = re.compile(r"CORS|ALLOW", re.IGNORECASE)
_ANY_ORIGIN = re.compile(r"^(\*|\.\*|\^\.\*\$|https?://\*(:\d+)?/?)$")


@rule("RB024", target="blueprint", level=Level.WARNING)
def cors_not_wildcard(bp: Blueprint) -> Iterator[Problem]:
    """No CORS allow-list env var (``*CORS*ORIGIN*``, ``*ALLOWED_ORIGINS*``) lets in any origin.

    A warning on any service or environment group: ``*`` is right for a public API that takes
    no cookies or tokens, but several CORS libraries answer ``*`` with credentials by echoing the
    caller's origin, so any web site can call the API as the signed-in user. RB015 (opt-in) is
    the strict form for one app's variable.
    Passes: ``{key: CORS_ORIGINS, value: https://app.example.com}``
    Fails:  ``{key: CORS_ORIGINS, value: "*"}``, ``{key: ALLOWED_ORIGINS, value: "https://*"}``
    """
    services = [v for s in bp.services for v in bp.env_vars(s)]
    for var in (*services, *bp.group_env_vars()):
        key = var.key or ""
        if not (var.is_literal and _CORS_NAME.search(key) and _CORS_HINT.search(key)):
            continue
        for origin in re.split(r"[\s,\[\]\"']+", str(var.value)):
            if _ANY_ORIGIN.match(origin):
                yield bp.problem(
                    (*var.path, "value"),
                    f"{key} allows any origin ({origin!r}): list the sites that may call it",
                )
                break


@rule("RB021", target="blueprint", level=Level.WARNING)
def runtime_not_env(bp: Blueprint) -> Iterator[Problem]:
    """Services say ``runtime:``, not the deprecated ``env:`` (Render still honours it).

    Passes: ``runtime: docker``
    Fails:  ``env: docker`` (deprecated; Render's published schema no longer lists it)
    """
    for service in bp.services:
        if "env" in service.data and "runtime" not in service.data:
            yield bp.problem(
                (*service.path, "env"),
                f"env: is deprecated; write runtime: {service.data['env']}",
            )


@rule("RB022", target="blueprint", level=Level.WARNING)
def no_sync_false_in_groups(bp: Blueprint) -> Iterator[Problem]:
    """Environment groups hold no ``sync: false`` variables: Render ignores it there.

    Passes: ``envVarGroups: [{name: shared, envVars: [{key: REGION, value: eu}]}]``
    Fails:  ``{key: API_TOKEN, sync: false}`` in a group (no prompt; the value stays unset)
    """
    for var in bp.group_env_vars():
        if var.source == "sync" and var.value is False:
            yield bp.problem(
                (*var.path, "sync"),
                f"{var.key}: sync: false has no effect in an environment group; set it on a "
                "service, or give the group's value in the Render Dashboard",
            )


# Letters, digits, "_", and the "." and "-" that Elasticsearch and Spring settings use
# (discovery.type, spring.datasource.url); no leading digit.
_PORTABLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@rule("RB023", target="blueprint", level=Level.WARNING)
def portable_env_keys(bp: Blueprint) -> Iterator[Problem]:
    """Env var keys are names a program can read: no spaces or odd characters, no leading digit.

    Render accepts any key, but ``MY KEY`` or ``1KEY`` cannot be read in a start command, and
    most libraries that map env vars to settings skip them. Dotted keys are fine: Elasticsearch
    reads ``discovery.type`` from the environment.

    Passes: ``key: LOG_LEVEL``, ``key: discovery.type``
    Fails:  ``key: LOG LEVEL``
    """
    services = [v for s in bp.services for v in bp.env_vars(s)]
    for var in (*services, *bp.group_env_vars()):
        if var.key is not None and not _PORTABLE_KEY.match(var.key):
            yield bp.problem((*var.path, "key"), f"{var.key!r} is not a portable env var name")
