from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from app import config, create_app
from app.logs import REDACTED, RedactingFilter, gunicorn_logconfig, redact
from app.tokens import TOKEN_PREFIX
from tests.app_helpers import ApiClient
from tests.unit.app.conftest import ENCRYPTION_KEY, SECRET_KEY

DB_PASSWORD = "s3cr3t-db-pw"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Production's JSON lines (development's default is text, tested below)."""
    return {**app_config, "LOG_FORMAT": "json"}


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def test_log_lines_are_json(app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    logging.getLogger("app.test").info("hello %s", "world")
    (line,) = _lines(capsys)
    assert (line["level"], line["logger"], line["message"]) == ("INFO", "app.test", "hello world")


def test_log_format_is_json_in_production_and_text_in_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert config.from_env("instance")["LOG_FORMAT"] == "text"
    monkeypatch.setenv("APP_ENV", "production")
    assert config.from_env("instance")["LOG_FORMAT"] == "json"


def test_development_log_lines_are_readable_text(
    make_app: Callable[..., Flask], capsys: pytest.CaptureFixture[str]
) -> None:
    make_app(LOG_FORMAT="text")
    capsys.readouterr()
    logging.getLogger("app.test").warning("hello %s", "world")
    (line,) = capsys.readouterr().out.splitlines()
    assert line.endswith(" WARNING app.test: hello world"), line
    assert not line.startswith("{")


@pytest.mark.checklist(9)
def test_secret_key_and_encryption_key_are_redacted(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    app.logger.warning("config dump: %s %s", SECRET_KEY, ENCRYPTION_KEY)
    output = capsys.readouterr().out
    assert SECRET_KEY not in output
    assert ENCRYPTION_KEY not in output
    assert output.count(REDACTED) == 2


@pytest.mark.checklist(9)
def test_bearer_token_is_redacted(api: ApiClient, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    logging.getLogger("app").info("Authorization: Bearer %s", api.token)
    logging.getLogger("app").info("token leaked bare: %s", api.token)
    output = capsys.readouterr().out
    assert api.token not in output
    assert api.token[3:20] not in output


@pytest.mark.checklist(9)
def test_database_password_in_url_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db", "RATELIMIT_ENABLED": False})
    logging.getLogger("app").error("cannot connect to postgresql://gt:%s@db:5432/g", DB_PASSWORD)
    output = capsys.readouterr().out
    assert DB_PASSWORD not in output
    assert "postgresql://gt:[REDACTED]@db:5432/g" in output


@pytest.mark.checklist(9)
def test_exception_text_is_redacted(app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        raise RuntimeError(f"boom with {SECRET_KEY}")
    except RuntimeError:
        logging.getLogger("app").exception("failed")
    (line,) = _lines(capsys)
    assert "RuntimeError" in line["exception"]
    assert SECRET_KEY not in json.dumps(line)


@pytest.mark.checklist(9)
def test_unhandled_request_error_logs_no_authorization_header(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.api import routes

    def explode(*_args: Any) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(routes, "paginated", explode)
    capsys.readouterr()
    api.client.get("/api/v1/students", headers=api.headers)
    output = capsys.readouterr().out
    assert "unhandled RuntimeError on GET /api/v1/students" in output
    assert api.token not in output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abcdefgh12345678", "Authorization: Bearer [REDACTED]"),
        ("redis://:hunter22@cache:6379/0", "redis://:[REDACTED]@cache:6379/0"),
        ("dsn password=hunter22 host=db", "dsn password=[REDACTED] host=db"),
        ("GET /x?token=abc123", "GET /x?token=[REDACTED]"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_redact_patterns(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_filter_reads_secrets_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_SECRET_KEY", "env-secret-value-for-the-filter")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "k=%s", (SECRET_KEY,), None)
    record.msg = "key env-secret-value-for-the-filter"
    record.args = None
    RedactingFilter().filter(record)
    assert record.getMessage() == f"key {REDACTED}"


def test_gunicorn_logs_use_the_redacting_filter() -> None:
    config = gunicorn_logconfig("INFO")
    assert config["filters"]["redact"]["()"] == "app.logs.RedactingFilter"
    handler = next(iter(config["handlers"].values()))
    for logger in ("gunicorn.error", "gunicorn.access"):
        assert config["loggers"][logger]["handlers"] == list(config["handlers"])
    assert handler["filters"] == ["redact"]


def test_sentry_starts_only_with_a_dsn(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sentry_sdk

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: calls.append(kwargs))
    make_app()
    assert calls == []
    make_app(SENTRY_DSN="https://public@sentry.example.com/1")
    assert calls == [
        {
            "dsn": "https://public@sentry.example.com/1",
            "environment": "development",
            "send_default_pii": False,
        }
    ]


def minted_token() -> str:
    """A token as app.tokens.create_token mints it."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@pytest.mark.parametrize("glue", ["", "token", "agent_", "x", "_", "-", "9", ".", "%2F"])
@pytest.mark.parametrize(
    "line",
    [
        # gunicorn.conf.py's access_log_format with the token in the path, then the User-Agent.
        '10.0.0.1 "GET /api/v1/courses/{glue}{token} HTTP/1.1" 404 52 3ms "curl/8"',
        '10.0.0.1 "GET /health HTTP/1.1" 200 40 1ms "{glue}gt_{token_body}"',
        '10.0.0.1 "GET /health HTTP/1.1" 200 40 1ms "{glue}{token}{glue}"',
        "rejected header {glue}{token}{glue}",
    ],
)
def test_a_token_is_redacted_wherever_it_stands(line: str, glue: str) -> None:
    """The hostile review: ``/api/v1/courses/tokengt_<token>`` or a User-Agent
    ``agent_gt_<token>`` kept the whole token; ``\\b`` needs a non-word character before it."""
    token = minted_token()
    text = line.format(glue=glue, token=token, token_body=token[len(TOKEN_PREFIX) :])
    redacted = redact(text)
    assert token[len(TOKEN_PREFIX) :] not in redacted
    assert REDACTED in redacted


def test_a_percent_encoded_token_is_redacted() -> None:
    token = minted_token()
    assert token[3:] not in redact("GET /x/gt%5F" + token[3:])
