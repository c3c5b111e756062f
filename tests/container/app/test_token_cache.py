"""API tokens are found in Redis, shared by every instance: a revoke or an expiry takes effect
on the next request everywhere. Two app instances on the same PostgreSQL and Redis stand for
two Render instances; lookups in PostgreSQL are counted with SQLAlchemy events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from app.cache import store as cache
from app.db import db
from app.models import ApiToken
from app.tokens import (
    GRANT_SECONDS,
    REVOKED,
    TOMBSTONE_SECONDS,
    Grant,
    find_grant,
    forget_grant,
    hash_token,
)
from tests.app_helpers import ApiClient, counting_statements
from tests.container.app.support import commands, migrate, round_trips

READ_PATH = "/courses"


@pytest.fixture
def instances(make_app: Callable[..., Flask]) -> tuple[Flask, Flask]:
    """Two app instances on one database and one Redis, migrated once."""
    first, second = make_app(), make_app()
    migrate(first)
    return first, second


def create(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["create-token", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_a_cached_token_is_not_looked_up_again(instances: tuple[Flask, Flask]) -> None:
    first, second = instances
    token = create(first, "dashboard", "--scope", "read")
    api = ApiClient(second.test_client(), token)
    with counting_statements(second, "api_tokens") as lookups:
        assert api.get(READ_PATH).status_code == 200
        assert len(lookups) == 1
        for _ in range(3):
            assert api.get(READ_PATH).status_code == 200
        assert len(lookups) == 1
    # The cached grant keeps the scope: a read token still cannot write.
    assert api.post("/courses", {"code": "X1", "name": "X", "credits": 1}).status_code == 403


def test_revoking_stops_the_token_on_every_instance_at_once(
    instances: tuple[Flask, Flask],
) -> None:
    first, second = instances
    token = create(first, "laptop")
    clients = [ApiClient(app.test_client(), token) for app in instances]
    for api in clients:
        assert api.get(READ_PATH).status_code == 200  # cached on both
    result = first.test_cli_runner().invoke(args=["revoke-token", "laptop"])
    assert result.exit_code == 0, result.output
    assert [api.get(READ_PATH).status_code for api in clients] == [401, 401]


def test_a_cached_grant_that_has_expired_is_refused(instances: tuple[Flask, Flask]) -> None:
    first, second = instances
    token = create(first, "short", "--expires-in-days", "1")
    api = ApiClient(second.test_client(), token)
    assert api.get(READ_PATH).status_code == 200
    with second.app_context():
        key = f"grant:{hash_token(token)}"
        entry = cache.get(key)
        assert entry["expires_at"] is not None
        # The same entry, a day later: the expiry is checked on every hit, not only on a miss.
        past = datetime.now(UTC) - timedelta(seconds=1)
        cache.set(key, {**entry, "expires_at": past.isoformat()})
    with counting_statements(second, "api_tokens") as lookups:
        assert api.get(READ_PATH).status_code == 401
    assert lookups == []


def test_a_tombstone_read_along_with_the_rate_limit_refuses_the_token(
    instances: tuple[Flask, Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grant comes with the rate-limit count (one round trip); a tombstone written by
    another instance is what it reads, before the row is even deleted."""
    from app.limits import EXTENSION

    first, second = instances
    assert second.extensions[EXTENSION].reads_along
    token = create(first, "along")
    api = ApiClient(second.test_client(), token)
    assert api.get(READ_PATH).status_code == 200  # the grant is cached
    with first.app_context():
        row = db.session.scalar(db.select(ApiToken).where(ApiToken.name == "along"))
        forget_grant(row)  # the revoke's first step; the row stays in PostgreSQL
    with counting_statements(second, "api_tokens") as lookups, round_trips(monkeypatch) as sent:
        assert api.get(READ_PATH).status_code == 401
    assert lookups == []
    assert len(sent) == 1, commands(sent)


def test_a_lookup_racing_a_revoke_cannot_bring_the_token_back(
    instances: tuple[Flask, Flask],
) -> None:
    """A request that read the row just before the revoke adds its entry afterwards: the
    tombstone wins, because entries are only added where none exists (SET NX)."""
    first, _ = instances
    token = create(first, "racing")
    with first.app_context():
        row = db.session.scalar(db.select(ApiToken).where(ApiToken.name == "racing"))
        forget_grant(row)  # the revoke's first step; the row is still in PostgreSQL
        assert find_grant(hash_token(token)) is None
        key = f"grant:{hash_token(token)}"
        # What find_grant does with a row it read before the tombstone: refused by Redis.
        assert not cache.add(key, Grant.of(row).to_cache(), timeout=GRANT_SECONDS)
        assert cache.get(key) == REVOKED
    assert TOMBSTONE_SECONDS > GRANT_SECONDS
