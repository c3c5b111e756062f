"""SQL statements per page do not grow with the class: counted with SQLAlchemy events.

Each read is counted twice, on a fresh cache (the report is built) and again (served from the
cache), for a class of 30 and one of 300. A per-student query (an N+1) shows up as a count
that differs between the two classes; the failure message prints both counts and the
statements of the larger class.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.cache import store as cache
from app.db import db
from tests.app_helpers import API_PREFIX, counting_statements, sign_in, teacher_id_of, token_for
from tools.bench.seeding import SeededCourse, seed_course

SIZES = (30, 300)
PAGES: dict[str, Callable[[SeededCourse], str]] = {
    "gradebook page": lambda c: f"/courses/{c.course_id}",
    "student page": lambda c: f"/students/{c.student_ids[7]}",
    "course summary": lambda c: f"{API_PREFIX}/courses/{c.course_id}/summary",
    "student report": lambda c: (
        f"{API_PREFIX}/courses/{c.course_id}/students/{c.student_ids[7]}/report"
    ),
    "student GPA": lambda c: f"{API_PREFIX}/students/{c.student_ids[7]}/gpa",
    "grades list": lambda c: f"{API_PREFIX}/grades?course_id={c.course_id}&per_page=100",
}


def _counts(app: Flask, client: FlaskClient, path: str) -> tuple[list[str], list[str]]:
    with app.app_context():
        cache.clear()
    with counting_statements(app) as built:
        assert client.get(path).status_code == 200, path
    with counting_statements(app) as cached:
        assert client.get(path).status_code == 200, path
    return built, cached


@pytest.fixture(scope="module")
def classes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[int, Any]]:
    """A signed-in client on an app holding one course per size in SIZES."""
    from app import create_app
    from tests.unit.app.conftest import ENCRYPTION_KEY, SECRET_KEY

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET_KEY,
            "API_TOKEN_ENCRYPTION_KEY": ENCRYPTION_KEY,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "CORS_ORIGINS": ["https://grades.example.com"],
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True,
        }
    )
    with app.app_context():
        db.create_all()
        token = token_for("counts")
        teacher_id = teacher_id_of()
        courses = {size: seed_course(f"C{size}", size, teacher_id) for size in SIZES}
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    sign_in(client)
    yield {"app": app, "client": client, "courses": courses}
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("page", PAGES)
def test_statements_do_not_grow_with_the_class(classes: dict[str, Any], page: str) -> None:
    app, client = classes["app"], classes["client"]
    small, large = (_counts(app, client, PAGES[page](classes["courses"][size])) for size in SIZES)
    for label, few, many in (
        ("built", small[0], large[0]),
        ("cached", small[1], large[1]),
    ):
        statement, times = Counter(many).most_common(1)[0] if many else ("", 0)
        assert len(few) == len(many), (
            f"{page} ({label}): {len(few)} SQL statements at {SIZES[0]} students but "
            f"{len(many)} at {SIZES[1]}; the most repeated one ran {times} times:\n{statement}"
        )


@pytest.mark.parametrize("page", ["course summary", "student report"])
def test_cached_report_reads_no_course_data(classes: dict[str, Any], page: str) -> None:
    """A cache hit is answered from the cache alone: no course, student or grade rows."""
    path = PAGES[page](classes["courses"][SIZES[0]])
    _, cached = _counts(classes["app"], classes["client"], path)
    touched = [s for s in cached if re.search(r"\bFROM (courses|students|grades)\b", s)]
    assert not touched, f"{page} served from the cache still ran:\n" + "\n".join(touched)


def test_grades_list_statements_do_not_grow_with_the_page(classes: dict[str, Any]) -> None:
    """A page of 100 grades costs what a page of 10 costs: no query per row."""
    app, client = classes["app"], classes["client"]
    course = classes["courses"][SIZES[1]].course_id
    counts = {}
    for per_page in (10, 100):
        with counting_statements(app) as statements:
            path = f"{API_PREFIX}/grades?course_id={course}&per_page={per_page}"
            assert client.get(path).status_code == 200
        counts[per_page] = len(statements)
    assert counts[10] == counts[100], f"statements per page size: {counts}"


def test_gradebook_reads_the_grades_once_when_its_summary_is_rebuilt(
    classes: dict[str, Any],
) -> None:
    """The page's cells and the rebuilt summary come from one read of the course's grades."""
    path = PAGES["gradebook page"](classes["courses"][SIZES[1]])
    built, _ = _counts(classes["app"], classes["client"], path)
    reads = [s for s in built if re.search(r"\bFROM grades\b", s)]
    assert len(reads) == 1, "the grades were read more than once:\n" + "\n\n".join(reads)
