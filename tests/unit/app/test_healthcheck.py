from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app import healthcheck


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(200 if self.path == "/health" else 503)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server_port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A loopback HTTP server answering 200 on /health and 503 elsewhere; PORT points at it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("PORT", str(server.server_port))
    yield server.server_port
    server.shutdown()
    server.server_close()


def test_exits_0_when_health_is_200(server_port: int) -> None:
    assert healthcheck.main([]) == 0


def test_exits_1_with_reason_on_other_status(
    server_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert healthcheck.main(["/ready"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"unhealthy: http://127.0.0.1:{server_port}/ready: HTTP 503"
    )


def test_exits_1_when_nothing_listens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "1")
    assert healthcheck.main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith("unhealthy: http://127.0.0.1:1/health: ")
    assert err.count("\n") == 1


def test_ignores_proxy_settings(server_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:1")
    assert healthcheck.main([]) == 0


def test_malformed_port_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "99999")
    assert healthcheck.main([]) == 1
    assert capsys.readouterr().err == "unhealthy: PORT must be from 1 to 65535, got 99999\n"
