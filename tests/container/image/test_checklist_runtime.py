"""Checklist items 3, 6, 7, 8 and 9 against the built image running as Render runs it: the
same probes as the unit tests, sent over HTTP to the container's published port."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator

import pytest
import requests

from deploycheck.checklist.http_targets import LiveTarget
from deploycheck.checklist.probes import (
    check_cors,
    check_csrf,
    check_rate_limit,
    check_secrets_absent,
    check_session_cookie,
)
from deploycheck.targets.image import Image
from deploycheck.testing.assertions import assert_clean
from deploycheck.testing.container import AppContainer, AppEnv, AppSecrets, running_app
from deploycheck.testing.services import PostgresService

pytestmark = pytest.mark.container

PRODUCTION_ORIGIN = "https://gradetracker.onrender.com"  # AppContainer's default CORS_ORIGINS
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
def limited_container(app_image: Image, app_env: AppEnv) -> Iterator[AppContainer]:
    """The image with 3 gunicorn workers and RATELIMIT_WRITE=7 per minute on the real Redis."""
    container = app_env.container(app_image.ref)
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
    limited_container: AppContainer,
) -> None:
    """Through 3 gunicorn workers on the real Redis, write 8 of 7 allowed is answered 429."""
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
    assert len(served) > 1, (
        f"expected the requests to reach several workers, only {served} wrote access log lines; "
        "a shared limit is only shown when more than one worker counts"
    )
    assert_clean(findings, f"POST /api/v1/courses through {len(served)} workers")


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
    logs = app_container.logs_text()
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
    container = AppEnv(app_env.network, broken, app_env.redis_url, app_secrets).container(
        app_image.ref
    )
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
