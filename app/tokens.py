"""API tokens and what they grant: one model for the pages and the API.

A token is an ``ApiToken`` row of a teacher: found by the SHA-256 of the token (tokens are
random, so no salt is needed) and kept Fernet-encrypted at rest. What a request may do is its
``Grant`` (the teacher it acts for, scope, expiry), whichever way it came: a bearer token on the
API (``auth.authenticate``) or a teacher's page sign-in (``auth.load_sign_in``, always write).

The API finds grants in Redis when the app has one: the PostgreSQL lookup was a third of a
cached read's time. Redis is the one store every instance and worker shares, so revoking takes
effect at once everywhere: ``revoke-token`` overwrites the entry with a tombstone, and entries
are only ever added with SET NX, so a request that read the row just before the revoke cannot
put it back. The expiry travels with the entry and is checked on every hit. Without Redis
(development) nothing is cached: a per-process copy would outlive a revoke made by another
process.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from . import cache
from .db import db
from .models import READ, WRITE, ApiToken, aware

TOKEN_PREFIX = "gt_"
# A cached grant is re-read from PostgreSQL after this long even if nothing revoked it, so a
# row deleted behind the CLI's back (plain SQL) stops working within a minute.
GRANT_SECONDS = 60
# Longer than any grant lives: a request that read the row before the revoke and tries to add
# its entry afterwards finds the tombstone still there.
TOMBSTONE_SECONDS = 10 * GRANT_SECONDS
REVOKED = "revoked"


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
    """The SHA-256 hex digest a token (or a sign-in id) is found by."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    name: str, scope: str = WRITE, expires_at: datetime | None = None, *, teacher_id: int
) -> str:
    """Store a new token called ``name`` acting for the teacher ``teacher_id`` and return its
    plaintext (shown only once)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    fernet = fernet_for(current_app.config["API_TOKEN_ENCRYPTION_KEY"])
    db.session.add(
        ApiToken(
            name=name,
            teacher_id=teacher_id,
            token_hash=hash_token(token),
            token_encrypted=fernet.encrypt(token.encode()),
            scope=scope,
            expires_at=expires_at,
        )
    )
    db.session.commit()
    return token


@dataclass(frozen=True)
class Grant:
    """What a request may do, and for whom: the one model pages and API requests check
    (``g.grant``)."""

    teacher_id: int
    scope: str
    expires_at: datetime | None

    def allows(self, scope: str) -> bool:
        """Whether this token may do what ``scope`` needs (write implies read)."""
        return self.scope == WRITE or scope == READ

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or datetime.now(UTC))

    def to_cache(self) -> dict[str, Any]:
        expires = None if self.expires_at is None else self.expires_at.isoformat()
        return {"teacher_id": self.teacher_id, "scope": self.scope, "expires_at": expires}

    @classmethod
    def from_cache(cls, entry: dict[str, Any]) -> Grant:
        expires = entry["expires_at"]
        return cls(
            teacher_id=int(entry["teacher_id"]),
            scope=str(entry["scope"]),
            expires_at=None if expires is None else datetime.fromisoformat(expires),
        )

    @classmethod
    def of(cls, row: ApiToken) -> Grant:
        expires = None if row.expires_at is None else aware(row.expires_at)
        return cls(teacher_id=row.teacher_id, scope=row.scope, expires_at=expires)


def grant_key(token_hash: str) -> str:
    """The cache key of the grant of the token with ``token_hash``.

    "grant:", not the "token:" of the release before teachers, whose entries name no teacher:
    during a rolling deploy each release reads only the entries it wrote (the old one would
    fail on the new shape). A revoke made by one release meanwhile reaches the other's
    instances when their copy expires, within ``GRANT_SECONDS``."""
    return f"grant:{token_hash}"


def find_grant(token_hash: str, read: Mapping[str, Any] | None = None) -> Grant | None:
    """The unexpired grant of the token with ``token_hash``, or None: from Redis when the cache
    is shared (``read`` holds the entry when the request has read it already), else from the
    database, and then cached for ``GRANT_SECONDS``."""
    key = grant_key(token_hash)
    shared = cache.is_shared()
    if shared:
        entry = read[key] if read is not None and key in read else cache.get_many([key])[0]
        if entry == REVOKED:
            return None
        if isinstance(entry, dict):
            grant = Grant.from_cache(entry)
            return None if grant.expired() else grant
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))
    if row is None:
        return None
    grant = Grant.of(row)
    if grant.expired():
        return None
    if shared:
        # add, not set: never overwrite a tombstone written since the row was read.
        cache.call(lambda: cache.store.add(key, grant.to_cache(), timeout=GRANT_SECONDS))
    return grant


def forget_grant(row: ApiToken) -> None:
    """Before ``row`` is deleted: make every instance refuse it from the next request on.

    Raises the cache's error when Redis cannot be written: a revoke that silently left the
    token usable for another minute would be worse than one that says it failed.
    """
    # The backend reports a failed write as False; a dead Redis raises (ConnectionError).
    if cache.is_shared() and not cache.store.set(
        grant_key(row.token_hash), REVOKED, timeout=TOMBSTONE_SECONDS
    ):
        raise RuntimeError("the token cache refused the revocation")
