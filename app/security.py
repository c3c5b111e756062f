"""API tokens (Fernet-encrypted at rest, looked up by SHA-256, scoped read or write) and CSRF
protection.

Every API request needs a bearer token: GET/HEAD a ``read`` or ``write`` token, other methods
a ``write`` token (``authenticate`` runs before every API view, so a new route cannot forget it).

API requests find their token in Redis when the app has one (``TokenGrant``): the PostgreSQL
lookup was a third of a cached read's time. Redis is the one store every instance and worker
shares, so revoking takes effect at once everywhere: ``revoke-token`` overwrites the entry with
a tombstone, and entries are only ever added with SET NX, so a request that read the row just
before the revoke cannot put it back. The expiry travels with the entry and is checked on every
hit. Without Redis (development) nothing is cached: a per-process copy would outlive a revoke
made by another process.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, g, request
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select

from . import handoff
from .db import db
from .models import READ, WRITE, ApiToken, aware
from .reports import (
    PREFETCHED,
    cache,
    cache_is_shared,
    cached_read_keys,
    call_cache,
    get_many,
    redis_keys,
)

if TYPE_CHECKING:
    from flask import Flask

TOKEN_PREFIX = "gt_"
csrf = CSRFProtect()


READ_METHODS = frozenset({"GET", "HEAD"})
# A cached grant is re-read from PostgreSQL after this long even if nothing revoked it, so a
# row deleted behind the CLI's back (plain SQL) stops working within a minute.
GRANT_SECONDS = 60
# Longer than any grant lives: a request that read the row before the revoke and tries to add
# its entry afterwards finds the tombstone still there.
TOMBSTONE_SECONDS = 10 * GRANT_SECONDS
REVOKED = "revoked"


class AuthError(Exception):
    """Missing or invalid bearer token (answered with 401)."""


class ScopeError(Exception):
    """A valid token whose scope does not allow the request (answered with 403)."""


def init_app(app: Flask) -> None:
    """Enable CSRF checks on every form POST (the JSON API opts out in ``app.api``)."""
    if not app.config.get("API_TOKEN_ENCRYPTION_KEY"):
        # Development only (production refuses to start without it): lookups use the hash,
        # so tokens keep working; only the encrypted copy is unreadable after a restart.
        app.config["API_TOKEN_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
        app.logger.warning("API_TOKEN_ENCRYPTION_KEY not set; using a per-process key")
    csrf.init_app(app)


def fernet_for(key: str) -> Fernet:
    """A Fernet for ``key``: used as is when it is a Fernet key, else derived with HKDF."""
    try:
        if len(base64.urlsafe_b64decode(key.encode())) == 32:
            return Fernet(key.encode())
    except (binascii.Error, ValueError):
        pass
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"gradetracker api tokens"
    ).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def hash_token(token: str) -> str:
    """The SHA-256 hex digest used to find a token; tokens are random, so no salt is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, scope: str = WRITE, expires_at: datetime | None = None) -> str:
    """Store a new token called ``name`` and return its plaintext (shown only once)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    fernet = fernet_for(current_app.config["API_TOKEN_ENCRYPTION_KEY"])
    db.session.add(
        ApiToken(
            name=name,
            token_hash=hash_token(token),
            token_encrypted=fernet.encrypt(token.encode()),
            scope=scope,
            expires_at=expires_at,
        )
    )
    db.session.commit()
    return token


def find_token(token: str) -> ApiToken | None:
    """Return the stored, unexpired token matching ``token`` or None."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    return None if row is None or row.expired() else row


@dataclass(frozen=True)
class TokenGrant:
    """What an API request needs to know about its token, as cached in Redis."""

    id: int
    scope: str
    expires_at: datetime | None

    def allows(self, scope: str) -> bool:
        """Whether this token may do what ``scope`` needs (write implies read)."""
        return self.scope == WRITE or scope == READ

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or datetime.now(UTC))

    def to_cache(self) -> dict[str, Any]:
        expires = None if self.expires_at is None else self.expires_at.isoformat()
        return {"id": self.id, "scope": self.scope, "expires_at": expires}

    @classmethod
    def from_cache(cls, entry: dict[str, Any]) -> TokenGrant:
        expires = entry["expires_at"]
        return cls(
            id=int(entry["id"]),
            scope=str(entry["scope"]),
            expires_at=None if expires is None else datetime.fromisoformat(expires),
        )

    @classmethod
    def of(cls, row: ApiToken) -> TokenGrant:
        expires = None if row.expires_at is None else aware(row.expires_at)
        return cls(id=row.id, scope=row.scope, expires_at=expires)


def _grant_key(token_hash: str) -> str:
    return f"token:{token_hash}"


def find_grant(token: str, also: list[str] | None = None) -> TokenGrant | None:
    """The unexpired grant of ``token`` or None: from Redis when shared, else PostgreSQL.

    ``also`` (cache keys the request will read) are fetched with the grant and handed on
    (``app.handoff``); usually the rate-limit count has already read all of them
    (``read_along_keys``), so a cached report costs one round trip in all.
    """
    token_hash = hash_token(token)
    shared = cache_is_shared()
    if shared:
        keys = [_grant_key(token_hash), *(also or [])]
        entry, *values = get_many(keys)
        handoff.hand_on(PREFETCHED, dict(zip(also or [], values, strict=True)))
        if entry == REVOKED:
            return None
        if isinstance(entry, dict):
            grant = TokenGrant.from_cache(entry)
            return None if grant.expired() else grant
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))
    if row is None or row.expired():
        return None
    grant = TokenGrant.of(row)
    if shared:
        # add, not set: never overwrite a tombstone written since the row was read.
        call_cache(
            lambda: cache.add(_grant_key(token_hash), grant.to_cache(), timeout=GRANT_SECONDS)
        )
    return grant


def read_along_keys() -> list[str]:
    """The Redis keys ``authenticate`` will read for this request: the token's grant and, for a
    cached report, its course version and the report; none without a bearer token."""
    token = bearer_token()
    if token is None:
        return []
    keys = [_grant_key(hash_token(token)), *cached_read_keys(request.endpoint, request.view_args)]
    return redis_keys(keys)


def forget_grant(row: ApiToken) -> None:
    """Before ``row`` is deleted: make every instance refuse it from the next request on.

    Raises the cache's error when Redis cannot be written: a revoke that silently left the
    token usable for another minute would be worse than one that says it failed.
    """
    # The backend reports a failed write as False; a dead Redis raises (ConnectionError).
    if cache_is_shared() and not cache.set(
        _grant_key(row.token_hash), REVOKED, timeout=TOMBSTONE_SECONDS
    ):
        raise RuntimeError("the token cache refused the revocation")


def bearer_token() -> str | None:
    """The token from an ``Authorization: Bearer <token>`` header, if present."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def required_scope(method: str) -> str:
    """The scope a request with ``method`` needs."""
    return READ if method in READ_METHODS else WRITE


def authenticate() -> None:
    """A ``before_request`` hook: 401 without a valid token, 403 when its scope is too narrow.

    OPTIONS passes: a browser's CORS preflight never carries credentials.
    """
    if request.method == "OPTIONS":
        return
    token = bearer_token()
    if token is None:
        raise AuthError("Missing bearer token: send 'Authorization: Bearer <token>'")
    api_token = find_grant(token, cached_read_keys(request.endpoint, request.view_args))
    if api_token is None:
        raise AuthError("Invalid or expired bearer token")
    scope = required_scope(request.method)
    if not api_token.allows(scope):
        raise ScopeError(
            f"This token's scope is {api_token.scope!r}; {request.method} needs {scope!r}"
        )
    g.api_token = api_token
