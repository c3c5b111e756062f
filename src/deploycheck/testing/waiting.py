"""Waiting for a service container to serve, and the error that says why it does not."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from testcontainers.core.container import DockerContainer

from deploycheck.errors import ContainerNotReadyError

LOG_TAIL_LINES = 20


def not_ready_error(container: DockerContainer, reason: str, hint: str) -> ContainerNotReadyError:
    """Name the container, its status and last log lines, and end with the hint."""
    wrapped = container.get_wrapped_container()
    if wrapped is None:
        return ContainerNotReadyError(
            f"a container of image {container.image} did not start: {reason}.\nHint: {hint}"
        )
    wrapped.reload()
    state = wrapped.attrs["State"]
    logs = wrapped.logs(tail=LOG_TAIL_LINES).decode(errors="replace").rstrip()
    return ContainerNotReadyError(
        f"container {wrapped.name} ({wrapped.short_id}, image {container.image}) is not ready: "
        f"{reason}; status {state['Status']}, exit code {state['ExitCode']}.\n"
        f"Last {LOG_TAIL_LINES} log lines:\n{logs or '(none)'}\nHint: {hint}"
    )


@dataclass(frozen=True)
class ProbeWait:
    """Call ``probe`` until it stops raising one of ``transient``; give up at once when the
    container is no longer running, and after ``timeout`` seconds otherwise."""

    probe: Callable[[], object]
    transient: tuple[type[BaseException], ...]
    timeout: float = 60.0
    interval: float = 0.5

    def wait_until_ready(self, container: DockerContainer, hint: str) -> None:
        deadline = time.monotonic() + self.timeout
        wrapped = container.get_wrapped_container()
        while True:
            wrapped.reload()
            if wrapped.status not in {"created", "running"}:
                raise not_ready_error(container, f"it is {wrapped.status}", hint)
            try:
                self.probe()
                return
            except self.transient as exc:
                last_error = f"{type(exc).__name__}: {str(exc).strip() or 'no detail'}"
            if time.monotonic() > deadline:
                reason = f"not ready after {self.timeout:.0f}s ({last_error})"
                raise not_ready_error(container, reason, hint)
            time.sleep(self.interval)
