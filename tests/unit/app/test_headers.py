"""Cross-cutting HTTP behaviour: CORS, caching headers, rate limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.app_helpers import ApiClient, token_for

ALLOWED = "https://grades.example.com"


def test_cors_allows_configured_origin(client: FlaskClient) -> None:
    response = client.get("/api/v1/courses", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


@pytest.mark.checklist(6)
def test_cors_preflight_for_allowed_origin(client: FlaskClient) -> None:
    response = client.options(
        "/api/v1/courses",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()


@pytest.mark.parametrize("origin", ["https://evil.example.com", "http://grades.example.com"])
@pytest.mark.checklist(6)
def test_cors_ignores_other_origins(client: FlaskClient, origin: str) -> None:
    response = client.get("/api/v1/courses", headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_is_limited_to_the_api(client: FlaskClient) -> None:
    response = client.get("/health", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("filename", ["style.css", "app.js"])
def test_static_files_are_cacheable_for_an_hour(client: FlaskClient, filename: str) -> None:
    response = client.get(f"/static/{filename}")
    assert response.status_code == 200
    assert set(response.headers["Cache-Control"].split(", ")) == {"public", "max-age=3600"}
    response.close()


@pytest.mark.parametrize(
    "path",
    [
        "/courses",
        "/courses/1",
        "/students/1",
        "/assignments?course_id=1",
        "/grades/1",
        "/enrollments/1",
        "/courses/1/summary",
        "/courses/1/students/1/report",
        "/students/1/gpa",
    ],
)
def test_api_get_has_etag_and_answers_304(api: ApiClient, seed: dict[str, Any], path: str) -> None:
    first = api.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200
    # Private records: no cache keeps a copy (docs/app.md, "Caching").
    assert first.headers["Cache-Control"] == "no-store"
    # A client that keeps its own copy still revalidates it with the ETag.
    again = api.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert (again.headers["ETag"], again.headers["Cache-Control"]) == (etag, "no-store")


@pytest.mark.parametrize("path", ["/", "/courses/1", "/students/1", "/login"])
def test_signed_in_pages_are_never_stored(web: ApiClient, seed: dict[str, Any], path: str) -> None:
    """Grades and names on a shared computer: no browser or proxy cache may keep the page."""
    response = web.client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/health", "/api/v1/courses"])
def test_other_answers_are_never_stored_either(client: FlaskClient, path: str) -> None:
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_etag_changes_when_data_changes(api: ApiClient, seed: dict[str, Any]) -> None:
    etag = api.get("/courses/1/summary").headers["ETag"]
    api.patch("/grades/1", {"score": 1})
    response = api.get("/courses/1/summary", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag


@pytest.mark.checklist(8)
def test_api_writes_are_rate_limited_with_json_429(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_WRITE="2 per minute")
    with app.app_context():
        api = ApiClient(app.test_client(), token_for("limited"))
    statuses = [
        api.post("/students", {"name": "S", "email": f"s{i}@example.com"}).status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]
    response = api.post("/students", {"name": "S", "email": "s9@example.com"})
    assert response.get_json()["error"]["code"] == "too_many_requests"
    assert "Retry-After" in response.headers
    assert api.get("/students").status_code == 200


@pytest.mark.checklist(8)
def test_failed_token_checks_are_rate_limited(make_app: Callable[..., Flask]) -> None:
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_WRITE="2 per minute").test_client()
    headers = {"Authorization": "Bearer gt_guessing-tokens-0000000000"}
    statuses = [
        client.post("/api/v1/courses", json={}, headers=headers).status_code for _ in range(3)
    ]
    assert statuses == [401, 401, 429]


def test_rate_limiting_can_be_switched_off(make_app: Callable[..., Flask]) -> None:
    client = make_app(RATELIMIT_ENABLED=False, RATELIMIT_DEFAULT="1 per minute").test_client()
    assert [client.get("/login").status_code for _ in range(3)] == [200] * 3
