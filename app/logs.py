"""Structured, redacted logging for the app and gunicorn.

Stdlib-only: ``gunicorn.conf.py`` imports ``gunicorn_logconfig`` in the master process.
Every record goes through ``RedactingFilter`` on the handler, which rewrites the message, the
arguments and the exception text so configured secrets, bearer tokens and URL passwords never
reach stdout.

Production writes JSON lines (``LOG_FORMAT`` "json"); development writes one readable line per
record ("text"). Logs go to stdout, except in a command-line process (``flask create-token``),
whose stdout is the command's output: there they go to stderr.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import config

if TYPE_CHECKING:
    from flask import Flask

REDACTED = "[REDACTED]"
HANDLER_NAME = "gradetracker-stdout"
_PATTERNS = (
    # Authorization header values.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + REDACTED),
    # API tokens minted by this app (app.tokens: "gt_" + token_urlsafe), wherever they stand:
    # no word boundary, so "tokengt_..." or "agent_gt_..." is caught too, and "_" percent-encoded.
    (re.compile(r"gt(?:_|%5[Ff])[A-Za-z0-9_-]{16,}"), REDACTED),
    # user:password@host in any URL.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@"), r"\1" + REDACTED + "@"),
    # password=..., token: ... in DSNs, query strings and reprs.
    (
        re.compile(
            r"(?i)\b(password|passwd|pwd|secret|token|api_key)(['\"]?\s*[=:]\s*['\"]?)[^\s'\"&,;]+"
        ),
        r"\1\2" + REDACTED,
    ),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with known secret values and secret-shaped substrings replaced."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrite each record so no secret survives in its message, args or exception text."""

    def __init__(self, secrets: Iterable[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in (config.secret_values() if secrets is None else secrets) if s]

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and exception text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
FORMATTERS: dict[str, type[logging.Formatter]] = {"json": JsonFormatter, "text": logging.Formatter}


class StdoutHandler(logging.StreamHandler):
    """A stream handler that looks ``sys.stdout`` (or ``sys.stderr``) up at emit time.

    gunicorn and pytest both swap ``sys.stdout``; binding it at construction would write to a
    stale stream.
    """

    def __init__(self, stream_name: str = "stdout") -> None:
        self.stream_name = stream_name
        super().__init__(getattr(sys, stream_name))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = getattr(sys, self.stream_name)
        super().emit(record)


def make_handler(
    secrets: Iterable[str] | None = None, log_format: str = "json", stream_name: str = "stdout"
) -> logging.Handler:
    """A handler with the ``log_format`` formatter and the redacting filter attached."""
    handler = StdoutHandler(stream_name)
    handler.name = HANDLER_NAME
    formatter = FORMATTERS[log_format]
    handler.setFormatter(formatter(TEXT_FORMAT) if log_format == "text" else formatter())
    handler.addFilter(RedactingFilter(secrets))
    return handler


def init_app(app: Flask) -> None:
    """Send the root logger (and so Flask's) to stdout through the redacting handler."""
    from flask.logging import default_handler

    secrets = config.secret_values() + [
        str(app.config[key])
        for key in ("SECRET_KEY", "API_TOKEN_ENCRYPTION_KEY", "SENTRY_DSN")
        if app.config.get(key)
    ]
    secrets += [p for p in [config.url_password(app.config["SQLALCHEMY_DATABASE_URI"])] if p]
    secrets += [p for p in [config.url_password(app.config.get("REDIS_URL"))] if p]
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.name == HANDLER_NAME]:
        root.removeHandler(handler)
    from .cli import in_command_line

    stream_name = "stderr" if in_command_line() else "stdout"
    root.addHandler(make_handler(secrets, app.config["LOG_FORMAT"], stream_name))
    root.setLevel(app.config["LOG_LEVEL"])
    app.logger.removeHandler(default_handler)
    init_sentry(app)


def init_sentry(app: Flask) -> None:
    """Report errors to Sentry only when SENTRY_DSN is configured."""
    if not app.config.get("SENTRY_DSN"):
        return
    import sentry_sdk

    # send_default_pii=False keeps cookies, Authorization headers and user IPs out of events.
    sentry_sdk.init(
        dsn=app.config["SENTRY_DSN"],
        environment=app.config["APP_ENV"],
        send_default_pii=False,
    )


def gunicorn_logconfig(level: str) -> dict[str, Any]:
    """A ``logconfig_dict`` routing gunicorn's error and access logs through the same filter."""
    handler = {
        "class": "app.logs.StdoutHandler",
        "formatter": "json",
        "filters": ["redact"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "app.logs.RedactingFilter"}},
        "formatters": {"json": {"()": "app.logs.JsonFormatter"}},
        # Same handler name as the app's, so create_app replaces it on the root logger
        # instead of printing every app record twice.
        "handlers": {HANDLER_NAME: handler},
        "root": {"level": level, "handlers": [HANDLER_NAME]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [HANDLER_NAME], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": [HANDLER_NAME], "propagate": False},
        },
    }
