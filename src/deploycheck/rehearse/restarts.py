"""Render's restarts of a running service's instances, on the rehearsal's compressed clock
(:data:`~.balancer.COMPRESSION`):

- an instance whose process exited (a crash, an out-of-memory kill) is started again at once;
- an instance that was healthy and has failed its health checks for about 60 s
  (render.com/docs/health-checks) is restarted: here after ``60 / COMPRESSION`` seconds.

Only instances the proxy routes to are watched: one drained for its SIGTERM, or a new version
that never became healthy (Render cancels that deploy instead), is left alone.
"""

from __future__ import annotations

import threading
import time
from typing import Self

from deploycheck.rehearse.balancer import COMPRESSION, RENDER_RESTART_S
from deploycheck.rehearse.instances import PORT, Instance
from deploycheck.rehearse.stack import Stack

RESTART_AFTER_S = RENDER_RESTART_S / COMPRESSION
POLL_S = 0.5
# A crash loop is restarted no faster than this (Render backs off too).
CRASH_BACKOFF_S = 2.0
DRAINING = 0x08


class Restarts:
    """Watches ``stack``'s routed instances while the block runs; ``restarted`` lists
    ``(seconds on the timeline, instance name, why)``."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.restarted: list[tuple[float, str, str]] = []
        self._was_up: set[str] = set()
        self._down_since: dict[str, float] = {}
        self._last_restart: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self.error: BaseException | None = None

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)
        if self.error is not None:
            raise RuntimeError(f"emulating Render's restarts failed: {self.error}")

    def _watch(self) -> None:
        try:
            while not self._stop.wait(POLL_S):
                self._tick(time.monotonic())
        except Exception as exc:  # reported on leaving: a silent watcher would pass scenarios
            self.error = exc

    def _tick(self, now: float) -> None:
        servers = self.stack.balancer.servers()
        for instance in list(self.stack.fleet.instances):
            server = servers.get(instance.name)
            if server is None or server.admin & (DRAINING | 0x07):
                continue
            state = instance.state()
            if server.up:
                self._was_up.add(instance.name)
                self._down_since.pop(instance.name, None)
            if not state.get("Running"):
                if now - self._last_restart.get(instance.name, 0.0) >= CRASH_BACKOFF_S:
                    self._restart(instance, f"exited {state.get('ExitCode')}", now)
            elif not server.up and instance.name in self._was_up:
                since = self._down_since.setdefault(instance.name, now)
                if now - since >= RESTART_AFTER_S:
                    self._restart(
                        instance, f"failed its health checks for {now - since:.0f} s", now
                    )

    def _restart(self, instance: Instance, why: str, now: float) -> None:
        """Start the instance's container again (SIGTERM first if it still runs) and point the
        proxy at its address, which the engine may have changed."""
        network = self.stack.network.name
        before = instance.address(network) if instance.state().get("Running") else None
        # Recorded when Render decides to restart; the engine may take seconds to do it.
        self.restarted.append((self.stack.timeline.now(), instance.name, why))
        self.stack.timeline.mark(f"{instance.name} restarted ({why})")
        wrapped = instance.container.get_wrapped_container()
        wrapped.restart(timeout=self.stack.target.shutdown_window)
        self._last_restart[instance.name] = now
        self._down_since[instance.name] = time.monotonic()
        address = instance.address(network)
        if address != before:
            self.stack.balancer.set_address(instance.name, address, PORT)
