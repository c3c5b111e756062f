"""The checks behind ``config.finalize``: why a setting is malformed in any environment, or
unsafe in production, each as one line that names the variable.

Stdlib-only at load time, like ``app.config``: gunicorn's master and the preflight run them
before Flask is imported. The checks that need a library (``zxcvbn`` for key strength,
``sentry_sdk``'s own DSN parser) import it when they run.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

MAX_TIMEOUT_SECONDS = 3600
MIN_SECRET_KEY_LENGTH = 32
# Estimated by zxcvbn, which models repetition, sequences, keyboard walks and dictionary words:
# "0123456789abcdef" twice scores about 15 bits, "dev-secret-key" three times 37, a
# secrets.token_hex(32) key about 155 (on its first STRENGTH_PREFIX characters). Length x
# Shannon entropy, the earlier estimate, gave the first two 128 and 130 and let them start.
# The encryption key is only stretched by HKDF, not a slow KDF, so a passphrase needs the same
# 128 bits as a key.
MIN_SECRET_KEY_BITS = 128
# zxcvbn's time grows with the square of the length; a prefix this long of a strong key already
# scores far above the minimum, and a weak prefix is refused however the key goes on.
STRENGTH_PREFIX = 48
DATABASE_SCHEMES = ("postgres", "postgresql", "postgresql+psycopg", "sqlite")
REDIS_SCHEMES = ("redis", "rediss")
# The grammar of the ``limits`` package: "10 per minute", "5/second", "100 per 2 hours", several
# separated by ";" or ",". Checked here, stdlib-only, so gunicorn's master can check it too.
_LIMIT = r"\s*\d+\s*(?:/|\s+per\s+)\s*(?:\d+\s*)?(?:second|minute|hour|day|month|year)s?\s*"
RATE_LIMIT = re.compile(rf"^{_LIMIT}(?:[;,]{_LIMIT})*$", re.IGNORECASE)
# The numbers in one limit: "0 per minute" answers every request 429, "5 per 0 minutes" too.
LIMIT_NUMBERS = re.compile(r"\d+")
# An exact origin: scheme://host[:port], nothing else (no path, wildcard, regex or "null").
ORIGIN = re.compile(
    r"^https?://[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$"
)
# Values copied from tutorials and templates; a key equal to one of them is as good as public.
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        "dev",
        "dev-secret-key",
        "development",
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "secret-key",
        "secretkey",
        "your-secret-key",
        "supersecret",
        "default",
        "password",
    }
)
GENERATE_HEX = "python -c 'import secrets; print(secrets.token_hex(32))'"
GENERATE_FERNET = (
    "generate a key: python -c "
    "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


@lru_cache(maxsize=8)
def estimated_bits(value: str) -> float:
    """log2 of the guesses zxcvbn estimates an attacker needs for ``value`` (its first
    STRENGTH_PREFIX characters)."""
    from zxcvbn import zxcvbn

    return float(zxcvbn(value[:STRENGTH_PREFIX])["guesses_log10"]) * math.log2(10)


def is_fernet_key(value: str) -> bool:
    """Whether ``value`` is a Fernet key: 32 bytes in URL-safe base64."""
    try:
        return len(base64.urlsafe_b64decode(value.encode("ascii"))) == 32
    except (ValueError, binascii.Error):
        return False


def strength_problem(name: str, value: str, advice: str) -> str | None:
    """Why ``value`` is too guessable to be ``name``, or None."""
    if value.lower() in KNOWN_DEFAULT_SECRETS:
        return f"{name} is a well-known default value; {advice}"
    bits = estimated_bits(value)
    if bits < MIN_SECRET_KEY_BITS:
        return (
            f"{name} is too guessable (about {bits:.0f} bits estimated, {MIN_SECRET_KEY_BITS} "
            f"needed: repetition, sequences and words count for little); {advice}"
        )
    return None


def sentry_dsn_problem(dsn: str) -> str | None:
    """Why ``dsn`` is not a DSN sentry_sdk can use (its own parser decides), or None."""
    from sentry_sdk.utils import BadDsn, Dsn

    try:
        Dsn(dsn)
    except (BadDsn, ValueError) as error:
        # The reason names the part, never the DSN (its key is a secret).
        return f"SENTRY_DSN is not a Sentry DSN ({error}); copy it from the project's settings"
    return None


def limit_problem(name: str, value: str) -> str | None:
    """Why ``value`` is not a usable rate limit in the ``limits`` grammar, or None."""
    if not RATE_LIMIT.match(value):
        return (
            f"{name} must be like '300 per minute' or '10/second' (several separated by ';'), "
            f"got {value!r}"
        )
    if any(int(number) == 0 for number in LIMIT_NUMBERS.findall(value)):
        return (
            f"{name} allows no request at all ({value!r}); "
            "use RATELIMIT_ENABLED=false to switch limits off"
        )
    return None


def origin_problem(origins: list[str]) -> str | None:
    """Why a CORS origin cannot be one a browser sends (a port outside 1-65535), or None."""
    bad = []
    for origin in origins:
        try:
            port = urlsplit(origin).port
        except ValueError:
            port = 0
        if port is not None and not 1 <= port <= 65535:
            bad.append(origin)
    if bad:
        return f"CORS_ORIGINS has a port outside 1-65535: {', '.join(repr(o) for o in bad)}"
    return None


def url_problem(name: str, url: str, schemes: tuple[str, ...]) -> str | None:
    """Why ``url`` is not a usable ``scheme://[user[:password]@]host[:port]/...`` URL, or None."""
    expected = f"{name} must be a URL like {schemes[0]}://user:password@host:port/name"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (parsing the port is the check: "host:abc" raises ValueError)
    except ValueError:
        return f"{expected}; its host or port cannot be parsed"
    if parts.scheme.lower() not in schemes:
        return f"{expected}; scheme {parts.scheme or '(none)'!r} is not one of {', '.join(schemes)}"
    if parts.scheme != "sqlite" and not parts.hostname:
        return f"{expected}; it names no host"
    return None


