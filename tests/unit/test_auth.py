from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.db import db
from app.models import ApiToken
from app.security import create_token, fernet_for, find_token, hash_token
from tests.unit.conftest import ENCRYPTION_KEY

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


def test_reads_do_not_need_a_token(client: FlaskClient) -> None:
    assert client.get("/api/v1/courses").status_code == 200


@pytest.mark.checklist(5)
def test_token_is_stored_encrypted_and_found_by_hash(app: Flask) -> None:
    with app.app_context():
        token = create_token("ci")
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "ci"))
        assert row is not None
        assert token.encode() not in row.token_encrypted
        assert row.token_hash == hash_token(token) != token
        assert fernet_for(ENCRYPTION_KEY).decrypt(row.token_encrypted).decode() == token
        assert find_token(token) == row
        assert find_token(token + "x") is None


def test_fernet_key_is_used_as_is_when_valid() -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    secret = fernet_for(key).encrypt(b"t")
    assert Fernet(key.encode()).decrypt(secret) == b"t"


def test_passphrase_derives_a_stable_key() -> None:
    assert fernet_for("passphrase").decrypt(fernet_for("passphrase").encrypt(b"t")) == b"t"
