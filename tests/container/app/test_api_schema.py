"""Schemathesis against the app on PostgreSQL (``schema_fuzz.fuzz``): the whole API answers as
its OpenAPI document says, and the check itself goes red on a route that 500s, a response with
an undocumented field and a refused write that changed rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from flask import Blueprint, Flask

from app import blueprints, openapi
from app.api.common import Field, accepts, parse_body
from app.auth import authenticate
from app.db import db
from app.errors import ApiError
from app.models import Course
from app.ownership import current_teacher_id
from tests.container.app.schema_fuzz import SNAPSHOT_SQL, fuzz

pytestmark = pytest.mark.container

# Per operation and mode: 28 operations x 2 modes x 8 requests take about a minute.
EXAMPLES = 8
BROKEN = "/api/v1/broken"


@pytest.fixture
def snapshot(pg_conn: psycopg.Connection[Any]) -> Callable[[], Any]:
    """Every row a request could change, read straight from PostgreSQL."""
    return lambda: pg_conn.execute(SNAPSHOT_SQL).fetchone()


@pytest.fixture
def fuzzed_app(app: Flask, make_app: Callable[..., Flask]) -> Flask:
    """An app on ``app``'s migrated database without rate limits: the fuzzer sends hundreds of
    requests from one address (the limits have tests of their own)."""
    return make_app(RATELIMIT_ENABLED=False)


def test_schemathesis_finds_no_answer_that_contradicts_the_document(
    fuzzed_app: Flask, token: str, school: dict[str, Any], snapshot: Callable[[], Any]
) -> None:
    found = fuzz(fuzzed_app, token, snapshot, examples=EXAMPLES)

    assert found.failures == [], "\n\n".join(found.failures)
    # A pass means something only if the requests got past the token and the lookups: rows
    # read, created, changed and deleted, and invalid bodies refused.
    wanted = {("GET", 200), ("POST", 201), ("PATCH", 200), ("DELETE", 204), ("POST", 422)}
    assert wanted <= set(found.answered), found.answered


def _broken_blueprint() -> Blueprint:
    """Three routes, each wrong in one way the fuzzing must catch; documented as courses."""
    bp = Blueprint("broken", __name__)

    @bp.get("/<int:course_id>/explode")
    def explode(course_id: int) -> dict[str, Any]:
        raise RuntimeError("a bug")

    @bp.get("/<int:course_id>/leak")
    def leak(course_id: int) -> dict[str, Any]:
        course = {"id": course_id, "code": "C1", "name": "N", "credits": 3.0}
        return course | {"category_weights": {}, "owner_email": "not in the document"}

    @bp.post("")
    @accepts({"code": Field("str", max_length=20)})
    def write_then_refuse() -> dict[str, Any]:
        course = Course(code=parse_body()["code"], name="Refused", teacher_id=current_teacher_id())
        db.session.add(course)
        db.session.commit()
        raise ApiError(409, "conflict", "refused, but only after writing")

    return bp


@pytest.fixture
def broken_app(fuzzed_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """``fuzzed_app`` with the broken routes under /api/v1/broken, behind the API's token check."""
    monkeypatch.setitem(openapi.RESOURCES, "broken", Course)
    bp = _broken_blueprint()
    blueprints.register(fuzzed_app, bp, url_prefix=BROKEN, before_request=[authenticate])
    fuzzed_app.extensions["csrf"].exempt(bp)
    return fuzzed_app


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"^{BROKEN}/{{course_id}}/explode$", "Server error"),
        (f"^{BROKEN}/{{course_id}}/leak$", "'owner_email' was unexpected"),
        (f"^{BROKEN}$", "was refused with 409"),
    ],
    ids=["500", "undocumented-field", "refused-write-that-wrote"],
)
def test_the_fuzzing_fails_a_broken_route(
    broken_app: Flask, token: str, snapshot: Callable[[], Any], path: str, expected: str
) -> None:
    failures = fuzz(broken_app, token, snapshot, examples=5, paths=path).failures

    assert failures, f"nothing found wrong with {path}"
    assert any(expected in failure for failure in failures), "\n\n".join(failures)
