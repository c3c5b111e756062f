"""The start/stop lifetime the suites' services share (containers, a registry, a server)."""

from __future__ import annotations

from typing import Self

from testcontainers.core.container import DockerContainer
from testcontainers.core.exceptions import ContainerStartException


class Lifetime:
    """Something started and stopped. ``with`` starts it and always stops it; a start that
    fails stops what it had begun before raising, so a half-started service leaves nothing
    behind. Subclasses write ``_start`` and a ``stop`` that is safe to call twice."""

    def _start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def created(container: DockerContainer) -> bool:
    """Whether the engine has ``container`` yet: a start that failed before creating it leaves
    nothing to stop (testcontainers raises for it rather than returning None)."""
    try:
        container.get_wrapped_container()
    except ContainerStartException:
        return False
    return True
