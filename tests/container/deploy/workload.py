"""gradetracker's load for the rehearsal: an API token from ``flask create-token``, a seeded
course, and a mix of reads (a course summary, a student page) and writes (new students) whose
acknowledged ids must still be in the database after every scenario."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from deploycheck.rehearse.load import REQUEST_TIMEOUT, Request
from deploycheck.rehearse.stack import Stack
from deploycheck.rehearse.workload import last_line

API = "/api/v1"
WRITE_EVERY = 4  # one request in four is a write


@dataclass
class Seed:
    """What the load reads: one course with an enrolled student and a grade."""

    course_id: int
    student_id: int
    assignment_id: int


def api_session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def seed(base_url: str, token: str) -> Seed:
    """Create the course, student, assignment and grade the reads ask for."""
    session = api_session(token)

    def create(path: str, body: dict[str, Any]) -> int:
        response = session.post(base_url + API + path, json=body, timeout=REQUEST_TIMEOUT)
        if response.status_code != 201:
            raise AssertionError(f"seeding POST {path}: {response.status_code} {response.text}")
        return int(response.json()["id"])

    course = create("/courses", {"code": "REH101", "name": "Rehearsal"})
    student = create("/students", {"name": "Ada", "email": "ada@rehearsal.example"})
    create("/enrollments", {"student_id": student, "course_id": course})
    assignment = create(
        "/assignments",
        {"course_id": course, "title": "HW1", "category": "homework", "max_points": 10},
    )
    create("/grades", {"student_id": student, "assignment_id": assignment, "score": 9})
    return Seed(course, student, assignment)


@dataclass
class GradetrackerWorkload:
    """Bearer-token API traffic: reads of the seeded course, student writes every fourth.
    ``setup_command`` (the config's ``rehearse: setup:``) prints the API token last."""

    setup_command: str | None
    token: str = ""
    seeded: Seed | None = None

    def prepare(self, base_url: str, setup_output: str) -> None:
        """The token is the setup command's last line; seed the data the reads ask for."""
        self.token = last_line(setup_output)
        if not self.token:
            raise AssertionError(f"the setup command printed no token: {setup_output!r}")
        self.seeded = seed(base_url, self.token)

    def headers(self) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def request(self, number: int, writes: bool) -> Request:
        if writes and number % WRITE_EVERY == WRITE_EVERY - 1:
            # Unique across the loads of a scenario, whose numbers each start at 0.
            email = f"load-{number}-{secrets.token_hex(4)}@rehearsal.example"
            body = {"name": f"Load {number}", "email": email}
            return Request("write", "POST", f"{API}/students", body)
        assert self.seeded is not None, "prepare() seeds the data the load reads"
        if number % 2:
            return Request("read", "GET", f"{API}/courses/{self.seeded.course_id}/summary")
        return Request("read", "GET", f"{API}/students?per_page=5")

    def slow_request(self) -> Request | None:
        return None  # the suite's sigterm-drain holds writes on a lock instead

    def acknowledged(self, request: Request, response: requests.Response) -> int | None:
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        return int(response.json()["id"]) if response.status_code == 201 and is_json else None

    def missing(self, stack: Stack, acknowledged: Sequence[Any]) -> list[Any]:
        """Acknowledged student ids that are not in the database."""
        ids = list(acknowledged)
        found = {row[0] for row in stack.sql("SELECT id FROM students WHERE id = ANY(%s)", ids)}
        return sorted(set(ids) - found)
