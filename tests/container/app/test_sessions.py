"""Web sessions live in the real Redis: the browser holds only a session id, and the state
behind it (who signed in, the CSRF secret) is what Redis holds under that id."""

from __future__ import annotations

from typing import Any

import msgspec
import psycopg
import pytest
import redis
from flask.testing import FlaskClient

from app.tokens import hash_token
from tests.app_helpers import TEACHER, csrf_token, sign_in
from tests.container.app.support import SESSION_PREFIX, redis_keys

pytestmark = pytest.mark.container

SESSION_LIFETIME = 8 * 3600  # PERMANENT_SESSION_LIFETIME in create_app (app/__init__.py)


def signed_in_page(client: FlaskClient) -> bool:
    """Whether the index page offers "Sign out" (the session names a valid token)."""
    page = client.get("/").text
    return "/logout" in page


def test_sign_in_stores_the_session_in_redis_and_only_its_id_in_the_cookie(
    client: FlaskClient,
    token: str,
    redis_client: redis.Redis,
    pg_conn: psycopg.Connection[Any],
) -> None:
    response = sign_in(client)
    assert response.status_code == 302, response.text

    cookie = client.get_cookie("session")
    assert cookie is not None
    assert redis_keys(redis_client, SESSION_PREFIX) == {SESSION_PREFIX + cookie.value}
    stored = msgspec.msgpack.decode(redis_client.get(SESSION_PREFIX + cookie.value))
    # The session names a sign-in whose hash PostgreSQL keeps (deleted on sign-out).
    (session_hash, email) = pg_conn.execute(
        "SELECT s.session_hash, t.email FROM sign_ins s JOIN teachers t ON t.id = s.teacher_id"
    ).fetchone()
    assert hash_token(stored["sign_in"]) == session_hash
    assert email == TEACHER
    # A signed Flask cookie would carry the data as payload.timestamp.signature.
    assert "." not in cookie.value
    assert 0 < redis_client.ttl(SESSION_PREFIX + cookie.value) <= SESSION_LIFETIME


@pytest.mark.checklist(3)
def test_session_cookie_is_secure_httponly_and_lax(client: FlaskClient, token: str) -> None:
    sign_in(client)

    cookie = client.get_cookie("session")
    assert cookie is not None
    assert (cookie.secure, cookie.http_only, cookie.same_site) == (True, True, "Lax")


def test_the_session_in_redis_is_what_keeps_a_user_signed_in(
    client: FlaskClient, token: str, redis_client: redis.Redis
) -> None:
    sign_in(client)
    assert signed_in_page(client)

    redis_client.delete(*redis_keys(redis_client, SESSION_PREFIX))

    assert not signed_in_page(client)


def test_signing_out_deletes_the_session_from_redis(
    client: FlaskClient, token: str, redis_client: redis.Redis
) -> None:
    sign_in(client)
    assert len(redis_keys(redis_client, SESSION_PREFIX)) == 1

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    assert response.status_code == 302
    assert redis_keys(redis_client, SESSION_PREFIX) == set()
    assert client.get_cookie("session") is None


def test_signing_in_replaces_the_session_id_planted_before_it(
    client: FlaskClient, token: str, redis_client: redis.Redis
) -> None:
    """Session fixation: the id a visitor had before signing in (one an attacker could have
    planted) is deleted from Redis, and the signed-in session has a new one."""
    client.get("/login")
    planted = client.get_cookie("session")
    assert planted is not None
    assert redis_keys(redis_client, SESSION_PREFIX) == {SESSION_PREFIX + planted.value}
    assert sign_in(client).status_code == 302
    signed_in = client.get_cookie("session")
    assert signed_in is not None
    assert signed_in.value != planted.value
    assert redis_keys(redis_client, SESSION_PREFIX) == {SESSION_PREFIX + signed_in.value}
    assert signed_in_page(client)
