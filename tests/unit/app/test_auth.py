from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.db import db
from app.models import READ, ApiToken
from app.tokens import Grant, fernet_for, find_grant, hash_token
from tests.app_helpers import ApiClient, token_for
from tests.unit.app.conftest import ENCRYPTION_KEY

WRITES = [
    ("post", "/api/v1/courses"),
    ("patch", "/api/v1/courses/1"),
    ("delete", "/api/v1/courses/1"),
    ("post", "/api/v1/students"),
    ("patch", "/api/v1/students/1"),
    ("delete", "/api/v1/students/1"),
    ("post", "/api/v1/enrollments"),
    ("delete", "/api/v1/enrollments/1"),
    ("post", "/api/v1/assignments"),
    ("patch", "/api/v1/assignments/1"),
    ("delete", "/api/v1/assignments/1"),
    ("post", "/api/v1/grades"),
    ("patch", "/api/v1/grades/1"),
    ("delete", "/api/v1/grades/1"),
]


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer gt_not-a-real-token-0000000000", "Basic dXNlcjpwdw==", "Bearer "],
)
def test_writes_require_a_valid_bearer_token(
    client: FlaskClient, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = getattr(client, method)(path, json={"name": "x"}, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def _read_paths(app: Flask) -> list[str]:
    """Every GET route of the API but its public OpenAPI document, ids filled with 1 (rows the
    seed creates)."""
    return sorted(
        re.sub(r"<int:\w+>", "1", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        and "GET" in (rule.methods or set())
        and rule.endpoint != "openapi.document"
    )


@pytest.mark.checklist(10)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer gt_not-a-real-token-0000000000", "Basic dXNlcjpwdw==", "Bearer "],
)
def test_every_api_read_requires_a_valid_bearer_token(
    app: Flask, client: FlaskClient, seed: dict[str, Any], authorization: str | None
) -> None:
    """Every GET route in the URL map: 401 and no student data without a valid token."""
    headers = {"Authorization": authorization} if authorization else {}
    paths = _read_paths(app)
    assert len(paths) >= 13, f"expected the API's read routes, found {paths}"
    for path in paths:
        response = client.get(path, headers=headers)
        assert response.status_code == 401, f"GET {path}: {response.status_code}"
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert "ada@example.com" not in response.text


@pytest.mark.checklist(10)
@pytest.mark.parametrize("path", ["/", "/courses/1", "/students/1"])
def test_pages_redirect_to_sign_in_without_a_session(
    client: FlaskClient, seed: dict[str, Any], path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert "Ada" not in response.text


def test_health_and_static_stay_open(client: FlaskClient) -> None:
    assert client.get("/health").status_code == 200
    with client.get("/static/style.css") as response:
        assert response.status_code == 200


@pytest.mark.checklist(10)
def test_read_token_reads_but_cannot_write(
    app: Flask, client: FlaskClient, seed: dict[str, Any]
) -> None:
    with app.app_context():
        reader = ApiClient(client, token_for("dashboard", READ))
    for path in _read_paths(app):
        assert reader.client.get(path, headers=reader.headers).status_code in (200, 404), path
    assert reader.read("/students/1")["email"] == "ada@example.com"
    response = reader.post("/students", {"name": "Eve", "email": "eve@example.com"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "insufficient_scope"
    assert reader.read("/students")["total"] == 2


def test_write_token_reads_and_writes(api: ApiClient, seed: dict[str, Any]) -> None:
    assert api.read("/students")["total"] == 2
    api.create("/students", {"name": "Eve", "email": "eve@example.com"})
    assert api.read("/students")["total"] == 3


@pytest.mark.checklist(10)
def test_expired_token_is_refused(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        token = token_for("old", expires_at=datetime.now(UTC) - timedelta(seconds=1))
        fresh = token_for("new", expires_at=datetime.now(UTC) + timedelta(days=1))
    expired = client.get("/api/v1/courses", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401
    assert "expired" in expired.get_json()["error"]["message"]
    assert (
        client.get("/api/v1/courses", headers={"Authorization": f"Bearer {fresh}"}).status_code
        == 200
    )


@pytest.mark.checklist(5)
def test_token_is_stored_encrypted_and_found_by_hash(app: Flask) -> None:
    with app.app_context():
        token = token_for("ci")
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "ci"))
        assert row is not None
        assert token.encode() not in row.token_encrypted
        assert row.token_hash == hash_token(token) != token
        assert fernet_for(ENCRYPTION_KEY).decrypt(row.token_encrypted).decode() == token
        assert find_grant(hash_token(token)) == Grant.of(row)
        assert find_grant(hash_token(token + "x")) is None


def test_fernet_key_is_used_as_is_when_valid() -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    secret = fernet_for(key).encrypt(b"t")
    assert Fernet(key.encode()).decrypt(secret) == b"t"


def test_passphrase_derives_a_stable_key() -> None:
    assert fernet_for("passphrase").decrypt(fernet_for("passphrase").encrypt(b"t")) == b"t"


def test_without_redis_a_token_is_checked_in_the_database_on_every_request(
    app: Flask, api: ApiClient
) -> None:
    """No shared cache (no REDIS_URL): a per-process copy of the grant would survive a revoke
    made by another process, so every request reads the row."""
    assert api.get("/courses").status_code == 200
    with app.app_context():
        # Deleted behind the app's back, as another process's revoke-token would.
        db.session.execute(db.delete(ApiToken))
        db.session.commit()
    assert api.get("/courses").status_code == 401


def test_a_grant_expires_at_its_token_expiry() -> None:
    expiry = datetime(2026, 1, 1, tzinfo=UTC)
    grant = Grant(teacher_id=1, scope=READ, expires_at=expiry)
    assert Grant.from_cache(grant.to_cache()) == grant
    assert not grant.expired(expiry - timedelta(seconds=1))
    assert grant.expired(expiry)
    assert not Grant(teacher_id=1, scope=READ, expires_at=None).expired()
    assert grant.allows(READ)
    assert not grant.allows("write")
