"""A real load balancer in front of the app instances, as Render's proxy is: HAProxy with
active health checks on the Blueprint's ``healthCheckPath`` and its runtime API to add, drain
and remove servers while traffic flows.

HAProxy because it is maintained, small, checks health actively, and its runtime API changes
the server set without a reload (nginx's open-source build has neither active checks nor an
API). The official ``haproxy:2.6`` image is used where a registry answers; air-gapped hosts get
the stand-in scripts/provision-images builds from Debian's package (``HAPROXY_IMAGE``).
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from deploycheck.errors import ContainerNotReadyError
from deploycheck.testing.builds import TEST_LABELS
from deploycheck.testing.engine import IMAGES_HINT, ensure_image
from deploycheck.testing.lifetime import Lifetime
from deploycheck.testing.waiting import ProbeWait, publish_on_loopback

DEFAULT_HAPROXY_IMAGE = "haproxy:2.6"
HOST = "127.0.0.1"
FRONTEND_PORT = 8080
RUNTIME_API_PORT = 9999
BACKEND = "app"
# Render takes an instance out of routing after about 15 s of failed checks (time, not a count;
# render.com/docs/health-checks). Here 3 failed checks 1 s apart do it: a clock compressed 5x
# (docs/rehearse.md), so a rehearsal waits seconds. A check slower than its timeout fails.
CHECK_INTER_MS = 1000
CHECK_TIMEOUT_S = 5
CHECK_FALL = 3
CHECK_RISE = 2

CONFIG = """\
global
    maxconn 2000
    stats socket ipv4@0.0.0.0:{api_port} level admin

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout check {check_timeout}s
    # A refused connection (an instance that stopped listening) is retried on another server.
    retries 3
    option redispatch 1

frontend web
    bind :{frontend_port}
    # Render terminates TLS and forwards the client address and scheme.
    option forwardfor
    http-request set-header X-Forwarded-Proto https
    default_backend {backend}

backend {backend}
    balance roundrobin
    option httpchk GET {health_path}
    http-check expect status 200-399
    # Which instance answered: the load generator records it.
    http-response set-header X-Served-By %s
"""


class BalancerError(RuntimeError):
    """The runtime API refused a command; the message holds HAProxy's answer."""


@dataclass(frozen=True)
class ServerState:
    """One backend server as ``show servers state`` reports it."""

    name: str
    operational: int  # 0 stopped (down), 1 starting, 2 running (up), 3 soft-stopping
    admin: int  # bit 0x01/0x02/0x04: maintenance; 0x08 drain

    @property
    def up(self) -> bool:
        return self.operational == 2 and not self.admin & 0x07


class Balancer(Lifetime):
    """HAProxy in a container on ``network``, published on 127.0.0.1 only."""

    def __init__(self, network: Network, health_path: str, image: str | None = None) -> None:
        self.image = image or os.environ.get("HAPROXY_IMAGE") or DEFAULT_HAPROXY_IMAGE
        self._config_dir = Path(tempfile.mkdtemp(prefix="deploycheck-haproxy-"))
        config = self._config_dir / "haproxy.cfg"
        config.write_text(
            CONFIG.format(
                api_port=RUNTIME_API_PORT,
                frontend_port=FRONTEND_PORT,
                backend=BACKEND,
                health_path=health_path,
                check_timeout=CHECK_TIMEOUT_S,
            )
        )
        self._config_dir.chmod(0o755)
        config.chmod(0o644)
        self.container = (
            DockerContainer(self.image)
            .with_network(network)
            .with_volume_mapping(str(self._config_dir), "/usr/local/etc/haproxy", "ro")
            .with_kwargs(labels=TEST_LABELS)
        )
        for port in (FRONTEND_PORT, RUNTIME_API_PORT):
            publish_on_loopback(self.container, port, HOST)

    def _start(self) -> None:
        ensure_image(self.image)
        self.container.start()
        ProbeWait(
            lambda: self.command("show info"),
            (OSError,),
            f"HAPROXY_IMAGE must be an HAProxy 2.4+ image; {IMAGES_HINT}",
            timeout=30.0,
        ).wait_until_ready(self.container)

    def stop(self) -> None:
        if self.container.get_wrapped_container() is not None:
            self.container.stop()
        for path in self._config_dir.iterdir():
            path.unlink()
        self._config_dir.rmdir()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.container.get_exposed_port(FRONTEND_PORT)}"

    def command(self, line: str) -> str:
        """Send one runtime API command and return HAProxy's answer."""
        port = int(self.container.get_exposed_port(RUNTIME_API_PORT))
        with socket.create_connection((HOST, port), timeout=5) as connection:
            connection.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        answer = b"".join(chunks).decode()
        if not answer.strip() and line.startswith("show"):
            raise OSError(f"empty answer to {line!r}")
        return answer

    def _checked(self, line: str) -> str:
        answer = self.command(line)
        lowered = answer.lower()
        if any(word in lowered for word in ("unknown", "error", "not found", "cannot", "require")):
            raise BalancerError(f"HAProxy refused {line!r}: {answer.strip()}")
        return answer

    def add_server(
        self, name: str, address: str, port: int, *, health_checked: bool = True
    ) -> None:
        """Add ``name`` (at an IP address: dynamic servers are not resolved by name) and let it
        take traffic once its health check passes, as Render does; ``health_checked=False``
        routes to it at once, the broken balancer of a broken variant."""
        server = f"{BACKEND}/{name}"
        if health_checked:
            check = f" check inter {CHECK_INTER_MS} fall {CHECK_FALL} rise {CHECK_RISE}"
            # A new server would start "up, going down": one line, so it is marked down before
            # any request can reach it, and must pass `rise` checks to take traffic.
            steps = [f"add server {server} {address}:{port}{check}", f"enable health {server}"]
            steps += [f"enable server {server}", f"set server {server} health down"]
        else:
            steps = [f"add server {server} {address}:{port}", f"enable server {server}"]
        self._checked("; ".join(steps))

    def drain(self, name: str) -> None:
        """No new requests for ``name``; requests in flight finish."""
        self._checked(f"set server {BACKEND}/{name} state drain")

    def remove_server(self, name: str) -> None:
        self._checked(f"set server {BACKEND}/{name} state maint")
        self._checked(f"shutdown sessions server {BACKEND}/{name}")
        self._checked(f"del server {BACKEND}/{name}")

    def servers(self) -> dict[str, ServerState]:
        """``{name: state}`` of the backend's servers."""
        answer = self.command(f"show servers state {BACKEND}")
        states = {}
        for line in answer.splitlines():
            fields = line.split()
            if len(fields) > 6 and not line.startswith("#") and fields[1] == BACKEND:
                states[fields[3]] = ServerState(fields[3], int(fields[5]), int(fields[6]))
        return states

    def wait_until(self, name: str, up: bool, timeout: float = 90.0) -> float:
        """Wait until ``name`` is up (or down); the seconds it took."""
        started = time.monotonic()
        while True:
            state = self.servers().get(name)
            if state is not None and state.up == up:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise ContainerNotReadyError(
                    f"balancer server {name} is not {'up' if up else 'down'} after {timeout:.0f}s "
                    f"({state}).\nHint: the instance's {BACKEND} health check keeps failing; "
                    "see its logs."
                )
            time.sleep(0.25)
