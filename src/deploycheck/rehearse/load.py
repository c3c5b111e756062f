"""A bounded load generator: steady requests through the balancer on 127.0.0.1, for a fixed
duration and at most a fixed count, recording every request.

What to send is the project's: a :class:`Workload` names each request (a read, or a write whose
answer acknowledges something the scenario later proves is still there). :class:`PathsWorkload`,
GETs on a few paths and no writes, is the default any web service can take.

Each record says when it was sent, which instance answered (the balancer's ``X-Served-By``),
the status (0: no HTTP answer), the latency and, for a write, what the app acknowledged.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import requests

if TYPE_CHECKING:
    from deploycheck.rehearse.stack import Stack

# Low enough to leave a shared 2-core machine breathing, high enough that a second-long
# outage shows up as dozens of requests.
DEFAULT_RATE = 20.0
DEFAULT_CLIENTS = 4
REQUEST_TIMEOUT = 15.0


@dataclass(frozen=True)
class Request:
    """One request a workload asks for."""

    kind: Literal["read", "write"]
    method: str
    path: str
    body: Any = None


@dataclass(frozen=True)
class Record:
    """One request and what came back."""

    sent: float  # seconds since the load started
    kind: Literal["read", "write"]
    path: str
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    latency_ms: float
    instance: str
    json: bool
    ack_id: Any = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400


class Workload(Protocol):
    """What a project's load sends and how its writes are proven.

    ``setup_command`` runs once in a one-off container after the first deploy's
    ``preDeployCommand`` (say, to create an API token); ``prepare`` gets the running service's
    URL and that command's output (to seed data the reads ask for)."""

    setup_command: str | None

    def prepare(self, base_url: str, setup_output: str) -> None: ...

    def headers(self) -> Mapping[str, str]: ...

    def request(self, number: int, writes: bool) -> Request: ...

    def acknowledged(self, request: Request, response: requests.Response) -> Any: ...

    def missing(self, stack: Stack, acknowledged: Sequence[Any]) -> list[Any]: ...


@dataclass
class PathsWorkload:
    """GET on ``paths`` in turn, no writes: the load any web service can take."""

    paths: Sequence[str]
    setup_command: str | None = None

    def prepare(self, base_url: str, setup_output: str) -> None:
        return None

    def headers(self) -> Mapping[str, str]:
        return {}

    def request(self, number: int, writes: bool) -> Request:
        return Request("read", "GET", self.paths[number % len(self.paths)])

    def acknowledged(self, request: Request, response: requests.Response) -> Any:
        return None

    def missing(self, stack: Stack, acknowledged: Sequence[Any]) -> list[Any]:
        return []


@dataclass
class Timeline:
    """Events of a scenario (deploy steps, faults) on the load's clock."""

    started: float = field(default_factory=time.monotonic)
    events: list[tuple[float, str]] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.started

    def mark(self, label: str) -> None:
        self.events.append((round(self.now(), 3), label))


class Load:
    """``clients`` threads sharing ``rate`` requests per second until ``duration`` seconds or
    ``max_requests`` requests, whichever comes first (or until stopped)."""

    def __init__(
        self,
        base_url: str,
        workload: Workload,
        timeline: Timeline,
        *,
        duration: float = 60.0,
        rate: float = DEFAULT_RATE,
        clients: int = DEFAULT_CLIENTS,
        max_requests: int = 5000,
        writes: bool = True,
    ) -> None:
        self.base_url = base_url
        self.workload = workload
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
        wanted = self.workload.request(number, self.writes)
        url = self.base_url + wanted.path
        sent = self.timeline.now()
        started = time.monotonic()
        try:
            response = session.request(
                wanted.method, url, json=wanted.body, timeout=REQUEST_TIMEOUT
            )
        except requests.RequestException as exc:
            latency = (time.monotonic() - started) * 1000
            return Record(
                sent, wanted.kind, wanted.path, 0, latency, "", False, error=type(exc).__name__
            )
        latency = (time.monotonic() - started) * 1000
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        ack = self.workload.acknowledged(wanted, response) if wanted.kind == "write" else None
        return Record(
            sent,
            wanted.kind,
            wanted.path,
            response.status_code,
            latency,
            response.headers.get("X-Served-By", "direct"),
            is_json,
            ack,
            "" if response.ok else response.text[:200],
        )

    def _client(self, offset: float) -> None:
        session = requests.Session()
        session.headers.update(self.workload.headers())
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
    def acknowledged(self) -> list[Any]:
        return [r.ack_id for r in self.records if r.ack_id is not None]
