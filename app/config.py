"""Configuration from environment variables.

Every environment read of the application lives in this module, each through a call whose
first argument is the variable name as a string literal (a cross-file check collects them with
``ast``). The module is stdlib-only so ``app.healthcheck`` and ``gunicorn.conf.py`` can import
it without loading Flask.
"""

from __future__ import annotations

import math
import os
import re
import secrets
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

PRODUCTION = "production"
DEVELOPMENT = "development"

DEFAULT_PORT = 10000
# Not 2 x cores + 1: inside a container that counts the host's cores, not the plan's CPU quota.
# 2 gthread workers x 4 threads carried more than 3 x 4 under the plan's limits (scripts/bench,
# docs/capacity.md), in a quarter less memory.
DEFAULT_WORKERS = 2
MAX_WORKERS = 32
MIN_SECRET_KEY_LENGTH = 32
# Estimated as length x the key's own per-character Shannon entropy: 40 times "a" scores 0,
# "abab..." 40, a secrets.token_hex(32) key about 240. Length alone accepted all of them.
MIN_SECRET_KEY_BITS = 128
DATABASE_SCHEMES = ("postgres", "postgresql", "postgresql+psycopg", "sqlite")
REDIS_SCHEMES = ("redis", "rediss")
# The grammar of the ``limits`` package: "10 per minute", "5/second", "100 per 2 hours", several
# separated by ";" or ",". Checked here, stdlib-only, so gunicorn's master can check it too.
_LIMIT = r"\s*\d+\s*(?:/|\s+per\s+)\s*(?:\d+\s*)?(?:second|minute|hour|day|month|year)s?\s*"
RATE_LIMIT = re.compile(rf"^{_LIMIT}(?:[;,]{_LIMIT})*$", re.IGNORECASE)
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
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(RuntimeError):
    """The configuration is unsafe or invalid; the message lists every problem on one line."""

    def __init__(self, problems: list[str], heading: str = "Invalid configuration") -> None:
        self.problems = problems
        super().__init__(f"{heading}: {'; '.join(problems)}")


def _read(name: str) -> str | None:
    # The one place that touches os.environ; callers pass literal names (see module docstring).
    value = os.environ.get(name, "").strip()
    return value or None


