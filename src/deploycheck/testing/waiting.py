"""Waiting for a service container to serve, and the error that says why it does not.

Readiness is a testcontainers :class:`WaitStrategy` (its timeout, poll interval and transient
exceptions), set with ``container.waiting_for(...)`` so ``start()`` waits as testcontainers
does. :class:`ProbeWait` adds the two things the library's strategies do not do: it gives up
as soon as the container has exited (theirs poll a dead container until the timeout), and it
fails with a :class:`ContainerNotReadyError` naming the container, its status and exit code,
its last log lines and a hint (theirs raise a bare ``TimeoutError``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from testcontainers.core.container import DockerContainer
from testcontainers.core.waiting_utils import WaitStrategy, WaitStrategyTarget

from deploycheck.errors import ContainerNotReadyError

LOG_TAIL_LINES = 20


def not_ready_error(
    container: WaitStrategyTarget, image: str, reason: str, hint: str
) -> ContainerNotReadyError:
    """Name the container, its status and last log lines, and end with the hint."""
    wrapped = container.get_wrapped_container()
    if wrapped is None:
        return ContainerNotReadyError(
            f"a container of image {image} did not start: {reason}.\nHint: {hint}"
        )
    wrapped.reload()
    state = wrapped.attrs["State"]
    logs = wrapped.logs(tail=LOG_TAIL_LINES).decode(errors="replace").rstrip()
    return ContainerNotReadyError(
        f"container {wrapped.name} ({wrapped.short_id}, image {image}) is not ready: "
        f"{reason}; status {state['Status']}, exit code {state['ExitCode']}.\n"
        f"Last {LOG_TAIL_LINES} log lines:\n{logs or '(none)'}\nHint: {hint}"
    )


class ProbeWait(WaitStrategy):
    """Call ``probe`` until it stops raising a transient exception (testcontainers' own, plus
    ``transient``); give up at once when the container is no longer running."""

    def __init__(
        self,
        probe: Callable[[], object],
        transient: tuple[type[Exception], ...],
        hint: str,
        timeout: float = 60.0,
        interval: float = 0.5,
    ) -> None:
        super().__init__()
        self.probe = probe
        self.hint = hint
        self.with_transient_exceptions(*transient)
        self.with_startup_timeout(int(timeout))
        self.with_poll_interval(interval)

    def wait_until_ready(self, container: WaitStrategyTarget) -> None:
        image = container.image if isinstance(container, DockerContainer) else "?"
        transient = tuple(self._transient_exceptions)
        deadline = time.monotonic() + self._startup_timeout
        wrapped = container.get_wrapped_container()
        while True:
            wrapped.reload()
            if wrapped.status not in {"created", "running"}:
                raise not_ready_error(container, image, f"it is {wrapped.status}", self.hint)
            try:
                self.probe()
                return
            except transient as exc:
                last_error = f"{type(exc).__name__}: {str(exc).strip() or 'no detail'}"
            if time.monotonic() > deadline:
                reason = f"not ready after {self._startup_timeout:.0f}s ({last_error})"
                raise not_ready_error(container, image, reason, self.hint)
            time.sleep(self._poll_interval)


def publish_on_loopback(
    container: DockerContainer, port: int, host: str, host_port: int | None = None
) -> None:
    """Publish ``port`` on address ``host`` only (at ``host_port``, else a free one), so test
    credentials never face the network. testcontainers' ``with_bind_ports`` takes a port
    number alone; the docker SDK it hands ``ports`` to also takes ``(address, port)``."""
    container.ports[str(port)] = (host, host_port)  # type: ignore[assignment]
