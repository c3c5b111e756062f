"""Checklist items 3, 6, 7, 8, 9, 10 and 11 against the built image running as Render runs it:
the same probes as the unit tests, sent over HTTP to the container's published port."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests

from deploycheck.checklist.http_targets import LiveTarget
from deploycheck.checklist.probes import (
    check_cors,
    check_csrf,
    check_rate_limit,
    check_reads_need_auth,
    check_secrets_absent,
    check_security_headers,
    check_session_cookie,
)
from deploycheck.targets.image import Image
from deploycheck.testing.assertions import assert_clean
from deploycheck.testing.container import AppContainer, AppEnv, AppSecrets, running_app
from deploycheck.testing.services import PostgresService, RedisService
from tests.app_helpers import PRODUCTION_ORIGIN

pytestmark = pytest.mark.container

WRITE_LIMIT = 7
WORKERS = 3
# Each worker's bytes written (its access log lines), read inside the container where gunicorn's
# master is PID 1 and its workers are PID 1's children.
WORKER_WRITES = (
    "import json, pathlib\n"
    "children = pathlib.Path('/proc/1/task/1/children').read_text().split()\n"
    "print(json.dumps({p: int(pathlib.Path(f'/proc/{p}/io').read_text().split('wchar: ')[1]"
    ".split()[0]) for p in children}))"
)


def live(container: AppContainer) -> LiveTarget:
    return LiveTarget(container.base_url)


def create_token(container: AppContainer, scope: str = "write") -> str:
    """A token from ``flask create-token`` in the container: stdout holds the token alone."""
    name = f"probe-{secrets.token_hex(4)}"
    code, (stdout, stderr) = container.get_wrapped_container().exec_run(
        ["flask", "create-token", name, "--scope", scope], demux=True
    )
    assert code == 0, f"`flask create-token {name}` exited {code}: {stderr!r}"
    token = (stdout or b"").decode()
    assert re.fullmatch(r"gt_[\w-]+\n", token), f"expected the token alone on stdout: {token!r}"
    return token.strip()


API_READS = (
    "/api/v1/courses",
    "/api/v1/students",
    "/api/v1/enrollments",
    "/api/v1/assignments",
    "/api/v1/grades",
)
PAGES = ("/", "/courses/1", "/students/1")


@pytest.mark.checklist(10)
def test_running_image_serves_no_student_record_without_authentication(
    app_container: AppContainer,
) -> None:
    """Every API read answers 401 without a token (200 with one); pages redirect to sign-in."""
    findings = check_reads_need_auth(
        live(app_container), API_READS, PAGES, create_token(app_container)
    )
    assert_clean(findings, "reads of student records")


@pytest.mark.checklist(10)
def test_running_image_gives_a_read_token_reads_only(app_container: AppContainer) -> None:
    """A dashboard's ``--scope read`` token reads (200) and is refused writes (403)."""
    headers = {"Authorization": f"Bearer {create_token(app_container, 'read')}"}
    base = app_container.base_url
    read = requests.get(base + "/api/v1/students", headers=headers, timeout=10)
    write = requests.post(
        base + "/api/v1/students",
        json={"name": "Eve", "email": "eve@example.com"},
        headers=headers,
        timeout=10,
    )
    assert (read.status_code, write.status_code) == (200, 403), (
        f"expected a read token to get 200 on GET and 403 on POST, got {read.status_code} and "
        f"{write.status_code}: {write.text}"
    )


@pytest.mark.checklist(11)
def test_running_image_sends_security_headers_and_hsts_over_https(
    app_container: AppContainer,
) -> None:
    """CSP frame-ancestors 'none', DENY, nosniff, Referrer-Policy and HSTS (behind Render's TLS
    proxy) on a page, an API answer, /health and a static file; no version in Server."""
    paths = ("/login", "/api/v1/courses", "/health", "/static/style.css")
    https = {"X-Forwarded-Proto": "https"}
    findings = check_security_headers(live(app_container), paths, hsts=True, headers=https)
    assert_clean(findings, "the running image's response headers")


@pytest.mark.checklist(3)
def test_running_image_sets_a_secure_httponly_lax_session_cookie(
    app_container: AppContainer,
) -> None:
    """The container's sign-in page sets the session cookie Secure; HttpOnly; SameSite=Lax."""
    assert_clean(check_session_cookie(live(app_container), "/login"), "GET /login")


@pytest.mark.checklist(6)
def test_running_image_allows_cors_from_the_production_origin_only(
    app_container: AppContainer,
) -> None:
    """A preflight from the production origin is allowed, from another origin refused."""
    refused = ("https://evil.example.com", "http://gradetracker.onrender.com")
    findings = check_cors(live(app_container), "/api/v1/courses", PRODUCTION_ORIGIN, refused)
    assert_clean(findings, "OPTIONS /api/v1/courses")


@pytest.mark.checklist(7)
def test_running_image_rejects_a_form_post_without_csrf_token(app_container: AppContainer) -> None:
    """The container answers a sign-in POST without CSRF token 400 and accepts one with it."""
    findings = check_csrf(live(app_container), "/login", {"token": "gt_not-a-real-token"})
    assert_clean(findings, "POST /login")


@pytest.fixture(scope="module")
def limited_container(app_image: Image, migrated_env: AppEnv) -> Iterator[AppContainer]:
    """The image with 3 gunicorn workers and RATELIMIT_WRITE=7 per minute on the real Redis."""
    container = migrated_env.container(app_image.ref)
    container.with_env("WEB_CONCURRENCY", str(WORKERS))
    container.with_env("RATELIMIT_WRITE", f"{WRITE_LIMIT} per minute")
    with running_app(container):
        yield container


