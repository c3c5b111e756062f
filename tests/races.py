"""Races against an app served by a real threaded HTTP server (werkzeug's), shared by the
SQLite (tests/unit) and PostgreSQL (tests/container/app) suites.

Each scenario repeats a race ``ROUNDS`` times: its requests wait at a barrier, then go at once,
each on its own connection and server thread (so each on its own database connection). The
scenario returns every status seen; the invariants are then checked in the database itself,
with SQL that does not depend on the columns the fix added, so the same checks ran (and
failed) against the code before it.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any

import requests
import sqlalchemy
from flask import Flask
from werkzeug.serving import make_server

from tests.app_helpers import API_PREFIX, graded_student

ROUNDS = 15
# Grades whose score is above their assignment's max points.
SCORES_ABOVE_MAX = sqlalchemy.text(
    "SELECT count(*) FROM grades g JOIN assignments a ON a.id = g.assignment_id"
    " WHERE g.score > a.max_points"
)
# Grades of students not enrolled in the course of the grade's assignment.
GRADES_WITHOUT_ENROLLMENT = sqlalchemy.text(
    "SELECT count(*) FROM grades g JOIN assignments a ON a.id = g.assignment_id"
    " WHERE NOT EXISTS (SELECT 1 FROM enrollments e"
    " WHERE e.student_id = g.student_id AND e.course_id = a.course_id)"
)
CATEGORIES = sqlalchemy.text(
    "SELECT a.category, c.category_weights FROM assignments a JOIN courses c ON c.id = a.course_id"
)


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """``app`` served on a free local port by werkzeug's threaded server; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


class Api:
    """Calls a served app's JSON API with a bearer token, one new connection per call."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base = base_url + API_PREFIX
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> requests.Response:
        return requests.request(
            method,
            self.base + path,
            json=body,
            headers={**self.headers, **(headers or {})},
            timeout=60,
        )

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        __tracebackhide__ = True
        response = self.call("POST", path, body)
        assert response.status_code == 201, f"POST {path} {body}: {response.text}"
        return response.json()


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` at the same moment (a barrier), each in its own thread; their results."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def race(api: Api, *requests_: tuple[str, str, Any]) -> Counter[int]:
    """Send ``(method, path, body)`` requests at the same moment; the statuses they got."""
    return statuses(at_once([partial(api.call, *request) for request in requests_]))


def statuses(answers: list[requests.Response]) -> Counter[int]:
    return Counter(answer.status_code for answer in answers)


def count(engine: sqlalchemy.Engine, query: sqlalchemy.TextClause) -> int:
    with engine.connect() as connection:
        return connection.execute(query).scalar_one()


def unweighted_assignments(engine: sqlalchemy.Engine) -> int:
    """Assignments whose category is not among their course's weights (when it has weights)."""
    with engine.connect() as connection:
        rows = connection.execute(CATEGORIES).all()
    # JSON comes back as text from SQLite and as a dict from PostgreSQL's json type.
    weights = [w if isinstance(w, dict) else json.loads(w) for _, w in rows]
    return sum(1 for (category, _), w in zip(rows, weights, strict=True) if w and category not in w)


def max_points_against_grades(api: Api, students: int = 4) -> Counter[int]:
    """PATCH max_points down to 10 while grades of 90 go in (issue 22, item 1)."""
    course = api.create("/courses", {"code": "RACE-MAX", "name": "Race"})
    ids = [
        api.create("/students", {"name": f"S{i}", "email": f"max{i}@race.example"})["id"]
        for i in range(students)
    ]
    for student_id in ids:
        api.create("/enrollments", {"student_id": student_id, "course_id": course["id"]})
    seen: Counter[int] = Counter()
    for round_ in range(ROUNDS):
        body = {"course_id": course["id"], "title": f"A{round_}", "category": "hw"}
        assignment = api.create("/assignments", {**body, "max_points": 100})
        path = f"/assignments/{assignment['id']}"
        grade = {"assignment_id": assignment["id"], "score": 90}
        seen += race(
            api,
            ("PATCH", path, {"max_points": 10}),
            *(("POST", "/grades", {**grade, "student_id": s}) for s in ids),
        )
    return seen


def unenroll_against_grades(api: Api, assignments: int = 3) -> Counter[int]:
    """DELETE an enrollment while grades for that student go in (issue 22, item 1)."""
    course = api.create("/courses", {"code": "RACE-ENR", "name": "Race"})
    body = {"course_id": course["id"], "category": "hw", "max_points": 10}
    ids = [api.create("/assignments", {**body, "title": f"A{i}"})["id"] for i in range(assignments)]
    seen: Counter[int] = Counter()
    for round_ in range(ROUNDS):
        student = api.create("/students", {"name": "S", "email": f"enr{round_}@race.example"})
        enrollment = api.create(
            "/enrollments", {"student_id": student["id"], "course_id": course["id"]}
        )
        grade = {"student_id": student["id"], "score": 5}
        seen += race(
            api,
            ("DELETE", f"/enrollments/{enrollment['id']}", None),
            *(("POST", "/grades", {**grade, "assignment_id": a}) for a in ids),
        )
    return seen


def weights_against_assignments(api: Api, assignments: int = 3) -> Counter[int]:
    """PATCH a course's weights to drop "lab" while "lab" assignments go in (issue 22, item 1)."""
    seen: Counter[int] = Counter()
    for round_ in range(ROUNDS):
        weights = {"hw": 50, "lab": 50}
        course = api.create(
            "/courses", {"code": f"RACE-CAT-{round_}", "name": "Race", "category_weights": weights}
        )
        body = {"course_id": course["id"], "category": "lab", "max_points": 10}
        seen += race(
            api,
            ("PATCH", f"/courses/{course['id']}", {"category_weights": {"hw": 100}}),
            *(("POST", "/assignments", {**body, "title": f"L{i}"}) for i in range(assignments)),
        )
    return seen


def increments(api: Api, clients: int = 20, step: float = 0.5) -> tuple[float, Counter[int]]:
    """``clients`` each read a grade and write its score + ``step`` with If-Match, reading
    again after a 412 (issue 22, item 2). Returns the final score and every PATCH status."""
    *_, grade = graded_student(
        api,
        {"code": "RACE-INC", "name": "Race"},
        {"name": "S", "email": "inc@race.example"},
        {"title": "A", "category": "hw", "max_points": 100},
        score=0,
    )
    path = f"/grades/{grade['id']}"

    def increment() -> list[requests.Response]:
        answers = []
        for _attempt in range(10 * clients):
            current = api.call("GET", path)
            assert current.status_code == 200, f"GET {path}: {current.status_code} {current.text}"
            etag = current.headers["ETag"]
            answer = api.call(
                "PATCH", path, {"score": current.json()["score"] + step}, {"If-Match": etag}
            )
            answers.append(answer)
            if answer.status_code != 412:
                break
        return answers

    answers = [answer for batch in at_once([increment] * clients) for answer in batch]
    return api.call("GET", path).json()["score"], statuses(answers)


def same_email(api: Api, clients: int = 20) -> Counter[int]:
    """``clients`` add the same student at once, the email spelled with other case, width and
    invisible characters (issue 22, item 4)."""
    spellings = ["amy@x.edu", "AMY@X.EDU", "amy@x.edu\u200b", "ａｍｙ@x.edu", "\u200dAmy@X.edu"]
    return race(
        api,
        *(
            ("POST", "/students", {"name": "Amy", "email": spellings[i % len(spellings)]})
            for i in range(clients)
        ),
    )
