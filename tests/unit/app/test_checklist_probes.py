"""The security probes against the app in a test client: each passes on the app as configured
for production and reports the broken variant (CSRF off, CORS ``*``, limiter off, insecure
cookie, redaction removed, plain-text tokens), so a green item cannot be vacuous."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import text

from app import create_app
from app.db import db
from app.logs import HANDLER_NAME, RedactingFilter
from app.tokens import fernet_for
from deploycheck.checklist.http_targets import FlaskTarget
from deploycheck.checklist.probes import (
    check_cors,
    check_csrf,
    check_rate_limit,
    check_reads_need_auth,
    check_reads_owned,
    check_secrets_absent,
    check_security_headers,
    check_session_cookie,
    check_token_at_rest,
    encodings_of,
)
from deploycheck.findings import Finding
from deploycheck.testing.assertions import assert_clean
from tests.app_helpers import token_for
from tests.unit.app.conftest import ENCRYPTION_KEY, SECRET_KEY

ALLOWED = "https://grades.example.com"
REFUSED = ("https://evil.example.com", "http://grades.example.com", "null")
WRITE_LIMIT = 3


def assert_rejected(findings: list[Finding], rule_id: str, what: str) -> None:
    """Fail unless the probe reported ``rule_id`` on the broken variant ``what``."""
    __tracebackhide__ = True
    found = [f.rule_id for f in findings]
    if rule_id not in found:
        pytest.fail(f"expected the probe to report {rule_id} for {what}, found {found or 'none'}")


def target(app: Flask) -> FlaskTarget:
    return FlaskTarget(app.test_client(), f"app({app.config['APP_ENV']})")


def stored_rows(app: Flask) -> list[dict[str, Any]]:
    """Every column of every row of api_tokens, read with plain SQL (no ORM decoding)."""
    with app.app_context():
        return [dict(row._mapping) for row in db.session.execute(text("SELECT * FROM api_tokens"))]


@pytest.mark.checklist(3)
def test_session_cookie_probe_passes_with_secure_cookies(make_app: Callable[..., Flask]) -> None:
    """The sign-in page's session cookie is Secure, HttpOnly and SameSite=Lax."""
    assert_clean(check_session_cookie(target(make_app(SESSION_COOKIE_SECURE=True))), "/login")


def test_session_cookie_probe_reports_a_cookie_without_secure(app: Flask) -> None:
    assert_rejected(check_session_cookie(target(app)), "PRB001", "SESSION_COOKIE_SECURE=False")


@pytest.mark.checklist(6)
def test_cors_probe_allows_the_configured_origin_only(app: Flask) -> None:
    """A preflight from the configured origin is allowed, from any other origin refused."""
    assert_clean(check_cors(target(app), "/api/v1/courses", ALLOWED, REFUSED), "CORS")


def test_cors_probe_reports_a_wildcard_origin(make_app: Callable[..., Flask]) -> None:
    findings = check_cors(target(make_app(CORS_ORIGINS=["*"])), "/api/v1/courses", ALLOWED, REFUSED)
    assert_rejected(findings, "PRB003", "CORS_ORIGINS='*'")


@pytest.mark.checklist(7)
def test_csrf_probe_rejects_a_post_without_token_and_accepts_one_with(app: Flask) -> None:
    """A sign-in POST without a CSRF token is rejected (400); with the form's token it is not."""
    assert_clean(check_csrf(target(app), "/login", {"token": "gt_not-a-real-token"}), "/login")


def test_csrf_probe_reports_csrf_switched_off(make_app: Callable[..., Flask]) -> None:
    app = make_app(WTF_CSRF_ENABLED=False)
    findings = check_csrf(target(app), "/login", {"token": "gt_not-a-real-token"})
    assert_rejected(findings, "PRB004", "WTF_CSRF_ENABLED=False")


def limited_app(make_app: Callable[..., Flask], enabled: bool) -> tuple[Flask, dict[str, str]]:
    app = make_app(RATELIMIT_ENABLED=enabled, RATELIMIT_WRITE=f"{WRITE_LIMIT} per minute")
    with app.app_context():
        return app, {"Authorization": f"Bearer {token_for('probe')}"}