def env_str(name: str, default: str | None = None) -> str | None:
    """Return the stripped value of ``name``; unset or blank gives ``default``."""
    value = _read(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    """Return ``name`` read as a boolean (1/true/yes/on, 0/false/no/off)."""
    value = _read(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError([f"{name} must be a boolean (true/false), got {value!r}"])


def env_int(name: str, default: int) -> int:
    """Return ``name`` read as an integer."""
    value = _read(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError([f"{name} must be an integer, got {value!r}"]) from None


def listen_port() -> int:
    """The port gunicorn binds and the container health check probes (Render sets PORT)."""
    port = env_int("PORT", DEFAULT_PORT)
    if not 1 <= port <= 65535:
        raise ConfigError([f"PORT must be from 1 to 65535, got {port}"])
    return port


def worker_count() -> int:
    """gunicorn's worker processes (WEB_CONCURRENCY): 0 would start a master that never serves."""
    workers = env_int("WEB_CONCURRENCY", DEFAULT_WORKERS)
    if not 1 <= workers <= MAX_WORKERS:
        raise ConfigError([f"WEB_CONCURRENCY must be from 1 to {MAX_WORKERS}, got {workers}"])
    return workers


def gunicorn_preload() -> bool:
    """Whether gunicorn builds the app once in the master and forks workers from it
    (GUNICORN_PRELOAD, default on; gevent workers need it off, see gunicorn.conf.py)."""
    return env_bool("GUNICORN_PRELOAD", True)


def estimated_bits(value: str) -> float:
    """Length times the per-character Shannon entropy of ``value``'s own characters."""
    counts = Counter(value)
    per_char = sum(n / len(value) * math.log2(len(value) / n) for n in counts.values())
    return len(value) * per_char


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


def log_level() -> str:
    """The log level name shared by the app and gunicorn."""
    return (env_str("LOG_LEVEL", "INFO") or "INFO").upper()


def secret_values() -> list[str]:
    """Secret values from the environment that must never appear in a log line."""
    names = (
        env_str("FLASK_SECRET_KEY"),
        env_str("API_TOKEN_ENCRYPTION_KEY"),
        env_str("SENTRY_DSN"),
        url_password(env_str("DATABASE_URL")),
        url_password(env_str("REDIS_URL")),
    )
    return [value for value in names if value]


def url_password(url: str | None) -> str | None:
    """Return the password part of ``scheme://user:password@host`` URLs, if any."""
    match = re.match(r"^[a-z0-9+.-]+://[^:/@]*:([^@]+)@", url or "", re.IGNORECASE)
    return match.group(1) if match else None


def normalize_database_url(url: str) -> str:
    """Point ``postgres://`` (Render's form) and ``postgresql://`` URLs at psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def split_origins(value: str | None) -> list[str]:
    """Split a comma-separated origin list, dropping blanks and trailing slashes."""
    return [item.strip().rstrip("/") for item in (value or "").split(",") if item.strip()]


def from_env(instance_path: str) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    app_env = (env_str("APP_ENV", DEVELOPMENT) or DEVELOPMENT).lower()
    database_url = env_str("DATABASE_URL")
    if database_url is None and app_env != PRODUCTION:
        database_url = "sqlite:///" + os.path.join(instance_path, "gradetracker.sqlite")
    return {
        "APP_ENV": app_env,
        "SECRET_KEY": env_str("FLASK_SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url) if database_url else None,
        "REDIS_URL": env_str("REDIS_URL"),
        "SESSION_COOKIE_SECURE": env_bool("SESSION_COOKIE_SECURE", False),
        "API_TOKEN_ENCRYPTION_KEY": env_str("API_TOKEN_ENCRYPTION_KEY"),
        "CORS_ORIGINS": split_origins(env_str("CORS_ORIGINS")),
        "RATELIMIT_ENABLED": env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_DEFAULT": env_str("RATELIMIT_DEFAULT", "300 per minute"),
        "RATELIMIT_WRITE": env_str("RATELIMIT_WRITE", "60 per minute"),
        "SENTRY_DSN": env_str("SENTRY_DSN"),
        "LOG_LEVEL": log_level(),
        "DATABASE_CONNECT_TIMEOUT": env_int("DATABASE_CONNECT_TIMEOUT", 2),
        "DATABASE_STATEMENT_TIMEOUT": env_int("DATABASE_STATEMENT_TIMEOUT", 10),
        # Not an env var: production logs JSON lines for Render, development readable text.
        "LOG_FORMAT": "json" if app_env == PRODUCTION else "text",
    }


def setting_problems(config: dict[str, Any]) -> list[str]:
    """Malformed settings, in any environment (a production refusal adds safety rules)."""
    problems = []
    for name, key in (
        ("RATELIMIT_DEFAULT", "RATELIMIT_DEFAULT"),
        ("RATELIMIT_WRITE", "RATELIMIT_WRITE"),
    ):
        value = config.get(key)
        if value is not None and not RATE_LIMIT.match(str(value)):
            problems.append(
                f"{name} must be like '300 per minute' or '10/second' (several separated by ';'), "
                f"got {value!r}"
            )
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
    elif key.lower() in KNOWN_DEFAULT_SECRETS:
        problems.append("FLASK_SECRET_KEY is a well-known default value; generate a random one")
    elif len(key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"FLASK_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters ({len(key)})"
        )
    elif estimated_bits(key) < MIN_SECRET_KEY_BITS:
        problems.append(
            f"FLASK_SECRET_KEY is too predictable (about {estimated_bits(key):.0f} bits, "
            f"{MIN_SECRET_KEY_BITS} needed); generate one, e.g. python -c "
            "'import secrets; print(secrets.token_hex(32))'"
        )
    if config.get("SESSION_COOKIE_SECURE") is not True:
        problems.append("SESSION_COOKIE_SECURE must be true (cookies over HTTPS only)")
    if not config.get("API_TOKEN_ENCRYPTION_KEY"):
        problems.append("API_TOKEN_ENCRYPTION_KEY is not set")
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
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        problems.append("DATABASE_URL is not set")
    if not config.get("REDIS_URL"):
        # Without a shared store every worker caches reports and counts limits on its own:
        # stale reads after a write, and three times the documented limits.
        problems.append(
            "REDIS_URL is not set; production keeps the report cache and rate-limit counters "
            "in Redis"
        )
    return problems


def finalize(config: dict[str, Any]) -> None:
    """Validate ``config`` in place and fill values derived from it.

    Production refuses unsafe settings; development fills a per-process random secret key
    (sessions do not survive a restart, which is fine for a laptop).
    """
    if config["APP_ENV"] not in (PRODUCTION, DEVELOPMENT):
        raise ConfigError([f"APP_ENV must be {PRODUCTION!r} or {DEVELOPMENT!r}"])
    problems = setting_problems(config)
    if problems:
        raise ConfigError(problems)
    if config["APP_ENV"] == PRODUCTION:
        problems = production_problems(config)
        if problems:
            raise ConfigError(problems, "Refusing to start in production")
    elif not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = secrets.token_hex(32)
    negative = [
        f"{name} must be 0 (off) or a number of seconds, got {config[name]}"
        for name in ("DATABASE_CONNECT_TIMEOUT", "DATABASE_STATEMENT_TIMEOUT")
        if config.get(name, 0) < 0
    ]
    if negative:
        raise ConfigError(negative)
    config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        config["SQLALCHEMY_DATABASE_URI"],
        connect_timeout=config.get("DATABASE_CONNECT_TIMEOUT", 2),
        statement_timeout=config.get("DATABASE_STATEMENT_TIMEOUT", 10),
    )


def engine_options(
    url: str, connect_timeout: int = 2, statement_timeout: int = 10
) -> dict[str, Any]:
    """Pool settings for server databases; SQLite keeps SQLAlchemy's defaults.

    Timeouts are in seconds; 0 switches one off (libpq's and PostgreSQL's own meaning), which
    the deploy rehearsal uses to prove they matter.
    """
    if url.startswith("sqlite"):
        return {}
    options: dict[str, Any] = {
        "pool_size": 10,
        "max_overflow": 20,
        "pool_recycle": 3600,
        "pool_pre_ping": True,
        # Waiting for a free pooled connection (all held by requests stuck on a lost
        # database) must not outlast a health check either; 0 leaves SQLAlchemy's 30 s.
        "pool_timeout": connect_timeout or 30,
    }
    if url.startswith("postgresql+psycopg"):
        connect_args: dict[str, Any] = {"connect_timeout": connect_timeout}
        if connect_timeout:
            # A database whose packets are dropped never refuses: without this a query on a
            # pooled connection waits for TCP's retransmissions (~15 min). Data left
            # unacknowledged for half the connect timeout breaks the connection (the kernel
            # acknowledges even for a busy server, so only a lost network trips it); the pool
            # then replaces it, and a pre-ping plus a reconnect stay within one health check.
            connect_args["tcp_user_timeout"] = connect_timeout * 500
        if statement_timeout:
            # The server cancels a statement (a lock wait included) that runs longer.
            connect_args["options"] = f"-c statement_timeout={statement_timeout * 1000}"
        options["connect_args"] = connect_args
    return options
