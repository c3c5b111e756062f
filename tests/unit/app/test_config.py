from __future__ import annotations

import ast
import inspect
import secrets

import pytest
from cryptography.fernet import Fernet

from app import config, config_checks, create_app
from app.config import (
    ConfigError,
    engine_options,
    listen_port,
    normalize_database_url,
    split_origins,
)
from app.config_checks import KNOWN_DEFAULT_SECRETS
from tests.app_helpers import APP_ENV_VARS

ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_blank"}

GOOD_PRODUCTION = {
    "APP_ENV": "production",
    "FLASK_SECRET_KEY": secrets.token_urlsafe(48),
    "SESSION_COOKIE_SECURE": "true",
    "API_TOKEN_ENCRYPTION_KEY": secrets.token_urlsafe(32),
    "CORS_ORIGINS": "https://grades.example.com",
    # Never connected to: create_app does not connect (production refuses SQLite).
    "DATABASE_URL": "postgresql://app:pw@127.0.0.1:1/app",  # pragma: allowlist secret
    # Never connected to by these tests: Redis clients connect on first use.
    "REDIS_URL": "redis://127.0.0.1:1/0",
}


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A complete, valid production environment that tests then break one way."""
    for name, value in GOOD_PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.mark.checklist(2)
def test_valid_production_env_starts(production_env: pytest.MonkeyPatch) -> None:
    app = create_app()
    assert app.config["SECRET_KEY"] == GOOD_PRODUCTION["FLASK_SECRET_KEY"]
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("FLASK_SECRET_KEY", None, "FLASK_SECRET_KEY is not set"),
        ("FLASK_SECRET_KEY", "too-short-but-random-7f3a", "shorter than 32"),
        ("FLASK_SECRET_KEY", "dev-secret-key", "well-known default"),
        ("FLASK_SECRET_KEY", "changeme", "well-known default"),
        ("SESSION_COOKIE_SECURE", None, "SESSION_COOKIE_SECURE must be true"),
        ("SESSION_COOKIE_SECURE", "false", "SESSION_COOKIE_SECURE must be true"),
        ("API_TOKEN_ENCRYPTION_KEY", None, "API_TOKEN_ENCRYPTION_KEY is not set"),
        ("CORS_ORIGINS", None, "CORS_ORIGINS is not set"),
        ("FLASK_SECRET_KEY", "a" * 40, "FLASK_SECRET_KEY is too guessable"),
        ("FLASK_SECRET_KEY", "ab" * 32, "FLASK_SECRET_KEY is too guessable"),
        # The hostile review's keys, all accepted by the length x Shannon entropy estimate.
        ("FLASK_SECRET_KEY", "0123456789abcdef" * 2, "FLASK_SECRET_KEY is too guessable"),
        (
            "FLASK_SECRET_KEY",
            "abcdefghijklmnopqrstuvwxyz0123456789",
            "FLASK_SECRET_KEY is too guessable",
        ),
        ("FLASK_SECRET_KEY", "dev-secret-key" * 3, "FLASK_SECRET_KEY is too guessable"),
        ("API_TOKEN_ENCRYPTION_KEY", "x", "API_TOKEN_ENCRYPTION_KEY is too guessable"),
        ("API_TOKEN_ENCRYPTION_KEY", "changeme", "API_TOKEN_ENCRYPTION_KEY is a well-known"),
        (
            "API_TOKEN_ENCRYPTION_KEY",
            "correct horse battery staple",
            "API_TOKEN_ENCRYPTION_KEY is too guessable",
        ),
        # A well-formed Fernet key of 32 zero bytes.
        ("API_TOKEN_ENCRYPTION_KEY", "A" * 43 + "=", "this Fernet key will not do"),
        ("DATABASE_URL", "sqlite://", "DATABASE_URL must name PostgreSQL in production"),
        ("DATABASE_URL", "sqlite:////var/data/g.sqlite", "must name PostgreSQL"),
        ("CORS_ORIGINS", "*", "must list exact origins"),
        ("CORS_ORIGINS", "https://a.example.com, *", "got '*'"),
        ("CORS_ORIGINS", ".*", "got '.*'"),
        ("CORS_ORIGINS", "https://*.example.com", "got 'https://*.example.com'"),
        ("CORS_ORIGINS", "https://a.example.com|https://b", "must list exact origins"),
        ("CORS_ORIGINS", "null", "got 'null'"),
        ("CORS_ORIGINS", "https://a.example.com/app", "must list exact origins"),
        ("CORS_ORIGINS", "grades.example.com", "must list exact origins"),
        ("DATABASE_URL", None, "DATABASE_URL is not set"),
        ("REDIS_URL", None, "REDIS_URL is not set"),
    ],
)
@pytest.mark.checklist(2)
def test_production_refuses_unsafe_setting(
    production_env: pytest.MonkeyPatch, name: str, value: str | None, problem: str
) -> None:
    if value is None:
        production_env.delenv(name)
    else:
        production_env.setenv(name, value)
    with pytest.raises(ConfigError) as excinfo:
        create_app()
    assert len(excinfo.value.problems) == 1
    assert problem in str(excinfo.value)
    assert "\n" not in str(excinfo.value), "the refusal must be one line"


@pytest.mark.parametrize(
    "origins", ["https://grades.example.com", "https://a.example.com:8443,http://localhost:5000"]
)
def test_production_accepts_exact_origins(production_env: pytest.MonkeyPatch, origins: str) -> None:
    production_env.setenv("CORS_ORIGINS", origins)
    assert create_app().config["CORS_ORIGINS"] == origins.split(",")


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("RATELIMIT_DEFAULT", "lots please", "RATELIMIT_DEFAULT must be like '300 per minute'"),
        ("RATELIMIT_WRITE", "60 per fortnight", "RATELIMIT_WRITE must be like"),
        ("RATELIMIT_WRITE", "per minute", "RATELIMIT_WRITE must be like"),
        ("DATABASE_URL", "postgresql://u:p@db:port/x", "DATABASE_URL must be a URL"),
        ("DATABASE_URL", "mysql://u@db/x", "scheme 'mysql' is not one of"),
        ("DATABASE_URL", "postgresql:///nohost", "it names no host"),
        ("DATABASE_URL", "not a url", "scheme '(none)'"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be a URL"),
        # The hostile review's: every request 429, a port no browser sends, Sentry's parser.
        ("RATELIMIT_DEFAULT", "0 per minute", "RATELIMIT_DEFAULT allows no request at all"),
        ("RATELIMIT_WRITE", "5 per 0 minutes", "RATELIMIT_WRITE allows no request at all"),
        ("CORS_ORIGINS", "https://a.example.com:99999", "CORS_ORIGINS has a port outside"),
        ("SENTRY_DSN", "not-a-dsn", "SENTRY_DSN is not a Sentry DSN"),
        ("SENTRY_DSN", "https://o1.ingest.sentry.io/1", "SENTRY_DSN is not a Sentry DSN"),
        ("SENTRY_DSN", "https://k@o1.ingest.sentry.io/proj", "SENTRY_DSN is not a Sentry DSN"),
        ("SENTRY_DSN", "https://k@o1.ingest.sentry.io:99999/1", "SENTRY_DSN is not a Sentry DSN"),
        ("LOG_LEVEL", "junk", "LOG_LEVEL must be one of DEBUG, INFO"),
    ],
)
def test_refuses_malformed_settings_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, problem: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as excinfo:
        create_app()
    message = str(excinfo.value)
    assert message.startswith("Invalid configuration: ")
    assert problem in message
    assert "\n" not in message
    assert "p@" not in message or name != "DATABASE_URL", "the URL's password must not be echoed"


@pytest.mark.parametrize(
    "limit", ["300 per minute", "10/second", "100 per 2 hours", "5 per minute; 100 per day"]
)
def test_accepts_every_rate_limit_form_the_limits_package_parses(
    monkeypatch: pytest.MonkeyPatch, limit: str
) -> None:
    from limits import parse_many

    assert parse_many(limit)
    monkeypatch.setenv("RATELIMIT_DEFAULT", limit)
    assert create_app().config["RATELIMIT_DEFAULT"] == limit


@pytest.mark.parametrize(("value", "problem"), [("0", "from 1 to 32, got 0"), ("abc", "integer")])
def test_worker_count_is_checked(monkeypatch: pytest.MonkeyPatch, value: str, problem: str) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", value)
    with pytest.raises(ConfigError, match="WEB_CONCURRENCY") as excinfo:
        config.worker_count()
    assert problem in str(excinfo.value)


def test_the_documented_estimates_hold() -> None:
    """app/config.py and docs/app.md quote these figures."""
    assert 10 < config_checks.estimated_bits("0123456789abcdef" * 2) < 20
    assert 30 < config_checks.estimated_bits("dev-secret-key" * 3) < 45
    assert 140 < config_checks.estimated_bits(secrets.token_hex(32)) < 170


def test_secret_key_estimate_scores_repetition_low_and_random_high() -> None:
    for guessable in ("a" * 40, "ab" * 20, "0123456789abcdef" * 2, "dev-secret-key" * 3):
        assert config_checks.estimated_bits(guessable) < config_checks.MIN_SECRET_KEY_BITS / 2, (
            guessable
        )
    for generated in (
        secrets.token_hex(32),
        secrets.token_urlsafe(32),
        Fernet.generate_key().decode(),
    ):
        assert config_checks.estimated_bits(generated) > config_checks.MIN_SECRET_KEY_BITS, (
            generated
        )


@pytest.mark.parametrize(
    "key",
    [Fernet.generate_key().decode(), "Tr0ub4dor&3-but-much-longer-with-many-words-2026!"],
    # A fixed id for the generated key: xdist's workers must collect the same test ids.
    ids=["generated-fernet-key", "passphrase"],
)
def test_production_accepts_a_fernet_key_or_a_strong_passphrase(
    production_env: pytest.MonkeyPatch, key: str
) -> None:
    production_env.setenv("API_TOKEN_ENCRYPTION_KEY", key)
    assert create_app().config["API_TOKEN_ENCRYPTION_KEY"] == key


@pytest.mark.checklist(2)
@pytest.mark.parametrize("key", sorted({"dev-secret-key", *KNOWN_DEFAULT_SECRETS}))
def test_production_refuses_a_well_known_secret_key_in_any_case(
    production_env: pytest.MonkeyPatch, key: str
) -> None:
    production_env.setenv("FLASK_SECRET_KEY", key.upper())
    with pytest.raises(ConfigError, match="FLASK_SECRET_KEY is a well-known default"):
        create_app()


@pytest.mark.checklist(2)
def test_production_lists_every_problem_in_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError) as excinfo:
        create_app()
    message = str(excinfo.value)
    assert message.startswith("Refusing to start in production:")
    for name in (
        "FLASK_SECRET_KEY",
        "SESSION_COOKIE_SECURE",
        "API_TOKEN_ENCRYPTION_KEY",
        "CORS_ORIGINS",
        "DATABASE_URL",
    ):
        assert name in message


def test_development_generates_a_random_secret_key_per_process() -> None:
    first, second = create_app(), create_app()
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]


def test_development_defaults_to_sqlite_in_the_instance_folder() -> None:
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{app.instance_path}/gradetracker.sqlite"
    )
    assert app.config["CACHE_TYPE"] == "SimpleCache"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize(
    ("name", "value"),
    [("APP_ENV", "staging"), ("RATELIMIT_ENABLED", "maybe"), ("SESSION_COOKIE_SECURE", "2")],
)
def test_rejects_malformed_values(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name) as excinfo:
        create_app()
    # Not a production refusal: APP_ENV is unset (development) or itself the problem.
    assert str(excinfo.value).startswith("Invalid configuration:")


def test_port_defaults_to_render_port_and_must_be_an_integer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert listen_port() == 10000
    monkeypatch.setenv("PORT", "8080")
    assert listen_port() == 8080
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(ConfigError, match="PORT"):
        listen_port()
    for out_of_range in ("0", "99999"):
        monkeypatch.setenv("PORT", out_of_range)
        with pytest.raises(ConfigError, match=f"PORT must be from 1 to 65535, got {out_of_range}"):
            listen_port()


def test_rate_limit_settings_come_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("RATELIMIT_DEFAULT", "10 per second")
    monkeypatch.setenv("RATELIMIT_WRITE", "2 per minute")
    config = create_app().config
    assert (config["RATELIMIT_ENABLED"], config["RATELIMIT_DEFAULT"]) == (False, "10 per second")
    assert config["RATELIMIT_WRITE"] == "2 per minute"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@db:5432/g", "postgresql+psycopg://u:p@db:5432/g"),
        ("postgresql://u:p@db/g", "postgresql+psycopg://u:p@db/g"),
        ("postgresql+psycopg://u@db/g", "postgresql+psycopg://u@db/g"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_is_pointed_at_psycopg3(url: str, expected: str) -> None:
    assert normalize_database_url(url) == expected


def test_postgres_pool_settings() -> None:
    options = engine_options("postgresql+psycopg://u@db/g")
    assert options == {
        "pool_size": 10,
        "max_overflow": 20,
        "pool_recycle": 3600,
        "pool_pre_ping": True,
        "pool_timeout": 2,
        "connect_args": {
            "connect_timeout": 2,
            "tcp_user_timeout": 1000,
            "options": "-c statement_timeout=10000",
        },
    }
    assert engine_options("sqlite://") == {}


def test_database_timeouts_come_from_settings_and_zero_switches_them_off() -> None:
    assert engine_options("postgresql+psycopg://u@db/g", 5, 30)["connect_args"] == {
        "connect_timeout": 5,
        "tcp_user_timeout": 2500,
        "options": "-c statement_timeout=30000",
    }
    assert engine_options("postgresql+psycopg://u@db/g", 0, 0)["connect_args"] == {
        "connect_timeout": 0
    }


def test_cors_origins_are_split_and_trimmed() -> None:
    assert split_origins(" https://a.example.com/, ,https://b.example.com") == [
        "https://a.example.com",
        "https://b.example.com",
    ]


def test_env_reads_use_literal_names() -> None:
    """The cross-file check relies on this: every env helper call names its variable."""
    source = inspect.getsource(config)
    calls = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ENV_HELPERS
    ]
    assert all(
        isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)
        for call in calls
    )
    assert {call.args[0].value for call in calls} == set(APP_ENV_VARS)


@pytest.mark.parametrize("value", ["-1", "99999999999"])
def test_a_database_timeout_out_of_range_is_refused(
    production_env: pytest.MonkeyPatch, value: str
) -> None:
    production_env.setenv("DATABASE_STATEMENT_TIMEOUT", value)
    with pytest.raises(ConfigError, match="DATABASE_STATEMENT_TIMEOUT must be from 0 \\(off\\)"):
        create_app()


def test_the_sentry_dsn_check_is_sentrys_own_parser_and_never_echoes_the_key() -> None:
    assert config_checks.sentry_dsn_problem("https://public@o1.ingest.sentry.io/42") is None
    problem = config_checks.sentry_dsn_problem("https://public@o1.ingest.sentry.io/x")
    assert problem is not None
    assert "public" not in problem


def test_a_blank_worker_count_is_refused_for_gunicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    """gunicorn reads WEB_CONCURRENCY with int() itself; a blank value is its traceback."""
    monkeypatch.setenv("WEB_CONCURRENCY", " ")
    with pytest.raises(ConfigError, match="WEB_CONCURRENCY is blank"):
        config.worker_count()