@pytest.mark.checklist(8)
def test_rate_limit_probe_sees_429_right_after_the_write_limit(
    make_app: Callable[..., Flask],
) -> None:
    """With RATELIMIT_WRITE=3 per minute the fourth API write is answered 429."""
    app, headers = limited_app(make_app, enabled=True)
    findings = check_rate_limit(
        target(app), "POST", "/api/v1/courses", WRITE_LIMIT, headers=headers, json={}
    )
    assert_clean(findings, "POST /api/v1/courses")


def test_rate_limit_probe_reports_the_limiter_switched_off(make_app: Callable[..., Flask]) -> None:
    app, headers = limited_app(make_app, enabled=False)
    findings = check_rate_limit(
        target(app), "POST", "/api/v1/courses", WRITE_LIMIT, headers=headers, json={}
    )
    assert_rejected(findings, "PRB006", "RATELIMIT_ENABLED=False")


def log_secrets(app: Flask) -> None:
    """Log the way a careless change would: the key, the encryption key, a bearer header."""
    app.logger.error("config: key=%s encryption=%s", SECRET_KEY, ENCRYPTION_KEY)
    logging.getLogger("app.requests").warning("rejected header Bearer %s", SECRET_KEY)


@pytest.mark.checklist(9)
def test_secrets_probe_finds_nothing_in_redacted_logs(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    """Secret values logged on purpose reach stdout redacted, never in plain text."""
    capsys.readouterr()
    log_secrets(app)
    output = capsys.readouterr().out
    assert "[REDACTED]" in output, f"expected redacted log lines, found {output!r}"
    secrets = {"FLASK_SECRET_KEY": SECRET_KEY, "API_TOKEN_ENCRYPTION_KEY": ENCRYPTION_KEY}
    assert_clean(check_secrets_absent(output, secrets, "stdout"), "the app's log output")


def test_secrets_probe_reports_logs_without_the_redacting_filter(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = next(h for h in logging.getLogger().handlers if h.name == HANDLER_NAME)
    for redacting in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
        handler.removeFilter(redacting)
    capsys.readouterr()
    log_secrets(app)
    findings = check_secrets_absent(capsys.readouterr().out, {"key": SECRET_KEY}, "stdout")
    assert_rejected(findings, "PRB007", "a handler without RedactingFilter")


@pytest.mark.checklist(5)
def test_token_at_rest_probe_passes_on_the_stored_row(app: Flask, token: str) -> None:
    """The api_tokens row holds no form of the token, and only the right key decrypts it."""
    findings = check_token_at_rest(
        token, stored_rows(app), fernet_for(ENCRYPTION_KEY), Fernet(Fernet.generate_key()), "db"
    )
    assert_clean(findings, "api_tokens")


@pytest.mark.parametrize("encoding", sorted(encodings_of("gt_x")))
def test_token_at_rest_probe_reports_a_readable_token(encoding: str) -> None:
    token = "gt_" + "k" * 43
    rows = [{"id": 1, "token": encodings_of(token)[encoding]}]
    key = Fernet(Fernet.generate_key())
    findings = check_token_at_rest(token, rows, key, Fernet(Fernet.generate_key()), "db")
    assert_rejected(findings, "PRB008", f"a token stored as {encoding}")
    assert_rejected(findings, "PRB010", "rows the right key cannot decrypt")


def test_token_at_rest_probe_reports_a_key_that_is_not_secret() -> None:
    token, shared = "gt_" + "k" * 43, Fernet(Fernet.generate_key())
    rows = [{"id": 1, "token_encrypted": shared.encrypt(token.encode())}]
    findings = check_token_at_rest(token, rows, shared, shared, "db")
    assert_rejected(findings, "PRB009", "a row the wrong key decrypts")


# Reads of student data (ids from the ``seed`` fixture) and the pages showing it.
STUDENT_READS = (
    "/api/v1/students",
    "/api/v1/students/1",
    "/api/v1/grades",
    "/api/v1/students/1/gpa",
)
STUDENT_PAGES = ("/", "/courses/1", "/students/1")


@pytest.mark.checklist(10)
def test_auth_probe_sees_401_and_sign_in_redirects_without_credentials(
    app: Flask, token: str, seed: dict[str, Any]
) -> None:
    """Student data answers 401 (API) or redirects to sign in (pages) without credentials."""
    findings = check_reads_need_auth(target(app), STUDENT_READS, STUDENT_PAGES, token)
    assert_clean(findings, "reads of student records")


def test_auth_probe_reports_open_reads(app: Flask, token: str) -> None:
    findings = check_reads_need_auth(target(app), ["/health"], ["/login"], token)
    assert_rejected(findings, "PRB011", "a read answered without a token")
    assert_rejected(findings, "PRB012", "a page served without a session")


def test_auth_probe_reports_a_read_the_token_cannot_make(app: Flask) -> None:
    findings = check_reads_need_auth(target(app), ["/api/v1/students"], [], "gt_wrong-token")
    assert_rejected(findings, "PRB013", "a token that is refused too")


# One teacher's records (the ``seed``), the cached reports among them.
OWNED_RECORDS = (
    "/api/v1/courses/1",
    "/api/v1/courses/1/summary",
    "/api/v1/courses/1/students/1/report",
    "/api/v1/students/1",
    "/api/v1/students/1/gpa",
    "/api/v1/assignments/1",
    "/api/v1/enrollments/1",
    "/api/v1/grades/1",
)


@pytest.mark.checklist(10)
def test_ownership_probe_sees_404_for_another_teacher(
    app: Flask, token: str, seed: dict[str, Any]
) -> None:
    """A second teacher's token reads none of the first one's records, cached reports included."""
    with app.app_context():
        other = token_for("other", email="other@example.com")
    findings = check_reads_owned(target(app), OWNED_RECORDS, token, other)
    assert_clean(findings, "another teacher's reads")


def test_ownership_probe_reports_a_record_shared_with_another_token(
    app: Flask, token: str, seed: dict[str, Any]
) -> None:
    """Two tokens of one teacher stand in for an app that shares records between users."""
    with app.app_context():
        same_teacher = token_for("second")
    findings = check_reads_owned(target(app), OWNED_RECORDS[:1], token, same_teacher)
    assert_rejected(findings, "PRB016", "a record another token reads")


def test_ownership_probe_reports_a_read_the_owner_cannot_make(
    app: Flask, token: str, seed: dict[str, Any]
) -> None:
    findings = check_reads_owned(target(app), ["/api/v1/courses/99"], token, "gt_other")
    assert_rejected(findings, "PRB017", "an owner refused too")


UNREACHABLE_DATABASE = "postgresql+psycopg://app:pw@127.0.0.1:1/app"  # pragma: allowlist secret
HEADER_PATHS = ("/login", "/api/v1/courses", "/health", "/static/style.css")


@pytest.mark.checklist(11)
def test_header_probe_passes_on_pages_api_and_health(app: Flask) -> None:
    """CSP with frame-ancestors 'none', DENY, nosniff and Referrer-Policy on every answer."""
    assert_clean(check_security_headers(target(app), HEADER_PATHS, hsts=False), "headers")


@pytest.mark.checklist(11)
def test_production_over_https_adds_hsts(app_config: dict[str, Any]) -> None:
    """Production, reached through Render's TLS proxy, sends Strict-Transport-Security."""
    app = create_app(
        {
            **app_config,
            "APP_ENV": "production",
            "SESSION_COOKIE_SECURE": True,
            "REDIS_URL": "redis://127.0.0.1:1/0",
            # Production refuses SQLite; neither path probed reads the database.
            "SQLALCHEMY_DATABASE_URI": UNREACHABLE_DATABASE,
        }
    )
    https = {"X-Forwarded-Proto": "https"}
    findings = check_security_headers(target(app), HEADER_PATHS[:2], hsts=True, headers=https)
    assert_clean(findings, "production headers over HTTPS")


def test_development_sends_no_hsts(app: Flask) -> None:
    https = {"X-Forwarded-Proto": "https"}
    response = app.test_client().get("/login", headers=https)
    assert "Strict-Transport-Security" not in response.headers


def test_header_probe_reports_an_app_without_them() -> None:
    bare = Flask("bare")
    bare.add_url_rule("/", "index", lambda: "hi")
    bare.after_request(_versioned_server)
    findings = check_security_headers(FlaskTarget(bare.test_client()), ["/"], hsts=True)
    assert len([f for f in findings if f.rule_id == "PRB014"]) == 5
    assert_rejected(findings, "PRB015", "Server: Werkzeug/3.1.9 Python/3.11.2")


def _versioned_server(response: Any) -> Any:
    response.headers["Server"] = "Werkzeug/3.1.9 Python/3.11.2"
    return response
