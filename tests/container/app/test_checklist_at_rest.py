"""Checklist item 5 on the real PostgreSQL: a token made by ``flask create-token`` is read back
raw, over a connection of its own, and is neither readable nor decryptable without the key."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet
from psycopg.rows import dict_row

from app.tokens import fernet_for
from deploycheck.checklist.probes import check_token_at_rest
from deploycheck.testing.assertions import assert_clean
from tests.container.app.support import ENCRYPTION_KEY

pytestmark = [pytest.mark.container, pytest.mark.checklist(5)]


def raw_rows(connection: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Every column of api_tokens as PostgreSQL returns it (bytea as bytes, no ORM)."""
    with connection.cursor(row_factory=dict_row) as cursor:
        return cursor.execute("SELECT * FROM api_tokens").fetchall()


def test_stored_token_is_unreadable_without_the_encryption_key(
    token: str, pg_conn: psycopg.Connection[Any]
) -> None:
    """The raw api_tokens row holds no form of the token; only the right key decrypts it."""
    rows = raw_rows(pg_conn)
    assert len(rows) == 1, f"expected the one token create-token stored, found {len(rows)} rows"
    findings = check_token_at_rest(
        token,
        rows,
        right=fernet_for(ENCRYPTION_KEY),
        wrong=Fernet(Fernet.generate_key()),
        where="api_tokens in PostgreSQL",
    )
    assert_clean(findings, "the api_tokens table")
