"""Configuration from environment variables.

Every environment read of the application lives in this module, each through a call whose
first argument is the variable name as a string literal (a cross-file check collects them with
``ast``). The module imports only the standard library at load time, so ``app.healthcheck`` and
``gunicorn.conf.py`` can import it without loading Flask. What makes a value malformed or
unsafe is decided in ``app.config_checks``.
"""

from __future__ import annotations

import os
import re
import secrets
from typing import Any

from .config_checks import production_problems, setting_problems

PRODUCTION = "production"
DEVELOPMENT = "development"

DEFAULT_PORT = 10000
# Not 2 x cores + 1: inside a container that counts the host's cores, not the plan's CPU quota.
# 2 gthread workers x 4 threads carried more than 3 x 4 under the plan's limits (scripts/bench,
# docs/capacity.md), in a quarter less memory.
DEFAULT_WORKERS = 2
MAX_WORKERS = 32
# The largest request body (Flask's MAX_CONTENT_LENGTH; app.worker refuses a larger one unread).
MAX_BODY_BYTES = 64 * 1024
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
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


def env_blank(name: str) -> bool:
    """Whether ``name`` is set to nothing but whitespace (the app reads that as unset)."""
    value = os.environ.get(name)
    return value is not None and not value.strip()


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
    if env_blank("WEB_CONCURRENCY"):
        # gunicorn reads it with int() while importing its own settings, before ours run.
        raise ConfigError(["WEB_CONCURRENCY is blank; unset it or give a number of workers"])
    workers = env_int("WEB_CONCURRENCY", DEFAULT_WORKERS)
    if not 1 <= workers <= MAX_WORKERS:
        raise ConfigError([f"WEB_CONCURRENCY must be from 1 to {MAX_WORKERS}, got {workers}"])
    return workers


def gunicorn_preload() -> bool:
    """Whether gunicorn builds the app once in the master and forks workers from it
    (GUNICORN_PRELOAD, default on; gevent workers need it off, see gunicorn.conf.py)."""
    return env_bool("GUNICORN_PRELOAD", True)


def log_level() -> str:
    """The log level name shared by the app and gunicorn."""
    level = (env_str("LOG_LEVEL", "INFO") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError([f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level!r}"])
    return level


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
