"""A bounded load generator: steady mixed reads and writes through the balancer on 127.0.0.1,
for a fixed duration and at most a fixed count, recording every request.

Each record says when it was sent, which instance answered (the balancer's ``X-Served-By``),
the status (0: no HTTP answer), the latency and, for a write, the id the app acknowledged, so a
scenario can prove afterwards that every acknowledged write is still there. Every request
carries the bearer token, so the load works whether reads need one or not.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests

API = "/api/v1"
# Low enough to leave the shared 2-core machine breathing, high enough that a second-long
# outage shows up as dozens of requests.
DEFAULT_RATE = 20.0
DEFAULT_CLIENTS = 4
REQUEST_TIMEOUT = 15.0
WRITE_EVERY = 4  # one request in four is a write


@dataclass(frozen=True)
class Record:
    """One request and what came back."""

    sent: float  # seconds since the load started
    kind: str  # "read" or "write"
    path: str
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    latency_ms: float
    instance: str
    json: bool
    ack_id: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400


@dataclass
class Seed:
    """What the load reads: one course with an enrolled student and a grade."""

    course_id: int
    student_id: int
    assignment_id: int


@dataclass
class Timeline:
    """Events of a scenario (deploy steps, faults) on the load's clock."""

    started: float = field(default_factory=time.monotonic)
    events: list[tuple[float, str]] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.started

    def mark(self, label: str) -> None:
        self.events.append((round(self.now(), 3), label))


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


class Load:
    """``clients`` threads sharing ``rate`` requests per second until ``duration`` seconds or
    ``max_requests`` requests, whichever comes first (or until stopped)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        seeded: Seed,
        timeline: Timeline,
        *,
        duration: float = 60.0,
        rate: float = DEFAULT_RATE,
        clients: int = DEFAULT_CLIENTS,
        max_requests: int = 5000,
        writes: bool = True,
    ) -> None:
        self.base_url = base_url
        self.token = token
        self.seeded = seeded
        self.timeline = timeline
        self.duration = duration
        self.interval = clients / rate
        self.clients = clients
        self.max_requests = max_requests
        self.writes = writes
        self.records: list[Record] = []
        self._lock = threading.Lock()
        self._numbers = itertools.count()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _next_number(self) -> int | None:
        with self._lock:
            number = next(self._numbers)
        return number if number < self.max_requests else None

    def _request(self, session: requests.Session, number: int) -> Record:
        if self.writes and number % WRITE_EVERY == WRITE_EVERY - 1:
            kind, method, path = "write", "POST", f"{API}/students"
            body: dict[str, Any] | None = {
                "name": f"Load {number}",
                "email": f"load-{number}-{id(self)}@rehearsal.example",
            }
        else:
            kind, method, body = "read", "GET", None
            path = (
                f"{API}/courses/{self.seeded.course_id}/summary"
                if number % 2
                else f"{API}/students?per_page=5"
            )
        sent = self.timeline.now()
        started = time.monotonic()
        try:
            response = session.request(
                method, self.base_url + path, json=body, timeout=REQUEST_TIMEOUT
            )
        except requests.RequestException as exc:
            latency = (time.monotonic() - started) * 1000
            return Record(sent, kind, path, 0, latency, "", False, error=type(exc).__name__)
        latency = (time.monotonic() - started) * 1000
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        ack = None
        if kind == "write" and response.status_code == 201 and is_json:
            ack = int(response.json()["id"])
        error = "" if response.ok else response.text[:200]
        return Record(
            sent,
            kind,
            path,
            response.status_code,
            latency,
            response.headers.get("X-Served-By", "direct"),
            is_json,
            ack,
            error,
        )

    def _client(self, offset: float) -> None:
        session = api_session(self.token)
        deadline = time.monotonic() + self.duration
        next_at = time.monotonic() + offset
        while not self._stop.is_set() and time.monotonic() < deadline:
            self._stop.wait(max(0.0, next_at - time.monotonic()))
            if self._stop.is_set():
                break
            number = self._next_number()
            if number is None:
                break
            record = self._request(session, number)
            with self._lock:
                self.records.append(record)
            next_at += self.interval
        session.close()

    def start(self) -> None:
        for index in range(self.clients):
            offset = index * self.interval / self.clients
            thread = threading.Thread(target=self._client, args=(offset,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)

    @contextmanager
    def running(self) -> Iterator[Load]:
        """Load in the background for the block; stopped (and joined) on leaving. The
        scenario's clock starts here."""
        self.timeline.started = time.monotonic()
        self.timeline.mark("load starts")
        self.start()
        try:
            yield self
        finally:
            self.stop()
            self.timeline.mark("load stops")

    def wait(self, seconds: float) -> None:
        """Let the load run ``seconds`` more (the scenario's steady phases)."""
        time.sleep(seconds)

    @property
    def acknowledged(self) -> list[int]:
        return [r.ack_id for r in self.records if r.ack_id is not None]