def worker_writes(container: AppContainer) -> dict[str, int]:
    code, output = container.exec(["python", "-c", WORKER_WRITES])
    assert code == 0, f"reading worker I/O counters failed: {output!r}"
    return json.loads(output)


@pytest.mark.checklist(8)
def test_write_limit_is_shared_by_three_workers_through_redis(
    limited_container: AppContainer, redis: RedisService
) -> None:
    """Through 3 gunicorn workers on the real Redis, write 8 of 7 allowed is answered 429, and
    every one of the 8 was counted in the one counter in Redis.

    Which worker the kernel hands each connection to is not ours to choose (all of them may go
    to one), so sharing is shown where it lives: whichever workers served the requests, one
    Redis counter saw them all. Per-worker memory counters would leave it empty.
    """
    before = worker_writes(limited_container)
    # A client address of its own (ProxyFix trusts one X-Forwarded-For hop), so counters left
    # in the shared Redis by other tests cannot count towards this limit.
    client = f"198.51.100.{secrets.randbelow(250) + 1}"
    headers = {"Authorization": "Bearer gt_not-a-token", "X-Forwarded-For": client}
    findings = check_rate_limit(
        live(limited_container), "POST", "/api/v1/courses", WRITE_LIMIT, headers=headers, json={}
    )
    after = worker_writes(limited_container)
    served = [pid for pid in after if after[pid] > before.get(pid, 0)]
    assert len(after) == WORKERS, f"expected {WORKERS} gunicorn workers, found {sorted(after)}"
    assert_clean(findings, f"POST /api/v1/courses through {len(served)} of {WORKERS} workers")
    counter = f"LIMITS:LIMITER/{client}/courses.create_course/{WRITE_LIMIT}/1/minute"
    with redis.client() as redis_client:
        counted = redis_client.get(counter)
    assert counted == str(WRITE_LIMIT + 1).encode(), (
        f"expected Redis key {counter} to count all {WRITE_LIMIT + 1} requests, found {counted!r}"
    )


def exercise(base_url: str, app_secrets: AppSecrets, token: str) -> None:
    """Normal, failing (401, 404, 422) and error-prone requests, each carrying a secret."""
    bearer = {"Authorization": f"Bearer {token}"}
    for path in ("/", "/health", "/api/v1/courses", "/login"):
        requests.get(base_url + path, timeout=10)
    requests.post(base_url + "/api/v1/courses", json={"code": ""}, headers=bearer, timeout=10)
    for wrong in (app_secrets.secret_key, app_secrets.encryption_key, token + "x"):
        headers = {"Authorization": f"Bearer {wrong}"}
        requests.post(base_url + "/api/v1/courses", json={}, headers=headers, timeout=10)
    requests.get(f"{base_url}/api/v1/courses/999999?token={token}", timeout=10)
    requests.get(f"{base_url}/probe/{app_secrets.secret_key}", timeout=10)
    requests.post(base_url + "/login", data={"token": token}, timeout=10)


@pytest.mark.checklist(9)
def test_container_logs_hold_no_secret_after_normal_failing_and_error_paths(
    app_container: AppContainer, app_secrets: AppSecrets, postgres: PostgresService
) -> None:
    """After requests carrying the token and keys (200/400/401/404/422), no secret is logged."""
    code, output = app_container.exec(["flask", "create-token", "log-probe"])
    assert code == 0, f"flask create-token failed: {output!r}"
    token = re.findall(r"gt_[\w-]+", output.decode())[-1]
    exercise(app_container.base_url, app_secrets, token)
    # The last request's access line, so every request before it has been logged too.
    logs = app_container.logs_text(until="POST /login HTTP")
    # Not vacuous: the path holding the secret key was logged, redacted.
    assert "GET /probe/[REDACTED]" in logs, "expected the access log line of GET /probe/<key>"
    named = {
        "FLASK_SECRET_KEY": app_secrets.secret_key,
        "API_TOKEN_ENCRYPTION_KEY": app_secrets.encryption_key,
        "database password": app_secrets.db_password,
        "postgres superuser password": postgres.password,
        "API token": token,
    }
    assert_clean(check_secrets_absent(logs, named, "container logs"), "the container's logs")


@pytest.mark.checklist(9)
def test_failing_database_health_check_logs_no_database_password(
    app_image: Image, app_env: AppEnv, app_secrets: AppSecrets
) -> None:
    """With DATABASE_URL's password pointing at a dead port, /health fails; no password logged."""
    broken = f"postgresql://gradetracker_app:{app_secrets.db_password}@postgres:1/nowhere"
    container = replace(app_env, database_url=broken).container(app_image.ref)
    container.start()
    try:
        statuses = wait_for_health_answers(container.base_url, count=3)
        logs = container.logs_text()
    finally:
        container.stop()
    assert set(statuses) == {503}, f"expected /health to answer 503, got {statuses}"
    assert "database check failed" in logs, "expected the failed health check to be logged"
    findings = check_secrets_absent(logs, {"database password": app_secrets.db_password}, "logs")
    assert_clean(findings, "the logs of a container whose database is down")


def wait_for_health_answers(base_url: str, count: int, timeout: float = 60) -> list[int]:
    """``count`` status codes from /health, once gunicorn listens."""
    statuses: list[int] = []
    deadline = time.monotonic() + timeout
    while len(statuses) < count and time.monotonic() < deadline:
        try:
            statuses.append(requests.get(base_url + "/health", timeout=10).status_code)
        except requests.ConnectionError:
            time.sleep(0.5)
    return statuses