def setting_problems(config: dict[str, Any]) -> list[str]:
    """Malformed settings, in any environment (a production refusal adds safety rules)."""
    problems = [
        problem
        for name in ("RATELIMIT_DEFAULT", "RATELIMIT_WRITE")
        if config.get(name) is not None
        for problem in [limit_problem(name, str(config[name]))]
        if problem
    ]
    problems += [
        f"{name} must be from 0 (off) to {MAX_TIMEOUT_SECONDS} seconds, got {config[name]}"
        for name in ("DATABASE_CONNECT_TIMEOUT", "DATABASE_STATEMENT_TIMEOUT")
        if not 0 <= config.get(name, 0) <= MAX_TIMEOUT_SECONDS
    ]
    origin = origin_problem(config.get("CORS_ORIGINS") or [])
    if origin:
        problems.append(origin)
    if config.get("SENTRY_DSN"):
        dsn = sentry_dsn_problem(config["SENTRY_DSN"])
        if dsn:
            problems.append(dsn)
    url = config.get("SQLALCHEMY_DATABASE_URI")
    if url:
        problem = url_problem("DATABASE_URL", url, DATABASE_SCHEMES)
        if problem:
            problems.append(problem)
    if config.get("REDIS_URL"):
        problem = url_problem("REDIS_URL", config["REDIS_URL"], REDIS_SCHEMES)
        if problem:
            problems.append(problem)
    return problems


def production_problems(config: dict[str, Any]) -> list[str]:
    """List every reason the mapping is unsafe for production (empty when it is fine)."""
    problems = []
    key = config.get("SECRET_KEY")
    if not key:
        problems.append("FLASK_SECRET_KEY is not set")
    elif len(key) < MIN_SECRET_KEY_LENGTH and key.lower() not in KNOWN_DEFAULT_SECRETS:
        problems.append(
            f"FLASK_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters ({len(key)})"
        )
    else:
        problems += [
            p
            for p in [strength_problem("FLASK_SECRET_KEY", key, f"generate one: {GENERATE_HEX}")]
            if p
        ]
    if config.get("SESSION_COOKIE_SECURE") is not True:
        problems.append("SESSION_COOKIE_SECURE must be true (cookies over HTTPS only)")
    encryption_key = config.get("API_TOKEN_ENCRYPTION_KEY")
    if not encryption_key:
        problems.append("API_TOKEN_ENCRYPTION_KEY is not set")
    else:
        # A Fernet key is used as is, anything else as a passphrase: either must be unguessable,
        # or the tokens encrypted at rest are as good as plain text.
        kind = "Fernet key" if is_fernet_key(encryption_key) else "passphrase"
        problem = strength_problem(
            "API_TOKEN_ENCRYPTION_KEY",
            encryption_key,
            f"this {kind} will not do; {GENERATE_FERNET}",
        )
        if problem:
            problems.append(problem)
    origins = config.get("CORS_ORIGINS") or []
    if not origins:
        problems.append("CORS_ORIGINS is not set; list the allowed origins, comma-separated")
    else:
        inexact = [origin for origin in origins if not ORIGIN.match(origin.lower())]
        if inexact:
            problems.append(
                "CORS_ORIGINS must list exact origins (scheme://host[:port]; no '*', pattern, "
                f"path or 'null'), got {', '.join(repr(o) for o in inexact)}"
            )
    database_url = config.get("SQLALCHEMY_DATABASE_URI")
    if not database_url:
        problems.append("DATABASE_URL is not set")
    elif database_url.lower().startswith("sqlite"):
        # Render's disk is rebuilt on every deploy, and each worker would see its own memory DB.
        problems.append("DATABASE_URL must name PostgreSQL in production, not SQLite")
    if not config.get("REDIS_URL"):
        # Without a shared store every worker caches reports and counts limits on its own:
        # stale reads after a write, and three times the documented limits.
        problems.append(
            "REDIS_URL is not set; production keeps the report cache and rate-limit counters "
            "in Redis"
        )
    return problems
