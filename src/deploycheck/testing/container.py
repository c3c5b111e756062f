"""The app image running as Render runs it, in testcontainers style.

``AppContainer`` starts the built image with production settings (``APP_ENV=production`` from
the image, secrets from :class:`AppSecrets`), exposes facts about the running container
(health status, processes, logs) and waits on Docker's own health state.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from deploycheck.errors import CommandFailedError, ContainerNotReadyError
from deploycheck.targets.image import Process
from deploycheck.testing.builds import TEST_LABELS
from deploycheck.testing.waiting import publish_on_loopback

APP_PORT = 10000
HOST = "127.0.0.1"
NANOSECONDS = 1_000_000_000
LOG_TAIL_LINES = 20


@dataclass(frozen=True)
class AppSecrets:
    """Random production secrets for one test run; known to the tests so they can look for
    them where they must never appear (logs, image history)."""

    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    encryption_key: str = field(
        default_factory=lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    )
    db_password: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def values(self) -> list[str]:
        return [self.secret_key, self.encryption_key, self.db_password]


class AppContainer(DockerContainer):
    """The production image, configured from env like Render configures it."""

    def __init__(self, image: str, port: int = APP_PORT) -> None:
        super().__init__(image)
        self.port = port
        # Published on loopback only: the container holds production-like secrets.
        self.with_env("PORT", str(port))
        publish_on_loopback(self, port, HOST)
        self.with_kwargs(labels=TEST_LABELS)

    def with_production_env(
        self,
        *,
        database_url: str,
        redis_url: str,
        app_secrets: AppSecrets,
        cors_origins: str,
    ) -> AppContainer:
        """Set every variable render.yaml gives the service, with test values."""
        settings = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "FLASK_SECRET_KEY": app_secrets.secret_key,
            "API_TOKEN_ENCRYPTION_KEY": app_secrets.encryption_key,
            "SESSION_COOKIE_SECURE": "true",
            "CORS_ORIGINS": cors_origins,
        }
        for key, value in settings.items():
            self.with_env(key, value)
        return self

    def with_fast_healthcheck(self, interval_seconds: float = 2.0) -> AppContainer:
        """Keep the image's HEALTHCHECK command but probe often, so tests wait seconds, not
        minutes. An empty ``test`` tells Docker to inherit the image's command."""
        interval = int(interval_seconds * NANOSECONDS)
        # with_kwargs replaces earlier kwargs, so carry the labels over.
        self.with_kwargs(
            **self._kwargs,
            healthcheck={
                "test": [],
                "interval": interval,
                "timeout": 5 * NANOSECONDS,
                "retries": 3,
                "start_period": 60 * NANOSECONDS,
            },
        )
        return self

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.get_exposed_port(self.port)}"

    def state(self) -> dict:
        container = self.get_wrapped_container()
        container.reload()
        return container.attrs["State"]

    def health_status(self) -> str:
        """Docker's health state: ``starting``, ``healthy`` or ``unhealthy``."""
        return (self.state().get("Health") or {}).get("Status", "none")

    def wait_for_health(self, wanted: str = "healthy", timeout: float = 120) -> float:
        """Wait until Docker reports ``wanted``; returns the seconds it took since the call.

        Not testcontainers' ``HealthcheckWaitStrategy``: that one waits for ``healthy`` only
        (the tests also wait for ``unhealthy``), keeps polling a container that has exited
        until its timeout, and fails without the container's logs or last probe output."""
        started = time.monotonic()
        status = self.health_status()
        while status != wanted:
            if not self.state().get("Running"):
                self._not_ready(wanted, "exited", "Hint: the app refused to start; see its logs.")
            if time.monotonic() - started > timeout:
                self._not_ready(
                    wanted,
                    status,
                    "Hint: run the HEALTHCHECK command by hand with docker exec to see why.",
                )
            time.sleep(0.5)
            status = self.health_status()
        return time.monotonic() - started

    def processes(self) -> list[Process]:
        top = self.get_wrapped_container().top(ps_args="-eo uid,pid,ppid,args")
        return [
            Process(int(uid), int(pid), int(ppid), command)
            for uid, pid, ppid, command in top["Processes"]
        ]

    def gunicorn_workers(self) -> list[Process]:
        """The children of gunicorn's master (PID 1 in the container, whose parent is outside
        it); health probes and ``docker exec`` sessions are not among them."""
        processes = self.processes()
        pids = {process.pid for process in processes}
        masters = [p for p in processes if "gunicorn" in p.command and p.ppid not in pids]
        return [p for p in processes if masters and p.ppid == masters[0].pid]

    def run_to_exit(self, timeout: float = 120) -> tuple[int, str]:
        """Start a one-off command (``with_command``), like Render's preDeployCommand, wait
        for it to exit and return its exit code and output."""
        self.start()
        result = self.get_wrapped_container().wait(timeout=timeout)
        return int(result["StatusCode"]), self.logs_text()

    def logs_text(self, until: str | None = None, timeout: float = 10.0) -> str:
        """The container's output so far; with ``until``, once that text has appeared (a
        server writes its access line after the answer, so a client can be ahead of it), or
        as it is after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            stdout, stderr = self.get_logs()
            text = (stdout + stderr).decode(errors="replace")
            if until is None or until in text or time.monotonic() > deadline:
                return text
            time.sleep(0.1)

    def stop_and_time(self, timeout: int = 30) -> tuple[float, int]:
        """``docker stop`` (SIGTERM, then SIGKILL after ``timeout``): seconds and exit code."""
        container = self.get_wrapped_container()
        started = time.monotonic()
        container.stop(timeout=timeout)
        seconds = time.monotonic() - started
        container.reload()
        return seconds, int(container.attrs["State"]["ExitCode"])

    def _not_ready(self, wanted: str, status: str, hint: str) -> None:
        container = self.get_wrapped_container()
        tail = "\n".join(self.logs_text().splitlines()[-LOG_TAIL_LINES:])
        health_log = (self.state().get("Health") or {}).get("Log") or []
        last_probe = health_log[-1].get("Output", "").strip() if health_log else "no probe yet"
        raise ContainerNotReadyError(
            f"container {container.name} ({self.image}) is {status}, not {wanted}; "
            f"last health probe: {last_probe}\n{tail}\n{hint}"
        )


@dataclass(frozen=True)
class AppEnv:
    """Where app containers run (a network shared with their services) and the production
    settings they get; one place so every app container of a run is configured alike."""

    network: Network
    database_url: str
    redis_url: str
    app_secrets: AppSecrets
    cors_origins: str

    def container(self, image: str, port: int = APP_PORT) -> AppContainer:
        """The app as Render runs it, with a health check probing every 2 s."""
        container = AppContainer(image, port).with_production_env(
            database_url=self.database_url,
            redis_url=self.redis_url,
            app_secrets=self.app_secrets,
            cors_origins=self.cors_origins,
        )
        container.with_network(self.network)
        return container.with_fast_healthcheck()

    def migrate(self, image: str, command: str) -> None:
        """Run ``command`` in a one-off container with the same settings, like Render's
        preDeployCommand; raises CommandFailedError when it exits non-zero."""
        one_off = self.container(image).with_command(command)
        try:
            code, output = one_off.run_to_exit()
        finally:
            one_off.stop()
        if code != 0:
            raise CommandFailedError(f"`{command}` in {image} exited {code}:\n{output}")


@contextmanager
def running_app(container: AppContainer) -> Iterator[float]:
    """Start ``container``, wait for Docker's ``healthy``, yield the seconds that took, and
    remove the container on leaving, even when it never became healthy."""
    started = time.monotonic()
    try:
        container.start()
        container.wait_for_health()
        yield time.monotonic() - started
    finally:
        container.stop()
