"""Teachers' passwords: argon2id hashes (argon2-cffi's defaults, RFC 9106's second choice), and
a sign-in check that takes the same path whether or not the email belongs to a teacher.

An unknown email, a teacher without a password (the migrated owner) and a wrong password all
verify a hash and all fail alike, so neither the message nor the time it takes tells an
attacker which emails have accounts.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from .db import db
from .keys import identity_key
from .models import Teacher

MIN_LENGTH = 12
MAX_LENGTH = 200
hasher = PasswordHasher()


@functools.cache
def _dummy_hash(used: PasswordHasher) -> str:
    """Verified when the email has no usable hash, so that a miss costs what a wrong password
    does (made on first use, once per hasher: hashing is deliberately slow)."""
    return used.hash("not the password of anyone")


def check_password(password: str) -> str | None:
    """Why ``password`` cannot be a teacher's, or None."""
    if len(password) < MIN_LENGTH:
        return f"the password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"the password must be at most {MAX_LENGTH} characters"
    return None


def hash_password(password: str) -> str:
    return hasher.hash(password)


def find_teacher(email: str) -> Teacher | None:
    """The teacher whose email is ``email`` as keys.identity_key compares them, or None."""
    return db.session.scalar(select(Teacher).where(Teacher.email_key == identity_key(email)))


def authenticate(email: str, password: str) -> Teacher | None:
    """The teacher with this email and password, or None (see the module docstring)."""
    teacher = find_teacher(email)
    stored = None if teacher is None else teacher.password_hash
    try:
        hasher.verify(stored or _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return None
    if teacher is None or stored is None:
        return None
    if hasher.check_needs_rehash(stored):
        teacher.password_hash = hash_password(password)
        db.session.commit()
    return teacher
