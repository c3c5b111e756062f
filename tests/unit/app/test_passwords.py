"""Sign-in checks take one path whatever was wrong: an unknown email, a teacher without a
password and a wrong password each verify one argon2id hash of the same cost, so neither the
answer nor its timing tells which emails have accounts."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher, profiles
from flask import Flask

from app import passwords
from app.db import db
from app.models import PLACEHOLDER_OWNER, Teacher
from tests.app_helpers import PASSWORD, TEACHER, add_teacher


class CountingHasher(PasswordHasher):
    """argon2-cffi's hasher, recording the parameters of every hash it verifies."""

    def __init__(self) -> None:
        cheapest = profiles.CHEAPEST
        super().__init__(
            time_cost=cheapest.time_cost,
            memory_cost=cheapest.memory_cost,
            parallelism=cheapest.parallelism,
            hash_len=cheapest.hash_len,
            salt_len=cheapest.salt_len,
        )
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Any:
        self.verified.append(str(hash).rsplit("$", 2)[0])  # algorithm, version, parameters
        return super().verify(hash, password)


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (TEACHER, PASSWORD),
        (TEACHER, PASSWORD + "x"),
        ("nobody@example.com", PASSWORD),
        (PLACEHOLDER_OWNER, PASSWORD),
    ],
    ids=["right", "wrong password", "unknown email", "no password set"],
)
def test_every_sign_in_verifies_one_hash_of_the_same_cost(
    app: Flask, monkeypatch: pytest.MonkeyPatch, email: str, password: str
) -> None:
    hasher = CountingHasher()
    monkeypatch.setattr(passwords, "hasher", hasher)
    with app.app_context():
        teacher = Teacher(email=TEACHER, password_hash=hasher.hash(PASSWORD))
        db.session.add_all([teacher, Teacher(email=PLACEHOLDER_OWNER)])
        db.session.commit()
        found = passwords.authenticate(email, password)
    assert (found is not None) == ((email, password) == (TEACHER, PASSWORD))
    (parameters,) = hasher.verified
    assert parameters == hasher.hash("x").rsplit("$", 2)[0]


def test_a_hash_of_an_older_cost_is_replaced_on_sign_in(app: Flask) -> None:
    add_teacher(app)
    with app.app_context():
        teacher = passwords.find_teacher(TEACHER)
        assert teacher is not None
        teacher.password_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(
            PASSWORD
        )
        db.session.commit()
        old = teacher.password_hash
        assert passwords.authenticate(TEACHER, PASSWORD) is not None
        assert passwords.find_teacher(TEACHER).password_hash != old  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("password", "problem"),
    [("a" * 11, "at least 12"), ("a" * 201, "at most 200"), ("a" * 12, None)],
)
def test_password_length_is_checked(password: str, problem: str | None) -> None:
    found = passwords.check_password(password)
    assert found == problem if problem is None else problem in (found or "")
