"""The start/stop lifetime the suites' services share (containers, a registry, a server)."""

from __future__ import annotations

from typing import Self


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
