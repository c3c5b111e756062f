"""Policy rules for the web service's env vars: secrets, required sources, cookie and CORS.

A literal ``value`` in ``render.yaml`` is committed to git, so anything secret must come from
``generateValue``, ``sync: false`` (typed into the dashboard) or a ``from*`` reference.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

from deploycheck.findings import Problem
from deploycheck.policy import PolicyTarget
from deploycheck.registry import rule
from deploycheck.secret_names import is_secret_name
from deploycheck.targets.blueprint import EnvVar

# Token-like literals only: URLs, sentences and paths carry other characters and are skipped.
_TOKEN = re.compile(r"^[A-Za-z0-9+/=_\-]{20,}$")
# Bits per character above which a token-like string is probably random. detect-secrets uses
# 4.5 for base64 over long strings; 20-40 character keys top out lower, hence 4.0.
ENTROPY_THRESHOLD = 4.0
_SOURCE_SPELLING = {"sync": "sync: false", "generateValue": "generateValue: true"}


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text``."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def secret_reason(value: object) -> str | None:
    """Why a literal value looks like a secret (a URL password, high entropy), or ``None``."""
    text = str(value)
    try:
        if urlsplit(text).password:
            return "a URL with an embedded password"
    except ValueError:
        pass
    if _TOKEN.match(text) and shannon_entropy(text) > ENTROPY_THRESHOLD:
        return f"a random-looking string ({shannon_entropy(text):.1f} bits/char)"
    return None


def _web_env(target: PolicyTarget) -> list[EnvVar]:
    web = target.blueprint.web_service
    return target.blueprint.env_vars(web) if web is not None else []


def _literal(target: PolicyTarget, key: str) -> tuple[EnvVar | None, object]:
    var = next((v for v in _web_env(target) if v.key == key), None)
    return var, (var.value if var is not None and var.is_literal else None)


@rule("RB010", target="blueprint")
def no_literal_secret_by_name(target: PolicyTarget) -> Iterator[Problem]:
    """An env var named like a secret (SECRET, KEY, TOKEN, PASSWORD, DSN...) has no literal value.

    Passes: ``{key: FLASK_SECRET_KEY, generateValue: true}``
    Fails:  ``{key: FLASK_SECRET_KEY, value: dev-secret-key}`` (committed to git)
    """
    for var in _web_env(target):
        if var.key and var.is_literal and is_secret_name(var.key):
            yield target.blueprint.problem(
                (*var.path, "value"),
                f"{var.key} is a secret but has a literal value; use generateValue or sync: false",
            )


@rule("RB011", target="blueprint")
def no_literal_secret_by_value(target: PolicyTarget) -> Iterator[Problem]:
    """No literal value looks like a secret: no URL with a password, no high-entropy token.

    Passes: ``{key: CORS_ORIGINS, value: https://gradetracker.onrender.com}``
    Fails:  ``{key: DATABASE_URL, value: postgresql://app:s3cret@db:5432/app}``
    """
    for var in _web_env(target):
        reason = secret_reason(var.value) if var.is_literal else None
        if reason:
            yield target.blueprint.problem(
                (*var.path, "value"), f"{var.key} is {reason}: keep secrets out of git"
            )


@rule("RB012", target="blueprint")
def required_env_present(target: PolicyTarget) -> Iterator[Problem]:
    """Every env var the policy requires is declared on the web service.

    Passes: ``envVars: [{key: API_TOKEN_ENCRYPTION_KEY, sync: false}, ...]``
    Fails:  no ``API_TOKEN_ENCRYPTION_KEY`` (API tokens would be stored unencrypted)
    """
    web = target.blueprint.web_service
    if web is None:
        return
    declared = target.blueprint.env_sources(web)
    for key in target.policy.required_env:
        if key not in declared:
            yield target.blueprint.problem(
                (*web.path, "envVars"), f"required env var {key} is not declared"
            )


@rule("RB013", target="blueprint")
def required_env_source(target: PolicyTarget) -> Iterator[Problem]:
    """Each required env var comes from its policy source (generateValue, fromDatabase...).

    Passes: ``{key: REDIS_URL, fromService: {type: keyvalue, name: ..., property: ...}}``
    Fails:  ``{key: REDIS_URL, value: redis://localhost:6379}``
    """
    for var in _web_env(target):
        want = target.policy.required_env.get(var.key or "")
        if want is not None and var.source != want:
            yield target.blueprint.problem(
                var.path,
                f"{var.key} comes from {var.source or 'nothing'}, "
                f"policy wants {_SOURCE_SPELLING.get(want, want)}",
            )


@rule("RB014", target="blueprint")
def session_cookie_secure(target: PolicyTarget) -> Iterator[Problem]:
    """``SESSION_COOKIE_SECURE`` is the literal ``"true"``: cookies travel over HTTPS only.

    Passes: ``{key: SESSION_COOKIE_SECURE, value: "true"}``
    Fails:  ``{key: SESSION_COOKIE_SECURE, value: "false"}``, or not declared
    """
    web = target.blueprint.web_service
    var, value = _literal(target, "SESSION_COOKIE_SECURE")
    if web is not None and str(value).lower() != "true":
        where = var.path if var else (*web.path, "envVars")
        shown = "is not declared" if var is None else f"is {value!r}"
        yield target.blueprint.problem(where, f'SESSION_COOKIE_SECURE {shown}, must be "true"')


@rule("RB015", target="blueprint")
def cors_limited(target: PolicyTarget) -> Iterator[Problem]:
    """``CORS_ORIGINS`` lists only explicit https origins, never ``*``.

    Passes: ``{key: CORS_ORIGINS, value: https://gradetracker.onrender.com}``
    Fails:  ``{key: CORS_ORIGINS, value: "*"}`` (any site may call the API with credentials)
    """
    web = target.blueprint.web_service
    var, value = _literal(target, "CORS_ORIGINS")
    if web is None:
        return
    if var is None or value is None:
        where = var.path if var else (*web.path, "envVars")
        yield target.blueprint.problem(where, "CORS_ORIGINS must be a literal origin list")
        return
    for origin in str(value).replace(",", " ").split():
        if "*" in origin or not origin.startswith("https://"):
            yield target.blueprint.problem(
                var.path, f"CORS_ORIGINS allows {origin!r}: only https:// origins"
            )


@rule("RB016", target="blueprint")
def references_resolve(target: PolicyTarget) -> Iterator[Problem]:
    """``fromDatabase``/``fromService``/``fromGroup`` name a resource this Blueprint declares.

    Passes: ``fromDatabase: {name: gradetracker-db, ...}`` with a database of that name
    Fails:  ``fromDatabase: {name: gradetracker-pg, ...}`` (the deploy fails at sync time)
    """
    bp = target.blueprint
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
