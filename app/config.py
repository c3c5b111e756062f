"""Configuration from environment variables.

Every environment read of the application lives in this module, each through a call whose
first argument is the variable name as a string literal (a cross-file check collects them with
``ast``). The module imports only the standard library at load time, so ``app.healthcheck`` and
``gunicorn.conf.py`` can import it without loading Flask; the checks that need a library
(``zxcvbn`` for key strength, ``sentry_sdk``'s own DSN parser) import it when they run.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import re
import secrets
from functools import lru_cache
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
# The largest request body (Flask's MAX_CONTENT_LENGTH; app.worker refuses a larger one unread).
MAX_BODY_BYTES = 64 * 1024
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
MAX_TIMEOUT_SECONDS = 3600
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
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
