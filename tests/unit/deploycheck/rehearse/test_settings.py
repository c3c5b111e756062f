"""The ``rehearse:`` section of a deploycheck config and the workload it describes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from deploycheck.cli import main
from deploycheck.config import load_config
from deploycheck.errors import ConfigError
from deploycheck.rehearse.settings import Call, RehearseSettings
from deploycheck.rehearse.workload import ConfiguredWorkload

FULL = """\
rehearse:
  env: {LIMIT: 100000 per minute, WORKERS: 2}
  dashboard: {SENTRY_DSN: ""}
  setup: make-token rehearsal
  headers: {Authorization: "Bearer {setup}"}
  reads: [GET /health, get /items]
  slow: GET /reports/yearly
  env_file: .env.rehearse
  write:
    request: POST /items
    body: {name: "Load {n}", tag: "{uid}"}
    ack: id
    check: GET /items/{ack}
"""


def config(tmp_path: Path, text: str) -> RehearseSettings | None:
    path = tmp_path / ".deploycheck.yaml"
    path.write_text(text)
    return load_config(path).rehearse


def test_reads_every_field(tmp_path: Path) -> None:
    settings = config(tmp_path, FULL)

    assert settings is not None
    assert settings.env == {"LIMIT": "100000 per minute", "WORKERS": "2"}
    assert settings.dashboard == {"SENTRY_DSN": ""}
    assert settings.setup == "make-token rehearsal"
    assert settings.reads == (Call("GET", "/health"), Call("GET", "/items"))
    assert (settings.slow, settings.env_file) == (Call("GET", "/reports/yearly"), ".env.rehearse")
    assert settings.write is not None
    assert (str(settings.write.request), settings.write.ack) == ("POST /items", "id")
    assert str(settings.write.check) == "GET /items/{ack}"


def test_no_section_is_none_and_the_defaults_read_health_and_root(tmp_path: Path) -> None:
    assert config(tmp_path, "rules: {}\n") is None
    defaults = RehearseSettings()
    assert defaults.read_calls("/healthz") == (Call("GET", "/healthz"), Call("GET", "/"))
    assert defaults.read_calls("/") == (Call("GET", "/"),)
    assert defaults.read_calls(None) == (Call("GET", "/"),)
    assert (defaults.slow, defaults.env_file) == (None, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rehearse: [GET /]\n", r":1: rehearse: must be a mapping"),
        ("rehearse:\n  loads: []\n", r":2: unknown key 'loads' in rehearse:"),
        ("rehearse:\n  reads: [/health]\n", r":2: expected 'METHOD /path'"),
        ("rehearse:\n  reads: [FETCH /health]\n", r":2: expected 'METHOD /path'"),
        ("rehearse:\n  env: {A: [1]}\n", r":2: rehearse: env: A must be a string or a number"),
        ("rehearse:\n  write: {request: POST /x, ack: id}\n", r":2: rehearse: write: needs check:"),
        (
            "rehearse:\n  write:\n    request: POST /x\n    ack: id\n    check: GET /x\n",
            r":5: rehearse: write: check: must put \{ack\} in its path",
        ),
        ("rehearse:\n  setup: ''\n", r":2: rehearse: setup: must be a command"),
    ],
)
def test_names_each_mistake_at_its_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config(tmp_path, text)


class Items(BaseHTTPRequestHandler):
    """A tiny service: POST /items stores one and answers its id; GET /items/N finds it."""

    stored: set[int] = set()  # noqa: RUF012  (one server per test, reset by the fixture)

    def do_POST(self) -> None:  # noqa: N802  (http.server's name)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.stored.add(len(self.stored) + 1)
        self._answer(201, {"id": len(self.stored)})

    def do_GET(self) -> None:  # noqa: N802
        number = self.path.rsplit("/", 1)[-1]
        found = number.isdigit() and int(number) in self.stored
        self._answer(200 if found else 404, {"auth": self.headers.get("Authorization")})

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def items_url() -> Iterator[str]:
    """The Items service on a free port of 127.0.0.1."""
    Items.stored = set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Items)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_workload_writes_one_in_four_and_finds_what_it_acknowledged(
    tmp_path: Path, items_url: str
) -> None:
    settings = config(tmp_path, FULL)
    assert settings is not None
    workload = ConfiguredWorkload(settings, "/health")
    workload.prepare(items_url, "migrating...\ntoken-123\n")
    session = requests.Session()
    session.headers.update(workload.headers())

    asked = [workload.request(n, writes=True) for n in range(8)]
    acked = []
    for wanted in asked:
        if wanted.kind == "write":
            answer = session.request(wanted.method, items_url + wanted.path, json=wanted.body)
            acked.append(workload.acknowledged(wanted, answer))

    assert [r.kind for r in asked].count("write") == 2
    assert asked[3].body["name"] == "Load 3"
    assert asked[3].body["tag"] != asked[7].body["tag"]
    assert workload.headers() == {"Authorization": "Bearer token-123"}
    assert acked == [1, 2]
    assert workload.missing(None, acked) == []
    assert workload.missing(None, [1, 99]) == [99]


def test_without_a_write_probe_the_workload_only_reads(tmp_path: Path) -> None:
    workload = ConfiguredWorkload(RehearseSettings(), "/health")

    kinds = {workload.request(n, writes=True).kind for n in range(8)}

    assert kinds == {"read"}
    assert workload.missing(None, [1]) == []


def test_the_command_refuses_a_missing_blueprint_and_an_unknown_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "render.yaml").write_text("services: []\n")

    missing = main(["rehearse", str(tmp_path / "nope.yaml"), "--no-config"])
    unknown = main(["rehearse", str(tmp_path / "render.yaml"), "--scenario", "chaos"])

    err = capsys.readouterr().err
    assert (missing, unknown) == (2, 2)
    assert "cannot read Blueprint" in err
    assert "unknown scenario 'chaos' (known: zero-downtime-deploy" in err
