"""Slow clients cannot starve the server: the image's gunicorn worker (app.worker) reads each
request in its main loop and gives a thread only to one that has fully arrived.

The hostile review's attack: clients that send ``POST /login`` headers with
``Content-Length: 1000`` and then a byte now and then. Stock gthread gave each a thread for as
long as it trickled, and 8 of them (2 workers x 4 threads) stalled ``/health`` for minutes.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests

from app.worker import READ_TIMEOUT
from deploycheck.targets.image import Image
from deploycheck.testing.container import AppContainer, AppEnv, running_app

pytestmark = pytest.mark.container

# Twice the threads of the default 2 workers x 4 (gunicorn.conf.py).
TRICKLERS = 16
# The image's HEALTHCHECK timeout, and Render's health check's.
CHECK_TIMEOUT = 5.0
# A 408 or a close may take one turn of the worker's 1 s main loop past READ_TIMEOUT.
CLOSE_BOUND = READ_TIMEOUT + 3.0
SLOW_HEAD = (
    b"POST /login HTTP/1.1\r\nHost: app\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 1000\r\n\r\nemail=a"
)


@pytest.fixture(scope="module")
def slow_client_container(app_image: Image, migrated_env: AppEnv) -> Iterator[AppContainer]:
    """A container of its own: on a server without the fix the tricklers would stall it."""
    container = migrated_env.container(app_image.ref)
    with running_app(container):
        yield container


def open_trickler(host: str, port: int) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=CHECK_TIMEOUT)
    sock.sendall(SLOW_HEAD)
    sock.setblocking(False)
    return sock


def answer_or_close(sock: socket.socket) -> bytes | None:
    """What the server said (b"" for a close), or None while it is silent."""
    try:
        return sock.recv(4096)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def test_trickling_bodies_leave_health_answering_and_get_408(
    slow_client_container: AppContainer,
) -> None:
    host = slow_client_container.get_container_host_ip()
    port = int(slow_client_container.get_exposed_port(slow_client_container.port))
    started = time.monotonic()
    open_socks = {n: open_trickler(host, port) for n in range(TRICKLERS)}
    answers: dict[int, tuple[float, bytes]] = {}
    health_seconds: list[float] = []
    try:
        while open_socks and time.monotonic() - started < CLOSE_BOUND + CHECK_TIMEOUT:
            for n, sock in list(open_socks.items()):
                answer = answer_or_close(sock)
                if answer is None:
                    try:
                        sock.send(b"x")  # one more byte of the 1000 announced
                        continue
                    except OSError:
                        answer = b""
                answers[n] = (time.monotonic() - started, answer)
                sock.close()
                del open_socks[n]
            probe = time.monotonic()
            try:
                status = requests.get(
                    f"{slow_client_container.base_url}/health", timeout=CHECK_TIMEOUT
                ).status_code
            except requests.RequestException as error:
                status = type(error).__name__
            health_seconds.append(time.monotonic() - probe)
            situation = (
                f"/health answered {status} after {health_seconds[-1]:.1f} s while "
                f"{len(open_socks)} clients trickled request bodies"
            )
            assert status == 200, situation
            assert health_seconds[-1] < CHECK_TIMEOUT, (
                f"{situation} (check timeout {CHECK_TIMEOUT} s)"
            )
            time.sleep(max(0.0, 1.0 - (time.monotonic() - probe)))
    finally:
        for sock in open_socks.values():
            sock.close()
    assert not open_socks, (
        f"{len(open_socks)} of {TRICKLERS} trickling requests still open after "
        f"{CLOSE_BOUND + CHECK_TIMEOUT:.0f} s"
    )
    late = {n: round(at, 1) for n, (at, _) in answers.items() if at > CLOSE_BOUND}
    assert not late, f"trickling requests answered after the {CLOSE_BOUND} s bound: {late}"
    refused = [answer for _, answer in answers.values() if answer]
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in refused), refused
    assert len(health_seconds) >= READ_TIMEOUT, (
        f"only {len(health_seconds)} health probes ran while the clients trickled"
    )


def test_a_request_that_arrives_whole_is_still_served(
    slow_client_container: AppContainer,
) -> None:
    """The worker buffers before a thread serves: a form post and a keep-alive session work."""
    with requests.Session() as session:
        login = session.get(f"{slow_client_container.base_url}/login", timeout=10)
        again = session.get(f"{slow_client_container.base_url}/health", timeout=10)
    assert (login.status_code, again.status_code) == (200, 200)
