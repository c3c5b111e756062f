"""API tokens (Fernet-encrypted at rest, looked up by SHA-256, scoped read or write) and CSRF
protection.

Every API request needs a bearer token: GET/HEAD a ``read`` or ``write`` token, other methods
a ``write`` token (``authenticate`` runs before every API view, so a new route cannot forget it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, g, request
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select

from .db import db
from .models import READ, WRITE, ApiToken

if TYPE_CHECKING:
    from flask import Flask

TOKEN_PREFIX = "gt_"
csrf = CSRFProtect()


READ_METHODS = frozenset({"GET", "HEAD"})


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
    api_token = find_token(token)
    if api_token is None:
        raise AuthError("Invalid or expired bearer token")
    scope = required_scope(request.method)
    if not api_token.allows(scope):
        raise ScopeError(
            f"This token's scope is {api_token.scope!r}; {request.method} needs {scope!r}"
        )
    g.api_token = api_token
